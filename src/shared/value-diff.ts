/**
 * What a diff of two values answers (the inspector's diffVersions, `kvscope history --diff --json`): plain types,
 * made by inspector/value-diff.ts; the contract's DiffVersionsResponse is one with the two versions named.
 */

export interface DiffLine {
  kind: 'context' | 'added' | 'removed';
  /** The line without its line end. */
  text: string;
  /** Its number (from 1) in the `from` text: context and removed lines. */
  oldLine?: number;
  /** Its number in the `to` text: context and added lines. */
  newLine?: number;
  /** The text ends with this line, with no line end after it. */
  noNewlineAtEnd?: true;
}

/** Changed lines with their context, as a unified diff's "@@ -oldStart,oldLines +newStart,newLines @@". */
export interface DiffHunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: DiffLine[];
}

export interface ByteRange {
  offset: number;
  length: number;
}

/** What changed between two values (inspector/value-diff.ts). */
export interface ValueDiff {
  /**
   * text: both values UTF-8 text, diffed line by line; json: both JSON objects or arrays, their indented form
   * diffed (formatting alone is no change); binary: the differing byte ranges; too-large: not diffed line by line
   * (`reason` says why), sizes and firstDifference only; corrupt: a version fails its checks (its side's
   * `corrupt` says how): nothing compared.
   */
  mode: 'text' | 'json' | 'binary' | 'too-large' | 'corrupt';
  fromSize: number;
  toSize: number;
  /** The same bytes. */
  identical: boolean;
  /** The first byte offset at which the values differ (the shorter one's size when it is the other's start); null when identical or corrupt. */
  firstDifference: number | null;
  /** text and json: the changes (none: the same text, or for json the same value however formatted). */
  hunks?: DiffHunk[];
  added?: number;
  removed?: number;
  /** binary: where the bytes differ, at the same offsets in both (what one has past the other's end is one range). */
  byteRanges?: ByteRange[];
  /** binary: more ranges differ than are listed. */
  byteRangesCapped?: true;
  /** binary: how many bytes differ in all. */
  differingBytes?: number;
  /** binary, too-large, corrupt: why, in words. */
  reason?: string;
}
