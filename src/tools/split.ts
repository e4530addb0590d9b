/**
 * `rec split`: one `.rec` into several by shares of its records (train/val
 * 0.9,0.1, or N equal shards), in file order or assigned at random from a
 * seed. Each output keeps its records in file order; keys kept or renumbered.
 */
import { RecordReader } from '../format/reader.js';
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
 * Which output each record goes to: output k gets round(n * (s_0 + .. + s_k-1) / S) up to
 * round(n * (s_0 + .. + s_k) / S) of the order (file order, or a seeded permutation).
 */
export function splitAssignment(n: number, given: readonly number[], shuffle: boolean, seed: number): Uint16Array {
  // Shares relative to the largest, so that their sum stays finite (1e308,1e308 is an even split).
  const largest = Math.max(...given);
  const shares = given.map((share) => share / largest);
  const total = shares.reduce((a, b) => a + b, 0);
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  if (shuffle) new Rng(seed).shuffle(order);
  const assign = new Uint16Array(n);
  let cumulative = 0;
  shares.forEach((share, k) => {
    const from = Math.round((n * cumulative) / total);
    cumulative += share;
    const to = Math.round((n * cumulative) / total);
    for (let j = from; j < to; j++) assign[order[j]!] = k;
  });
  return assign;
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
    const assign = splitAssignment(await countRecords(input, progress), shares, options.shuffle, options.seed);
    let i = 0;
    await forEachKeyed(input, progress, (keyed) => targets[assign[i++]!]!.write(keyed));
  };
  return rewrite(outs, [input], options, fill, `${input}: holds no records`);
}
