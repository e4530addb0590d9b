/**
 * The check a near pair must pass besides its perceptual hashes: the two
 * images, decoded again as small colour squares (SIDE x SIDE, averaged),
 * differ by at most ALIKE_WITHIN per sample on average. The hash looks at
 * grayscale structure only, so two unrelated pictures of a similar layout
 * (blobs in the same places, aligned faces) can share most of its bits;
 * their colours and details still differ by tens of levels, where a
 * re-encoded or resized copy differs by a few (measured on the test set:
 * copies at JPEG quality 20 or resized to 48 px at most 5.2, unrelated
 * pictures with hashes 8 bits apart or less at least 35).
 */
import { decodeIntoMany } from '../../codec/codec.js';

const SIDE = 16;
const SAMPLES = SIDE * SIDE * 3;
/** Mean absolute difference (levels of 255) at or under which two small squares show one picture. */
export const ALIKE_WITHIN = 12;

/**
 * Which of `pairs` (image numbers, two per pair, `count` pairs) look alike.
 * `load` gives an image's bytes (read again); each image is decoded once.
 * `threads` codec calls run at once.
 */
export async function alike(pairs: Uint32Array, count: number, load: (images: number[]) => Promise<Uint8Array[]>, threads: number): Promise<boolean[]> {
  const images = [...new Set(pairs.subarray(0, 2 * count))].sort((a, b) => a - b);
  const slot = new Map(images.map((n, i) => [n, i]));
  const squares = new Uint8Array(images.length * SAMPLES);
  const decoded = new Uint8Array(images.length);
  const chunk = 64 * threads;
  for (let start = 0; start < images.length; start += chunk) {
    const some = images.slice(start, start + chunk);
    const bytes = await load(some);
    const size = Math.ceil(some.length / threads);
    const calls: Promise<void>[] = [];
    for (let g = 0; g < some.length; g += size) {
      const jobs = bytes.slice(g, g + size).map((input, i) => ({ input, out: squares, offset: (start + g + i) * SAMPLES, options: { width: SIDE, height: SIDE, channels: 3 as const, filter: 'area' as const } }));
      calls.push(decodeIntoMany(jobs).then((errors) => errors.forEach((e, i) => (decoded[start + g + i] = e ? 0 : 1))));
    }
    await Promise.all(calls);
  }
  const out: boolean[] = [];
  for (let p = 0; p < count; p++) {
    const a = slot.get(pairs[2 * p]!)!;
    const b = slot.get(pairs[2 * p + 1]!)!;
    if (!decoded[a] || !decoded[b]) {
      out.push(false);
      continue;
    }
    let sum = 0;
    for (let k = 0; k < SAMPLES; k++) sum += Math.abs(squares[a * SAMPLES + k]! - squares[b * SAMPLES + k]!);
    out.push(sum / SAMPLES <= ALIKE_WITHIN);
  }
  return out;
}
