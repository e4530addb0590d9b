/**
 * `rec split`: one `.rec` into several by shares of its records (train/val
 * 0.9,0.1, or N equal shards), in file order or assigned at random from a
 * seed, over the whole file or (stratify) over each class on its own. Each
 * output keeps its records in file order; keys kept or renumbered.
 */
import { tryUnpackImageRecord } from '../format/image-record.js';
import { RecordReader } from '../format/reader.js';
import { displayLocation } from '../io/display-name.js';
import { MAX_SPLIT_OUTPUTS } from '../io/limits.js';
import { UsageError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { type OptionsOf, boolean, checkOptions, custom, integer } from '../util/schema.js';
import { type InputProgress, REWRITE_OPTIONS, type RewriteFill, type RewriteResult, forEachKeyed, rewrite } from './rewrite.js';

/** splitRecordFile's options: the rewrite's, the shares, and how records are assigned to outputs. */
export const SPLIT_OPTIONS = {
  ...REWRITE_OPTIONS,
  shares: custom({
    doc: 'share of each output, in output order: any positive numbers, normalised (0.8,0.2 or 1,1,1); default equal',
    parse: (v: unknown, invalid: (expected: string) => never): readonly number[] =>
      Array.isArray(v) && v.every((s) => typeof s === 'number') ? (v as number[]) : invalid('an array of numbers'),
    fromText: (text: string) => text.split(',').map((p) => (p.trim() === '' ? NaN : Number(p))),
    flag: '--shares',
    metavar: '<list>',
    flagDoc: 'share of each output, comma-separated (e.g. 0.9,0.1 or 8,1,1); default equal',
    expected: 'number[]',
  }),
  shuffle: boolean({ doc: 'assign records to outputs at random (seeded) instead of in runs of file order', default: false }),
  seed: integer({ doc: 'seed of the random assignment', default: 0 }),
  stratify: boolean({
    doc: "keep each class's proportions: every class (first label) is shared out by the shares on its own, so each output holds each class's share to within one record; needs image records",
    default: false,
  }),
};
export type SplitOptions = OptionsOf<typeof SPLIT_OPTIONS>;

/** Records in a file (path or URL), by a scan of its framing; `progress` may stop it (InputProgress.checkStop). */
export async function countRecords(recLocation: string, progress?: InputProgress): Promise<number> {
  const reader = await RecordReader.openAsync(recLocation);
  try {
    let n = 0;
    await reader.scan({ reuseBuffers: true }).forEach(() => {
      progress?.checkStop();
      n++;
    });
    return n;
  } finally {
    reader.close();
  }
}

/**
 * The records of `order` (indexes into `assign`) shared out: output k gets
 * round(n * (s_0 + .. + s_k-1) / S) up to round(n * (s_0 + .. + s_k) / S) of
 * them, so each output's count is within one of its share of n.
 */
function assignRuns(order: Uint32Array, given: readonly number[], assign: Uint16Array): void {
  // Shares relative to the largest, so that their sum stays finite (1e308,1e308 is an even split).
  const largest = Math.max(...given);
  const shares = given.map((share) => share / largest);
  const total = shares.reduce((a, b) => a + b, 0);
  const n = order.length;
  let cumulative = 0;
  shares.forEach((share, k) => {
    const from = Math.round((n * cumulative) / total);
    cumulative += share;
    const to = Math.round((n * cumulative) / total);
    for (let j = from; j < to; j++) assign[order[j]!] = k;
  });
}

/** Which output each record goes to: runs of the order (file order, or a seeded permutation), by the shares. */
export function splitAssignment(n: number, shares: readonly number[], shuffle: boolean, seed: number): Uint16Array {
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  if (shuffle) new Rng(seed).shuffle(order);
  const assign = new Uint16Array(n);
  assignRuns(order, shares, assign);
  return assign;
}

/**
 * splitAssignment for each class on its own (the records of one first label,
 * in file order or, with `shuffle`, a permutation from the seed, the classes
 * taken in label order): every output holds each class's share to within one.
 */
export function stratifiedAssignment(labels: Float32Array, shares: readonly number[], shuffle: boolean, seed: number): Uint16Array {
  // Indexes by label, file order within a label (4 bytes a record, as the labels); a NaN label is a class too, last.
  const byLabel = (x: number, y: number) => (x < y ? -1 : x > y ? 1 : Number.isNaN(x) === Number.isNaN(y) ? 0 : Number.isNaN(x) ? 1 : -1);
  const byClass = Uint32Array.from({ length: labels.length }, (_, i) => i).sort((a, b) => byLabel(labels[a]!, labels[b]!) || a - b);
  const rng = new Rng(seed);
  const assign = new Uint16Array(labels.length);
  for (let start = 0; start < byClass.length; ) {
    let end = start + 1;
    while (end < byClass.length && Object.is(labels[byClass[end]!], labels[byClass[start]!])) end++;
    const members = byClass.subarray(start, end);
    if (shuffle) rng.shuffle(members);
    assignRuns(members, shares, assign);
    start = end;
  }
  return assign;
}

/**
 * Each record's first label, by a scan of the file; a record without an image
 * header (no label to take a class from) is a UsageError naming it.
 */
async function firstLabels(recLocation: string, progress: InputProgress): Promise<Float32Array> {
  let labels = new Float32Array(1 << 16);
  let n = 0;
  const reader = await RecordReader.openAsync(recLocation);
  try {
    await reader.scan({ reuseBuffers: true }).forEach((record) => {
      progress.checkStop();
      const image = tryUnpackImageRecord(record.payload);
      if (!image) {
        throw new UsageError(`stratify: expected image records (the class is the first label), received ${displayLocation(recLocation)}: byte ${record.offset}: a record without an image header`);
      }
      if (n === labels.length) {
        const grown = new Float32Array(n * 2);
        grown.set(labels);
        labels = grown;
      }
      labels[n++] = image.label[0]!;
    });
  } finally {
    reader.close();
  }
  return labels.subarray(0, n);
}

/** Outputs and shares a split can take, or a UsageError naming what is wrong (`rec split` prints it, `shares` as --shares). */
function checkSplit(outs: readonly string[], shares: readonly number[]): void {
  if (outs.length < 2) throw new UsageError(`expected two or more outputs, received ${outs.length}`);
  if (outs.length > MAX_SPLIT_OUTPUTS) throw new UsageError(`expected at most ${MAX_SPLIT_OUTPUTS} outputs, received ${outs.length}`);
  if (shares.length !== outs.length) throw new UsageError(`shares: expected ${outs.length} shares (one per output), received ${shares.length}`);
  if (!shares.every((s) => Number.isFinite(s) && s > 0)) throw new UsageError(`shares: expected positive numbers, received ${shares.join(',')}`);
}

export async function splitRecordFile(input: string, outs: readonly string[], given: SplitOptions): Promise<RewriteResult[]> {
  const options = checkOptions(SPLIT_OPTIONS, given);
  const shares = options.shares ?? outs.map(() => 1);
  checkSplit(outs, shares);
  const fill: RewriteFill = async (targets, progress) => {
    const assign = options.stratify
      ? stratifiedAssignment(await firstLabels(input, progress), shares, options.shuffle, options.seed)
      : splitAssignment(await countRecords(input, progress), shares, options.shuffle, options.seed);
    let i = 0;
    await forEachKeyed(input, progress, (keyed) => targets[assign[i++]!]!.write(keyed));
  };
  return rewrite(outs, [input], options, fill, `${input}: holds no records`);
}
