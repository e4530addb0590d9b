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

/**
 * A size as typed on the command line: bytes, or with a unit (500M, 1G: powers
 * of 1000, as formatBytes prints them; 2GiB: powers of 1024). The text as it
 * is when it is none of those, for the option's check to refuse, quoted.
 */
export function parseByteSize(text: string): unknown {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(|k|kb|m|mb|g|gb|t|tb|kib|mib|gib|tib)\s*$/i.exec(text);
  if (!m) return text;
  const unit = m[2]!.toLowerCase();
  if (unit === '') return Number(m[1]); // a fraction of a byte is refused as typed, not rounded to 0
  const scale = unit.endsWith('ib') ? 1024 ** ' kmgt'.indexOf(unit[0]!) : 1000 ** ' kmgt'.indexOf(unit[0]!);
  return Math.round(Number(m[1]) * scale);
}
