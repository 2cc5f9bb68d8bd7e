/** A directory tree's state, to prove that nothing in it changed or appeared. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** path → sha256:size:mtimeMs of every file under dir, plus every directory entry. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      const rel = path.relative(dir, p);
      const st = fs.lstatSync(p);
      if (e.isDirectory()) {
        out[rel + '/'] = `dir:${st.mtimeMs}`;
        walk(p);
      } else if (e.isFile()) out[rel] = `${createHash('sha256').update(fs.readFileSync(p)).digest('hex')}:${st.size}:${st.mtimeMs}`;
      else out[rel] = `other:${st.mtimeMs}`;
    }
  };
  walk(dir);
  return out;
}

