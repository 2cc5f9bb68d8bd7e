/**
 * The words for a damaged record's key, for the contract's users (the renderer, the service, the CLI). They are
 * made in the engine (src/engine/damaged-key.ts), whose open report and verify say them too; plain data and
 * functions, no Node, so the renderer may bundle them.
 */
export * from '../engine/damaged-key.js';
