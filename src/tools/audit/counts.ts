/**
 * Images per class (the first label), per file, and what they say about
 * balance. For a file in insightface's layout the classes are identities
 * (an identity's images are its label's), so the same figures are images
 * per identity. Whole-number labels in 0..2^24 (every class and identity
 * label seen in practice, float32 exact) are counted in an array indexed by
 * label, 4 bytes per label up to the largest (WebFace42M's 2 M identities:
 * 8 MB); other labels in a map of at most DISTINCT_CAP, past which the
 * labels are taken for a regression target and not counted.
 */
import { DISTINCT_CAP } from '../../io/limits.js';
import { float32ToNumber } from '../../format/image-record.js';

const DENSE_LIMIT = 1 << 24;

export class ClassCounter {
  private dense = new Uint32Array(1024);
  private denseMax = -1;
  private readonly sparse = new Map<number, number>();
  /** Set once the labels passed DISTINCT_CAP other values. */
  overflowed = false;

  add(label: number): void {
    if (Number.isInteger(label) && label >= 0 && label < DENSE_LIMIT) {
      if (label >= this.dense.length) {
        const grown = new Uint32Array(Math.min(DENSE_LIMIT, Math.max(label + 1, 2 * this.dense.length)));
        grown.set(this.dense);
        this.dense = grown;
      }
      this.dense[label]! += 1;
      if (label > this.denseMax) this.denseMax = label;
      return;
    }
    if (this.overflowed) return;
    const seen = this.sparse.get(label);
    if (seen !== undefined) this.sparse.set(label, seen + 1);
    else if (this.sparse.size >= DISTINCT_CAP) this.overflowed = true;
    else this.sparse.set(label, 1);
  }

  /** [label, images] of every class, by label. */
  entries(): [number, number][] {
    const out: [number, number][] = [];
    for (let label = 0; label <= this.denseMax; label++) if (this.dense[label]! > 0) out.push([label, this.dense[label]!]);
    for (const [label, n] of this.sparse) out.push([float32ToNumber(label), n]);
    return out.sort((a, b) => a[0] - b[0]);
  }
}

/** How many classes (or identities) to name at either end. */
export const NAMED_CLASSES = 10;

export interface ClassSummary {
  /** 'class', or 'identity' for a file in insightface's layout. */
  unit: 'class' | 'identity';
  classes: number;
  images: number;
  /** Images of the smallest, median and largest class. */
  min: number;
  median: number;
  max: number;
  /** max / min: 1 is balanced. */
  ratio: number;
  /** The smallest classes, fewest first (ties by label), and the largest, most first. */
  smallest: { label: number; images: number }[];
  largest: { label: number; images: number }[];
  /**
   * How many classes have 1, 2, 3-4, 5-8, ... images (powers of two): the
   * distribution, for a chart; `upTo` is each bin's largest count.
   */
  histogram: { upTo: number; classes: number }[];
  /** Every class and its images, by label, when there are at most CHARTED_CLASSES (a bar each in the chart). */
  perClass: { label: number; images: number }[] | null;
  /** The labels were too many distinct non-integer values to count (a regression target?). */
  uncounted: boolean;
}

/** Classes up to which each gets its own bar. */
export const CHARTED_CLASSES = 100;

export function summarize(counter: ClassCounter, unit: 'class' | 'identity'): ClassSummary {
  const entries = counter.entries();
  const bySize = entries.map(([label, images]) => ({ label, images })).sort((a, b) => a.images - b.images || a.label - b.label);
  const images = bySize.reduce((n, c) => n + c.images, 0);
  const min = bySize[0]?.images ?? 0;
  const max = bySize.at(-1)?.images ?? 0;
  const histogram: { upTo: number; classes: number }[] = [];
  for (const { images: n } of bySize) {
    const upTo = 2 ** Math.ceil(Math.log2(n));
    if (histogram.at(-1)?.upTo !== upTo) histogram.push({ upTo, classes: 0 });
    histogram.at(-1)!.classes += 1;
  }
  return {
    unit,
    classes: bySize.length,
    images,
    min,
    median: bySize.length ? bySize[Math.floor((bySize.length - 1) / 2)]!.images : 0,
    max,
    ratio: min > 0 ? max / min : 0,
    smallest: bySize.slice(0, NAMED_CLASSES),
    largest: bySize.slice(-NAMED_CLASSES).reverse(),
    histogram,
    perClass: entries.length <= CHARTED_CLASSES ? entries.map(([label, n]) => ({ label, images: n })) : null,
    uncounted: counter.overflowed,
  };
}
