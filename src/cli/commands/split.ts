import type { Command } from 'commander';
import { splitRecordFile } from '../../tools/split.js';
import { MAX_SPLIT_OUTPUTS } from '../../io/limits.js';
import { integerAtLeast, numberList } from '../args.js';
import { runWritingCommand } from '../run.js';
import { namedByFlag } from '../schema-flags.js';
import { withByteProgress } from '../progress.js';
import { addRewriteOptions, reportWritten } from './rewrite-common.js';

export function addSplitCommand(program: Command): void {
  const command = program
    .command('split')
    .summary('one .rec into several (train/val, or equal shards)')
    .description(
      'Split a .rec into the outputs given, each a new .rec + .idx, by shares of its records (equal\n' +
        'by default). Records go to outputs in runs of file order, or at random from --seed with\n' +
        '--shuffle; each output keeps its records in file order. The input is never modified.',
    )
    .argument('<file>', 'the .rec to split')
    .argument('<outs...>', 'the .rec files to write (two or more)')
    .option('--shares <list>', 'share of each output, comma-separated (e.g. 0.9,0.1 or 8,1,1); default equal', numberList(MAX_SPLIT_OUTPUTS, true))
    .option('--shuffle', 'assign records to outputs at random (seeded)')
    .option('--seed <n>', 'seed for --shuffle', integerAtLeast(0), 0);
  addRewriteOptions(command)
    .option('--json', 'print a JSON summary')
    .addHelpText(
      'after',
      '\nExamples:\n  rec split all.rec train.rec val.rec --shares 0.9,0.1 --shuffle --seed 7\n  rec split all.rec shard-0.rec shard-1.rec shard-2.rec shard-3.rec',
    )
    .action(async (file: string, outs: string[], opts: { shares?: number[]; shuffle?: boolean; seed: number; renumber?: boolean; force?: boolean; json?: boolean; quiet?: boolean }) =>
      runWritingCommand('rec split', async (signal) => {
        const shares = opts.shares ?? outs.map(() => 1);
        // The split checks its outputs and shares; a message about `shares` names the flag.
        const results = await withByteProgress('rec split', opts.quiet, async (onProgress) =>
          splitRecordFile(file, outs, { shares, shuffle: opts.shuffle, seed: opts.seed, renumber: opts.renumber, overwrite: opts.force, onProgress, signal }).catch((err: unknown) => {
            throw namedByFlag({}, err, { shares: '--shares' });
          }),
        );
        reportWritten('rec split', results, opts.json);
      }),
    );
}
