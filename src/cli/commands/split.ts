import type { Command } from 'commander';
import { SPLIT_OPTIONS, splitRecordFile } from '../../tools/split.js';
import { runWritingCommand } from '../run.js';
import { withByteProgress } from '../progress.js';
import { addRewriteOptions, reportWritten, rewriteWith } from './rewrite-common.js';

export function addSplitCommand(program: Command): void {
  const command = program
    .command('split')
    .summary('one .rec into several (train/val, or equal shards)')
    .description(
      'Split a .rec into the outputs given, each a new .rec + .idx, by shares of its records (equal\n' +
        'by default). Records go to outputs in runs of file order, or at random from --seed with\n' +
        '--shuffle; each output keeps its records in file order. With --stratify each class (first\n' +
        "label) is shared out on its own, so every output holds each class's share to within one record.\n" +
        'The input is never modified.',
    )
    .argument('<file>', 'the .rec to split')
    .argument('<outs...>', 'the .rec files to write (two or more)');
  addRewriteOptions(command, SPLIT_OPTIONS)
    .addHelpText(
      'after',
      '\nExamples:\n  rec split all.rec train.rec val.rec --shares 0.9,0.1 --shuffle --seed 7\n' +
        '  rec split all.rec train.rec val.rec --shares 0.9,0.1 --stratify --shuffle --seed 7\n' +
        '  rec split all.rec shard-0.rec shard-1.rec shard-2.rec shard-3.rec',
    )
    .action(async (file: string, outs: string[], opts: { json?: boolean; quiet?: boolean }) =>
      runWritingCommand('rec split', async (signal) => {
        // The split checks its outputs and shares; a message about `shares` names the flag.
        const results = await withByteProgress('rec split', opts.quiet, async (onProgress) =>
          rewriteWith(SPLIT_OPTIONS, opts, (given) => splitRecordFile(file, outs, { ...given, onProgress, signal })),
        );
        reportWritten('rec split', results, opts.json);
      }),
    );
}
