/**
 * Keeps a long job (a copy, an import, an export) running until the test has cancelled it, for the specs that
 * check Cancel: the host runs in the test's process, so its Store's calls can be slowed and held. Each call of
 * Store.prototype[method] first waits `delayMs` (as on a slow disk, so that the job shows its progress), and every
 * call after the first `after` waits for release() too: the job cannot end before Cancel is clicked, however fast
 * the machine or slow a loaded one makes the test (a delay alone let a slow run reach Cancel after the job ended).
 */
import { expect, type Locator, type Page } from '@playwright/test';
import { Store } from '../../src/engine/store.js';

export interface HeldStore {
  /** Lets the held calls (and every later one) through. */
  release(): void;
  /** Puts the method back (and lets held calls through). */
  restore(): void;
}

export function holdStoreCalls(method: 'batch' | 'get', opts: { delayMs: number; after: number }): HeldStore {
  const original = Store.prototype[method] as (...args: unknown[]) => Promise<unknown>;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let calls = 0;
  (Store.prototype as unknown as Record<string, unknown>)[method] = async function (this: Store, ...args: unknown[]) {
    await new Promise((resolve) => setTimeout(resolve, opts.delayMs));
    if (++calls > opts.after) await gate;
    return original.apply(this, args);
  };
  return {
    release,
    restore() {
      (Store.prototype as unknown as Record<string, unknown>)[method] = original;
      release();
    },
  };
}

/** Clicks a job's Cancel button and waits for the host's answer (the job's signal is aborted), then lets the held calls through. */
export async function cancelHeldJob(page: Page, cancel: Locator, held: HeldStore): Promise<void> {
  const answered = page.waitForResponse('**/api/cancelJob');
  await cancel.click();
  expect((await (await answered).json()) as unknown).toMatchObject({ ok: true, value: { cancelled: true } });
  held.release();
}
