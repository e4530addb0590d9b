/**
 * Seeded randomness for the iterator's shuffles and augmentation and for the
 * tools (`rec shuffle`, `rec info --sample`): small, fast, and a run repeats
 * exactly from `seed`. Every epoch gets its own streams, derived from (seed,
 * epoch, purpose), so epoch 3 is the same whether or not epochs 0..2 ran, and
 * no stream depends on how many threads decode (MXNet seeds one generator per
 * decode thread, so its batches change with `preprocess_threads`).
 */

/** splitmix32's finaliser: spreads any 32-bit input over all 32 bits. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

/** The purposes that get separate streams. */
export const STREAM = { shuffle: 1, augment: 2 } as const;

/** sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): passes PractRand, four words of state. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;

  /** A stream for (seed, epoch, purpose); any safe integers. */
  constructor(seed: number, epoch = 0, stream: number = 0) {
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 2 ** 32) >>> 0;
    this.a = mix32(lo ^ 0x9e3779b9);
    this.b = mix32(hi ^ mix32(epoch + 0x85ebca6b));
    this.c = mix32(stream ^ 0xc2b2ae35 ^ this.a);
    for (let i = 0; i < 12; i++) this.nextU32(); // leave the seeding's neighbourhood
  }

  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1), 53 bits. */
  uniform(): number {
    return ((this.nextU32() >>> 5) * 67108864 + (this.nextU32() >>> 6)) / 9007199254740992;
  }

  /** Uniform in [lo, hi). */
  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Uniform integer in [lo, hi], both ends included (hi - lo < 2^32). */
  int(lo: number, hi: number): number {
    const span = hi - lo + 1;
    if (span <= 1) return lo;
    // Rejection keeps every value equally likely.
    const limit = Math.floor(2 ** 32 / span) * span;
    let r = this.nextU32();
    while (r >= limit) r = this.nextU32();
    return lo + (r % span);
  }

  /** Fisher-Yates, in place. */
  shuffle<T>(items: T[] | Uint32Array): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      const t = items[i]!;
      items[i] = items[j]!;
      items[j] = t;
    }
  }
}
