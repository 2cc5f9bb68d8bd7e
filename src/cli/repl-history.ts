/**
 * The interactive REPL's history, kept across sessions in a file as node's
 * REPL and sqlite3 keep theirs: ~/.kvscope_history, or the file
 * KVSCOPE_REPL_HISTORY names; KVSCOPE_REPL_HISTORY set to nothing (or only
 * blanks) keeps none, as NODE_REPL_HISTORY=''. One line a command, oldest
 * first, at most HISTORY_LINES of them; the file is created with mode 0600
 * (a value typed on a line is in it). A file that cannot be read or written
 * is said once on stderr and the session goes on, its history then kept in
 * memory only. A piped session never uses it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The most lines the history keeps (readline's historySize, and the file's length). */
export const HISTORY_LINES = 1000;

export const HISTORY_ENV = 'KVSCOPE_REPL_HISTORY';

/** The history file: KVSCOPE_REPL_HISTORY when set (undefined, no file, when it is empty), else ~/.kvscope_history. */
export function historyPath(env: NodeJS.ProcessEnv = process.env, home: () => string = homedir): string | undefined {
  const named = env[HISTORY_ENV];
  if (named !== undefined) return named.trim() === '' ? undefined : named.trim();
  return join(home(), '.kvscope_history');
}

export class ReplHistory {
  /** Said a problem already: later ones are not said again, and the file is no longer written. */
  private failed = false;

  constructor(
    readonly path: string | undefined,
    private readonly warn: (text: string) => void,
  ) {}

  /** The lines to start with, newest first (readline's order); none when there is no file yet. */
  load(): string[] {
    if (this.path === undefined) return [];
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      // Writing it now would replace the lines it holds with this session's.
      this.fail('read', err);
      return [];
    }
    return text
      .split(/\r?\n/)
      .filter((line) => line.trim() !== '')
      .slice(-HISTORY_LINES)
      .reverse();
  }

  /** Write `lines` (newest first, as readline holds them) to the file, oldest first. */
  save(lines: readonly string[]): void {
    if (this.path === undefined || this.failed) return;
    const oldestFirst = lines.slice(0, HISTORY_LINES).reverse();
    try {
      writeFileSync(this.path, oldestFirst.length === 0 ? '' : `${oldestFirst.join('\n')}\n`, { mode: 0o600 });
    } catch (err) {
      this.fail('write', err);
    }
  }

  private fail(what: 'read' | 'write', err: unknown): void {
    this.failed = true;
    this.warn(`kvscope: cannot ${what} the history file ${this.path}: ${(err as Error).message} (this session's history is not kept; ${HISTORY_ENV}= turns it off)`);
  }
}
