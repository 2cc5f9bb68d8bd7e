/**
 * The contract's method names, as plain data (no zod) so the sandboxed
 * preload can import them without pulling in the schemas. contract.ts checks
 * at compile time that its schemas cover exactly these names.
 */
export const METHOD_NAMES = [
  'openStore',
  'closeStore',
  'setMode',
  'listKeys',
  'keyTree',
  'largestValues',
  'getValue',
  'putValue',
  'deleteKey',
  'history',
  'deletedKeys',
  'stats',
  'compact',
  'cancelJob',
  'listRecent',
  'addRecent',
  'formats',
  'chooseDirectory',
  'chooseFile',
  'segments',
  'records',
  'recordAt',
  'readBytes',
  'recordValue',
  'diffVersions',
  'restoreVersion',
  'verify',
  'deadSpace',
  'repair',
  'crashLab',
  'follow',
  'copyStore',
  'exportKeys',
  'importFile',
] as const;

export type MethodName = (typeof METHOD_NAMES)[number];

/** Channel names used by Electron IPC, derived from the method names. */
export const IPC_PREFIX = 'kvscope:';
export const IPC_EVENT_CHANNEL = 'kvscope:event';
export function ipcChannel(method: MethodName): string {
  return IPC_PREFIX + method;
}
