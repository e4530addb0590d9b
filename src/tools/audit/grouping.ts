/**
 * Which images belong together. Exact duplicates share a content hash;
 * near-duplicates have perceptual hashes at most `distance` bits apart and
 * pass a check on their pixels (`confirm`: the hash alone takes unrelated
 * pictures of a similar layout for each other, more so with few colours or
 * aligned faces). Groups are the connected sets of those links (union-find),
 * so a chain of near-duplicates is one group.
 *
 * No pair of images is compared unless it could be linked. Content hashes
 * are bucketed by their first 16 bits, then sorted within a bucket. Near
 * pairs use multi-index hashing (Norouzi et al., "Fast search in Hamming
 * space with multi-index hashing", 2012): the 64 bits are four 16-bit blocks,
 * and two hashes at most `distance` bits apart differ in at most
 * floor(distance / 4) bits of one of the blocks (pigeonhole). So, block by
 * block, the images are bucketed by the block's value and only those of a
 * bucket and of the buckets that many bits away are compared in full. A
 * bucket holds about N / 65536 images (88 for 5.8 M), and one image of each
 * set of equal hashes stands for them all, so a thousand blank images cost
 * one comparison, not a million. Memory: 13 bytes per image beside the
 * table (the union-find's parent and set size, a bucket entry, a flag).
 */
import { type ImageTable, UNDECODED } from './table.js';
import { hammingAt } from './perceptual.js';

/** Sets of image numbers, merged (union by size, path halving). */
export class UnionFind {
  readonly parent: Uint32Array;
  private readonly size: Uint32Array;

  constructor(n: number) {
    this.parent = new Uint32Array(n);
    this.size = new Uint32Array(n).fill(1);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }

  find(i: number): number {
    const p = this.parent;
    while (p[i] !== i) {
      p[i] = p[p[i]!]!;
      i = p[i]!;
    }
    return i;
  }

  /** Merges the sets of a and b; false when they were one already. */
  union(a: number, b: number): boolean {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return false;
    if (this.size[ra]! < this.size[rb]!) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.size[ra]! += this.size[rb]!;
    return true;
  }
}

const BUCKETS = 1 << 16;

/**
 * Image numbers (those `take` accepts) ordered by `key` (0..65535), with
 * where each key's run starts: a counting sort, two passes, no comparison.
 */
function bucketed(n: number, key: (i: number) => number, take: (i: number) => boolean, into: Uint32Array): { order: Uint32Array; starts: Uint32Array } {
  const starts = new Uint32Array(BUCKETS + 1);
  for (let i = 0; i < n; i++) if (take(i)) starts[key(i) + 1]! += 1;
  for (let k = 0; k < BUCKETS; k++) starts[k + 1]! += starts[k]!;
  const fill = starts.slice(0, BUCKETS);
  for (let i = 0; i < n; i++) if (take(i)) into[fill[key(i)]!++] = i;
  return { order: into, starts };
}

/** Links every image to the others of the same content hash; returns how many images repeat an earlier one. */
export function linkExact(table: ImageTable, sets: UnionFind, scratch: Uint32Array): number {
  const c = table.content;
  const { order, starts } = bucketed(table.count, (i) => c[4 * i]! >>> 16, () => true, scratch);
  let repeats = 0;
  for (let k = 0; k < BUCKETS; k++) {
    const from = starts[k]!;
    const to = starts[k + 1]!;
    if (to - from < 2) continue;
    const run = Array.from(order.subarray(from, to)).sort((a, b) => {
      for (let w = 0; w < 4; w++) if (c[4 * a + w] !== c[4 * b + w]) return c[4 * a + w]! - c[4 * b + w]!;
      return a - b;
    });
    for (let r = 1; r < run.length; r++) {
      const [a, b] = [run[r - 1]!, run[r]!];
      if (c[4 * a] === c[4 * b] && c[4 * a + 1] === c[4 * b + 1] && c[4 * a + 2] === c[4 * b + 2] && c[4 * a + 3] === c[4 * b + 3]) {
        sets.union(a, b);
        repeats += 1;
      }
    }
  }
  return repeats;
}

/** The largest `distance` the near search takes (floor(distance / 4) = 2 bits per block at most). */
export { MAX_AUDIT_DISTANCE as MAX_DISTANCE } from '../../io/limits.js';

