/**
 * `rec flatten`: a file every reader counts right. Readers that take every
 * record for an image (DALI's readers.mxnet, ImageRecordIter without the
 * .idx, a file-order loop) count insightface's record 0 and identity records
 * as images (DALI #2806: 5,908,396 samples for 5,822,653 images) and keep
 * one label. The flat file holds the image records alone, in file order or
 * (shuffle) a seeded random one, as insightface's shuffle_rec.py wrote them
 * for DALI: keys and ids 0..n-1, one label each (the first: the identity),
 * or every label when asked, the image bytes as they are.
 */
import { tryUnpackImageRecord, withOneLabel } from '../format/image-record.js';
import { type OptionsOf, boolean, checkOptions, integer } from '../util/schema.js';
import { type KeyedRecord, REWRITE_OPTIONS, type RewriteFill, type RewriteResult, forEachKeyed, rewrite } from './rewrite.js';
import { forEachShuffled } from './shuffle.js';

const { renumber: _renumber, ...OUTPUT_OPTIONS } = REWRITE_OPTIONS;

/** flattenRecordFile's options: the rewrite's (its keys are always 0..n-1), the order and the labels. */
export const FLATTEN_OPTIONS = {
  ...OUTPUT_OPTIONS,
  shuffle: boolean({ doc: 'the images in a random order from the seed (what insightface\'s shuffle_rec.py does for DALI) instead of file order', default: false }),
  seed: integer({ doc: 'seed of the shuffled order', default: 0 }),
  keepLabels: boolean({ doc: 'keep every label of records that carry several (flag > 0) instead of the first alone (flag 0)', default: false }),
};
export type FlattenOptions = OptionsOf<typeof FLATTEN_OPTIONS>;

export interface FlattenResult extends RewriteResult {
  /** Records left out: without an image (insightface's record 0 and identity records; damage) or without an image header. */
  leftOut: number;
}

export async function flattenRecordFile(input: string, out: string, given: FlattenOptions = {}): Promise<FlattenResult> {
  const options = checkOptions(FLATTEN_OPTIONS, given);
  let leftOut = 0;
  const fill: RewriteFill = ([target], progress) => {
    const visit = ({ record, key }: KeyedRecord) => {
      const image = tryUnpackImageRecord(record.payload);
      if (!image || image.image.length === 0) {
        leftOut += 1;
        return null;
      }
      // A view of the read memory, the header moved over the labels it drops: no copy.
      const payload = options.keepLabels ? record.payload : withOneLabel(record.payload);
      return target!.write({ record: { ...record, payload }, key });
    };
    return options.shuffle ? forEachShuffled(input, progress, options.seed, visit) : forEachKeyed(input, progress, visit);
  };
  const [result] = await rewrite([out], [input], { ...options, renumber: true }, fill, `${input}: holds no image records`, { plain: true });
  return { ...result!, leftOut };
}
