/**
 * Small pieces every decoder needs: building the record that stands for
 * damaged bytes, reading little/big-endian integers without ever reading
 * past the end, and showing bytes to people.
 */
import type { Problem } from '../types.js';
import type { DecodedField, DecodedRecord, RecordStatus } from './format.js';

/**
 * Make `fields` a plain property of `record` holding `fields`, and return
 * them. A record class (RecordWithLazyFields) gives a record's fields (the
 * hex view's ranges and texts, which cost several times the rest of it) by a
 * getter that makes them when first read and keeps them with this, and a
 * setter that keeps what is assigned: replay, `kvscope dump` and `segments`
 * never read them. Either way the property then is own and enumerable, so
 * spreading the record or writing it as JSON includes the fields.
 */
function keepFields(record: object, fields: DecodedField[]): DecodedField[] {
  Object.defineProperty(record, 'fields', { value: fields, writable: true, enumerable: true, configurable: true });
  return fields;
}

/**
 * A decoded record as a class whose fields are made when first read, then
 * kept (keepFields): a subclass says how to make them (makeFields) and in
 * what order its JSON lists its properties (toJSON, fields included). The
 * getter sits on the prototype: an object literal with a getter of its own
 * takes ~0.9 µs to make, which was most of decoding a million records.
 * (Every record class that has fields to make is one now.)
 */
export abstract class RecordWithLazyFields {
  protected abstract makeFields(): DecodedField[];

  get fields(): DecodedField[] {
    return keepFields(this, this.makeFields());
  }

  set fields(value: DecodedField[]) {
    keepFields(this, value);
  }
}

/**
 * `record`'s properties `names`, in that order, for a record class's toJSON
 * (JSON leaves out the undefined ones; reading `fields` makes them). Each
 * class lists its order once, as the object literal it replaced wrote it.
 */
export function propertiesInOrder(record: DecodedRecord, names: readonly (keyof DecodedRecord)[]): object {
  const out: Record<string, unknown> = {};
  for (const name of names) out[name] = record[name];
  return out;
}

/**
 * A decoded record as a plain object with its own properties, fields
 * included, in the record's order: what JSON.stringify makes of it. (A record
 * class may keep its fields on its prototype until they are read, where
 * spreading it would leave them out.)
 */
export function recordAsObject(record: DecodedRecord): DecodedRecord {
  const json = (record as { toJSON?: () => DecodedRecord }).toJSON;
  return json ? json.call(record) : record;
}

/**
 * A record for bytes that could not be decoded: one opaque field covering
 * [offset, end). `status` says whether they were cut short by the end of the
 * file ('torn') or are simply wrong ('corrupt').
 */
export function damagedRecord(
  offset: number,
  end: number,
  status: Exclude<RecordStatus, 'valid'>,
  problemKind: Problem['kind'],
  problem: string,
): DecodedRecord {
  return {
    offset,
    length: end - offset,
    kind: 'garbage',
    status,
    problem,
    problemKind,
    fields: [
      {
        name: status === 'torn' ? 'incomplete record' : 'undecodable bytes',
        role: 'other',
        start: offset,
        end,
        display: `${end - offset} bytes`,
        explain: problem,
      },
    ],
  };
}

/** A DataView over exactly the bytes of `bytes` (which may be a slice of a larger buffer). */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Reads a u64 little-endian length. Returns a JS number when it is a safe
 * integer, otherwise Infinity (so that any bounds check against a file size
 * fails) — callers never allocate from it.
 */
export function readU64LE(view: DataView, at: number): { big: bigint; num: number } {
  const big = view.getBigUint64(at, true);
  return { big, num: big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : Number.POSITIVE_INFINITY };
}

/** "0x1a2b3c4d" */
export function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

/** Bytes shown to a person: UTF-8 text in quotes when printable, otherwise hex (shortened). */
export function showBytes(bytes: Uint8Array, max = 64): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = buf.toString('utf8');
  const printable = !text.includes('\uFFFD') && !/[\x00-\x08\x0b-\x1f\x7f]/.test(text);
  if (printable) {
    const shown = text.length > max ? `${text.slice(0, max)}…` : text;
    return JSON.stringify(shown).replace(/…"$/, '"…');
  }
  const head = buf.subarray(0, max).toString('hex');
  return `0x${head}${buf.length > max ? '…' : ''} (${buf.length} bytes)`;
}


/**
 * A record whose lengths point past the end of the file is either an append
 * cut short (torn) or a corrupted length. Lengths that overshoot the file by
 * more than this are treated as corrupt: none of these engines writes
 * records anywhere near this large.
 */
const MAX_PLAUSIBLE_OVERSHOOT = 1 << 30;

/**
 * The record for [offset, fileEnd) when its header claims it ends at
 * claimedEnd > fileEnd (Infinity: a u64 length beyond 2^53). `runsOver`, when
 * given, says which field runs past the end ("its key, key_len 250, runs past
 * the end of the file"), put in the problem before what that means.
 */
export function pastEndRecord(offset: number, fileEnd: number, claimedEnd: number, what: string, runsOver?: string): DecodedRecord {
  const which = runsOver === undefined ? '' : ` (${runsOver})`;
  if (claimedEnd - fileEnd > MAX_PLAUSIBLE_OVERSHOOT) {
    const claims = Number.isFinite(claimedEnd) ? `${claimedEnd - offset} bytes` : 'more than 2^53 bytes';
    return damagedRecord(offset, fileEnd, 'corrupt', 'impossible-length', `${what} claims ${claims}, far more than the ${fileEnd - offset} left in the file${which}`);
  }
  return damagedRecord(offset, fileEnd, 'torn', 'torn-tail', `${what} needs ${claimedEnd - offset} bytes but only ${fileEnd - offset} are left${which}: the write was cut short`);
}

/**
 * The records at or after byte `from`, for a file whose decoder cannot start
 * in the middle (FormatDescription.decodeRecords): every record is decoded,
 * the earlier ones dropped.
 */
export function* recordsFrom(records: Iterable<DecodedRecord>, from = 0): Generator<DecodedRecord> {
  for (const r of records) if (r.offset >= from) yield r;
}
