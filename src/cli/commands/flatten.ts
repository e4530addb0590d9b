import type { Command } from 'commander';
import { FLATTEN_OPTIONS, type FlattenResult, flattenRecordFile } from '../../tools/flatten.js';
import { runWritingCommand } from '../run.js';
import { withByteProgress } from '../progress.js';
import { addRewriteOptions, oneOutput, reportWritten, rewriteWith } from './rewrite-common.js';

export function addFlattenCommand(program: Command): void {
  const command = program
    .command('flatten')
    .summary('the image records alone, one label each, keys 0..n-1: for loaders that take every record for an image')
    .description(
      "Write the image records of a .rec to OUT.rec + OUT.idx, leaving out records without an image\n" +
        "(insightface's record 0 and identity records), with keys and ids 0..n-1 and one label each\n" +
        '(the first, the identity; --keep-labels keeps them all): the file DALI\'s readers.mxnet,\n' +
        'ImageRecordIter without the .idx and other file-order loaders count right. --shuffle writes the\n' +
        "images in a seeded random order, as insightface's shuffle_rec.py did for DALI. Image bytes are\n" +
        'copied as they are; the input is never modified.',
    )
    .argument('<file>', 'the .rec to read')
    .argument('[out]', 'the .rec to write (or -o)')
    .option('-o, --out <file>', 'the .rec to write (its .idx goes beside it)');
  addRewriteOptions(command, FLATTEN_OPTIONS)
    .addHelpText('after', '\nExamples:\n  rec flatten faces/train.rec -o flat/train.rec\n  rec flatten faces/train.rec -o dali/train.rec --shuffle --seed 1')
    .action(async (file: string, outArg: string | undefined, opts: { out?: string; json?: boolean; quiet?: boolean }) =>
      runWritingCommand('rec flatten', async (signal) => {
        const out = oneOutput(outArg, opts.out);
        const result: FlattenResult = await withByteProgress('rec flatten', opts.quiet, async (onProgress) =>
          rewriteWith(FLATTEN_OPTIONS, opts, (given) => flattenRecordFile(file, out, { ...given, onProgress, signal })),
        );
        reportWritten('rec flatten', [result], opts.json);
        if (!opts.json && result.leftOut > 0) process.stderr.write(`rec flatten: left out ${result.leftOut} records without an image\n`);
      }),
    );
}
