/**
 * `rec subset`: the records whose key is in a list, or whose first label is
 * one of some labels (or both), into a new `.rec` + `.idx`, in file order.
 */
import { tryUnpackImageRecord } from '../format/image-record.js';
import { readLines } from '../io/text-lines.js';
import { MAX_LIST_BYTES } from '../io/limits.js';
import { type RewriteFill, type RewriteOptions, type RewriteResult, forEachKeyed, rewrite } from './rewrite.js';
import { UsageError } from '../util/errors.js';

export interface SubsetOptions extends RewriteOptions {
  keys?: ReadonlySet<string>;
  /** First labels to keep (images only). */
  labels?: ReadonlySet<number>;
}

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

export async function subsetRecordFile(input: string, out: string, options: SubsetOptions): Promise<SubsetResult> {
  const { keys, labels } = options;
  if (!keys && !labels) throw new UsageError('expected keys or labels to select by');
  const found = new Set<string>();
  const fill: RewriteFill = ([target], progress) =>
    forEachKeyed(input, progress, (keyed) => {
      if (keys && !keys.has(keyed.key)) return null;
      if (labels) {
        const image = tryUnpackImageRecord(keyed.record.payload);
        if (!image || !labels.has(image.label[0]!)) return null;
      }
      if (keys) found.add(keyed.key);
      return target!.write(keyed);
    });
  const [result] = await rewrite([out], [input], options, fill, `${input}: no record has the keys or labels asked for`);
  const missing: string[] = [];
  for (const key of keys ?? []) {
    if (missing.length === MISSING_SHOWN) break;
    if (!found.has(key)) missing.push(key);
  }
  return { ...result!, missingKeys: keys ? keys.size - found.size : 0, missingSample: missing };
}
