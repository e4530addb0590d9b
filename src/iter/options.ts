/**
 * ImageRecordIter's options: MXNet's parameter names in camelCase, MXNet's
 * defaults, checked up front. Unlike MXNet, which ignores a parameter it does
 * not know (so `rand_mirorr=True` silently trains without mirroring), an
 * unknown name is an error that suggests the closest known one.
 */
import os from 'node:os';
import { INTER_METHOD } from '../codec/inter-method.js';
import { codecThreads } from '../codec/threads.js';
import type { Filter } from '../codec/types.js';
import { RENAMED_REMOTE, type RemoteOptions } from '../io/store.js';
import { MAX_BATCH_BYTES, MAX_PREFETCH, MAX_SIDE } from '../io/limits.js';
import { UsageError } from '../util/errors.js';
import { partCountOption, partIndexOption, resolveParts } from '../util/scheduler.js';
import { boolean, checkOptions, custom, integer, number, oneOf, type OptionsOf, type Resolved, string } from '../util/schema.js';

/** A path, a `;`-separated list of paths, or an array of paths. */
function parsePaths(v: unknown, invalid: (expected: string) => never): string | readonly string[] {
  if (typeof v === 'string' && v !== '') return v;
  if (Array.isArray(v) && v.length > 0 && v.every((p) => typeof p === 'string' && p !== '')) return v as string[];
  return invalid('a path, a ";"-separated list of paths or an array of paths');
}

const channelMean = (c: string) => number({ doc: `mean subtracted from the ${c} channel`, mxnet: `mean_${c.toLowerCase()}`, default: 0, flag: false });
const channelStd = (c: string) =>
  number({ doc: `the ${c} channel is divided by this, after the mean`, mxnet: `std_${c.toLowerCase()}`, default: 1, check: (v: number) => v !== 0, expected: 'a non-zero number', flag: false });
const area = (which: 'min' | 'max') =>
  number({
    doc: `${which === 'min' ? 'smallest' : 'largest'} share of the image's area a randomResizedCrop takes`,
    mxnet: `${which}_random_area`,
    default: 1,
    check: (v: number) => v > 0 && v <= 1,
    expected: 'a number in (0, 1]',
    flag: false,
  });

const REMOTE_KEYS = ['retries', 'retryDelayMs', 'timeoutMs', 'deadlineMs', 'minBytesPerSecond', 'headers', 'onRetry'];

/**
 * ImageRecordIter's options, declared once: MXNet's parameter names in
 * camelCase with MXNet's defaults, and mxrec's own (no `mxnet` name). The
 * options type, the checks, `rec iter`'s flags and the docs' table come from
 * here.
 */
