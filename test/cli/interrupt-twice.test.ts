/**
 * A second Ctrl-C while long work is being stopped (the store closing) does
 * not kill the process: before, the handler was there once, so the second
 * SIGINT found none and Node's default killed the process mid-close (a stale
 * LOCK, no keydir image, the progress line left drawn, nothing said of what
 * was imported). The SIGINTs are emitted on `process` (listeners only: no
 * real signal is sent, so nothing here can kill the test's process).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { onInterrupt } from '../../src/cli/commands.js';

const disposers: (() => void)[] = [];
afterEach(() => {
  for (const d of disposers.splice(0)) d();
});

describe('Ctrl-C twice during long work', () => {
  it('the first stops the work; a second is caught (said once), so that the close finishes', () => {
    const base = process.listenerCount('SIGINT');
    const said: string[] = [];
    const interrupt = onInterrupt({ err: (t) => said.push(t) });
    disposers.push(interrupt.dispose);
    process.emit('SIGINT', 'SIGINT');
    expect(interrupt.signal.aborted).toBe(true);
    expect(said).toEqual([]);
    // Still handled: a real second SIGINT would not find Node's default (death) while the store closes.
    expect(process.listenerCount('SIGINT')).toBe(base + 1);
    process.emit('SIGINT', 'SIGINT');
    process.emit('SIGINT', 'SIGINT');
    expect(said).toHaveLength(1);
    expect(said[0]).toContain('stopping… the store is being closed');
    // Once the command is done, it is gone: the entry re-raises SIGINT, which then kills as Node's default does.
    interrupt.dispose();
    expect(process.listenerCount('SIGINT')).toBe(base);
  });
});
