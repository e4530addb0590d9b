/**
 * ImageRecordIter's options: MXNet's parameter names in camelCase, MXNet's
 * defaults, checked up front. Unlike MXNet, which ignores a parameter it does
 * not know (so `rand_mirorr=True` silently trains without mirroring), an
 * unknown name is an error that suggests the closest known one.
 */
import os from 'node:os';
import type { Filter } from '../codec/types.js';
import type { HttpOptions } from '../io/http-source.js';
import { MxrecError } from '../util/errors.js';

export interface ImageRecordIterOptions {
  /** The `.rec` data: a file, a `;`-separated list or array of files, or a folder (dmlc's rules). Required. */
  pathImgrec: string | readonly string[];
  /**
   * The `.idx` for each `.rec` (same count and order). With it, records are
   * split among parts by count and `shuffle` is a true global shuffle, as
   * MXNet's indexed reader does.
   */
  pathImgidx?: string | readonly string[];
  /** An image list (`index label... [path]`): labels looked up by the record's id. */
  pathImglist?: string;
  /** [channels, height, width], channels 1 (gray), 3 (RGB) or 4 (RGBA). Required. */
  dataShape: readonly [number, number, number] | readonly number[];
  batchSize: number;
  /** Labels per image (default 1). */
  labelWidth?: number;
  shuffle?: boolean;
  seed?: number;
  numParts?: number;
  partIndex?: number;
  /** Fill the last batch by wrapping to the epoch's start (default true); `pad` says how many wrapped. */
  roundBatch?: boolean;
  /** Batches decoded ahead (default 4). */
  prefetchBuffer?: number;
  /** Decode jobs run at once (default: the machine's cores). */
  preprocessThreads?: number;
  /** Shorter edge resized to this first (default -1: no resize). */
  resize?: number;
  randCrop?: boolean;
  randMirror?: boolean;
  mirror?: boolean;
  randomResizedCrop?: boolean;
  minRandomArea?: number;
  maxRandomArea?: number;
  minAspectRatio?: number;
  maxAspectRatio?: number;
  meanR?: number;
  meanG?: number;
  meanB?: number;
  meanA?: number;
  stdR?: number;
  stdG?: number;
  stdB?: number;
  stdA?: number;
  scale?: number;
  /** Border added around the (resized) image before cropping, filled with `fillValue`. */
  pad?: number;
  fillValue?: number;
  /** OpenCV's interpolation codes: 0 nearest, 1 linear (default), 2 cubic, 3 area, 4 lanczos; 9 and 10 as MXNet. */
  interMethod?: number;
  dtype?: 'float32' | 'uint8';
  dataName?: string;
  labelName?: string;
  /** Records without .idx shuffle within a buffer of this many records (default 1024). mxrec's own. */
  shuffleBuffer?: number;
  /**
   * Recycle batch buffers: a batch's data and label stay valid only until the
   * next call to next() (MXNet's contract), and no memory is allocated per
   * batch. Default false: every batch owns fresh arrays. mxrec's own.
   */
  reuseBuffers?: boolean;
  /** Skip records whose framing, header or image is damaged (counted in `stats`) instead of failing. mxrec's own. */
  skipCorrupt?: boolean;
  /** MXNet's per-batch logging; accepted and ignored. */
  verbose?: boolean;
  /** For http(s):// inputs (ImageRecordIter.open): retries, timeout, headers. mxrec's own. */
  http?: HttpOptions;
}

/** Everything resolved: defaults applied, shapes unpacked. */
export interface IterSettings {
  files: string | readonly string[];
  indexFiles: readonly string[] | null;
  listFile: string | null;
  channels: 1 | 3 | 4;
  height: number;
  width: number;
  batchSize: number;
  labelWidth: number;
  shuffle: boolean;
  seed: number;
  numParts: number;
  partIndex: number;
  roundBatch: boolean;
  prefetchBuffer: number;
  threads: number;
  resize: number;
  randCrop: boolean;
  randMirror: boolean;
  mirror: boolean;
  randomResizedCrop: boolean;
  minRandomArea: number;
  maxRandomArea: number;
  minAspectRatio: number;
  maxAspectRatio: number;
  mean: number[];
  std: number[];
  scale: number;
  pad: number;
  fillValue: number;
  interMethod: number;
  dtype: 'float32' | 'uint8';
  dataName: string;
  labelName: string;
  shuffleBuffer: number;
  reuseBuffers: boolean;
  skipCorrupt: boolean;
  http: HttpOptions;
}

const KNOWN = [
  'pathImgrec', 'pathImgidx', 'pathImglist', 'dataShape', 'batchSize', 'labelWidth', 'shuffle', 'seed',
  'numParts', 'partIndex', 'roundBatch', 'prefetchBuffer', 'preprocessThreads', 'resize', 'randCrop',
  'randMirror', 'mirror', 'randomResizedCrop', 'minRandomArea', 'maxRandomArea', 'minAspectRatio',
  'maxAspectRatio', 'meanR', 'meanG', 'meanB', 'meanA', 'stdR', 'stdG', 'stdB', 'stdA', 'scale', 'pad',
  'fillValue', 'interMethod', 'dtype', 'dataName', 'labelName', 'shuffleBuffer', 'reuseBuffers', 'skipCorrupt', 'verbose',
  'http',
] as const;