export const ITER_OPTIONS = {
  pathImgrec: custom({
    doc: "the `.rec` data: a file, a `;`-separated list or array of files, or a folder (dmlc's rules)",
    mxnet: 'path_imgrec',
    required: true,
    parse: (v: unknown, invalid: (expected: string) => never): string | readonly string[] => parsePaths(v, invalid),
    expected: 'path(s)',
  }),
  pathImgidx: custom({
    doc: 'the `.idx` of each `.rec` (same count and order): parts split by record count, and `shuffle` a true global shuffle',
    mxnet: 'path_imgidx',
    parse: (v: unknown, invalid: (expected: string) => never): string | readonly string[] => parsePaths(v, invalid),
    expected: 'path(s)',
  }),
  pathImglist: string({
    doc: "an image list (`index label... [path]`): labels looked up by the record's id; a missing id is an error",
    mxnet: 'path_imglist',
    flag: '--list',
    metavar: '<file>',
    expected: 'a path',
  }),
  dataShape: custom({
    doc: '[channels, height, width]; channels 1 (gray), 3 (RGB) or 4 (RGBA)',
    mxnet: 'data_shape',
    required: true,
    parse: (v: unknown, invalid: (expected: string) => never): readonly [number, number, number] | readonly number[] => {
      if (!Array.isArray(v) || v.length !== 3 || !v.every((d) => Number.isInteger(d) && d > 0)) invalid('[channels, height, width] of positive integers');
      const [channels, height, width] = v as [number, number, number];
      if (channels !== 1 && channels !== 3 && channels !== 4) {
        // [224, 224, 3] is the usual slip: the shape is channels first, as MXNet's data_shape.
        const hint = width === 1 || width === 3 || width === 4 ? ` (the shape is channels,height,width: did you mean ${[width, channels, height].join(',')}?)` : ' (the shape is channels,height,width)';
        fail(`dataShape: expected 1, 3 or 4 channels first, received ${channels}${hint}`);
      }
      if (height > MAX_SIDE || width > MAX_SIDE) fail(`dataShape: expected a height and width up to ${MAX_SIDE} (no JPEG is larger), received ${height}x${width}`);
      return v as number[];
    },
    fromText: (text: string) => text.split(',').map((p) => (p.trim() === '' ? NaN : Number(p))),
    flag: '--data-shape',
    metavar: '<c,h,w>',
    expected: '[c, h, w]',
  }),
  batchSize: integer({ doc: 'images per batch', mxnet: 'batch_size', required: true, min: 1 }),
  labelWidth: integer({ doc: 'labels per image; packed labels must number exactly this many', mxnet: 'label_width', default: 1, min: 1 }),
  shuffle: boolean({ doc: 'a new order every epoch: a permutation of the part with an `.idx`, a buffer shuffle without', mxnet: 'shuffle', default: false }),
  seed: integer({ doc: 'seed of the shuffle and the augmentation', mxnet: 'seed', default: 0 }),
  numParts: partCountOption({
    doc: "parts the data is split into (one per worker), as dmlc splits them: disjoint, together complete; 'auto': WORLD_SIZE, as launchers set it",
    mxnet: 'num_parts',
    default: 1,
    flag: '--num-parts',
    auto: true,
  }),
  partIndex: partIndexOption({
    doc: "which part this iterator reads; 'auto': RANK, else the scheduler's array index (JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID, AWS_BATCH_JOB_ARRAY_INDEX)",
    mxnet: 'part_index',
    default: 0,
    flag: '--part-index',
  }),
  roundBatch: boolean({
    doc: "fill the last batch from the epoch's start (`pad` says how many); false: a short last batch",
    flagDoc: 'end with a short batch instead of wrapping to the start',
    mxnet: 'round_batch',
    default: true,
  }),
  prefetchBuffer: integer({ doc: 'batches decoded ahead', mxnet: 'prefetch_buffer', default: 4, min: 1, max: MAX_PREFETCH, flag: '--prefetch' }),
  preprocessThreads: codecThreads({ doc: 'decode jobs run at once', mxnet: 'preprocess_threads', flag: '--threads' }),
  resize: integer({ doc: "the shorter edge resized to this first, with MXNet's integer rounding (-1: no resize)", mxnet: 'resize', default: -1, min: -1 }),
  randCrop: boolean({ doc: 'crop at a random place instead of the centre', mxnet: 'rand_crop', default: false }),
  randMirror: boolean({ doc: 'mirror half of the images, at random', mxnet: 'rand_mirror', default: false }),
  mirror: boolean({ doc: 'mirror every image', mxnet: 'mirror', default: false }),
  randomResizedCrop: boolean({ doc: 'crop a random area share and aspect ratio, resized to the data shape (10 tries, then the plain crop)', mxnet: 'random_resized_crop', default: false }),
  minRandomArea: area('min'),
  maxRandomArea: area('max'),
  minAspectRatio: number({
    doc: 'smallest aspect ratio of a randomResizedCrop',
    mxnet: 'min_aspect_ratio',
    defaultText: '1 / maxAspectRatio, or 1',
    check: (v: number) => v > 0,
    expected: 'a number > 0',
    flag: false,
  }),
  maxAspectRatio: number({
    doc: 'largest aspect ratio of a randomResizedCrop (0: the ratio is kept)',
    mxnet: 'max_aspect_ratio',
    default: 0,
    check: (v: number) => v >= 0,
    expected: 'a number >= 0',
    flag: false,
  }),
  meanR: channelMean('R'),
  meanG: channelMean('G'),
  meanB: channelMean('B'),
  meanA: channelMean('A'),
  stdR: channelStd('R'),
  stdG: channelStd('G'),
  stdB: channelStd('B'),
  stdA: channelStd('A'),
  scale: number({ doc: 'float output is `(x - mean) * scale / std`', mxnet: 'scale', default: 1 }),
  pad: integer({ doc: 'border added around the (resized) image before cropping', mxnet: 'pad', default: 0, min: 0 }),
  fillValue: integer({ doc: "the border's value", mxnet: 'fill_value', default: 255, min: 0, max: 255 }),
  interMethod: INTER_METHOD,
  dtype: oneOf(['float32', 'uint8'], { doc: 'float32 (normalised) or uint8 (the raw pixels)', mxnet: 'dtype', default: 'float32' }),
  dataName: string({ doc: 'name of the data in provideData', mxnet: 'data_name', default: 'data', flag: false }),
  labelName: string({ doc: 'name of the label in provideLabel', mxnet: 'label_name', default: 'softmax_label', flag: false }),
  shuffleBuffer: integer({ doc: 'without an `.idx`, records shuffle within a buffer of this many', default: 1024, min: 1 }),
  reuseBuffers: boolean({ doc: "recycle batch memory: a batch is valid until the next `next()` (MXNet's contract), no allocation per batch; by default a batch lives as long as it is referenced", default: false }),
  skipCorrupt: boolean({ doc: 'step over records whose framing, header or image is damaged (counted in `stats.skipped`, listed in `skippedRecords`) instead of failing', default: false }),
  verbose: boolean({ doc: "MXNet's per-batch logging; accepted and ignored", mxnet: 'verbose', default: true, flag: false }),
  remote: custom({
    doc: 'for inputs read over a network (http(s)://, s3://; `ImageRecordIter.open`): retries, timeouts, headers',
    parse: (v: unknown, invalid: (expected: string) => never): RemoteOptions => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return invalid('an object ({ retries, retryDelayMs, timeoutMs, headers })');
      const unknown = Object.keys(v).find((k) => !REMOTE_KEYS.includes(k));
      if (unknown) fail(`remote.${unknown}: unknown; expected ${REMOTE_KEYS.slice(0, -1).join(', ')} or ${REMOTE_KEYS.at(-1)}`);
      return v as RemoteOptions;
    },
    default: {},
    expected: 'RemoteOptions',
  }),
};

