/**
 * A service for the tests of one job kind (copy, export, import): a fresh InspectorService and temp directory for
 * each test, the events it sent, and the end of a job (job-done or job-failed) however soon it came.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { InspectorService } from '../../src/inspector/service.js';
import type { KvscopeEvent } from '../../src/shared/contract.js';

export interface JobHarness {
  /** This test's temp directory (removed after it). */
  readonly base: string;
  /** Replaceable in a test (one with other options): the harness closes whichever is here after it. */
  service: InspectorService;
  /** Every event the service sent in this test. */
  readonly events: KvscopeEvent[];
  /** The job's end: job-done or job-failed, already sent or still to come. */
  jobEnd(jobId: string): Promise<KvscopeEvent>;
}

const isEndOf = (jobId: string) => (e: KvscopeEvent) => (e.type === 'job-done' || e.type === 'job-failed') && e.jobId === jobId;

/** Called at the top of a test file: sets up and takes down the harness around each test. */
export function jobHarness(prefix: string): JobHarness {
  const h = {
    base: '',
    service: undefined as unknown as InspectorService,
    events: [] as KvscopeEvent[],
    jobEnd(jobId: string): Promise<KvscopeEvent> {
      return new Promise((resolve) => {
        const found = h.events.find(isEndOf(jobId));
        if (found) return resolve(found);
        const off = h.service.onEvent((e) => {
          if (isEndOf(jobId)(e)) {
            off();
            resolve(e);
          }
        });
      });
    },
  };
  beforeEach(() => {
    h.base = mkdtempSync(join(tmpdir(), prefix));
    h.service = new InspectorService({ opener: createEngineOpener(), configDir: join(h.base, 'config') });
    h.events = [];
    h.service.onEvent((e) => h.events.push(e));
  });
  afterEach(async () => {
    await h.service.close();
    rmSync(h.base, { recursive: true, force: true });
  });
  return h;
}
