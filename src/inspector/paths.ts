/**
 * A directory path as a person types it, made the absolute path the service
 * works with: a leading `~` (alone, or before a separator) is the home
 * directory, and `.` and `..` segments are resolved (path.resolve).
 *
 * Resolving `..` takes nothing away from the checks: a request may already
 * name any absolute path (the contract only asks for an absolute one without
 * NUL), so `/data/../etc` reaches nothing `/etc` does not. The rule that does
 * keep requests inside something — a file name relative to the open store,
 * FileNameSchema — still refuses `..`.
 */
import { homedir } from 'node:os';
import { resolve, sep } from 'node:path';

export function userPath(path: string): string {
  if (path === '~' || path.startsWith('~/') || path.startsWith(`~${sep}`)) return resolve(homedir(), '.' + path.slice(1));
  return resolve(path);
}