/** MXNet parameters we know but do not implement: named in the error instead of "unknown". */
const NOT_IMPLEMENTED = [
  'augSeq', 'meanImg', 'maxRotateAngle', 'rotate', 'maxShearRatio', 'maxCropSize', 'minCropSize',
  'maxRandomScale', 'minRandomScale', 'maxImgSize', 'minImgSize', 'brightness', 'contrast', 'saturation',
  'pcaNoise', 'randomH', 'randomS', 'randomL', 'maxRandomContrast', 'maxRandomIllumination', 'seedAug',
  'shuffleChunkSize', 'shuffleChunkSeed',
];

export class IterOptionError extends MxrecError {
  override readonly name = 'IterOptionError';
  readonly kind = 'usage';
}

function fail(message: string): never {
  throw new IterOptionError(message);
}

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? `[${v.join(',')}]` : String(v));

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const keep = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = keep;
    }
  }
  return d[b.length]!;
}

/** `rand_mirror` and `randMirror` both match `randMirror`. */
const normalise = (name: string): string => name.replace(/_/g, '').toLowerCase();

function suggest(name: string): string {
  const n = normalise(name);
  let best = '';
  let bestD = Infinity;
  for (const k of KNOWN) {
    const d = editDistance(n, normalise(k));
    if (d < bestD) [best, bestD] = [k, d];
  }
  return bestD <= Math.max(2, Math.floor(n.length / 4)) ? ` (did you mean ${best}?)` : '';
}

/** The largest height or width of a data shape: the largest side a JPEG can have. */
const MAX_SIDE = 65535;
/** Decode calls run side by side: libuv's pool has at most 1024 threads, and more than this only costs memory. */
export const MAX_THREADS = 256;
/** One batch at most: 2 GiB (about 2,800 float32 images of 3x224x224). */
const MAX_BATCH_BYTES = 2 ** 31;

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

