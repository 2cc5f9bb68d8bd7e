/**
 * `kvscope` run in a real terminal (a pty made by script(1)), for the tests
 * of what a person at the keyboard gets: keys are typed into it, and what
 * the terminal shows is read back.
 */
import { spawn } from 'node:child_process';
import { BIN, withEnv } from './run-cli.js';

export interface PtySession {
  /** Everything the terminal has shown so far. */
  readonly seen: () => string;
  /** Type `keys`, then wait until the terminal shows `text` after what it showed so far. */
  typeAndWait(keys: string, text: string): Promise<void>;
  /** Type `keys` without waiting. */
  type(keys: string): void;
  /** The exit code, once the session has ended. */
  readonly ended: Promise<number | null>;
}

/** How long typeAndWait waits for its text (the session is then killed). */
const WAIT_MS = 30_000;

/** `kvscope ...args` in a pty; `env` is added to this process's environment (a key set to undefined is removed). */
export function ptyKvscope(args: string[], env: Record<string, string | undefined> = {}): PtySession {
  // `exec`: script(1) runs the command through $SHELL -c, and a shell that stays as node's parent (dash,
  // the /bin/sh script falls back to when SHELL is unset, as in CI) also gets the Ctrl-Cs and ends itself
  // by SIGINT after node exits 0, so the test would see 130 whatever node did.
  const command = ['exec', process.execPath, BIN, ...args].map((word, i) => (i === 0 ? word : JSON.stringify(word))).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: withEnv(env) });
  let seen = '';
  let waiting: { text: string; from: number; resolve: () => void } | undefined;
  const check = (): void => {
    if (waiting && seen.indexOf(waiting.text, waiting.from) >= 0) {
      const w = waiting;
      waiting = undefined;
      w.resolve();
    }
  };
  child.stdout.on('data', (d: Buffer) => {
    seen += d.toString('utf8');
    check();
  });
  const ended = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    seen: () => seen,
    ended,
    type: (keys) => {
      child.stdin.write(keys);
    },
    async typeAndWait(keys, text) {
      const from = seen.length;
      const shown = new Promise<void>((resolve) => {
        waiting = { text, from, resolve };
      });
      child.stdin.write(keys);
      check();
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill();
          reject(new Error(`${JSON.stringify(text)} not shown in ${WAIT_MS / 1000} s; it showed: ${JSON.stringify(seen.slice(from))}`));
        }, WAIT_MS);
      });
      try {
        await Promise.race([shown, late, ended.then(() => Promise.reject(new Error(`ended before showing ${JSON.stringify(text)}; it showed: ${JSON.stringify(seen)}`)))]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
