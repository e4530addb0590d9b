import type { Command } from 'commander';
import { storeOf } from '../../io/locations.js';
import { displayLocation } from '../../io/display-name.js';
import { MERGE_OPTIONS, mergeRecordFiles } from '../../tools/merge.js';
import { UsageError, runWritingCommand } from '../run.js';
import { withByteProgress } from '../progress.js';
import { addRewriteOptions, reportWritten, rewriteWith } from './rewrite-common.js';

/**
 * `rec merge -o OUT IN...`. The older form, OUT first (`rec merge OUT IN...`),
 * reads naturally as "merge these files", so it is kept only where it cannot
 * destroy anything: to make a new file. An existing first file is refused
 * even with --force, which takes -o to say which file is the output.
 */
async function outputAndInputs(files: string[], out: string | undefined): Promise<{ out: string; inputs: string[] }> {
  if (out !== undefined) return { out, inputs: files };
  const [first, ...inputs] = files;
  if (inputs.length === 0) throw new UsageError(`expected -o OUT.rec and the .rec files to join, received ${files.map(displayLocation).join(' ')}`);
  if (await locationTaken(first!)) {
    throw new UsageError(
      `${displayLocation(first!)}: exists, and without -o the first file is the output; to join these files use: rec merge -o NEW.rec ${files.map(displayLocation).join(' ')}`,
    );
  }
  return { out: first!, inputs };
}

/** Whether a file, or an object at a URL, has this name. */
function locationTaken(location: string): Promise<boolean> {
  return storeOf(location).exists(location);
}

export function addMergeCommand(program: Command): void {
  const command = program
    .command('merge')
    .summary('join .rec files (im2rec parts) into one .rec + .idx')
    .description(
      'Join .rec files into OUT.rec and OUT.idx, records in the order given. Keys come from each\n' +
        "input's .idx when it has one, else from the image header id. Inputs are never modified; the\n" +
        'output appears only when complete. Without -o the first file is the output (the older form),\n' +
        'which is refused when that file exists. Inputs whose images carry different numbers of labels\n' +
        '(ImageRecordIter reads one width) are refused without --mixed-label-widths, and a file named\n' +
        'twice without --renumber (its keys would be written twice; with --renumber it is repeated).',
    )
    .usage('-o OUT.rec IN.rec... [options]')
    .argument('<files...>', 'the .rec files to join, in order')
    .option('-o, --out <file>', 'the .rec to write (its .idx goes beside it)');
  addRewriteOptions(command, MERGE_OPTIONS)
    .addHelpText(
      'after',
      '\nExamples (im2rec.cc parts, or im2rec --parts 3 --part I; split outputs):\n' +
        '  rec merge -o train.rec train.rec.part000 train.rec.part001 train.rec.part002\n' +
        '  rec merge -o all.rec train.rec val.rec --renumber',
    )
    .action(async (files: string[], opts: { out?: string; json?: boolean; quiet?: boolean }) =>
      runWritingCommand('rec merge', async (signal) => {
        const { out, inputs } = await outputAndInputs(files, opts.out);
        const result = await withByteProgress('rec merge', opts.quiet, async (onProgress) =>
          rewriteWith(MERGE_OPTIONS, opts, (given) => mergeRecordFiles(inputs, out, { ...given, onProgress, signal })),
        );
        reportWritten('rec merge', [result], opts.json);
      }),
    );
}
