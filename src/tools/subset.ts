/**
 * `rec subset`: the records whose key is in a list, or whose first label is
 * one of some labels (or both), and whose key is not in an exclusion list,
 * into a new `.rec` + `.idx`, in file order.
 */
import { tryUnpackImageRecord } from '../format/image-record.js';
import { readLines } from '../io/text-lines.js';
import { MAX_LIST_BYTES } from '../io/limits.js';
import { REWRITE_OPTIONS, type RewriteFill, type RewriteResult, forEachKeyed, rewrite } from './rewrite.js';
import { type OptionsOf, checkOptions, custom } from '../util/schema.js';
import { UsageError } from '../util/errors.js';

/** A Set, or anything read as one (has, size, iteration): what the subset uses of it. */
function isSetLike(v: unknown): boolean {
  const s = v as ReadonlySet<unknown> | null;
  return typeof s?.has === 'function' && typeof s.size === 'number' && typeof s[Symbol.iterator] === 'function';
}

/** subsetRecordFile's options: the rewrite's, and what to keep (keys, first labels, or both). */
export const SUBSET_OPTIONS = {
  ...REWRITE_OPTIONS,
  keys: custom({
    doc: 'keep the records with these keys (readKeyList reads them from a file)',
    parse: (v: unknown, invalid: (expected: string) => never): ReadonlySet<string> => (isSetLike(v) ? (v as ReadonlySet<string>) : invalid('a Set of keys')),
    expected: 'Set<string>',
  }),
  labels: custom({
    doc: 'keep the images whose first label is one of these',
    parse: (v: unknown, invalid: (expected: string) => never): ReadonlySet<number> => (isSetLike(v) ? (v as ReadonlySet<number>) : invalid('a Set of labels')),
    expected: 'Set<number>',
  }),
  exclude: custom({
    doc: 'drop the records with these keys (readKeyList reads them from a file: `rec audit --exclude` writes one per input)',
    parse: (v: unknown, invalid: (expected: string) => never): ReadonlySet<string> => (isSetLike(v) ? (v as ReadonlySet<string>) : invalid('a Set of keys')),
    expected: 'Set<string>',
  }),
};
export type SubsetOptions = OptionsOf<typeof SUBSET_OPTIONS>;

export interface SubsetResult extends RewriteResult {
  /** Asked-for keys that no record has. */
  missingKeys: number;
  /** The first of them (up to MISSING_SHOWN), in the list's order, to say which. */
  missingSample: string[];
}

/** How many missing keys a result names. */
export const MISSING_SHOWN = 10;

/** Keys, one per line (a path or URL); a line with tabs (an im2rec .lst) gives its first column. Blank lines are skipped. */
export async function readKeyList(file: string): Promise<Set<string>> {
  const keys = new Set<string>();
  await readLines(
    file,
    (bytes, start, end) => {
      const line = bytes.toString('utf8', start, end);
      const key = line.split('\t')[0]!.trim();
      if (key !== '') keys.add(key);
    },
    { maxBytes: MAX_LIST_BYTES, maxBytesOption: 'a key list' },
  );
  return keys;
}

export async function subsetRecordFile(input: string, out: string, given: SubsetOptions): Promise<SubsetResult> {
  const options = checkOptions(SUBSET_OPTIONS, given);
  const { keys, labels, exclude } = options;
  if (!keys && !labels && !exclude) throw new UsageError('expected keys, labels or exclude to select by');
  const found = new Set<string>();
  const fill: RewriteFill = ([target], progress) =>
    forEachKeyed(input, progress, (keyed) => {
      if (keys && !keys.has(keyed.key)) return null;
      if (exclude?.has(keyed.key)) return null;
      if (labels) {
        const image = tryUnpackImageRecord(keyed.record.payload);
        if (!image || !labels.has(image.label[0]!)) return null;
      }
      if (keys) found.add(keyed.key);
      return target!.write(keyed);
    });
  const [result] = await rewrite([out], [input], options, fill, `${input}: no record has the keys or labels asked for${exclude ? ' once the excluded keys are dropped' : ''}`);
  const missing: string[] = [];
  for (const key of keys ?? []) {
    if (missing.length === MISSING_SHOWN) break;
    if (!found.has(key)) missing.push(key);
  }
  return { ...result!, missingKeys: keys ? keys.size - found.size : 0, missingSample: missing };
}
