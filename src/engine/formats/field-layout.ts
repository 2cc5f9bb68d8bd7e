/**
 * Turns a declarative table of FieldSpec into DecodedField[] with absolute
 * byte ranges. Decoders describe a record layout once, as a table, and use
 * these helpers both to find where a fixed header field starts (for reading
 * it) and to produce the fields shown in the hex pane, so no decoder has to
 * compute offsets by hand.
 */
import type { DecodedField, FieldSpec } from './format.js';

/** What a decoder found for one field. */
export interface FieldValue {
  /** The decoded value as shown to a person. */
  display: string;
  /** Size in bytes; required for variable fields (spec size -1), ignored for fixed ones. */
  size?: number;
}

/**
 * Lay out `specs` one after another from `start`. Fixed fields take their
 * spec size; variable fields (size -1) take `values[name].size` (0 when
 * absent). A zero-size field is left out unless it is a key or a value (an
 * empty key or value is still worth showing). The result tiles
 * [start, start + total) with no gaps and no overlaps.
 */
export function layoutFields(
  specs: readonly FieldSpec[],
  start: number,
  values: Readonly<Record<string, FieldValue>>,
): DecodedField[] {
  const fields: DecodedField[] = [];
  let at = start;
  for (const spec of specs) {
    const value = values[spec.name];
    const size = spec.size >= 0 ? spec.size : (value?.size ?? 0);
    if (size < 0 || !Number.isInteger(size)) {
      throw new RangeError(`field ${spec.name}: invalid size ${size}`);
    }
    if (size === 0 && spec.role !== 'key' && spec.role !== 'value') continue;
    fields.push({
      name: spec.name,
      role: spec.role,
      start: at,
      end: at + size,
      display: value?.display ?? '',
      explain: spec.explain,
    });
    at += size;
  }
  return fields;
}

/**
 * Byte size of the fixed part of a layout: the sum of the field sizes before
 * the first variable field (the "header").
 */
export function fixedSize(specs: readonly FieldSpec[]): number {
  let size = 0;
  for (const spec of specs) {
    if (spec.size < 0) break;
    size += spec.size;
  }
  return size;
}

/**
 * Offset of each fixed header field relative to the record start, for
 * reading it: `const at = headerOffsets(SPECS); view.getUint32(start + at.crc)`.
 * Only fields before the first variable field are included.
 */
export function headerOffsets(specs: readonly FieldSpec[]): Readonly<Record<string, number>> {
  const offsets: Record<string, number> = {};
  let at = 0;
  for (const spec of specs) {
    if (spec.size < 0) break;
    offsets[spec.name] = at;
    at += spec.size;
  }
  return offsets;
}

/** Offset of one named header field; throws on a typo in a decoder (a programming error). */
export function headerOffset(specs: readonly FieldSpec[], name: string): number {
  const at = headerOffsets(specs)[name];
  if (at === undefined) throw new Error(`no fixed header field named ${name}`);
  return at;
}

/** Total length covered by a list of fields laid out by layoutFields. */
export function fieldsLength(fields: readonly DecodedField[]): number {
  if (fields.length === 0) return 0;
  return fields[fields.length - 1]!.end - fields[0]!.start;
}

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

/** Field values for layoutFields from display strings, and the sizes of variable fields. */
export function fieldValues(display: Record<string, string>, sizes: Record<string, number> = {}): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const [name, text] of Object.entries(display)) out[name] = sizes[name] !== undefined ? { display: text, size: sizes[name] } : { display: text };
  return out;
}

export function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}
