/**
 * The list of every format kvscope knows, and detection over all of them.
 *
 * To add a format (the native one included): import its description and add
 * it to FORMATS — that is the only change needed; detection, `--format <id>`,
 * the formats list in the UI and the foreign store all read from here.
 */
import * as fs from 'node:fs';
import { StoreError } from '../errors.js';
import type { Detection, FormatDescription } from './format.js';
import { kvdb } from './kvdb.js';
import { nativeFormat } from './native.js';
import { kvstoreRs } from './kvstore-rs.js';
import { miniKvstoreV2, miniKvstoreV2B22e80f, miniKvstoreV2C548bfb } from './mini-kvstore-v2.js';
import { riakBitcask } from './riak-bitcask.js';
import { tinyLogKv } from './tiny-log-kv.js';

/** Every registered format. On equal detection confidence, earlier wins. */
export const FORMATS: readonly FormatDescription[] = [
  nativeFormat,
  riakBitcask,
  miniKvstoreV2,
  miniKvstoreV2B22e80f,
  miniKvstoreV2C548bfb,
  tinyLogKv,
  kvstoreRs,
  kvdb,
];

/** No registered format recognised the directory. */
export class UnknownFormatError extends StoreError {
  constructor(
    readonly dir: string,
    /** One line per format: what was looked for. */
    readonly lookedFor: string[],
    reason = 'no known store format found',
  ) {
    super('NOT_A_STORE', `${dir}: ${reason}. Looked for:\n${lookedFor.map((l) => `  - ${l}`).join('\n')}`);
  }
}

/** `--format <id>` named a format that does not exist. */
export class NoSuchFormatError extends StoreError {
  constructor(readonly id: string) {
    super('BAD_REQUEST', `unknown format "${id}"; known formats: ${FORMATS.map((f) => f.id).join(', ')}`);
  }
}

export function listFormats(): readonly FormatDescription[] {
  return FORMATS;
}

export function getFormat(id: string): FormatDescription | undefined {
  return FORMATS.find((f) => f.id === id);
}

/** The format with this id, or NoSuchFormatError. */
export function requireFormat(id: string): FormatDescription {
  const format = getFormat(id);
  if (!format) throw new NoSuchFormatError(id);
  return format;
}

/** What each format looks for, one line each, for error messages. */
export function lookedFor(formats: readonly FormatDescription[] = FORMATS): string[] {
  return formats.map((f) => `${f.id} (${f.title}): ${(f.looksFor ?? ['its own files']).join('; ')}`);
}

/**
 * Every format that recognises `dir` (in the folder itself or in the
 * engine's own folder inside it), most confident first. Never throws; [] when
 * nothing matches.
 */
export function detectAll(dir: string, formats: readonly FormatDescription[] = FORMATS): Detection[] {
  const found: { detection: Detection; rank: number }[] = [];
  formats.forEach((format, rank) => {
    let detection: Detection | null = null;
    try {
      detection = format.detect(dir);
    } catch {
      detection = null; // A detector must not throw; if one does, it simply did not recognise the folder.
    }
    if (detection) found.push({ detection, rank });
  });
  found.sort((a, b) => b.detection.confidence - a.detection.confidence || a.rank - b.rank);
  return found.map((f) => f.detection);
}

/**
 * Like detectAll, but throws UnknownFormatError (listing what was looked
 * for) when the directory is missing or no format matches.
 */
export function detectFormat(dir: string, formats: readonly FormatDescription[] = FORMATS): Detection[] {
  let isDir = false;
  try {
    isDir = fs.statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new UnknownFormatError(dir, lookedFor(formats), 'not a directory (or it does not exist)');
  const detections = detectAll(dir, formats);
  if (detections.length === 0) throw new UnknownFormatError(dir, lookedFor(formats));
  return detections;
}
