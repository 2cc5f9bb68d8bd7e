/**
 * Whether a directory path as a person types it is one the service takes (contract.ts, PathSchema): absolute
 * ("/…", "C:\…"), or the home directory ("~", "~/…"). The open screen checks it before asking, so that a relative
 * path is answered in plain words beside the field rather than by the contract's BAD_REQUEST.
 *
 * A relative path is refused, not resolved: the page cannot show which directory it would be relative to (the
 * browser host's is wherever `kvscope serve` was started, the desktop app's often "/" when started from a menu),
 * so resolving it would open a directory the person did not see named. Typing the full path, or ~/…, is exact.
 */
export function isAbsolutePathText(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || /^~([\\/]|$)/.test(path);
}

/**
 * What the open screen (and the copy and export dialogs) say about a path they will not ask for: empty paths are
 * not submitted at all. `what` names what the path is for, and what is not done with a relative one.
 */
export function relativePathProblem(path: string, what: { thing: 'directory' | 'file'; done: string } = { thing: 'directory', done: 'opened' }): string {
  return `"${path}" is a relative path. Type the ${what.thing}'s full path, starting with / (or ~/ for your home directory): a relative path is not ${what.done}, as this page cannot tell which directory it is relative to.`;
}
