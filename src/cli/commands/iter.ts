import { type Command, Option } from 'commander';
import { ImageRecordIter } from '../../iter/image-record-iter.js';
import { ITER_OPTIONS, type ImageRecordIterOptions } from '../../iter/options.js';
import { indexPathOption, integerAtLeast, numberList } from '../args.js';
import { EXIT_BAD_DATA, EXIT_OK, runCommand } from '../run.js';
import { addSchemaFlags, namedByFlag, valuesFromFlags } from '../schema-flags.js';
import { stringifyJson } from '../../util/json.js';

/** The command's own flags; the rest are ITER_OPTIONS' (cli/schema-flags.ts). */
interface IterCliOptions extends Record<string, unknown> {
  /** --index FILE, or false for --no-index. */
  index?: string | boolean;
  /** The old name of --index, still taken. */
  idx?: string;
  area?: number[];
  aspect?: number[];
  mean?: number[];
  std?: number[];
  epochs: number;
  json?: boolean;
}

const CHANNELS = ['R', 'G', 'B', 'A'] as const;

/** The library options that the command's own flags (or its argument) set, by flag (for messages and the docs). */
export const OWN_FLAGS: Readonly<Record<string, string>> = {
  pathImgrec: 'FILE',
  pathImgidx: '--index',
  minRandomArea: '--area',
  maxRandomArea: '--area',
  minAspectRatio: '--aspect',
  maxAspectRatio: '--aspect',
  ...Object.fromEntries(CHANNELS.flatMap((c) => [[`mean${c}`, '--mean'], [`std${c}`, '--std']])),
};

/** The command line as the library's options (MXNet's names, in camelCase). */
function iterOptions(file: string, indexPath: string | null, o: IterCliOptions): ImageRecordIterOptions {
  const options = { ...valuesFromFlags(ITER_OPTIONS, o), pathImgrec: file } as Record<string, unknown>;
  if (indexPath) options.pathImgidx = indexPath;
  if (o.area) [options.minRandomArea, options.maxRandomArea] = o.area;
  if (o.aspect) [options.minAspectRatio, options.maxAspectRatio] = o.aspect;
  o.mean?.forEach((v, i) => (options[`mean${CHANNELS[i]}`] = v));
  o.std?.forEach((v, i) => (options[`std${CHANNELS[i]}`] = v));
  return options as unknown as ImageRecordIterOptions;
}

const ms = (v: number) => `${(v / 1000).toFixed(2)} s`;

export function addIterCommand(program: Command): void {
  const command = program
    .command('iter')
    .summary('run ImageRecordIter over a .rec: images/s and time per stage')
    .description(
      'Run the training-data iterator (ImageRecordIter) over a .rec, as a training job would, and\n' +
        'print images/s and where the time went: the smoke test and benchmark for a dataset and a set of\n' +
        'augmentation settings. Every option is one of MXNet\'s ImageRecordIter parameters.',
    )
    .argument('<file>', 'the .rec file (or a ";"-separated list, or a folder of them; http(s):// URLs and s3:// objects too)');
  addSchemaFlags(command, ITER_OPTIONS);
  command
    .option('--index <file>', 'the .idx (default: the .rec path with .idx, if present): parts split by record count, a global shuffle (MXNet path_imgidx)')
    .option('--no-index', 'do not use an .idx, even one beside the .rec')
    .addOption(new Option('--idx <file>', 'the old name of --index').hideHelp())
    .option('--area <min,max>', 'random-resized-crop area share range (min_random_area, max_random_area)', numberList(2))
    .option('--aspect <min,max>', 'random-resized-crop aspect ratio range (min_aspect_ratio, max_aspect_ratio)', numberList(2))
    .option('--mean <r,g,b[,a]>', 'per-channel mean to subtract (mean_r, mean_g, ...)', numberList(4, true))
    .option('--std <r,g,b[,a]>', 'per-channel standard deviation to divide by (std_r, std_g, ...)', numberList(4, true))
    .option('--epochs <n>', 'epochs to run', integerAtLeast(1), 1)
    .option('--json', 'one JSON line per epoch instead of text')
    .addHelpText(
      'after',
      '\nExample (ImageNet-style training input):\n' +
        '  rec iter train.rec --data-shape 3,224,224 --batch-size 64 --shuffle \\\n' +
        '    --rand-crop --rand-mirror --mean 123.68,116.28,103.53 --std 58.4,57.12,57.38',
    )
    .action(async (file: string, o: IterCliOptions) =>
      runCommand('rec iter', async () => {
        const indexPath = o.idx ?? (await indexPathOption(file, o.index));
        const it = await ImageRecordIter.open(iterOptions(file, indexPath, o)).catch((err: unknown) => {
          throw namedByFlag(ITER_OPTIONS, err, OWN_FLAGS);
        });
        let skipped = 0;
        try {
          for (let epoch = 0; epoch < o.epochs; epoch++) {
            if (epoch > 0) it.reset();
            const t0 = performance.now();
            // A damaged record's error says how to step over it in the library's words (skipCorrupt: true): here, the flag.
            await (async () => {
              for await (const batch of it) void batch;
            })().catch((err: unknown) => {
              throw namedByFlag(ITER_OPTIONS, err, OWN_FLAGS);
            });
            const wall = performance.now() - t0;
            const s = it.stats;
            skipped += s.skipped;
            const rate = s.images / (wall / 1000);
            if (o.json) {
              process.stdout.write(`${stringifyJson({ ...s, wallMs: Math.round(wall), imagesPerSecond: Math.round(rate), skippedRecords: it.skippedRecords })}\n`);
              continue;
            }
            process.stdout.write(
              `epoch ${epoch}: ${s.images} images in ${s.batches} batches, ${ms(wall)}, ${Math.round(rate)} images/s` +
                `${s.skipped ? `, ${s.skipped} damaged records skipped` : ''}\n` +
                `  main thread: read ${ms(s.readMs)}, parse and plan ${ms(s.prepareMs)}, waiting for decodes ${ms(s.waitMs)}\n` +
                `  decode (on ${it.settings.threads} threads, summed): ${ms(s.decodeMs)}\n`,
            );
            for (const r of it.skippedRecords.slice(0, 20)) process.stdout.write(`  skipped ${r.file} byte ${r.offset}${r.id !== undefined ? ` (id ${r.id})` : ''}: ${r.reason}\n`);
          }
        } finally {
          it.close();
        }
        return skipped > 0 ? EXIT_BAD_DATA : EXIT_OK;
      }),
    );
}
