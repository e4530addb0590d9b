import { displayBaseName } from '../../io/display-name.js';
import type { Command } from 'commander';
import { ClassNames } from '../../tools/class-names.js';
import { UNPACK_OPTIONS, notAFileNameInside, unpackRecordFile } from '../../tools/unpack.js';
import { addSchemaFlags, valuesFromFlags } from '../schema-flags.js';
import { withByteProgress } from '../progress.js';
import { UsageError, runWritingCommand } from '../run.js';
import { stringifyJson } from '../../util/json.js';

export function addUnpackCommand(program: Command): void {
  const command = program
    .command('unpack')
    .summary('images back out of a .rec, one folder per label')
    .description(
      'Write every image of a .rec into OUTDIR/<label>/<id>.<ext> (one folder per identity for\n' +
        "insightface's layout; records with several labels go to multi-label/), bytes exactly as stored.\n" +
        'With --lst, also OUTDIR/<name>.lst, from which `im2rec OUTDIR/<name> OUTDIR --pass-through`\n' +
        '(plus --pack-label for multi-label records) packs the same records again. OUTDIR must be new\n' +
        'or empty (with --force, files of the same names in it are replaced). Records that hold no\n' +
        'image (insightface header and identity records, non-image payloads) are counted and left out.',
    )
    .argument('<file>', 'the .rec file (a path, an http(s):// URL or an s3:// object)')
    .argument('<outdir>', 'folder to write the images into (new or empty)')
    .option('--lst [name]', 'also write the im2rec list, a file name inside OUTDIR (default: the .rec name with .lst)')
    .option('--names <file>', 'folder names by label: im2rec\'s label map (PREFIX.labels.txt), synset.txt, or one name per line');
  addSchemaFlags(command, UNPACK_OPTIONS);
  command
    .option('--json', 'print a JSON summary')
    .option('-q, --quiet', 'no progress')
    .addHelpText('after', '\nExamples:\n  rec unpack train.rec train-images --lst\n  rec unpack val.rec val-images --names synset.txt --limit 100')
    .action(
      async (file: string, outDir: string, opts: { lst?: string | boolean; names?: string; json?: boolean; quiet?: boolean }) =>
        runWritingCommand('rec unpack', async (signal) => {
          const list = opts.lst === undefined ? undefined : typeof opts.lst === 'string' ? opts.lst : `${displayBaseName(file).replace(/\.rec$/i, '')}.lst`;
          const problem = list === undefined ? null : notAFileNameInside(list);
          if (problem) throw new UsageError(`--lst: ${problem}`);
          const names = opts.names ? await ClassNames.load(opts.names) : undefined;
          const result = await withByteProgress('rec unpack', opts.quiet, (onProgress) =>
            unpackRecordFile(file, outDir, { ...valuesFromFlags(UNPACK_OPTIONS, opts), list, names, onProgress, signal }),
          );
          if (opts.json) {
            process.stdout.write(`${stringifyJson(result, 2)}\n`);
            return;
          }
          const left = result.notImages.length ? `; ${result.notImages.length} records hold no image and were left out` : '';
          process.stderr.write(`rec unpack: wrote ${result.images} images in ${result.folders} folders under ${outDir}${left}\n`);
          if (result.listPath) {
            const prefix = result.listPath.replace(/\.lst$/, '');
            process.stderr.write(`rec unpack: wrote ${result.listPath}; pack it again with: im2rec ${prefix} ${outDir} --pass-through${result.multiLabel ? ' --pack-label' : ''}\n`);
          }
        }),
    );
}
