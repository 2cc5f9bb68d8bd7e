/**
 * Store.closeFailure: close() swallows an I/O error at the fdatasync of the
 * active segment (the store is closed all the same), which under fsync
 * 'never' is the only sync its writes get; it is now kept, with the file,
 * for a caller that has said what is durable (kvscope import).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { FaultFs } from '../reliability/fault-fs.js';
import { cleanTempDirs, tempDir } from './helpers.js';

afterEach(cleanTempDirs);

describe('Store.closeFailure', () => {
  it('names the active segment and the error when the close cannot sync it; undefined after a close that synced', async () => {
    const efs = new FaultFs();
    const dir = tempDir() + '/s';
    const store = await Store.open(dir, { create: true, fsync: 'never', fs: efs });
    await store.put('a', '1');
    expect(store.activeFile).toBe('000001.data');
    efs.arm({ kind: 'fdatasyncSync', nth: 1, mode: 'EIO' });
    await store.close();
    expect(efs.fired?.path).toMatch(/000001\.data$/);
    expect(store.closeFailure?.file).toBe('000001.data');
    expect(store.closeFailure?.cause.message).toMatch(/^syncing 000001\.data at close failed: EIO: i\/o error \(injected\)/);
    efs.disarm();

    const again = await Store.open(dir, { fsync: 'never', fs: efs });
    await again.put('b', '2');
    await again.close();
    expect(again.closeFailure).toBeUndefined();
    const reader = await Store.open(dir, { readOnly: true });
    await reader.close();
    expect(reader.closeFailure).toBeUndefined();
  });
});
