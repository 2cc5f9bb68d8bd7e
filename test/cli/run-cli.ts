/**
 * The real `kvscope` command as a child process, for the CLI tests: its exit
 * code and its output (stdout and stderr as text).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export const BIN = path.resolve(__dirname, '../../bin/kvscope.js');

export interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** Run `kvscope ...args` in `cwd`, with `input` on its stdin (empty by default); `env` is added to the environment (undefined: removed). */
export function kvscope(cwd: string, args: string[], input?: string | Buffer, env?: Record<string, string | undefined>): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, input: input ?? '', timeout: 60_000, ...(env ? { env: withEnv(env) } : {}) });
  return { code: r.status, out: r.stdout.toString('utf8'), err: r.stderr.toString('utf8') };
}

/** This process's environment with `changes` made: a name set to undefined is removed. */
export function withEnv(changes: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}
