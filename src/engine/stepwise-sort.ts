/**
 * Sorting a million key strings in one call blocks for 0.3–1 s. This sorts
 * them in steps of a few milliseconds each (runs sorted by Array#sort, then
 * merged pairwise, a bounded number of keys per step), awaiting `pause`
 * between steps so a server stays responsive while it sorts. Same order as
 * Array#sort on strings (UTF-16 code units, i.e. bytewise for key strings).
 */

/** Keys per sorted run and per merge step. */
const RUN = 1 << 15;
const MERGE_STEP = 1 << 17;

export async function sortInSteps(keys: readonly string[], pause: () => Promise<void>): Promise<string[]> {
  let runs: string[][] = [];
  for (let i = 0; i < keys.length; i += RUN) {
    runs.push(keys.slice(i, i + RUN).sort());
    await pause();
  }
  while (runs.length > 1) {
    const next: string[][] = [];
    for (let r = 0; r < runs.length; r += 2) {
      const a = runs[r]!;
      const b = runs[r + 1];
      if (!b) {
        next.push(a);
        continue;
      }
      const out: string[] = [];
      let i = 0;
      let j = 0;
      while (i < a.length || j < b.length) {
        const stop = out.length + MERGE_STEP;
        while (out.length < stop && i < a.length && j < b.length) out.push(a[i]! <= b[j]! ? a[i++]! : b[j++]!);
        if (i === a.length) while (out.length < stop && j < b.length) out.push(b[j++]!);
        else if (j === b.length) while (out.length < stop && i < a.length) out.push(a[i++]!);
        await pause();
      }
      next.push(out);
    }
    runs = next;
  }
  return runs[0] ?? [];
}