/** ImageRecordIter's options (declared in ITER_OPTIONS). */
export type ImageRecordIterOptions = OptionsOf<typeof ITER_OPTIONS>;

/** Everything resolved: defaults applied, shapes and per-channel values unpacked. */
export interface IterSettings
  extends Omit<Resolved<typeof ITER_OPTIONS>, 'pathImgrec' | 'pathImgidx' | 'pathImglist' | 'dataShape' | 'preprocessThreads' | 'verbose' | 'minAspectRatio' | 'numParts' | 'partIndex' | `${'mean' | 'std'}${'R' | 'G' | 'B' | 'A'}`> {
  files: string | readonly string[];
  indexFiles: readonly string[] | null;
  listFile: string | null;
  channels: 1 | 3 | 4;
  height: number;
  width: number;
  threads: number;
  minAspectRatio: number;
  numParts: number;
  partIndex: number;
  mean: number[];
  std: number[];
}

/** MXNet parameters we know but do not implement: named in the error instead of "unknown". */
const NOT_IMPLEMENTED = [
  'augSeq', 'meanImg', 'maxRotateAngle', 'rotate', 'maxShearRatio', 'maxCropSize', 'minCropSize',
  'maxRandomScale', 'minRandomScale', 'maxImgSize', 'minImgSize', 'brightness', 'contrast', 'saturation',
  'pcaNoise', 'randomH', 'randomS', 'randomL', 'maxRandomContrast', 'maxRandomIllumination', 'seedAug',
  'shuffleChunkSize', 'shuffleChunkSeed',
];

