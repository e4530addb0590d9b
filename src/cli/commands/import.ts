import type { Command } from 'commander';
import { IMPORT_OPTIONS, importRecords } from '../../exchange/import.js';
import { withByteProgress } from '../progress.js';
import { runWritingCommand } from '../run.js';
import { stringifyJson } from '../../util/json.js';
import { counted } from '../../util/units.js';
import { addRewriteOptions, rewriteWith } from './rewrite-common.js';

export function addImportCommand(program: Command): void {
  const command = program
    .command('import')
    .summary('WebDataset shards or Parquet files back into one .rec + .idx')
    .description(
      'Read WebDataset tar shards or Parquet files into OUT.rec and OUT.idx. What `rec export` wrote comes\n' +
        'back byte for byte (headers, keys and image bytes); samples from other tools become records as\n' +
        'im2rec makes them (image bytes as they are, the label, ids 0, 1, 2, ... in the order read).\n' +
        'Each source is a shard, a shard index (an mxrec manifest or a wids .json), a folder of shards,\n' +
        'or a prefix of shard names. Shards of other tools: --image-field and --label-field name the\n' +
        'member extension (WebDataset) or column (Parquet) when it is not the usual one.',
    )
    .usage('SRC... -o OUT.rec [options]')
    .argument('<sources...>', 'shards, shard indexes, folders or prefixes (paths, http(s):// URLs or s3:// objects)')
    .requiredOption('-o, --out <file>', 'the .rec to write (its .idx goes beside it)');
  addRewriteOptions(command, IMPORT_OPTIONS)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  rec import shards/train.manifest.json -o train.rec\n' +
        '  rec import train-hf/ -o train.rec\n' +
        '  rec import laion/ -o laion.rec --from webdataset --image-field png --label-field cls',
    )
    .action(async (sources: string[], opts: { out: string; json?: boolean; quiet?: boolean }) =>
      runWritingCommand('rec import', async (signal) => {
        const result = await withByteProgress('rec import', opts.quiet, (onProgress) =>
          rewriteWith(IMPORT_OPTIONS, opts, (given) => importRecords(sources, opts.out, { ...given, onProgress, signal })),
        );
        if (opts.json) {
          process.stdout.write(`${stringifyJson(result, 2)}\n`);
          return;
        }
        const made = result.records - result.exact;
        const how = made === 0 ? 'all as exported' : result.exact === 0 ? 'made from the samples' : `${result.exact} as exported, ${made} made from the samples`;
        const dup = result.duplicateKeys > 0 ? ` (${result.duplicateKeys} duplicate keys: the last record wins)` : '';
        process.stderr.write(`rec import: wrote ${result.out} and ${result.indexPath}: ${counted(result.records, 'record')} from ${counted(result.shards.length, 'shard')}, ${how}${dup}\n`);
      }),
    );
}
