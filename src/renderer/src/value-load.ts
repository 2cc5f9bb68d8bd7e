/**
 * Reading a large live value on from the part the value pane has, in windows
 * of the getValue call (Load more, Load all). Pure: the call is passed in.
 */
import type { GetValueResponse } from '../../shared/contract.js';
import { LIMITS } from '../../shared/limits.js';
import { base64ToBytes } from '../../shared/keytext.js';
import { formatBytes } from './format.js';

/** The most of one value the pane loads whole (Load all); a larger value is shown in part. */
export const LOAD_ALL_MAX = 64 * 1024 * 1024;

/** A live value's first part (or the whole of it) as the pane holds it. */
export interface LoadedValue {
  response: GetValueResponse;
  bytes: Uint8Array;
}

/** Reads a window of the value: null when `offset` is past its end (the value was replaced by a shorter one). */
export type ReadWindow = (offset: number, maxBytes: number) => Promise<GetValueResponse | null>;

export type ReadOn =
  | { kind: 'read'; loaded: LoadedValue; cancelled: boolean }
  /** The key holds another value now (a followed writer): read it again from its start. */
  | { kind: 'changed' };

/**
 * Reads the value on from what `loaded` holds until `until` bytes of it are held (or all of it), in windows of
 * at most `windowBytes`, saying after each how far it got. `cancelled` is asked before each window: when it says
 * yes the bytes read so far are kept. Another value under the key (its sequence changed, or a window past its end)
 * answers 'changed' rather than join two values' bytes.
 */
export async function readOn(
  read: ReadWindow,
  loaded: LoadedValue,
  options: { until: number; windowBytes: number; onProgress?: (have: number, want: number) => void; cancelled?: () => boolean },
): Promise<ReadOn> {
  const start = loaded.response.offset;
  const chunks = [loaded.bytes];
  let have = loaded.bytes.length;
  let size = loaded.response.size;
  const want = Math.min(options.until, size - start);
  let cancelled = false;
  while (have < want) {
    if (options.cancelled?.()) {
      cancelled = true;
      break;
    }
    const next = await read(start + have, Math.min(options.windowBytes, want - have));
    if (!next || !next.found || next.location?.sequence !== loaded.response.location?.sequence) return { kind: 'changed' };
    const chunk = base64ToBytes(next.base64);
    size = next.size;
    if (chunk.length === 0) break;
    chunks.push(chunk);
    have += chunk.length;
    options.onProgress?.(have, want);
  }
  const bytes = chunks.length === 1 ? loaded.bytes : new Uint8Array(have);
  if (chunks.length > 1) {
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
  }
  return { kind: 'read', loaded: { response: { ...loaded.response, size, truncated: start + have < size }, bytes }, cancelled };
}

/** Load all: the value is read in windows of the most one getValue call answers. */
export const LOAD_ALL_WINDOW = LIMITS.valueWindowMax;

/** What the JSON tab says of a value only partly loaded, and whether Load all can load the rest. */
export function partialJsonNotice(loadedBytes: number, size: number): { message: string; canLoadAll: boolean } {
  if (size <= LOAD_ALL_MAX) {
    return { message: `Only ${formatBytes(loadedBytes)} of ${formatBytes(size)} is loaded; load the rest to view it as JSON.`, canLoadAll: true };
  }
  return {
    message: `Only ${formatBytes(loadedBytes)} of ${formatBytes(size)} is loaded. A value larger than ${formatBytes(LOAD_ALL_MAX)} is not loaded whole here, so it cannot be viewed as JSON; Text, Hex and Base64 show the part that is loaded (Load more reads on).`,
    canLoadAll: false,
  };
}
