import { displayBaseName } from '../../io/display-name.js';
import type { Command } from 'commander';
import { ClassNames } from '../../tools/class-names.js';
import { VIEW_OPTIONS, viewRecordFile } from '../../tools/view/view.js';
import { indexPathOption, labelList } from '../args.js';
import { addSchemaFlags, namedByFlag, valuesFromFlags } from '../schema-flags.js';
import { withByteProgress } from '../progress.js';
import { runWritingCommand } from '../run.js';
import { stringifyJson } from '../../util/json.js';

interface ViewFlags {
  out?: string;
  index?: string | boolean;
  classes?: string;
  names?: string;
  json?: boolean;
  quiet?: boolean;
}

/** `--classes 20` (how many) or `--classes 3,7` / `--classes "Fish Tank,dog"` (which). */
function classesOption(value: string, names: ClassNames | undefined): number | number[] {
  if (/^\d+$/.test(value.trim())) return Number(value);
  return labelList('--classes', value.replace(/,\s*$/, ''), names);
}

/** The options the command spells its own way, for messages. */
const CLI_NAMES = { sheet: '--out', classes: '--classes', indexPath: '--index' };

export function addViewCommand(program: Command): void {
  const command = program
    .command('view')
    .summary('a contact sheet (PNG) and/or an HTML gallery of sample images')
    .description(
      'Draw sample images of a .rec with their ids and labels: a contact sheet PNG (--out) and/or a\n' +
        'self-contained HTML page (--html; thumbnails inlined, opens anywhere). With an .idx the images\n' +
        'are a seeded random sample; without one, the first images in the file. --per-class K shows up\n' +
        'to K random images of each class (first label) instead, one row per class, for the first\n' +
        '--classes classes in label order; that reads the whole file once. Pixels are shown as stored\n' +
        '(no EXIF rotation), as training sees them. With neither --out nor --html, writes\n' +
        '<name>.sheet.png in the current folder.',
    )
    .argument('<file>', 'the .rec file (a path, an http(s):// URL or an s3:// object)')
    .option('-o, --out <file>', 'write the contact sheet here: .png, .jpg / .jpeg or .webp, as its name ends')
    .option('--index <file>', 'the .idx to sample from (default: the .rec path with .idx, if present)')
    .option('--no-index', 'ignore any .idx: show the first images')
    .option('--classes <n|list>', 'with --per-class: how many classes, in label order (default 16), or which: labels, or names with --names, comma-separated (one label: "5,")')
    .option('--names <file>', 'class names: im2rec\'s label map (PREFIX.labels.txt), synset.txt, or one name per line');
  addSchemaFlags(command, VIEW_OPTIONS);
  command
    .option('--json', 'print a JSON summary')
    .option('-q, --quiet', 'no progress')
    .addHelpText(
      'after',
      '\nExamples:\n  rec view train.rec --out train.png\n  rec view train.rec --per-class 6 --classes 20 --names synset.txt --html train.html',
    )
    .action(async (file: string, opts: ViewFlags) =>
      runWritingCommand('rec view', async (signal) => {
        const given = valuesFromFlags(VIEW_OPTIONS, opts);
        const names = opts.names ? await ClassNames.load(opts.names) : undefined;
        const classes = opts.classes === undefined ? undefined : classesOption(opts.classes, names);
        const sheet = opts.out ?? (given.html ? null : `${displayBaseName(file).replace(/\.rec$/i, '')}.sheet.png`);
        const indexPath = await indexPathOption(file, opts.index);
        const result = await withByteProgress('rec view', opts.quiet, (onProgress) =>
          viewRecordFile(file, { ...given, sheet, indexPath, classes, names, onProgress, signal }).catch((err: unknown) => {
            throw namedByFlag(VIEW_OPTIONS, err, CLI_NAMES);
          }),
        );
        if (opts.json) {
          process.stdout.write(`${stringifyJson(result, 2)}\n`);
          return;
        }
        const wrote = [result.sheet, result.html].filter(Boolean).join(' and ');
        process.stderr.write(`rec view: ${result.how}; wrote ${wrote}\n`);
        for (const u of result.undecodable) process.stderr.write(`rec view: key ${u.key} (byte ${u.offset}): cannot decode: ${u.error}\n`);
      }),
    );
}
