/** How sizes read in every output (the commands, the gallery, the demo): decimal units (kB, MB, GB), as the progress bars count. */
export function formatBytes(n: number): string {
  const units = ['kB', 'MB', 'GB', 'TB'];
  if (n < 1000) return `${n} bytes`;
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

/** A count with its noun: 1 image, 2 images (`plural` for nouns that do not take an s). */
export function counted(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