function int(o: Record<string, unknown>, name: string, dflt: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[name] ?? dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(`${name}: expected an integer ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`}, received ${show(v)}`);
  }
  return v;
}

function num(o: Record<string, unknown>, name: string, dflt: number, check?: (v: number) => boolean, what = 'a number'): number {
  const v = o[name] ?? dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || (check && !check(v))) fail(`${name}: expected ${what}, received ${show(v)}`);
  return v;
}

function bool(o: Record<string, unknown>, name: string, dflt: boolean): boolean {
  const v = o[name] ?? dflt;
  if (typeof v !== 'boolean') fail(`${name}: expected true or false, received ${show(v)}`);
  return v;
}

function httpOptions(v: unknown): HttpOptions {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`http: expected an object ({ retries, retryDelayMs, timeoutMs, headers }), received ${show(v)}`);
  const o = v as Record<string, unknown>;
  const unknown = Object.keys(o).find((k) => !['retries', 'retryDelayMs', 'timeoutMs', 'headers', 'onRetry'].includes(k));
  if (unknown) fail(`http.${unknown}: unknown; expected retries, retryDelayMs, timeoutMs, headers or onRetry`);
  return o as HttpOptions;
}

function str(o: Record<string, unknown>, name: string, dflt: string): string {
  const v = o[name] ?? dflt;
  if (typeof v !== 'string' || v === '') fail(`${name}: expected a non-empty string, received ${show(v)}`);
  return v;
}

function paths(o: Record<string, unknown>, name: string): string | readonly string[] | null {
  const v = o[name];
  if (v === undefined || v === '') return null;
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length > 0 && v.every((p) => typeof p === 'string' && p !== '')) return v as string[];
  return fail(`${name}: expected a path, a ";"-separated list of paths or an array of paths, received ${show(v)}`);
}

/** MXNet's `inter_method` codes that have a fixed filter (9 and 10 choose per image). */
export const INTER_FILTERS: Readonly<Record<number, Filter>> = { 0: 'nearest', 1: 'linear', 2: 'cubic', 3: 'area', 4: 'lanczos' };

export function resolveOptions(input: ImageRecordIterOptions): IterSettings {
  if (typeof input !== 'object' || input === null) fail(`options: expected an object, received ${show(input)}`);
  const o = input as unknown as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if ((KNOWN as readonly string[]).includes(key)) continue;
    const n = normalise(key);
    const missing = NOT_IMPLEMENTED.find((k) => normalise(k) === n);
    if (missing) fail(`${key}: MXNet's ${missing} is not implemented by mxrec's ImageRecordIter`);
    fail(`${key}: unknown option${suggest(key)}`);
  }

  const files = paths(o, 'pathImgrec') ?? fail('pathImgrec: required (the .rec file, files or folder)');
  const idx = paths(o, 'pathImgidx');
  const shape = o.dataShape;
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    fail(`dataShape: expected [channels, height, width] of positive integers, received ${show(shape)}`);
  }
  const [channels, height, width] = shape as [number, number, number];
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    // [224, 224, 3] is the usual slip: the shape is channels first, as MXNet's data_shape.
    const last = shape[2] as number;
    const hint = last === 1 || last === 3 || last === 4 ? ` (the shape is channels,height,width: did you mean ${[last, channels, height].join(',')}?)` : ' (the shape is channels,height,width)';
    fail(`dataShape: expected 1, 3 or 4 channels first, received ${channels}${hint}`);
  }
  if (height > MAX_SIDE || width > MAX_SIDE) fail(`dataShape: expected a height and width up to ${MAX_SIDE} (no JPEG is larger), received ${height}x${width}`);
  if (o.batchSize === undefined) fail('batchSize: required');

  const numParts = int(o, 'numParts', 1, 1);
  const partIndex = int(o, 'partIndex', 0, 0);
  if (partIndex >= numParts) fail(`partIndex: expected an integer in 0..${numParts - 1} (numParts is ${numParts}), received ${partIndex}`);

  const randomResizedCrop = bool(o, 'randomResizedCrop', false);
  const randCrop = bool(o, 'randCrop', false);
  if (randomResizedCrop && randCrop) fail('randCrop: cannot be combined with randomResizedCrop (MXNet refuses it too)');
  const minRandomArea = num(o, 'minRandomArea', 1, (v) => v > 0 && v <= 1, 'a number in (0, 1]');
  const maxRandomArea = num(o, 'maxRandomArea', 1, (v) => v > 0 && v <= 1, 'a number in (0, 1]');
  if (minRandomArea > maxRandomArea) fail(`minRandomArea: expected at most maxRandomArea (${maxRandomArea}), received ${minRandomArea}`);
  const maxAspectRatio = num(o, 'maxAspectRatio', 0, (v) => v >= 0, 'a number >= 0');
  // MXNet leaves min_aspect_ratio unset by default; the range is then [1/max, max] (or exactly 1).
  const minAspectRatio = num(o, 'minAspectRatio', maxAspectRatio > 0 ? 1 / maxAspectRatio : 1, (v) => v > 0, 'a number > 0');
  if (randomResizedCrop && maxAspectRatio > 0 && minAspectRatio > maxAspectRatio) {
    fail(`minAspectRatio: expected at most maxAspectRatio (${maxAspectRatio}), received ${minAspectRatio}`);
  }

  const interMethod = int(o, 'interMethod', 1, 0, 10);
  if (interMethod > 4 && interMethod < 9) fail(`interMethod: expected 0-4, 9 or 10, received ${interMethod}`);
  const dtype = o.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'uint8') fail(`dtype: expected "float32" or "uint8", received ${show(dtype)}`);
  const positive = (v: number) => v !== 0;
  const std = (['stdR', 'stdG', 'stdB', 'stdA'] as const).map((k) => num(o, k, 1, positive, 'a non-zero number'));
  const mean = (['meanR', 'meanG', 'meanB', 'meanA'] as const).map((k) => num(o, k, 0));
  bool(o, 'verbose', true);
  const batchSize = int(o, 'batchSize', 0, 1);
  const prefetchBuffer = int(o, 'prefetchBuffer', 4, 1, 256);
  checkBatchMemory(batchSize * channels * height * width * (dtype === 'uint8' ? 1 : 4), prefetchBuffer);

  return {
    files,
    indexFiles: idx === null ? null : typeof idx === 'string' ? idx.split(';').filter((p) => p !== '') : idx,
    listFile: (paths(o, 'pathImglist') as string | null) ?? null,
    channels,
    height,
    width,
    batchSize,
    labelWidth: int(o, 'labelWidth', 1, 1),
    shuffle: bool(o, 'shuffle', false),
    seed: int(o, 'seed', 0, Number.MIN_SAFE_INTEGER),
    numParts,
    partIndex,
    roundBatch: bool(o, 'roundBatch', true),
    prefetchBuffer,
    threads: int(o, 'preprocessThreads', os.availableParallelism(), 1, MAX_THREADS),
    resize: int(o, 'resize', -1, -1),
    randCrop,
    randMirror: bool(o, 'randMirror', false),
    mirror: bool(o, 'mirror', false),
    randomResizedCrop,
    minRandomArea,
    maxRandomArea,
    minAspectRatio,
    maxAspectRatio,
    mean: mean.slice(0, channels),
    std: std.slice(0, channels),
    scale: num(o, 'scale', 1),
    pad: int(o, 'pad', 0, 0),
    fillValue: int(o, 'fillValue', 255, 0, 255),
    interMethod,
    dtype,
    dataName: str(o, 'dataName', 'data'),
    labelName: str(o, 'labelName', 'softmax_label'),
    shuffleBuffer: int(o, 'shuffleBuffer', 1024, 1),
    reuseBuffers: bool(o, 'reuseBuffers', false),
    skipCorrupt: bool(o, 'skipCorrupt', false),
    http: httpOptions(o['http']),
  };
}