export class IterOptionError extends UsageError {
  override readonly name = 'IterOptionError';
}

function fail(message: string): never {
  throw new IterOptionError(message);
}

/**
 * Batches are allocated up front and `prefetchBuffer` of them (plus the one
 * in use) are in memory at once: refuse shapes and sizes that could not fit
 * before allocating anything, with what they would take.
 */
function checkBatchMemory(batchBytes: number, prefetch: number): void {
  const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (batchBytes > MAX_BATCH_BYTES) {
    fail(`batchSize × dataShape: one batch would take ${gib(batchBytes)}, more than the ${gib(MAX_BATCH_BYTES)} a batch may take; use a smaller batch or shape`);
  }
  const inFlight = batchBytes * (prefetch + 1);
  const machine = os.totalmem();
  if (inFlight > machine / 2) {
    fail(
      `batchSize × dataShape × (prefetchBuffer + 1): the batches in flight would take ${gib(inFlight)}, ` +
        `more than half of this machine's ${gib(machine)}; use a smaller batch, shape or prefetchBuffer`,
    );
  }
}

/** MXNet's `inter_method` codes that have a fixed filter (9 and 10 choose per image). */
export const INTER_FILTERS: Readonly<Record<number, Filter>> = { 0: 'nearest', 1: 'linear', 2: 'cubic', 3: 'area', 4: 'lanczos' };

export function resolveOptions(input: ImageRecordIterOptions): IterSettings {
  const o = checkOptions(ITER_OPTIONS, input, IterOptionError, { notImplemented: NOT_IMPLEMENTED, owner: "mxrec's ImageRecordIter", renamed: RENAMED_REMOTE });
  const [channels, height, width] = o.dataShape as [1 | 3 | 4, number, number];
  const { count: numParts, index: partIndex } = resolveParts(o.numParts, o.partIndex, { count: 'numParts', index: 'partIndex', launcher: true })!;
  if (o.randomResizedCrop && o.randCrop) fail('randCrop: cannot be combined with randomResizedCrop (MXNet refuses it too)');
  if (o.minRandomArea > o.maxRandomArea) fail(`minRandomArea: expected at most maxRandomArea (${o.maxRandomArea}), received ${o.minRandomArea}`);
  // MXNet leaves min_aspect_ratio unset by default; the range is then [1/max, max] (or exactly 1).
  const minAspectRatio = o.minAspectRatio ?? (o.maxAspectRatio > 0 ? 1 / o.maxAspectRatio : 1);
  if (o.randomResizedCrop && o.maxAspectRatio > 0 && minAspectRatio > o.maxAspectRatio) {
    fail(`minAspectRatio: expected at most maxAspectRatio (${o.maxAspectRatio}), received ${minAspectRatio}`);
  }
  checkBatchMemory(o.batchSize * channels * height * width * (o.dtype === 'uint8' ? 1 : 4), o.prefetchBuffer);
  const idx = o.pathImgidx;
  const { pathImgrec, pathImgidx, pathImglist, dataShape, preprocessThreads, verbose, meanR, meanG, meanB, meanA, stdR, stdG, stdB, stdA, ...rest } = o;
  return {
    ...rest,
    numParts,
    partIndex,
    files: pathImgrec,
    indexFiles: idx === undefined ? null : typeof idx === 'string' ? idx.split(';').filter((p) => p !== '') : idx,
    listFile: pathImglist ?? null,
    channels,
    height,
    width,
    threads: preprocessThreads,
    minAspectRatio,
    mean: [meanR, meanG, meanB, meanA].slice(0, channels),
    std: [stdR, stdG, stdB, stdA].slice(0, channels),
  };
}
