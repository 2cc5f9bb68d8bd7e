/**
 * Read-only file-system probing for format detection and file listing.
 * Every call here opens files with flag 'r' and swallows "not there" errors:
 * a detector asks questions, it never fails and never writes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readInto, realFs } from '../fs.js';

/** Names in a directory, or [] when it is missing or unreadable. */
export function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

export function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Size of a regular file, or -1 when it is not one. */
export function fileSize(p: string): number {
  try {
    const st = fs.statSync(p);
    return st.isFile() ? st.size : -1;
  } catch {
    return -1;
  }
}

/** The first `max` bytes of a file (fewer if it is shorter), or undefined if unreadable. */
export function readHead(p: string, max: number): Uint8Array | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(p, 'r');
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.alloc(Math.max(0, Math.min(max, size)));
    return buf.subarray(0, readInto(realFs, fd, buf, 0, buf.length, 0));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Join with '/' separators for names relative to a format root. */
export function relName(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}

/** Absolute path of a format file. */
export function filePath(root: string, name: string): string {
  return path.join(root, ...name.split('/'));
}

/**
 * The directories a format should look in when asked about `dir`: `dir`
 * itself, then each of the engine's own folders inside it that exists.
 */
export function candidateRoots(dir: string, innerFolders: readonly string[]): string[] {
  const roots = [dir];
  for (const inner of innerFolders) {
    const p = path.join(dir, ...inner.split('/'));
    if (isDirectory(p)) roots.push(p);
  }
  return roots;
}
