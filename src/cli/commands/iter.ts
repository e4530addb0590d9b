import { type Command, Option } from 'commander';
import { ImageRecordIter } from '../../iter/image-record-iter.js';
import { type ImageRecordIterOptions, IterOptionError } from '../../iter/options.js';
import { finiteNumber, indexPathOption, integerAtLeast, numberList } from '../args.js';
import { EXIT_BAD_DATA, EXIT_OK, UsageError, runCommand } from '../run.js';
import { stringifyJson } from '../../util/json.js';

interface IterCliOptions {
  dataShape: number[];
  batchSize: number;
  /** --index FILE, or false for --no-index. */
  index?: string | boolean;
  /** The old name of --index, still taken. */
  idx?: string;
  list?: string;
  labelWidth: number;
  shuffle?: boolean;
  seed: number;
  numParts: number;
  partIndex: number;
  roundBatch: boolean;
  prefetch: number;
  threads?: number;
  resize?: number;
  randCrop?: boolean;
  randMirror?: boolean;
  mirror?: boolean;
  randomResizedCrop?: boolean;
  area?: number[];
  aspect?: number[];
  mean?: number[];
  std?: number[];
  scale: number;
  pad: number;
  fillValue: number;
  interMethod: number;
  dtype: string;
  skipCorrupt?: boolean;
  reuseBuffers?: boolean;
  epochs: number;
  json?: boolean;
}

/** The command line's names mapped onto the library's options (MXNet's, in camelCase). */
function iterOptions(file: string, indexPath: string | null, o: IterCliOptions): ImageRecordIterOptions {
  if (o.dtype !== 'float32' && o.dtype !== 'uint8') throw new UsageError(`--dtype: expected float32 or uint8, received ${JSON.stringify(o.dtype)}`);
  const options: ImageRecordIterOptions = {
    pathImgrec: file,
    dataShape: o.dataShape,
    batchSize: o.batchSize,
    labelWidth: o.labelWidth,
    shuffle: o.shuffle ?? false,
    seed: o.seed,
    numParts: o.numParts,
    partIndex: o.partIndex,
    roundBatch: o.roundBatch,
    prefetchBuffer: o.prefetch,
    randCrop: o.randCrop ?? false,
    randMirror: o.randMirror ?? false,
    mirror: o.mirror ?? false,
    randomResizedCrop: o.randomResizedCrop ?? false,
    scale: o.scale,
    pad: o.pad,
    fillValue: o.fillValue,
    interMethod: o.interMethod,
    dtype: o.dtype,
    skipCorrupt: o.skipCorrupt ?? false,
    reuseBuffers: o.reuseBuffers ?? false,
  };
  if (indexPath) options.pathImgidx = indexPath;
  if (o.list) options.pathImglist = o.list;
  if (o.threads) options.preprocessThreads = o.threads;
  if (o.resize !== undefined) options.resize = o.resize;
  if (o.area) [options.minRandomArea, options.maxRandomArea] = o.area as [number, number];
  if (o.aspect) [options.minAspectRatio, options.maxAspectRatio] = o.aspect as [number, number];
  const channel = ['R', 'G', 'B', 'A'] as const;
  o.mean?.forEach((v, i) => ((options as unknown as Record<string, number>)[`mean${channel[i]}`] = v));
  o.std?.forEach((v, i) => ((options as unknown as Record<string, number>)[`std${channel[i]}`] = v));
  return options;
}

/** The flag each library option comes from, so that a message names what the user typed. */
const FLAG_OF: Record<string, string> = {
  pathImgidx: '--index',
  pathImglist: '--list',
  dataShape: '--data-shape',
  batchSize: '--batch-size',
  labelWidth: '--label-width',
  numParts: '--num-parts',
  partIndex: '--part-index',
  prefetchBuffer: '--prefetch',
  preprocessThreads: '--threads',
  resize: '--resize',
  minRandomArea: '--area',
  maxRandomArea: '--area',
  minAspectRatio: '--aspect',
  maxAspectRatio: '--aspect',
  scale: '--scale',
  pad: '--pad',
  fillValue: '--fill-value',
  interMethod: '--inter-method',
  ...Object.fromEntries(['R', 'G', 'B', 'A'].flatMap((c) => [[`mean${c}`, '--mean'], [`std${c}`, '--std']])),
};

