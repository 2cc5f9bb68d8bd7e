/** Statuses of a row of the record table (plain data, no zod, so the renderer can import it). */
export const RECORD_ROW_STATUSES = ['live', 'shadowed', 'tombstone', 'uncommitted', 'corrupt', 'torn', 'unread', 'meta'] as const;
