/** Counts and sizes as the CLI prints them, in messages and in progress lines alike. */

/** A count with thousands separators: `1,000,000`. */
export const formatCount = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Bytes in binary units, one decimal: `41.2 MiB` (under 1 KiB, exact: `512 B`). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = -1;
  do {
    v /= 1024;
    u++;
  } while (v >= 1024 && u < units.length - 1);
  return `${v.toFixed(1)} ${units[u]}`;
}
