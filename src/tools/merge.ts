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
 *
 * Inputs with insightface's layout (face-layout.ts) give an output with it,
 * rebuilt: the images of every input under keys 1..N by identity, then a new
 * record 0 and identity records. Face datasets hold different people under
 * the same labels, so by default each input's identities get a label range of
 * their own (`identities: 'apart'`); parts of one dataset keep their labels
 * (`'shared'`); label maps (`names`, one per input) join identities by name
 * and the output's map is written beside it (OUT.labels.txt). An input
 * without the layout joins as images labelled by identity (new identities
 * added to a face dataset).
 */
import { tryUnpackImageRecord } from '../format/image-record.js';
import { displayLocation } from '../io/display-name.js';
import { storeOf } from '../io/locations.js';
import { REWRITE_OPTIONS, type RewriteFill, type RewriteResult, forEachKeyed, rewrite } from './rewrite.js';
import { UsageError } from '../util/errors.js';
import { type OptionsOf, boolean, checkOptions, custom, oneOf } from '../util/schema.js';
import { writeWholeFiles } from '../io/output-file.js';
import { ClassNames } from './class-names.js';
import type { IdentityJoin } from '../format/face-layout.js';

/** mergeRecordFiles' options: the rewrite's, and whether inputs of different label widths may be joined. */
export const MERGE_OPTIONS = {
  ...REWRITE_OPTIONS,
  mixedLabelWidths: boolean({
    doc: 'join inputs whose images carry different numbers of labels (ImageRecordIter reads one width, so such a file cannot be trained on as a whole); else UsageError',
    default: false,
  }),
  identities: oneOf(['apart', 'shared'], {
    doc: "for inputs with insightface's layout: `apart` gives each input's identities a label range of its own, after the previous input's (different datasets); `shared` keeps the labels (parts of one dataset)",
    default: 'apart',
  }),
  names: custom({
    doc: "for inputs with insightface's layout: a label map per input (paths or URLs, in input order, as im2rec --list --recursive writes PREFIX.labels.txt): identities of the same name become one; the output's map is written to OUT.labels.txt",
    parse: (v: unknown, invalid: (expected: string) => never): readonly string[] =>
      Array.isArray(v) && v.every((f) => typeof f === 'string') ? (v as string[]) : invalid('an array of label map files'),
    fromText: (text: string) => text.split(','),
    flag: '--names',
    metavar: '<maps>',
    flagDoc: "label maps of the inputs, comma-separated, in input order: identities of the same name become one (insightface's layout); the output's map goes to OUT.labels.txt",
    expected: 'string[]',
  }),
};
export type MergeOptions = OptionsOf<typeof MERGE_OPTIONS>;
export interface MergeResult extends RewriteResult {
  /** Where the output's label map was written (identities joined by name). */
  labelMap?: string;
}

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

/** The label map a merge that joins identities by name writes beside its output. */
export function labelMapPathFor(out: string): string {
  return `${out.replace(/\.rec$/i, '')}.labels.txt`;
}

/** How the identities of layout inputs join: by the label maps when given (one per input), else as `identities` says. */
async function identityJoin(inputs: readonly string[], options: { identities: 'apart' | 'shared'; names?: readonly string[] }): Promise<IdentityJoin> {
  if (!options.names) return options.identities;
  if (options.names.length !== inputs.length) {
    throw new UsageError(`names: expected a label map per input (${inputs.length}), received ${options.names.length}`);
  }
  return { names: await Promise.all(options.names.map((file) => ClassNames.load(file))) };
}

export async function mergeRecordFiles(inputs: readonly string[], out: string, options: MergeOptions = {}): Promise<MergeResult> {
  const checked = checkOptions(MERGE_OPTIONS, options);
  if (inputs.length === 0) throw new UsageError('expected at least one input .rec');
  const join = await identityJoin(inputs, checked);
  const labelMap = checked.names ? labelMapPathFor(out) : null;
  let names = null as ReadonlyMap<number, string> | null; // set by the fill's last pass
  const fill: RewriteFill = async ([target], progress) => {
    // Checked once the output is claimed, so that an output that exists or is an input is said first.
    checkRepeats(inputs, checked.renumber);
    const widths = new LabelWidths(!checked.mixedLabelWidths);
    if (labelMap && !target!.layoutSummary) throw new UsageError("names: expected inputs with insightface's layout (label maps join their identities), received plain files");
    for (const [i, input] of inputs.entries()) {
      target!.startInput(i);
      widths.start(input);
      await forEachKeyed(input, progress, (keyed) => {
        widths.see(keyed.record.payload);
        return target!.write(keyed);
      });
    }
    names = target!.identityNames;
  };
  const [result] = await rewrite([out], inputs, checked, fill, `${inputs.join(', ')}: no records to merge`, { join, companions: labelMap ? [labelMap] : [] });
  if (labelMap && names) {
    const lines = [...names].map(([label, name]) => `${name}\t${label}\n`).join('');
    await writeWholeFiles([{ location: labelMap, data: lines }], { fsync: checked.fsync, overwrite: checked.overwrite });
    return { ...result!, labelMap };
  }
  return result!;
}
