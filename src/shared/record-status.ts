/**
 * Statuses of a row of the record table (plain data, no zod, so the renderer can import it). ignored: a line the
 * format's program reads and skips on replay (tiny-log-kv's "SET empty ", kvdb's "DEL a b"), written whole: no record.
 */
export const RECORD_ROW_STATUSES = ['live', 'shadowed', 'tombstone', 'uncommitted', 'corrupt', 'torn', 'unread', 'ignored', 'meta'] as const;
