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

/**
 * A format file's size as listed: a regular file's size; else, for a name
 * that is there but cannot be read as a file (a symbolic link to nothing or
 * to itself, a directory, a device or pipe), size 0 and why, so the file is
 * listed and reported instead of passed over (its keys would vanish
 * unsaid). undefined when there is no such name at all.
 */
export function listedFile(p: string): { size: number; unreadable?: string } | undefined {
  let link: fs.Stats;
  try {
    link = fs.lstatSync(p);
  } catch {
    return undefined;
  }
  try {
    const st = fs.statSync(p);
    if (st.isFile()) return { size: st.size };
    return { size: 0, unreadable: st.isDirectory() ? 'a directory, not a file' : 'not a regular file' };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (link.isSymbolicLink()) {
      let target = '';
      try {
        target = ` to ${fs.readlinkSync(p)}`;
      } catch {
        // Unreadable link: said without its target.
      }
      if (code === 'ELOOP') return { size: 0, unreadable: `a symbolic link${target} that loops` };
      if (code === 'ENOENT') return { size: 0, unreadable: `a symbolic link${target}, which does not exist` };
    }
    return { size: 0, unreadable: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * The one file a single-file format keeps its data in, as detection sees
 * it: its size and first `max` bytes, or, for a name that is there but
 * cannot be read (listedFile's cases, and a regular file whose open fails:
 * permission denied), why — so a directory holding only such a file is
 * still recognised, and its open can say what is wrong with the file
 * instead of "no known store format". undefined when there is no such name.
 */
export function probeDataFile(p: string, max: number): { size: number; head: Uint8Array } | { size: number; unreadable: string } | undefined {
  const listed = listedFile(p);
  if (listed === undefined) return undefined;
  if (listed.unreadable !== undefined) return { size: 0, unreadable: listed.unreadable };
  let fd: number | undefined;
  try {
    fd = fs.openSync(p, 'r');
    const buf = Buffer.alloc(Math.max(0, Math.min(max, fs.fstatSync(fd).size)));
    return { size: listed.size, head: buf.subarray(0, readInto(realFs, fd, buf, 0, buf.length, 0)) };
  } catch (err) {
    return { size: listed.size, unreadable: err instanceof Error ? err.message : String(err) };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Whether p is a symbolic link itself (followed or not); false when there is nothing at p. */
export function isSymbolicLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
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
