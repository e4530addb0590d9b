/**
 * `rec merge`: joins `.rec` files (the parts im2rec packed on several
 * machines, say) into one `.rec` + `.idx`, records in the order given, keys
 * kept or renumbered (rewrite.ts). Every record is read and written again, so
 * a damaged input stops the merge instead of being copied.
 */
import { REWRITE_OPTIONS, type RewriteFill, type RewriteOptions, type RewriteResult, forEachKeyed, rewrite } from './rewrite.js';
import { UsageError } from '../util/errors.js';
import { checkOptions } from '../util/schema.js';

export type MergeResult = RewriteResult;

export async function mergeRecordFiles(inputs: readonly string[], out: string, options: RewriteOptions = {}): Promise<MergeResult> {
  const checked = checkOptions(REWRITE_OPTIONS, options);
  if (inputs.length === 0) throw new UsageError('expected at least one input .rec');
  const fill: RewriteFill = async ([target], progress) => {
    for (const input of inputs) await forEachKeyed(input, progress, (keyed) => target!.write(keyed));
  };
  return (await rewrite([out], inputs, checked, fill, `${inputs.join(', ')}: no records to merge`))[0]!;
}
