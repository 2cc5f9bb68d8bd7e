/**
 * Names of the files in a native store directory:
 *   000001.data        data segment 1
 *   000001.hint        hint file of segment 1
 *   LOCK               the writer's lock (pid)
 *   COMPACTION         manifest of a committed compaction being finished
 *   KEYDIR             keydir image written by a writer's clean close (keydir-image.ts)
 *   *.compacting       compaction output not yet committed
 *   *.tmp              a file being written before its atomic rename
 */
import { join } from 'node:path';
import type { EngineFs } from '../fs.js';

export const LOCK_FILE = 'LOCK';
export const COMPACTION_MANIFEST = 'COMPACTION';
export const KEYDIR_IMAGE_FILE = 'KEYDIR';
export const COMPACTING_SUFFIX = '.compacting';
export const TMP_SUFFIX = '.tmp';

const DATA_RE = /^(\d{6,10})\.data$/;
const HINT_RE = /^(\d{6,10})\.hint$/;

export function dataFileName(id: number): string {
  return `${String(id).padStart(6, '0')}.data`;
}

export function hintFileName(id: number): string {
  return `${String(id).padStart(6, '0')}.hint`;
}

/** The hint file beside a data file, by its name: 000005.data → 000005.hint, 000005.data.compacting → 000005.hint.compacting. */
export function hintFileNameBeside(dataFile: string, id: number): string {
  return dataFile.endsWith(COMPACTING_SUFFIX) ? hintFileName(id) + COMPACTING_SUFFIX : hintFileName(id);
}

export function parseDataFileName(name: string): number | undefined {
  const m = DATA_RE.exec(name);
  return m ? Number(m[1]) : undefined;
}

export function parseHintFileName(name: string): number | undefined {
  const m = HINT_RE.exec(name);
  return m ? Number(m[1]) : undefined;
}

export interface DirectoryListing {
  /** Data segment ids, ascending. */
  dataIds: number[];
  hintIds: Set<number>;
  /** Compaction outputs not yet renamed to their final names. */
  compactingIds: number[];
  compactingHintIds: number[];
  tmpFiles: string[];
  hasManifest: boolean;
  hasLock: boolean;
  hasKeydirImage: boolean;
  others: string[];
}

export function listDirectory(efs: EngineFs, dir: string): DirectoryListing {
  const out: DirectoryListing = { dataIds: [], hintIds: new Set(), compactingIds: [], compactingHintIds: [], tmpFiles: [], hasManifest: false, hasLock: false, hasKeydirImage: false, others: [] };
  for (const name of efs.readdirSync(dir)) {
    const dataId = parseDataFileName(name);
    const hintId = parseHintFileName(name);
    if (dataId !== undefined) out.dataIds.push(dataId);
    else if (hintId !== undefined) out.hintIds.add(hintId);
    else if (name.endsWith(COMPACTING_SUFFIX)) {
      const base = name.slice(0, -COMPACTING_SUFFIX.length);
      const id = parseDataFileName(base);
      const hintId = parseHintFileName(base);
      if (id !== undefined) out.compactingIds.push(id);
      else if (hintId !== undefined) out.compactingHintIds.push(hintId);
      else out.tmpFiles.push(name);
    } else if (name.endsWith(TMP_SUFFIX)) out.tmpFiles.push(name);
    else if (name === COMPACTION_MANIFEST) out.hasManifest = true;
    else if (name === LOCK_FILE) out.hasLock = true;
    else if (name === KEYDIR_IMAGE_FILE) out.hasKeydirImage = true;
    else out.others.push(name);
  }
  out.dataIds.sort((a, b) => a - b);
  out.compactingIds.sort((a, b) => a - b);
  return out;
}

export function pathOf(dir: string, name: string): string {
  return join(dir, name);
}
