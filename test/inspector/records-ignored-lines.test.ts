/**
 * Lines a text log's program reads and skips on replay (tiny-log-kv's "SET empty ", a "DEL" of a key with a space, a
 * line that is no command) were counted as records by the record table: tiny-log-kv/edge-cases showed 8 records where
 * `kvscope segments` and verify say 5. They stay in the table, with the status 'ignored', and are counted apart
 * (RecordsResponse.ignoredRows), as the header, trailer and missing-newline note are (frameRows).
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { InspectorService } from '../../src/inspector/service.js';
import type { RecordRow, RecordsResponse } from '../../src/shared/contract.js';
import { discoverFixtures, FIXTURES, kvscope, tempDirs } from '../formats/helpers.js';

const temps = tempDirs();
const EDGE_CASES = `${FIXTURES}/tiny-log-kv/edge-cases/data`;

async function withService<T>(dir: string, run: (service: InspectorService, sessionId: string) => Promise<T>): Promise<T> {
  const service = new InspectorService({ opener: createEngineOpener(), configDir: temps.empty('kvscope-ignored-config-') });
  try {
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    return await run(service, sessionId);
  } finally {
    await service.close();
  }
}

/** Every row of a file (filtered by `status` when given), and the last page's counts. */
async function allRows(service: InspectorService, sessionId: string, file: string, status?: RecordRow['status']): Promise<{ rows: RecordRow[]; page: RecordsResponse }> {
  const rows: RecordRow[] = [];
  for (let start = 0; ; ) {
    const page = await service.dispatch('records', { sessionId, file, start, limit: 500, ...(status ? { status } : {}) });
    rows.push(...page.rows);
    start += page.rows.length;
    if (page.complete && start >= page.total) return { rows, page };
  }
}

describe.runIf(existsSync(EDGE_CASES))('tiny-log-kv/edge-cases: the lines the program ignores', () => {
  it('are rows of the record table with the status ignored, counted apart: 5 records, as segments and verify say', async () => {
    const segments = JSON.parse((await kvscope(['segments', '--json', '--dir', EDGE_CASES])).out[0]!) as { files: { file: string; records: number }[] };
    const verify = JSON.parse((await kvscope(['verify', '--json', '--dir', EDGE_CASES])).out[0]!) as { recordsChecked: number };
    expect(segments.files.find((f) => f.file === 'store.log')!.records).toBe(5);
    expect(verify.recordsChecked).toBe(5);

    await withService(EDGE_CASES, async (service, sessionId) => {
      const { rows, page } = await allRows(service, sessionId, 'store.log');
      expect(rows.map((r) => [r.offset, r.kind, r.status])).toEqual([
        [0, 'put', 'live'],
        [28, 'put', 'live'],
        [64, 'garbage', 'ignored'], // "SET empty "
        [75, 'put', 'live'],
        [91, 'garbage', 'ignored'], // "line2"
        [97, 'put', 'live'],
        [109, 'put', 'live'],
        [122, 'garbage', 'ignored'], // "DEL my key"
      ]);
      expect(rows.filter((r) => r.status === 'ignored').every((r) => r.problem?.startsWith('ignored on replay: '))).toBe(true);
      expect(page).toMatchObject({ unfilteredTotal: 8, frameRows: [], ignoredRows: 3 });

      // The status filter finds them (a status the request schema knows), and the detail says so too.
      const ignored = await allRows(service, sessionId, 'store.log', 'ignored');
      expect(ignored.rows.map((r) => r.offset)).toEqual([64, 91, 122]);
      expect((await service.dispatch('recordAt', { sessionId, file: 'store.log', offset: 91 })).record).toMatchObject({ offset: 91, status: 'ignored' });
    });
  });

  it('kvscope records says ignored too', async () => {
    const records = await kvscope(['records', '--segment', 'store.log', '--dir', EDGE_CASES]);
    const rows = records.out.slice(1).map((l) => l.trim().split(/\s+/));
    expect(rows.filter((r) => r[7] === 'ignored').map((r) => r[0])).toEqual(['64', '91', '122']);
    expect(rows.filter((r) => r[7] === 'meta')).toEqual([]);
  });
});

describe('on every fixture', () => {
  it('the record table counts, less the rows it counts apart, the records the segments view counts', async () => {
    for (const c of discoverFixtures()) {
      await withService(c.dataDir, async (service, sessionId) => {
        const files = (await service.dispatch('segments', { sessionId })).files.filter((f) => f.role === 'data' || f.role === 'hint');
        for (const f of files) {
          const { page } = await allRows(service, sessionId, f.file);
          expect(page.unfilteredTotal - page.frameRows.length - page.ignoredRows, `${c.name} ${f.file}`).toBe(f.records);
        }
      });
    }
  });
});
