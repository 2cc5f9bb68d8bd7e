/**
 * How a record's sequence number is shown, in the CLI and the inspector alike. Some formats (mini-kvstore-v2,
 * tiny-log-kv, kvstore-rs, kvdb) carry none: a version's `sequence` is then its place in the replay (1, 2, …),
 * an order kvscope counted, shown as "#N" so that it is not taken for a number the file holds.
 */
export interface SequencedLocation {
  sequence: number;
  /** Set when the format carries no sequence numbers: `sequence` is the record's place in the replay. */
  sequenceIsOrder?: true;
}

export function sequenceText(location: SequencedLocation): string {
  return location.sequenceIsOrder ? `#${location.sequence}` : String(location.sequence);
}

/** What a "#N" means, for a tooltip or a note. */
export const SEQUENCE_IS_ORDER_NOTE = "this format writes no sequence numbers: #N is the record's place in the replay, oldest first";
