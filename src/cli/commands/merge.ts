import type { Command } from 'commander';
import { mergeRecordFiles } from '../../tools/merge.js';
import { runCommand } from '../run.js';
import { withByteProgress } from '../progress.js';
import { addRewriteOptions, reportWritten } from './rewrite-common.js';

export function addMergeCommand(program: Command): void {
  const command = program
    .command('merge')
    .summary('join .rec files (im2rec parts) into one .rec + .idx')
    .description(
      'Join .rec files into OUT.rec and OUT.idx, records in the order given. Keys come from each\n' +
        "input's .idx when it has one, else from the image header id. Inputs are never modified; the\n" +
        'output appears only when complete.',
    )
    .argument('<out>', 'the .rec to write')
    .argument('<inputs...>', 'the .rec files to join, in order');
  addRewriteOptions(command)
    .option('--json', 'print a JSON summary')
    .addHelpText(
      'after',
      '\nExamples (im2rec.cc parts, or im2rec --parts 3 --part I; split outputs):\n' +
        '  rec merge train.rec train.rec.part000 train.rec.part001 train.rec.part002\n' +
        '  rec merge all.rec train.rec val.rec --renumber',
    )
    .action(async (out: string, inputs: string[], opts: { renumber?: boolean; json?: boolean; quiet?: boolean }) =>
      runCommand('rec merge', async () => {
        const result = await withByteProgress('rec merge', opts.quiet, async (onProgress) => mergeRecordFiles(inputs, out, { renumber: opts.renumber, onProgress }));
        reportWritten('rec merge', [result], opts.json);
      }),
    );
}
