/**
 * `rec merge`: joins `.rec` files (the parts im2rec packed on several
 * machines, say) into one `.rec` + `.idx`, records in the order given, keys
 * kept or renumbered (rewrite.ts). Every record is read and written again, so
 * a damaged input stops the merge instead of being copied.
 *
 * Two mistakes are refused before any record is written, unless asked for: inputs whose
 * images carry different numbers of labels (ImageRecordIter reads one
 * labelWidth, so the merged file could not be trained on), and an input named
 * twice (a shell pattern that overlaps, usually) while keys are kept (its keys
 * would be written twice, and the .idx could find only one of each). With
 * `renumber` a file named twice is repeated as asked (oversampling), each copy
 * under keys of its own.
 */
import { tryUnpackImageRecord } from '../format/image-record.js';
import { displayLocation } from '../io/display-name.js';
import { storeOf } from '../io/locations.js';
import { REWRITE_OPTIONS, type RewriteFill, type RewriteResult, forEachKeyed, rewrite } from './rewrite.js';
import { UsageError } from '../util/errors.js';
import { type OptionsOf, boolean, checkOptions } from '../util/schema.js';

/** mergeRecordFiles' options: the rewrite's, and whether inputs of different label widths may be joined. */
export const MERGE_OPTIONS = {
  ...REWRITE_OPTIONS,
  mixedLabelWidths: boolean({
    doc: 'join inputs whose images carry different numbers of labels (ImageRecordIter reads one width, so such a file cannot be trained on as a whole); else UsageError',
    default: false,
  }),
};
export type MergeOptions = OptionsOf<typeof MERGE_OPTIONS>;
export type MergeResult = RewriteResult;

/**
 * Image records looked at, from a file's start, for its label width (past
 * insightface's record 0 and other records that hold labels but no image).
 */
const WIDTH_SEARCH_RECORDS = 64;

/**
 * The label width of each input, learnt from its first image record (its
 * flag: 0 is one label in the header, n > 0 is n packed labels) as the merge
 * itself reads it: no extra pass, no record read twice (a 512 MiB record
 * was). Inputs whose first records hold no image say nothing. A width that
 * differs from the first input's stops the merge before its output appears.
 */
class LabelWidths {
  private first: { input: string; width: number } | null = null;
  private input = '';
  private looked = 0;
  private known = true;

  constructor(private readonly check: boolean) {}

  /** The next input's records follow. */
  start(input: string): void {
    [this.input, this.looked, this.known] = [input, 0, !this.check];
  }

  see(payload: Uint8Array): void {
    if (this.known) return;
    const image = tryUnpackImageRecord(payload);
    if (!image || image.image.length === 0) {
      // Not image records (nothing to say), or records before the first image: looked past, a few.
      if (!image || ++this.looked >= WIDTH_SEARCH_RECORDS) this.known = true;
      return;
    }
    this.known = true;
    const width = image.label.length;
    if (this.first === null) this.first = { input: this.input, width };
    else if (width !== this.first.width) {
      throw new UsageError(
        `expected inputs with the same number of labels per image (ImageRecordIter reads one labelWidth), received ${displayLocation(this.first.input)}: ${labelsPerImage(this.first.width)} and ${displayLocation(this.input)}: ${labelsPerImage(width)} (mixedLabelWidths: true joins them anyway)`,
      );
    }
  }
}

const labelsPerImage = (width: number) => `${width} label${width === 1 ? '' : 's'} per image`;

/** An input given twice while keys are kept: refused, naming the flag that makes it a repetition. */
function checkRepeats(inputs: readonly string[], renumber: boolean): void {
  if (renumber) return;
  const seen = new Set<string>();
  for (const input of inputs) {
    const where = storeOf(input).absolute(input);
    if (seen.has(where)) {
      throw new UsageError(
        `${displayLocation(input)}: given twice; its keys would be written twice and its .idx could find only one record of each (renumber: true repeats it, every record under a key of its own)`,
      );
    }
    seen.add(where);
  }
}

export async function mergeRecordFiles(inputs: readonly string[], out: string, options: MergeOptions = {}): Promise<MergeResult> {
  const checked = checkOptions(MERGE_OPTIONS, options);
  if (inputs.length === 0) throw new UsageError('expected at least one input .rec');
  const fill: RewriteFill = async ([target], progress) => {
    // Checked once the output is claimed, so that an output that exists or is an input is said first.
    checkRepeats(inputs, checked.renumber);
    const widths = new LabelWidths(!checked.mixedLabelWidths);
    for (const input of inputs) {
      widths.start(input);
      await forEachKeyed(input, progress, (keyed) => {
        widths.see(keyed.record.payload);
        return target!.write(keyed);
      });
    }
  };
  return (await rewrite([out], inputs, checked, fill, `${inputs.join(', ')}: no records to merge`))[0]!;
}
