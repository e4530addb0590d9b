import type { Command } from 'commander';
import { mergeRecordFiles } from '../../tools/merge.js';
import { runCommand } from '../run.js';

export function addMergeCommand(program: Command): void {
  program
    .command('merge')
    .summary('join .rec files (im2rec parts) into one .rec + .idx')
    .description(
      'Join .rec files into OUT.rec and OUT.idx, records in the order given. Keys come from each\n' +
        "input's .idx when it has one, else from the image header id. Inputs are never modified; the\n" +
        'output appears only when complete.',
    )
    .argument('<out>', 'the .rec to write')
    .argument('<inputs...>', 'the .rec files to join, in order')
    .addHelpText(
      'after',
      '\nExample (im2rec.cc parts, or im2rec --parts 3 --part I):\n  rec merge train.rec train.rec.part000 train.rec.part001 train.rec.part002',
    )
    .action(async (out: string, inputs: string[]) =>
      runCommand('rec merge', () => {
        const r = mergeRecordFiles(inputs, out);
        const dup = r.duplicateKeys > 0 ? ` (${r.duplicateKeys} duplicate keys: the last record wins)` : '';
        process.stderr.write(`rec merge: wrote ${r.out} and ${r.indexPath}: ${r.records} records from ${inputs.length} files${dup}\n`);
      }),
    );
}
