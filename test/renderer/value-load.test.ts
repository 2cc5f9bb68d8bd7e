import { describe, expect, it } from 'vitest';
import type { GetValueResponse } from '../../src/shared/contract.js';
import { bytesToBase64 } from '../../src/shared/keytext.js';
import { LOAD_ALL_MAX, partialJsonNotice, readOn, type LoadedValue } from '../../src/renderer/src/value-load.js';

const location = { file: '000001.data', segment: 1, offset: 0, length: 0, sequence: 7 };

/** A value of `size` bytes (byte i is i % 251) served in windows, as getValue does; records each read. */
function server(size: number, sequence = 7) {
  const value = Uint8Array.from({ length: size }, (_, i) => i % 251);
  const reads: [number, number][] = [];
  const window = (offset: number, maxBytes: number): GetValueResponse => {
    const end = Math.min(size, offset + maxBytes);
    return { key: 'k', found: true, size, offset, base64: bytesToBase64(value.subarray(offset, end)), truncated: end < size, location: { ...location, sequence } };
  };
  const read = async (offset: number, maxBytes: number) => {
    reads.push([offset, maxBytes]);
    return offset > size ? null : window(offset, maxBytes);
  };
  const first = (n: number): LoadedValue => ({ response: window(0, n), bytes: value.slice(0, n) });
  return { value, reads, read, first };
}

describe('readOn', () => {
  it('reads the rest in windows of the size asked, and joins them in order', async () => {
    const s = server(100);
    const progress: number[] = [];
    const r = await readOn(s.read, s.first(10), { until: Infinity, windowBytes: 40, onProgress: (have) => progress.push(have) });
    expect(s.reads).toEqual([[10, 40], [50, 40], [90, 10]]);
    expect(progress).toEqual([50, 90, 100]);
    expect(r.kind === 'read' && [...r.loaded.bytes]).toEqual([...s.value]);
    expect(r.kind === 'read' && r.loaded.response.truncated).toBe(false);
  });

  it('stops at `until` (Load more), still truncated', async () => {
    const s = server(100);
    const r = await readOn(s.read, s.first(10), { until: 30, windowBytes: 40 });
    expect(s.reads).toEqual([[10, 20]]);
    expect(r).toMatchObject({ kind: 'read', cancelled: false, loaded: { response: { truncated: true, size: 100 } } });
    expect(r.kind === 'read' && r.loaded.bytes.length).toBe(30);
  });

  it('keeps what was read when cancelled before the next window', async () => {
    const s = server(100);
    let n = 0;
    const r = await readOn(s.read, s.first(10), { until: Infinity, windowBytes: 40, cancelled: () => n++ >= 1 });
    expect(s.reads).toEqual([[10, 40]]);
    expect(r).toMatchObject({ kind: 'read', cancelled: true, loaded: { response: { truncated: true } } });
    expect(r.kind === 'read' && [...r.loaded.bytes]).toEqual([...s.value.subarray(0, 50)]);
  });

  it('answers changed when the key holds another value (a new sequence, or a shorter value)', async () => {
    const other = server(100, 8);
    expect(await readOn(other.read, server(100).first(10), { until: Infinity, windowBytes: 40 })).toEqual({ kind: 'changed' });
    const shorter = server(5);
    expect(await readOn(shorter.read, server(100).first(10), { until: Infinity, windowBytes: 40 })).toEqual({ kind: 'changed' });
  });
});

describe('partialJsonNotice', () => {
  it('offers Load all up to the cap, and says why not past it', () => {
    expect(partialJsonNotice(1024 * 1024, 8_325_000)).toEqual({ message: 'Only 1.00 MiB of 7.94 MiB is loaded; load the rest to view it as JSON.', canLoadAll: true });
    expect(partialJsonNotice(1024 * 1024, LOAD_ALL_MAX).canLoadAll).toBe(true);
    const over = partialJsonNotice(1024 * 1024, 100 * 1024 * 1024);
    expect(over.canLoadAll).toBe(false);
    expect(over.message).toBe(
      'Only 1.00 MiB of 100.0 MiB is loaded. A value larger than 64.0 MiB is not loaded whole here, so it cannot be viewed as JSON; Text, Hex and Base64 show the part that is loaded (Load more reads on).',
    );
  });
});
