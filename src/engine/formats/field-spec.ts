/**
 * Helpers for fixed layouts described as tables of FieldSpec: the offsets a
 * codec reads and writes at, and the DecodedField ranges the hex pane shows,
 * both come from the same table.
 */
import type { DecodedField, FieldSpec } from './format.js';

/** Offsets of each fixed-size field in a table, by name, plus the fixed size. */
export function offsetsOf<const T extends readonly FieldSpec[]>(table: T): { [K in T[number]['name']]: number } & { size: number } {
  const out: Record<string, number> = {};
  let at = 0;
  for (const f of table) {
    out[f.name] = at;
    if (f.size < 0) throw new Error(`field ${f.name} has no fixed size`);
    at += f.size;
  }
  out.size = at;
  return out as { [K in T[number]['name']]: number } & { size: number };
}

/**
 * Lay out fields from a table starting at `start`, with display values.
 * Variable-size fields (size -1) take their size from `sizes[name]`.
 */
export function layFields(
  table: readonly FieldSpec[],
  start: number,
  display: Record<string, string>,
  sizes: Record<string, number> = {},
): DecodedField[] {
  const fields: DecodedField[] = [];
  let at = start;
  for (const f of table) {
    const size = f.size >= 0 ? f.size : (sizes[f.name] ?? 0);
    fields.push({ name: f.name, role: f.role, start: at, end: at + size, display: display[f.name] ?? '', explain: f.explain });
    at += size;
  }
  return fields;
}

export function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}
