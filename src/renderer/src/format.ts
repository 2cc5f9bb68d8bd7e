/** Small display helpers for sizes, numbers and bytes. */

export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '—';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/** A byte offset as typed: a decimal number, or hex after 0x (`4096`, `0x1000`); undefined for anything else (`0x1g`, `1e3`, `-1`). */
export function parseByteOffset(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  const n = /^0x[0-9a-f]+$/.test(t) ? parseInt(t.slice(2), 16) : /^\d+$/.test(t) ? Number(t) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** A count and its noun, singular for one: `1 key`, `2 keys`, `1,000 records`. */
export function countOf(n: number, noun: string, plural = `${noun}s`): string {
  return `${formatCount(n)} ${n === 1 ? noun : plural}`;
}

export function formatRatio(n: number | null): string {
  return n === null ? '∞' : `${n.toFixed(2)}×`;
}

export const HEX_ROW = 16;

/** One line of a hex dump of `rowBytes` bytes (a gap after each 8): offset | bytes | ASCII. */
export function hexDumpRow(bytes: Uint8Array, rowStart: number, baseOffset = 0, rowBytes = HEX_ROW): { offset: string; hex: string; ascii: string } {
  const row = bytes.subarray(rowStart, Math.min(bytes.length, rowStart + rowBytes));
  let hex = '';
  let ascii = '';
  for (let i = 0; i < rowBytes; i++) {
    if (i > 0 && i % 8 === 0) hex += ' ';
    if (i < row.length) {
      const b = row[i]!;
      hex += b.toString(16).padStart(2, '0') + ' ';
      ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
    } else {
      hex += '   ';
    }
  }
  return { offset: (baseOffset + rowStart).toString(16).padStart(8, '0'), hex: hex.trimEnd(), ascii };
}

/** The column titles of a hex dump row of `rowBytes` bytes ("00 01 … 07  08 … 0f"). */
export function hexDumpHead(rowBytes = HEX_ROW): string {
  return Array.from({ length: rowBytes }, (_, i) => (i > 0 && i % 8 === 0 ? ' ' : '') + i.toString(16).padStart(2, '0')).join(' ');
}

const utf8 = new TextDecoder('utf-8');
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeText(bytes: Uint8Array): { text: string; valid: boolean } {
  try {
    return { text: strictUtf8.decode(bytes), valid: true };
  } catch {
    return { text: utf8.decode(bytes), valid: false };
  }
}

/**
 * Why a text box cannot hold these bytes unchanged, or null when it can. An
 * HTML textarea turns CR and CRLF into LF, invalid UTF-8 would come back as
 * U+FFFD, and a leading byte-order mark is dropped by the decoder: each
 * would change bytes the user never edited, so such values are edited as hex.
 */
export function textEditProblem(bytes: Uint8Array): string | null {
  const decoded = decodeText(bytes);
  if (!decoded.valid) return 'This value is not valid UTF-8, so it can only be edited as hex (a text box would replace the invalid bytes).';
  if (bytes.includes(0x0d)) return 'This value contains carriage returns (CR, \\r), so it can only be edited as hex (a text box turns them into line feeds).';
  const again = new TextEncoder().encode(decoded.text);
  if (again.length !== bytes.length || again.some((b, i) => b !== bytes[i])) return 'This value would not come back unchanged from a text box (it starts with a byte-order mark), so it can only be edited as hex.';
  return null;
}
