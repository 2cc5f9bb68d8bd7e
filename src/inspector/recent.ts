/**
 * Recently opened directories, remembered in a JSON file inside the config
 * directory given by the host (never inside a store directory).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecentEntry } from '../shared/contract.js';
import { LIMITS } from '../shared/contract.js';

export class RecentList {
  private readonly file: string;

  constructor(private readonly configDir: string) {
    this.file = join(configDir, 'recent.json');
  }

  async list(): Promise<RecentEntry[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return [];
    }
    try {
      const parsed = JSON.parse(text) as { entries?: unknown };
      if (!Array.isArray(parsed.entries)) return [];
      return parsed.entries
        .filter(
          (e): e is RecentEntry =>
            typeof e === 'object' && e !== null && typeof e.path === 'string' && typeof e.openedAt === 'string',
        )
        .slice(0, LIMITS.recentMax);
    } catch {
      return []; // a damaged recent file is not worth an error
    }
  }

  /** Writes are serialised so two quick opens cannot interleave their read-modify-write. */
  private queue: Promise<unknown> = Promise.resolve();

  add(path: string, format?: string): Promise<RecentEntry[]> {
    const next = this.queue.then(() => this.write(path, format));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async write(path: string, format?: string): Promise<RecentEntry[]> {
    const entry: RecentEntry = { path, openedAt: new Date().toISOString(), ...(format ? { format } : {}) };
    const entries = [entry, ...(await this.list()).filter((e) => e.path !== path)].slice(0, LIMITS.recentMax);
    await mkdir(this.configDir, { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ entries }, null, 2) + '\n', 'utf8');
    await rename(tmp, this.file);
    return entries;
  }
}