/**
 * Candidate near pairs: images whose perceptual hashes are at most `distance`
 * bits apart and that are not in one set already, handed to `onPairs` in
 * arrays of up to `batch` pairs (the search waits for each: the caller checks
 * them and links those that pass). A pair close in several blocks may come
 * more than once; the union makes that harmless. Only one image per set of
 * exact duplicates and per perceptual hash takes part in the block search;
 * an image of the same hash as another is offered with it instead.
 */
export async function nearPairs(
  table: ImageTable,
  sets: UnionFind,
  distance: number,
  scratch: Uint32Array,
  batch: number,
  onPairs: (pairs: Uint32Array, count: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<{ compared: number; candidates: number }> {
  const h = table.perceptual;
  const n = table.count;
  // Representatives: decoded, first of their exact set, first of their perceptual hash.
  const rep = new Uint8Array(n);
  for (let i = 0; i < n; i++) if ((table.flags[i]! & UNDECODED) === 0 && sets.find(i) === i) rep[i] = 1;
  {
    // Equal perceptual hashes: bucket by the low block, sort each bucket by the whole hash.
    const { order, starts } = bucketed(n, (i) => h[2 * i]! & 0xffff, (i) => rep[i] === 1, scratch);
    for (let k = 0; k < BUCKETS; k++) {
      const from = starts[k]!;
      const to = starts[k + 1]!;
      if (to - from < 2) continue;
      const run = Array.from(order.subarray(from, to)).sort((a, b) => h[2 * a]! - h[2 * b]! || h[2 * a + 1]! - h[2 * b + 1]! || a - b);
      for (let r = 1; r < run.length; r++) {
        const [a, b] = [run[r - 1]!, run[r]!];
        if (h[2 * a] === h[2 * b] && h[2 * a + 1] === h[2 * b + 1]) rep[b] = 2; // same hash as a: a candidate pair of its own
      }
    }
  }
  const pairs = new Uint32Array(2 * batch);
  let count = 0;
  let compared = 0;
  let candidates = 0;
  const flush = async () => {
    if (count === 0) return;
    signal?.throwIfAborted();
    await onPairs(pairs, count);
    count = 0;
  };
  const offer = async (a: number, b: number) => {
    if (sets.find(a) === sets.find(b)) return;
    pairs[2 * count] = a;
    pairs[2 * count + 1] = b;
    candidates += 1;
    if (++count === batch) await flush();
  };
  // Images whose hash equals the one before them in its sorted bucket are candidates with it.
  {
    const { order, starts } = bucketed(n, (i) => h[2 * i]! & 0xffff, (i) => rep[i] !== 0, scratch);
    for (let k = 0; k < BUCKETS; k++) {
      const run = Array.from(order.subarray(starts[k]!, starts[k + 1]!)).sort((a, b) => h[2 * a]! - h[2 * b]! || h[2 * a + 1]! - h[2 * b + 1]! || a - b);
      for (let r = 1; r < run.length; r++) if (rep[run[r]!] === 2) await offer(run[r - 1]!, run[r]!);
    }
  }
  const radius = Math.floor(distance / 4);
  const flips = radius === 0 ? [0] : radius === 1 ? [0, ...Array.from({ length: 16 }, (_, j) => 1 << j)] : twoBitFlips();
  for (let block = 0; block < 4; block++) {
    const word = block >> 1;
    const shift = (block & 1) * 16;
    const key = (i: number) => (h[2 * i + word]! >>> shift) & 0xffff;
    const { order, starts } = bucketed(n, key, (i) => rep[i] === 1, scratch);
    for (let v = 0; v < BUCKETS; v++) {
      const from = starts[v]!;
      const to = starts[v + 1]!;
      if (from === to) continue;
      for (const flip of flips) {
        const u = v ^ flip;
        if (u < v) continue; // each pair of buckets once
        const uFrom = starts[u]!;
        const uTo = starts[u + 1]!;
        for (let x = from; x < to; x++) {
          const a = order[x]!;
          for (let y = u === v ? x + 1 : uFrom; y < uTo; y++) {
            const b = order[y]!;
            compared += 1;
            if (hammingAt(h, a, b) <= distance) await offer(a, b);
          }
        }
      }
    }
  }
  await flush();
  return { compared, candidates };
}

/** 0, the 16 one-bit flips and the 120 two-bit flips of a 16-bit block. */
function twoBitFlips(): number[] {
  const out = [0];
  for (let j = 0; j < 16; j++) out.push(1 << j);
  for (let j = 0; j < 16; j++) for (let k = j + 1; k < 16; k++) out.push((1 << j) | (1 << k));
  return out;
}
