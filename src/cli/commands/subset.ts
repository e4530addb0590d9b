import type { Command } from 'commander';
import { SUBSET_OPTIONS, readKeyList, subsetRecordFile } from '../../tools/subset.js';
import { ClassNames } from '../../tools/class-names.js';
import { labelList } from '../args.js';
import { UsageError, runWritingCommand } from '../run.js';
import { withByteProgress } from '../progress.js';
import { addRewriteOptions, oneOutput, reportWritten, rewriteWith } from './rewrite-common.js';

export function addSubsetCommand(program: Command): void {
  const command = program
    .command('subset')
    .summary('the records with some keys or labels, into a new .rec + .idx')
    .description(
      'Write the records whose key is listed in --keys (one per line; an im2rec .lst works, by its\n' +
        'first column), or whose first label is one of --labels, or both, to OUT.rec + OUT.idx, in file\n' +
        'order. Keys come from the .idx when there is one, else from the image header id. --exclude drops\n' +
        'the records whose key it lists (with neither --keys nor --labels: every other record is kept).',
    )
    .argument('<file>', 'the .rec to read')
    .argument('[out]', 'the .rec to write (or -o)')
    .option('-o, --out <file>', 'the .rec to write (its .idx goes beside it)')
    .option('--keys <file>', 'keep the records with these keys')
    .option('--labels <list>', 'keep the images whose first label is one of these (comma-separated labels, or names with --names)')
    .option('--exclude <file>', 'drop the records with these keys (one per line: `rec audit --exclude` writes such lists)')
    .option('--names <file>', 'names for --labels: im2rec\'s label map (PREFIX.labels.txt), synset.txt, or one name per line');
  addRewriteOptions(command, SUBSET_OPTIONS)
    .addHelpText('after', '\nExamples:\n  rec subset train.rec -o cats.rec --labels 3,5\n  rec subset train.rec -o tanks.rec --labels "Fish Tank" --names train.labels.txt\n  rec subset train.rec -o small.rec --keys val.lst --renumber\n  rec subset train.rec -o clean.rec --exclude audit/train.exclude.txt')
    .action(async (file: string, outArg: string | undefined, opts: { out?: string; keys?: string; labels?: string; exclude?: string; names?: string; json?: boolean; quiet?: boolean }) =>
      runWritingCommand('rec subset', async (signal) => {
        const out = oneOutput(outArg, opts.out);
        if (!opts.keys && !opts.labels && !opts.exclude) throw new UsageError('expected --keys or --labels (or both), or --exclude');
        const keys = opts.keys ? await readKeyList(opts.keys) : undefined;
        const exclude = opts.exclude ? await readKeyList(opts.exclude) : undefined;
        const names = opts.names ? await ClassNames.load(opts.names) : undefined;
        const labels = opts.labels ? new Set(labelList('--labels', opts.labels, names).map(Math.fround)) : undefined;
        const result = await withByteProgress('rec subset', opts.quiet, async (onProgress) =>
          rewriteWith(SUBSET_OPTIONS, opts, (given) => subsetRecordFile(file, out, { ...given, keys, labels, exclude, onProgress, signal })),
        );
        reportWritten('rec subset', [result], opts.json);
        if (result.missingKeys > 0 && !opts.json) {
          const more = result.missingKeys - result.missingSample.length;
          const which = `${result.missingSample.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
          process.stderr.write(`rec subset: ${result.missingKeys === 1 ? '1 listed key is' : `${result.missingKeys} listed keys are`} not in ${file}: ${which}\n`);
        }
      }),
    );
}