/** `dataShape: expected ...` from the library, as `--data-shape: expected ...`. */
function namedByFlag(err: unknown): unknown {
  if (!(err instanceof IterOptionError)) return err;
  const key = /^(\w+): /.exec(err.message);
  const flag = key && FLAG_OF[key[1]!];
  return flag ? new UsageError(`${flag}: ${err.message.slice(key[0].length)}`) : err;
}

const ms = (v: number) => `${(v / 1000).toFixed(2)} s`;

export function addIterCommand(program: Command): void {
  program
    .command('iter')
    .summary('run ImageRecordIter over a .rec: images/s and time per stage')
    .description(
      'Run the training-data iterator (ImageRecordIter) over a .rec, as a training job would, and\n' +
        'print images/s and where the time went: the smoke test and benchmark for a dataset and a set of\n' +
        'augmentation settings. Every option is one of MXNet\'s ImageRecordIter parameters.',
    )
    .argument('<file>', 'the .rec file (or a ";"-separated list, or a folder of them; http(s):// URLs too)')
    .requiredOption('--data-shape <c,h,w>', 'channels (1, 3 or 4), height, width of each image', numberList(3))
    .requiredOption('--batch-size <n>', 'images per batch', integerAtLeast(1))
    .option('--index <file>', 'the .idx (default: the .rec path with .idx, if present): parts split by record count, a global shuffle (MXNet path_imgidx)')
    .option('--no-index', 'do not use an .idx, even one beside the .rec')
    .addOption(new Option('--idx <file>', 'the old name of --index').hideHelp())
    .option('--list <file>', 'take labels from this image list by record id (path_imglist)')
    .option('--label-width <n>', 'labels per image', integerAtLeast(1), 1)
    .option('--shuffle', 'shuffle the records every epoch (globally with an .idx, in a buffer without)')
    .option('--seed <n>', 'seed for shuffling and augmentation', integerAtLeast(0), 0)
    .option('--num-parts <n>', 'split the data into this many parts (one per worker)', integerAtLeast(1), 1)
    .option('--part-index <i>', 'which part to read', integerAtLeast(0), 0)
    .option('--no-round-batch', 'end with a short batch instead of wrapping to the start')
    .option('--prefetch <n>', 'batches decoded ahead (prefetch_buffer)', integerAtLeast(1), 4)
    .option('--threads <n>', 'decode jobs at once (preprocess_threads; default: the cores)', integerAtLeast(1))
    .option('--resize <n>', 'resize the shorter edge to this first', integerAtLeast(1))
    .option('--rand-crop', 'crop at a random place instead of the centre')
    .option('--rand-mirror', 'mirror half of the images')
    .option('--mirror', 'mirror every image')
    .option('--random-resized-crop', 'crop a random area share and aspect ratio, resized to the data shape')
    .option('--area <min,max>', 'random-resized-crop area share range', numberList(2))
    .option('--aspect <min,max>', 'random-resized-crop aspect ratio range', numberList(2))
    .option('--mean <r,g,b[,a]>', 'per-channel mean to subtract', numberList(4, true))
    .option('--std <r,g,b[,a]>', 'per-channel standard deviation to divide by', numberList(4, true))
    .option('--scale <x>', 'multiply after subtracting the mean', finiteNumber, 1)
    .option('--pad <n>', 'border added before cropping', integerAtLeast(0), 0)
    .option('--fill-value <v>', 'the border colour', integerAtLeast(0), 255)
    .option('--inter-method <n>', 'interpolation: 0 nearest, 1 linear, 2 cubic, 3 area, 4 lanczos, 9 auto, 10 random', integerAtLeast(0), 1)
    .option('--dtype <type>', 'float32 (normalised) or uint8 (raw pixels)', 'float32')
    .option('--skip-corrupt', 'step over damaged records (counted) instead of stopping at the first')
    .option('--reuse-buffers', 'recycle batch memory (a batch is valid until the next one)')
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
          throw namedByFlag(err);
        });
        let skipped = 0;
        try {
          for (let epoch = 0; epoch < o.epochs; epoch++) {
            if (epoch > 0) it.reset();
            const t0 = performance.now();
            for await (const batch of it) void batch;
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
