/**
 * `rec subset`: the records whose key is in a list, or whose first label is
 * one of some labels (or both), into a new `.rec` + `.idx`, in file order.
 */
import fs from 'node:fs';
import { tryUnpackImageRecord } from '../format/image-record.js';
import { type RewriteFill, type RewriteOptions, type RewriteResult, readKeyed, rewrite } from './rewrite.js';

export interface SubsetOptions extends RewriteOptions {
  keys?: ReadonlySet<string>;
  /** First labels to keep (images only). */
  labels?: ReadonlySet<number>;
}

export interface SubsetResult extends RewriteResult {
  /** Asked-for keys that no record has. */
  missingKeys: number;
}

/** Keys, one per line; a line with tabs (an im2rec .lst) gives its first column. Blank lines are skipped. */
export function readKeyList(file: string): Set<string> {
  const keys = new Set<string>();
  for (const line of fs.readFileSync(file, 'utf8').split(/\r?\n/)) {
    const key = line.split('\t')[0]!.trim();
    if (key !== '') keys.add(key);
  }
  return keys;
}

export function subsetRecordFile(input: string, out: string, options: SubsetOptions): SubsetResult {
  const { keys, labels } = options;
  if (!keys && !labels) throw new RangeError('expected keys or labels to select by');
  const found = new Set<string>();
  const fill: RewriteFill = ([target], progress) => {
    for (const keyed of readKeyed(input, progress)) {
      if (keys && !keys.has(keyed.key)) continue;
      if (labels) {
        const image = tryUnpackImageRecord(keyed.record.payload);
        if (!image || !labels.has(image.label[0]!)) continue;
      }
      if (keys) found.add(keyed.key);
      target!.write(keyed);
    }
  };
  const [result] = rewrite([out], [input], options, fill, `${input}: no record has the keys or labels asked for`);
  return { ...result!, missingKeys: keys ? keys.size - found.size : 0 };
}
