/**
 * How a record's sequence number is shown, in the CLI and the inspector alike.
 *
 * Some formats (mini-kvstore-v2, tiny-log-kv, kvstore-rs, kvdb) carry none: a version's `sequence` is then its
 * place in the replay (1, 2, …), an order kvscope counted, shown as "#N" so that it is not taken for a number the
 * file holds (`sequenceIsOrder`).
 *
 * Others order versions by a time the writer stored (Riak's tstamp, seconds since 1970): `sequence` is then that
 * time, which orders versions (the newest wins) but is not a count, and many versions may share one second.
 * Such a location says `sequenceIsTimestamp` and is shown as its date and time (UTC), the seconds in a tooltip.
 */
export interface SequencedLocation {
  sequence: number;
  /** Set when the format carries no sequence numbers: `sequence` is the record's place in the replay. */
  sequenceIsOrder?: true;
  /** Set when the format's sequence is the writer's clock: `sequence` is seconds since 1970 (UTC). */
  sequenceIsTimestamp?: true;
}

/** Seconds since 1970 as "2026-11-22 23:55:55 UTC" (a time outside Date's range as the bare number). */
export function timestampText(seconds: number): string {
  const date = new Date(seconds * 1000);
  if (!Number.isFinite(date.getTime())) return String(seconds);
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/**
 * Seconds since 1970 as ISO 8601 in UTC, "2026-11-22T23:55:55Z", for JSON beside the number (undefined for a
 * time outside Date's range).
 */
export function timestampIso(seconds: number): string | undefined {
  const date = new Date(seconds * 1000);
  return Number.isFinite(date.getTime()) ? date.toISOString().replace(/\.000Z$/, 'Z') : undefined;
}

/**
 * A decoded record's sequence for JSON output, of a format whose sequence is the writer's clock: the number kept
 * (`sequence`), said to be a time as locations say it (`sequenceIsTimestamp`), and that time in ISO 8601 (`time`).
 */
export function timestampFields(sequence: number | undefined, isTimestamp: boolean | undefined): { sequenceIsTimestamp?: true; time?: string } {
  if (!isTimestamp || sequence === undefined) return {};
  const time = timestampIso(sequence);
  return time === undefined ? { sequenceIsTimestamp: true } : { sequenceIsTimestamp: true, time };
}

export function sequenceText(location: SequencedLocation): string {
  if (location.sequenceIsOrder) return `#${location.sequence}`;
  if (location.sequenceIsTimestamp) return timestampText(location.sequence);
  return String(location.sequence);
}

/** A column's or a field's title for these locations: "time" where the sequence is a timestamp, else "seq". */
export function sequenceHeading(locations: readonly SequencedLocation[], long = false): string {
  return locations.length > 0 && locations.every((l) => l.sequenceIsTimestamp) ? 'time' : long ? 'sequence' : 'seq';
}

/** A range of sequences (a file's oldest … newest) the way sequenceText shows one. */
export function sequenceRangeText(oldest: number, newest: number, isTimestamp: boolean | undefined, between = ' … '): string {
  if (!isTimestamp) return `${oldest}${between}${newest}`;
  if (oldest === newest) return timestampText(oldest);
  const from = timestampText(oldest);
  const to = timestampText(newest);
  // The same day twice says little: "2026-11-22 23:55:55 … 23:56:02 UTC".
  if (from.slice(0, 10) === to.slice(0, 10) && from.endsWith(' UTC') && to.endsWith(' UTC')) return `${from.slice(0, -4)}${between}${to.slice(11)}`;
  return `${from}${between}${to}`;
}

/** What a "#N" means, for a tooltip or a note. */
export const SEQUENCE_IS_ORDER_NOTE = "this format writes no sequence numbers: #N is the record's place in the replay, oldest first";

/** What a time in place of a sequence means, for a tooltip or a note. */
export const SEQUENCE_IS_TIMESTAMP_NOTE =
  "this format writes no sequence numbers: a version's time is the writer's clock (seconds, shown in UTC); the newest time wins, versions of the same second by file, then offset";

/** The tooltip of one shown sequence: what it is, and a timestamp's seconds as stored. */
export function sequenceTitle(location: SequencedLocation): string | undefined {
  if (location.sequenceIsOrder) return SEQUENCE_IS_ORDER_NOTE;
  if (location.sequenceIsTimestamp) return `${timestampText(location.sequence)}, stored as ${location.sequence} seconds since 1970: ${SEQUENCE_IS_TIMESTAMP_NOTE}`;
  return undefined;
}
