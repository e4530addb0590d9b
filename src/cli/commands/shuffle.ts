import type { Command } from 'commander';
import { SHUFFLE_OPTIONS, shuffleRecordFile } from '../../tools/shuffle.js';
import { runWritingCommand } from '../run.js';
import { withByteProgress } from '../progress.js';
import { addRewriteOptions, oneOutput, reportWritten, rewriteWith } from './rewrite-common.js';

export function addShuffleCommand(program: Command): void {
  const command = program
    .command('shuffle')
    .summary('the records in a seeded random order, into a new .rec + .idx')
    .description(
      'Write the records of a .rec in a random order (the same for the same --seed) to OUT.rec +\n' +
        'OUT.idx: for readers that can only read in file order. The input is never modified.',
    )
    .argument('<file>', 'the .rec to read')
    .argument('[out]', 'the .rec to write (or -o)')
    .option('-o, --out <file>', 'the .rec to write (its .idx goes beside it)');
  addRewriteOptions(command, SHUFFLE_OPTIONS)
    .addHelpText('after', '\nExample:\n  rec shuffle train.rec -o train-shuffled.rec --seed 42 --renumber')
    .action(async (file: string, outArg: string | undefined, opts: { out?: string; json?: boolean; quiet?: boolean }) =>
      runWritingCommand('rec shuffle', async (signal) => {
        const out = oneOutput(outArg, opts.out);
        const result = await withByteProgress('rec shuffle', opts.quiet, async (onProgress) =>
          rewriteWith(SHUFFLE_OPTIONS, opts, (given) => shuffleRecordFile(file, out, { ...given, onProgress, signal })),
        );
        reportWritten('rec shuffle', [result], opts.json);
      }),
    );
}
