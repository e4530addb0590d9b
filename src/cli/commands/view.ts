import { displayBaseName } from '../../io/display-name.js';
import type { Command } from 'commander';
import { ClassNames } from '../../tools/class-names.js';
import { viewRecordFile } from '../../tools/view/view.js';
import { MAX_VIEW_IMAGES } from '../../io/limits.js';
import { FORCE_HELP, indexPathOption, integerAtLeast, integerIn, labelList } from '../args.js';
import { withByteProgress } from '../progress.js';
import { UsageError, runWritingCommand } from '../run.js';
import { stringifyJson } from '../../util/json.js';

interface ViewFlags {
  out?: string;
  html?: string;
  index?: string | boolean;
  count: number;
  perClass?: number;
  classes?: string;
  seed: number;
  size: number;
  columns: number;
  names?: string;
  force?: boolean;
  json?: boolean;
  quiet?: boolean;
}

/** `--classes 20` (how many) or `--classes 3,7` / `--classes "Fish Tank,dog"` (which). */
function classesOption(value: string, names: ClassNames | undefined): number | number[] {
  if (/^\d+$/.test(value.trim())) {
    const count = Number(value);
    if (count < 1 || count > MAX_VIEW_IMAGES) throw new UsageError(`--classes: expected a count in 1..${MAX_VIEW_IMAGES} or a list of classes, received ${value}`);
    return count;
  }
  return labelList('--classes', value.replace(/,\s*$/, ''), names);
}

export function addViewCommand(program: Command): void {
  program
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
    .argument('<file>', 'the .rec file (a path or an http(s):// URL)')
    .option('-o, --out <file>', 'write the contact sheet here: .png, .jpg / .jpeg or .webp, as its name ends')
    .option('--html <file>', 'write the HTML gallery here')
    .option('--index <file>', 'the .idx to sample from (default: the .rec path with .idx, if present)')
    .option('--no-index', 'ignore any .idx: show the first images')
    .option('-n, --count <n>', `images to show (at most ${MAX_VIEW_IMAGES})`, integerIn(1, MAX_VIEW_IMAGES), 48)
    .option('--per-class <k>', 'up to k images of each class, one row per class', integerIn(1, MAX_VIEW_IMAGES))
    .option('--classes <n|list>', 'with --per-class: how many classes, in label order (default 16), or which: labels, or names with --names, comma-separated (one label: "5,")')
    .option('--seed <n>', 'seed of the random picks', integerAtLeast(0), 0)
    .option('--size <px>', 'thumbnail size', integerIn(16, 1024), 160)
    .option('--columns <n>', 'thumbnails per row on the sheet', integerIn(1, 100), 8)
    .option('--names <file>', 'class names: im2rec\'s label map (PREFIX.labels.txt), synset.txt, or one name per line')
    .option('--force', FORCE_HELP)
    .option('--json', 'print a JSON summary')
    .option('-q, --quiet', 'no progress')
    .addHelpText(
      'after',
      '\nExamples:\n  rec view train.rec --out train.png\n  rec view train.rec --per-class 6 --classes 20 --names synset.txt --html train.html',
    )
    .action(async (file: string, opts: ViewFlags) =>
      runWritingCommand('rec view', async (signal) => {
        if (opts.classes !== undefined && opts.perClass === undefined) throw new UsageError('--classes goes with --per-class');
        const names = opts.names ? await ClassNames.load(opts.names) : undefined;
        const classes = opts.classes === undefined ? undefined : classesOption(opts.classes, names);
        const shown = typeof classes === 'number' ? classes : (classes?.length ?? 16);
        if (opts.perClass !== undefined && opts.perClass * shown > MAX_VIEW_IMAGES) {
          throw new UsageError(`--per-class × --classes: expected at most ${MAX_VIEW_IMAGES} images, received ${opts.perClass} × ${shown}`);
        }
        const sheet = opts.out ?? (opts.html ? null : `${displayBaseName(file).replace(/\.rec$/i, '')}.sheet.png`);
        const indexPath = await indexPathOption(file, opts.index);
        const result = await withByteProgress('rec view', opts.quiet, (onProgress) =>
          viewRecordFile(file, {
            sheet,
            html: opts.html ?? null,
            indexPath,
            count: opts.count,
            perClass: opts.perClass,
            classes,
            seed: opts.seed,
            size: opts.size,
            columns: opts.columns,
            names,
            overwrite: opts.force,
            onProgress,
            signal,
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
