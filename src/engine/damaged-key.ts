/**
 * How the key of a damaged record is named: the engine's open report and verify, the CLI, the service and the
 * renderer (through src/shared/damaged-key.ts) say the same words. Plain data and functions, no Node and no
 * imports, so the renderer may bundle it (test/layers.test.ts). record: the key as its bytes read in the damaged record; no checksum vouches for it. keydir: the
 * key the keydir holds at the record's place; hint: the key a hint entry gives for it (both known for sure to
 * have pointed there, whatever the record's bytes now read).
 */
export type DamagedKeyFrom = 'record' | 'keydir' | 'hint';

/** What is wrong with the record, as far as its key's naming goes. */
export type DamagedHow = 'checksum' | 'torn' | 'damaged';

/** How a verify problem's kind says the record is damaged. */
export function damagedHowOfKind(kind: string): DamagedHow {
  return kind === 'bad-crc' ? 'checksum' : kind === 'torn-tail' ? 'torn' : 'damaged';
}

/** How a record row (status, checksums) says it is damaged. */
export function damagedHowOfRow(row: { status: string; storedCrc?: number | undefined; computedCrc?: number | undefined }): DamagedHow {
  if (row.status === 'torn') return 'torn';
  return row.storedCrc !== undefined && row.computedCrc !== undefined && row.storedCrc !== row.computedCrc ? 'checksum' : 'damaged';
}

/** The words before the key: "key (unverified, the record fails its checksum)", "the keydir's key for this record". */
export function damagedKeyLabel(from: DamagedKeyFrom, how: DamagedHow): string {
  if (from === 'keydir') return "the keydir's key for this record";
  if (from === 'hint') return "a hint's key for this record";
  const why = how === 'checksum' ? 'the record fails its checksum' : how === 'torn' ? 'the record is torn' : 'the record is damaged';
  return `key (unverified, ${why})`;
}
