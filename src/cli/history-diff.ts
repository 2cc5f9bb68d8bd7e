/**
 * `kvscope history KEY --diff`: after each version, what changed from the version before it (the put before it,
 * a tombstone between them or not), as `git log -p` shows a commit's patch: the diff the inspector's History
 * shows (inspector/value-diff.ts), as text.
 */
import { openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenedStore } from '../engine/open.js';
import type { KeyVersion, RecordLocation } from '../engine/types.js';
import { CorruptRecordError } from '../engine/errors.js';
import { ForeignStore } from '../engine/foreign-store.js';
import { readAt, realFs } from '../engine/fs.js';
import type { DecodedRecord } from '../engine/formats/format.js';
import { corruptDiff, diffValues, unifiedText } from '../inspector/value-diff.js';
import type { ValueDiff } from '../shared/value-diff.js';
import { formatBytes } from './units.js';

/** A version's diff against the one before it (`against`: that one's file and offset). */
export type VersionDiff = ValueDiff & { against: { file: string; offset: number } };

/** Reads the values of a key's versions, checked: each file's records decoded once. */
class VersionValues {
  private readonly decoded = new Map<string, Promise<DecodedRecord[]>>();
  constructor(private readonly opened: OpenedStore) {}

  /** The version's value, or why it does not read back intact. */
  async read(location: RecordLocation): Promise<{ value: Buffer } | { corrupt: string }> {
    const where = `the record at ${location.file} @ ${location.offset}`;
    if (this.opened.native) {
      try {
        return { value: this.opened.native.readRecordValue(location) };
      } catch (err) {
        if (err instanceof CorruptRecordError) return { corrupt: err.message };
        throw err;
      }
    }
    const store = this.opened.store;
    if (!(store instanceof ForeignStore)) return { corrupt: `${where} cannot be read here` };
    let records = this.decoded.get(location.file);
    if (!records) this.decoded.set(location.file, (records = store.records(location.file)));
    const record = (await records).find((r) => r.offset === location.offset);
    if (!record || record.status !== 'valid' || record.valueOffset === undefined) return { corrupt: `${where} ${record?.problem ?? 'does not read back'}` };
    const fd = openSync(join(this.opened.detection.root, location.file), 'r');
    try {
      const value = readAt(realFs, fd, record.valueLength ?? 0, record.valueOffset);
      return value.length === (record.valueLength ?? 0) ? { value } : { corrupt: `${where} is cut short` };
    } finally {
      closeSync(fd);
    }
  }
}

/** Each put's diff against the put before it (the first has none), by index into `versions`. */
export async function versionDiffs(opened: OpenedStore, versions: readonly KeyVersion[]): Promise<Map<number, VersionDiff>> {
  const values = new VersionValues(opened);
  const out = new Map<number, VersionDiff>();
  let previous: { version: KeyVersion; read: { value: Buffer } | { corrupt: string } } | undefined;
  for (const [i, version] of versions.entries()) {
    if (version.kind !== 'put') continue;
    const read = version.status === 'corrupt' ? { corrupt: `the record at ${version.location.file} @ ${version.location.offset} fails its checks` } : await values.read(version.location);
    if (previous) {
      const against = { file: previous.version.location.file, offset: previous.version.location.offset };
      const before = previous.read;
      let diff: ValueDiff;
      if ('value' in before && 'value' in read) diff = await diffValues(before.value, read.value);
      else {
        const reasons = ['corrupt' in before ? `the version before: ${before.corrupt}` : '', 'corrupt' in read ? read.corrupt : ''].filter(Boolean).join('; ');
        diff = corruptDiff(previous.version.valueLength, version.valueLength, `not compared: ${reasons}`);
      }
      out.set(i, { ...diff, against });
    }
    previous = { version, read };
  }
  return out;
}

/** The diff as text: a header naming both versions and the mode, then the hunks or what is said instead. */
export function versionDiffText(diff: VersionDiff, version: KeyVersion): string {
  const from = `${diff.against.file} @ ${diff.against.offset}`;
  const to = `${version.location.file} @ ${version.location.offset}`;
  const sizes = `${formatBytes(diff.fromSize)} -> ${formatBytes(diff.toSize)}`;
  switch (diff.mode) {
    case 'text':
    case 'json': {
      const as = diff.mode === 'json' ? ' (JSON, compared indented)' : '';
      if (diff.hunks!.length === 0) {
        return diff.identical ? `    same value as ${from}\n` : `    same JSON value as ${from}, formatted differently\n`;
      }
      return `--- ${from}${as}\n+++ ${to}${as}\n${unifiedText(diff.hunks!)}`;
    }
    case 'binary': {
      if (diff.identical) return `    same value as ${from}\n`;
      const ranges = diff.byteRanges!.map((r) => `${r.offset}+${r.length}`).join(', ');
      return `    binary values differ from ${from} (${diff.reason}): ${sizes}, ${diff.differingBytes} bytes differ at ${ranges}${diff.byteRangesCapped ? ', …' : ''}\n`;
    }
    case 'too-large':
      return diff.identical
        ? `    same value as ${from}\n`
        : `    not diffed line by line against ${from} (${diff.reason}): ${sizes}, first difference at byte ${diff.firstDifference}\n`;
    case 'corrupt':
      return `    ${diff.reason} (against ${from})\n`;
  }
}
