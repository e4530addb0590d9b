/** Seeded pseudo-random data for tests: the same seed gives the same bytes on every run. */
import { MAGIC_BYTES } from '../../src/format/recordio.js';

/** mulberry32: small, fast, good enough for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(next: () => number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = (next() * 256) | 0;
  return out;
}

/** Writes the magic into `buf` at each of `positions`. */
export function withMagicAt(buf: Buffer, positions: number[]): Buffer {
  for (const p of positions) MAGIC_BYTES.copy(buf, p);
  return buf;
}

/**
 * Payloads that exercise every framing path: empty, lengths 1..7, the magic
 * at aligned and unaligned offsets, at the start and the end, several in a
 * row, alone, and random bodies of assorted sizes.
 */
export function edgePayloads(seed = 1): Buffer[] {
  const next = rng(seed);
  const m = MAGIC_BYTES;
  const out: Buffer[] = [Buffer.alloc(0)];
  for (let n = 1; n <= 7; n++) out.push(randomBytes(next, n));
  out.push(Buffer.from(m)); // the magic alone: two empty parts
  out.push(Buffer.concat([m, m])); // two in a row: three empty parts
  out.push(Buffer.concat([m, m, m, Buffer.from('tail')]));
  for (const len of [5, 6, 7, 8, 9, 12, 13, 64, 65, 66, 67]) {
    for (const pos of [0, 1, 2, 3, 4, len - 4, len - 5, len - 6, len - 7]) {
      if (pos >= 0 && pos + 4 <= len) out.push(withMagicAt(randomBytes(next, len), [pos]));
    }
  }
  out.push(withMagicAt(randomBytes(next, 40), [0, 4, 8, 20, 36])); // begins and ends with it, runs
  out.push(withMagicAt(randomBytes(next, 41), [1, 9, 17, 37])); // only unaligned: no cut
  out.push(withMagicAt(randomBytes(next, 43), [36, 39])); // aligned cut; unaligned copy in the tail
  for (let i = 0; i < 40; i++) out.push(randomBytes(next, Math.floor(next() * 3000)));
  return out;
}

/** Multi-megabyte payloads, one with the magic scattered through it. */
export function bigPayloads(seed = 2): Buffer[] {
  const next = rng(seed);
  const a = randomBytes(next, 3 * 1024 * 1024 + 3);
  const b = withMagicAt(randomBytes(next, 2 * 1024 * 1024), [0, 4096, 4100, 1_000_001, 2 * 1024 * 1024 - 4]);
  return [a, b];
}
