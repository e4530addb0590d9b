import type { Command } from 'commander';
import { indexPathFor } from '../../format/index-file.js';
import { type IndexKeys, buildIndex } from '../../tools/build-index.js';
import { FORCE_HELP } from '../args.js';
import { UsageError, runWritingCommand } from '../run.js';
import { stringifyJson } from '../../util/json.js';

export function addIndexCommand(program: Command): void {
  program
    .command('index')
    .summary('rebuild the .idx of a .rec by scanning it')
    .description(
      'Scan a .rec and write its .idx (key<TAB>offset per record), keyed as im2rec keys it:\n' +
        'by the image header id. The file is written under a temporary name and renamed into place;\n' +
        'an existing .idx is replaced only with --force.',
    )
    .argument('<file>', 'the .rec file')
    .option('-o, --out <file>', 'where to write the index (default: the .rec path with .idx)')
    .option('--keys <kind>', 'id: the header id, as im2rec; ordinal: 0, 1, 2, ... (for non-image records)', 'id')
    .option('--force', FORCE_HELP)
    .option('--json', 'print a JSON summary (out, records, duplicateKeys) on stdout')
    .addHelpText('after', '\nExample:\n  rec index train.rec            # writes train.idx')
    .action(async (file: string, opts: { out?: string; keys: string; force?: boolean; json?: boolean }) =>
      runWritingCommand('rec index', async (signal) => {
        if (opts.keys !== 'id' && opts.keys !== 'ordinal') {
          throw new UsageError(`--keys expects id or ordinal, received ${JSON.stringify(opts.keys)}`);
        }
        const out = opts.out ?? indexPathFor(file);
        const result = await buildIndex(file, out, { keys: opts.keys as IndexKeys, overwrite: opts.force, signal });
        if (opts.json) {
          process.stdout.write(`${stringifyJson(result)}\n`);
          return;
        }
        const dup = result.duplicateKeys > 0 ? ` (${result.duplicateKeys} duplicate keys: the last record wins)` : '';
        process.stderr.write(`rec index: wrote ${result.out}: ${result.records} entries${dup}\n`);
      }),
    );
}
