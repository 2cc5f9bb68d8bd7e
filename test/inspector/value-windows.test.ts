/**
 * getValue in windows (Load more, Load all): the value's CRC covers all of
 * it, so the first window reads and checks the whole value; the windows after
 * it are cut from that one read, not read from the file again. A new version
 * of the key is read anew, never served from the old one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { realFs } from '../../src/engine/fs.js';
import { Store } from '../../src/engine/store.js';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { InspectorService } from '../../src/inspector/service.js';

const MiB = 1024 * 1024;
const SIZE = 3 * MiB;
let base: string;
let n = 0;

/** A value whose every byte says where it is, so windows from the wrong place (or value) show. */
function patterned(size: number, salt: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + salt + (i >> 12)) & 0xff;
  return out;
}

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'kvscope-value-windows-'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

async function openService(): Promise<{ service: InspectorService; sessionId: string; dir: string }> {
  const dir = join(base, `store-${++n}`);
  const store = await Store.open(dir, { create: true, fsync: 'never' });
  await store.put('big', patterned(SIZE, 1));
  await store.put('small', 'x');
  await store.close();
  const service = new InspectorService({ opener: createEngineOpener(), configDir: join(base, `config-${n}`) });
  const { sessionId } = await service.dispatch('openStore', { path: dir, readWrite: true });
  return { service, sessionId, dir };
}

/** Bytes the engine reads from files while `run` runs. */
async function bytesRead(run: () => Promise<void>): Promise<number> {
  let bytes = 0;
  const readSync = realFs.readSync;
  const read = realFs.read;
  const spies = [
    vi.spyOn(realFs, 'readSync').mockImplementation((fd, buf, off, len, pos) => {
      const got = readSync(fd, buf, off, len, pos);
      bytes += got;
      return got;
    }),
    vi.spyOn(realFs, 'read').mockImplementation(async (fd, buf, off, len, pos) => {
      const got = await read(fd, buf, off, len, pos);
      bytes += got;
      return got;
    }),
  ];
  try {
    await run();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return bytes;
}

async function readInWindows(service: InspectorService, sessionId: string, window: number): Promise<{ bytes: Buffer; sequences: Set<number | undefined> }> {
  const chunks: Buffer[] = [];
  const sequences = new Set<number | undefined>();
  for (let offset = 0; ; ) {
    const got = await service.dispatch('getValue', { sessionId, key: 'big', offset, maxBytes: window });
    sequences.add(got.location?.sequence);
    const chunk = Buffer.from(got.base64, 'base64');
    chunks.push(chunk);
    offset += chunk.length;
    if (!got.truncated) break;
  }
  return { bytes: Buffer.concat(chunks), sequences };
}

describe('getValue windows read the value once', () => {
  it('successive windows of one value read it from the file once', async () => {
    const { service, sessionId } = await openService();
    try {
      let whole: Buffer = Buffer.alloc(0);
      const read = await bytesRead(async () => {
        whole = (await readInWindows(service, sessionId, MiB / 2)).bytes;
      });
      expect(whole.equals(patterned(SIZE, 1))).toBe(true);
      // Six windows: the value once (and its record's header), not six times.
      expect(read).toBeGreaterThanOrEqual(SIZE);
      expect(read).toBeLessThan(2 * SIZE);
      // The window that reached the end let it go: a new first window reads the file again.
      const again = await bytesRead(async () => {
        await service.dispatch('getValue', { sessionId, key: 'big', offset: 0, maxBytes: MiB });
      });
      expect(again).toBeGreaterThanOrEqual(SIZE);
    } finally {
      await service.close();
    }
  });

  it('a new version of the key between windows is read anew, not served from the old one', async () => {
    const { service, sessionId } = await openService();
    try {
      const first = await service.dispatch('getValue', { sessionId, key: 'big', offset: 0, maxBytes: MiB });
      expect(first.truncated).toBe(true);
      // The same size, other bytes: only a read of the new record can tell.
      await service.dispatch('putValue', { sessionId, key: 'big', valueBase64: patterned(SIZE, 2).toString('base64') });
      let next = first;
      const read = await bytesRead(async () => {
        next = await service.dispatch('getValue', { sessionId, key: 'big', offset: MiB, maxBytes: MiB });
      });
      expect(read).toBeGreaterThanOrEqual(SIZE);
      expect(next.location?.sequence).not.toBe(first.location?.sequence);
      expect(Buffer.from(next.base64, 'base64').equals(patterned(SIZE, 2).subarray(MiB, 2 * MiB))).toBe(true);
      // Another key's write leaves the new value's windows to come from the one read.
      await service.dispatch('putValue', { sessionId, key: 'small', valueBase64: Buffer.from('y').toString('base64') });
      const rest = await bytesRead(async () => {
        const tail = await service.dispatch('getValue', { sessionId, key: 'big', offset: 2 * MiB, maxBytes: MiB });
        expect(Buffer.from(tail.base64, 'base64').equals(patterned(SIZE, 2).subarray(2 * MiB))).toBe(true);
      });
      expect(rest).toBeLessThan(SIZE);
    } finally {
      await service.close();
    }
  });

  it('a deleted key between windows is not found, not served from the value held', async () => {
    const { service, sessionId } = await openService();
    try {
      expect((await service.dispatch('getValue', { sessionId, key: 'big', offset: 0, maxBytes: MiB })).truncated).toBe(true);
      await service.dispatch('deleteKey', { sessionId, key: 'big' });
      expect(await service.dispatch('getValue', { sessionId, key: 'big', offset: MiB, maxBytes: MiB })).toMatchObject({ found: false });
    } finally {
      await service.close();
    }
  });
});
