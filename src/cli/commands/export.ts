import type { Command } from 'commander';
import { ClassNames } from '../../tools/class-names.js';
import { EXPORT_OPTIONS, exportRecordFile } from '../../exchange/export.js';
import { addSchemaFlags } from '../schema-flags.js';
import { withByteProgress } from '../progress.js';
import { runWritingCommand } from '../run.js';
import { stringifyJson } from '../../util/json.js';
import { counted, formatBytes } from '../../util/units.js';
import { rewriteWith } from './rewrite-common.js';

export function addExportCommand(program: Command): void {
  const command = program
    .command('export')
    .summary('a .rec as WebDataset shards or Parquet (Hugging Face), bytes as stored')
    .description(
      'Write every record of a .rec into shards other loaders read, image bytes exactly as stored:\n' +
        '  --to webdataset  PREFIX-000000.tar, ... (KEY.jpg, KEY.cls, KEY.json per record), PREFIX.wids.json\n' +
        '  --to parquet     PREFIX/data/train-00000-of-0000N.parquet, ... and PREFIX/README.md (its card)\n' +
        'and a manifest (PREFIX.manifest.json; PREFIX/mxrec.manifest.json) with every shard\'s size, sample\n' +
        'count and SHA-256, which `rec verify MANIFEST` checks. `rec import` turns the shards back into the\n' +
        'same .rec and .idx, byte for byte. With --parts N --part I each run writes its share of the\n' +
        'shards; the last to finish writes the index and the manifest.',
    )
    .usage('SRC.rec --to webdataset|parquet -o PREFIX [options]')
    .argument('<file>', 'the .rec to export (a path, an http(s):// URL or an s3:// object)')
    .requiredOption('-o, --out <prefix>', 'where the shards go: PREFIX-000000.tar, ... or the folder PREFIX/ for Parquet')
    .option('--names <file>', "class names by label: im2rec's label map (PREFIX.labels.txt), synset.txt, or one name per line");
  addSchemaFlags(command, EXPORT_OPTIONS);
  command
    .option('--json', 'print a JSON summary')
    .option('-q, --quiet', 'no progress')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  rec export train.rec --to webdataset -o shards/train --shard-size 500M\n' +
        '  rec export train.rec --to parquet -o train-hf --names train.labels.txt\n' +
        '  rec export s3://bucket/train.rec --to webdataset -o s3://bucket/wds/train --parts 8 --part auto',
    )
    .action(async (file: string, opts: { out: string; names?: string; json?: boolean; quiet?: boolean }) =>
      runWritingCommand('rec export', async (signal) => {
        const names = opts.names ? await ClassNames.load(opts.names) : undefined;
        const result = await withByteProgress('rec export', opts.quiet, (onProgress) =>
          rewriteWith(EXPORT_OPTIONS, opts, (given) => exportRecordFile(file, opts.out, { ...given, to: given.to!, names, onProgress, signal })),
        );
        if (opts.json) {
          process.stdout.write(`${stringifyJson(result, 2)}\n`);
          return;
        }
        const wrote = `wrote ${counted(result.outputs.length, 'shard')} (${counted(result.samples, 'sample')}, ${formatBytes(result.bytes)})`;
        if (result.partManifest && !result.manifest) {
          process.stderr.write(`rec export: ${wrote} and ${result.partManifest}; the last part to finish writes the manifest and index\n`);
        } else {
          process.stderr.write(`rec export: ${wrote}; manifest ${result.manifest}\n`);
        }
      }),
    );
}
