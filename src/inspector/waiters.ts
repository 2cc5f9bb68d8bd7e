/**
 * Requests waiting for background work (indexing a file, filtering its
 * records) to reach what they need, each with its own condition and an
 * optional time limit after which it is answered with what there is.
 */
export class Waiters {
  private list: Array<{ ready: () => boolean; resolve: () => void }> = [];

  /** Whether some waiter's condition holds now (the work may stop early to answer it). */
  anyReady(): boolean {
    return this.list.some((w) => w.ready());
  }

  /** Resolves the waiters whose condition holds; all of them when the work is `finished`. */
  settle(finished: boolean): void {
    this.list = this.list.filter((w) => {
      if (!finished && !w.ready()) return true;
      w.resolve();
      return false;
    });
  }

  /** A promise that settle() resolves once `ready()` holds, or that resolves after `maxMs`. */
  add(ready: () => boolean, maxMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter = {
        ready,
        resolve: () => {
          if (timer) clearTimeout(timer);
          resolve();
        },
      };
      this.list.push(waiter);
      if (Number.isFinite(maxMs)) {
        timer = setTimeout(() => {
          this.list = this.list.filter((w) => w !== waiter);
          resolve();
        }, maxMs);
      }
    });
  }
}
