/**
 * The image codec's entry point. JPEGs go to the libjpeg-turbo addon (DCT
 * scaling, region decoding, raw-YUV transcoding, all on libuv's thread pool);
 * other formats, and JPEGs the addon declines, go to sharp. Callers see one
 * API and the same output dimensions either way.
 */
import { jpegOrientation } from './exif.js';
import { native, nativeStatus, type NativeFailure, type NativeSpec, type NativeTranscoded } from './native.js';
import { ByteBudget } from '../util/byte-budget.js';
import { sharpDecodeInto, sharpInfo, sharpPixels, sharpTranscode } from './sharp-path.js';
import {
  type DecodeIntoOptions,
  type EncodedImage,
  type ImageInfo,
  type TranscodeOptions,
  DEFAULT_MAX_PIXELS,
  DEFAULT_QUALITY,
  FILTERS,
  ImageError,
  type ImageErrorCode,
} from './types.js';

export { nativeStatus };

/** SOI marker and the first byte of the next marker. */
export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

function positiveInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new TypeError(`${name}: expected a positive integer, received ${JSON.stringify(v)}`);
  }
  return v;
}

/** `fractional`: decodeInto resamples a crop with sub-pixel edges; transcode crops whole pixels. */
function checkGeometry(o: TranscodeOptions | DecodeIntoOptions, fractional = false): void {
  if (o.filter !== undefined && !FILTERS.includes(o.filter)) {
    throw new TypeError(`filter: expected one of ${FILTERS.join(', ')}, received ${JSON.stringify(o.filter)}`);
  }
  if (o.crop) {
    const kind = fractional ? 'a number' : 'an integer';
    for (const k of ['x', 'y'] as const) {
      const v = o.crop[k];
      if (typeof v !== 'number' || !(fractional ? Number.isFinite(v) : Number.isInteger(v)) || v < 0) {
        throw new TypeError(`crop.${k}: expected ${kind} >= 0, received ${JSON.stringify(v)}`);
      }
    }
    for (const k of ['width', 'height'] as const) {
      const v = o.crop[k];
      if (typeof v !== 'number' || !(fractional ? Number.isFinite(v) : Number.isInteger(v)) || v <= 0) {
        throw new TypeError(`crop.${k}: expected ${kind} > 0, received ${JSON.stringify(v)}`);
      }
    }
  }
  if ((o.width === undefined) !== (o.height === undefined)) {
    throw new TypeError('width and height: expected both or neither');
  }
  if (o.width !== undefined) positiveInt('width', o.width);
  if (o.height !== undefined) positiveInt('height', o.height);
}

function nativeSpec(o: TranscodeOptions | DecodeIntoOptions, gray: boolean): NativeSpec {
  const spec: NativeSpec = {
    gray,
    filter: FILTERS.indexOf(o.filter ?? 'linear'),
    maxPixels: o.maxPixels ?? DEFAULT_MAX_PIXELS,
  };
  if (o.crop) spec.crop = [o.crop.x, o.crop.y, o.crop.width, o.crop.height];
  if (o.width !== undefined) spec.width = o.width;
  if (o.height !== undefined) spec.height = o.height;
  return spec;
}

const failed = (r: object): r is NativeFailure => 'error' in r;
const toError = (f: NativeFailure) => new ImageError(f.code as ImageErrorCode, f.error);

/** One of the addon's batch calls (a trip to libuv's pool), as a promise. */
function onPool<R>(start: (done: (err: Error | null, out: R[]) => void) => void): Promise<R[]> {
  return new Promise((resolve, reject) => start((err, out) => (err ? reject(err) : resolve(out))));
}

/** One gibibyte: the default decode budget. */
const GiB = 2 ** 30;

function budgetFromEnv(): number {
  const mib = Number(process.env.MXREC_DECODE_BUDGET_MB);
  return Number.isFinite(mib) && mib > 0 ? mib * 2 ** 20 : GiB;
}

/**
 * Decoded pixels in flight, across every call in the process (im2rec's
 * batches, the iterator's, verify --decode, view): at most this many bytes,
 * 1 GiB unless MXREC_DECODE_BUDGET_MB or setDecodeBudget() says otherwise.
 * Each image takes its full decoded size from its header before its decode
 * starts, so a list of huge images is decoded a few at a time (one at a time
 * past the budget) instead of all at once, while ordinary images never wait.
 */
const decodeBudget = new ByteBudget(budgetFromEnv());

/** Sets the bytes of decoded pixels that may be in flight at once (see decodeBudget). */
export function setDecodeBudget(bytes: number): void {
  if (!(Number.isSafeInteger(bytes) && bytes > 0)) throw new TypeError(`setDecodeBudget: expected a positive number of bytes, received ${JSON.stringify(bytes)}`);
  decodeBudget.limit = bytes;
}

/** The memory decoding `input` at full size takes, from its header; 0 when that cannot be read (the decode then fails at once). */
async function decodedBytes(input: Uint8Array): Promise<number> {
  try {
    // The size alone: no EXIF orientation (imageInfoSync's extra scan) on this per-image path.
    const info = native && isJpeg(input) ? native.header(input) : (pngInfo(input) ?? (await sharpInfo(input)));
    return info.width * info.height * (info.channels === 2 || info.channels === 4 ? 4 : 3);
  } catch {
    return 0;
  }
}

/** Consecutive groups of `indices` whose decoded sizes add up to the budget at most (an image past it alone). */
function withinBudget(indices: readonly number[], sizes: readonly number[]): number[][] {
  const groups: number[][] = [];
  let group: number[] = [];
  let sum = 0;
  for (const i of indices) {
    if (group.length > 0 && sum + sizes[i]! > decodeBudget.limit) {
      groups.push(group);
      group = [];
      sum = 0;
    }
    group.push(i);
    sum += sizes[i]!;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/** Runs `work` holding `bytes` of the decode budget. */
async function budgeted<T>(bytes: number, work: () => Promise<T>): Promise<T> {
  const release = await decodeBudget.take(bytes);
  try {
    return await work();
  } finally {
    release();
  }
}

/**
 * Runs a batch: JPEGs through the addon in one trip to the thread pool (or a
 * few, when their pixels would not fit the decode budget together), the
 * rest (and JPEGs the addon declines as UNSUPPORTED: valid, but not for
 * libjpeg) through sharp. One entry per input, in order: the result, or the
 * ImageError that input met.
 */
async function route<N extends object, R>(
  inputs: readonly Uint8Array[],
  nativeCan: (i: number) => boolean,
  runNative: (indices: number[]) => Promise<(N | NativeFailure)[]>,
  fromNative: (r: N) => R,
  viaSharp: (i: number, decodedBytes: number) => Promise<R>,
): Promise<(R | ImageError)[]> {
  const results = new Array<R | ImageError>(inputs.length);
  const toNative: number[] = [];
  const toSharp: number[] = [];
  inputs.forEach((input, i) => (native && isJpeg(input) && nativeCan(i) ? toNative : toSharp).push(i));
  const sizes = await Promise.all(inputs.map(decodedBytes));
  const sum = (group: number[]) => group.reduce((n, i) => n + sizes[i]!, 0);
  await Promise.all(
    withinBudget(toNative, sizes).map(async (group) => {
      const out = await budgeted(sum(group), () => runNative(group));
      out.forEach((r, k) => {
        const i = group[k]!;
        if (!failed(r)) results[i] = fromNative(r);
        else if (r.code === 'UNSUPPORTED') toSharp.push(i);
        else results[i] = toError(r);
      });
    }),
  );
  await Promise.all(
    toSharp.map(async (i) => {
      try {
        results[i] = await budgeted(sizes[i]!, () => viaSharp(i, sizes[i]!));
      } catch (err) {
        results[i] = err instanceof ImageError ? err : new ImageError('CORRUPT', String(err));
      }
    }),
  );
  return results;
}

/** Format, size and channel count, from the header only. */
export async function imageInfo(input: Uint8Array): Promise<ImageInfo> {
  return imageInfoSync(input) ?? sharpInfo(input);
}

/**
 * imageInfo without a trip to libvips, for the formats whose headers are read
 * here (JPEG with the addon, PNG); null for the others. Throws an ImageError
 * for a JPEG whose header is damaged.
 */
export function imageInfoSync(input: Uint8Array): ImageInfo | null {
  if (native && isJpeg(input)) {
    try {
      const h = native.header(input);
      const info: ImageInfo = { format: 'jpeg', width: h.width, height: h.height, channels: h.channels };
      const orientation = jpegOrientation(input);
      if (orientation !== 1) info.orientation = orientation;
      return info;
    } catch (err) {
      const e = err as Error & { code?: string };
      throw new ImageError((e.code ?? 'CORRUPT') as ImageErrorCode, e.message);
    }
  }
  return pngInfo(input);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Bands per PNG colour type, before a tRNS chunk adds alpha (palette images decode to RGB). */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };
const IHDR = 0x49484452;
const IDAT = 0x49444154;
const TRNS = 0x74524e53;

/**
 * A PNG's size and bands from its IHDR chunk (and a tRNS chunk before the
 * image data, which adds alpha): no trip to libvips for what sits at fixed
 * offsets. Null for anything unusual, which sharp then reads.
 */
function pngInfo(input: Uint8Array): ImageInfo | null {
  if (input.length < 33 || !PNG_SIGNATURE.equals(input.subarray(0, 8))) return null;
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  if (view.getUint32(8) !== 13 || view.getUint32(12) !== IHDR) return null;
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  let channels = PNG_CHANNELS[view.getUint8(25)];
  if (!width || !height || width > 0x7fffffff || height > 0x7fffffff || channels === undefined) return null;
  for (let at = 33; ; ) {
    if (at + 8 > input.length) return null; // cut short before the image data: let sharp say so
    const type = view.getUint32(at + 4);
    if (type === IDAT) break;
    if (type === TRNS && (channels === 1 || channels === 3)) channels += 1;
    at += 12 + view.getUint32(at);
  }
  return { format: 'png', width, height, channels };
}

const COLORS = ['rgb', 'gray', 'keep'];

/** Whether a JPEG decodes to one channel under `color` ('keep' asks the header). */
function wantsGray(input: Uint8Array, color: TranscodeOptions['color']): boolean {
  if (color !== 'keep') return color === 'gray';
  try {
    return native!.header(input).channels === 1;
  } catch {
    return false; // the transcode itself reports what is wrong with the file
  }
}

/**
 * Decodes, crops, resizes and re-encodes many images (JPEG, or PNG through sharp). Resolves with
 * one entry per input, in order: the encoded image, or the ImageError that
 * image met (one bad image never fails the others). Invalid options throw.
 */
export async function transcodeMany(
  inputs: readonly Uint8Array[],
  options: TranscodeOptions | readonly TranscodeOptions[],
): Promise<(EncodedImage | ImageError)[]> {
  const optionsFor = (i: number) => (Array.isArray(options) ? options[i] : options) as TranscodeOptions;
  for (let i = 0; i < inputs.length; i++) {
    const o = optionsFor(i);
    checkGeometry(o);
    const q = o.quality ?? DEFAULT_QUALITY;
    if (!Number.isInteger(q) || q < 1 || q > 100) throw new TypeError(`quality: expected 1..100, received ${JSON.stringify(q)}`);
    if (o.color !== undefined && !COLORS.includes(o.color)) {
      throw new TypeError(`color: expected one of ${COLORS.join(', ')}, received ${JSON.stringify(o.color)}`);
    }
    if (o.format !== undefined && o.format !== 'jpeg' && o.format !== 'png') {
      throw new TypeError(`format: expected 'jpeg' or 'png', received ${JSON.stringify(o.format)}`);
    }
    const level = o.compressionLevel ?? 6;
    if (!Number.isInteger(level) || level < 0 || level > 9) {
      throw new TypeError(`compressionLevel: expected 0..9, received ${JSON.stringify(o.compressionLevel)}`);
    }
  }
  return route(
    inputs,
    // The addon writes pixels as stored; turning an image upright is left to libvips.
    (i) => (optionsFor(i).format ?? 'jpeg') === 'jpeg' && !(optionsFor(i).autoOrient && jpegOrientation(inputs[i]!) !== 1),
    (indices) => {
      const jobs = indices.map((i) => {
        const o = optionsFor(i);
        const gray = wantsGray(inputs[i]!, o.color);
        return { input: inputs[i]!, spec: { ...nativeSpec(o, gray), quality: o.quality ?? DEFAULT_QUALITY } };
      });
      return onPool<NativeTranscoded | NativeFailure>((done) => native!.transcodeBatch(jobs, done));
    },
    fromNativeTranscode,
    (i, decoded) => {
      const o = optionsFor(i);
      const split = native && (o.format ?? 'jpeg') === 'jpeg' && decoded <= SPLIT_TRANSCODE_MAX_BYTES;
      return split ? decodeWithSharpEncodeNative(inputs[i]!, o) : sharpTranscode(inputs[i]!, o);
    },
  );
}

const fromNativeTranscode = (r: NativeTranscoded): EncodedImage => ({
  data: r.data,
  format: 'jpeg',
  width: r.width,
  height: r.height,
  channels: r.channels as 1 | 3,
  codec: 'native',
});

/**
 * Up to this many bytes of decoded pixels (about 5 megapixels), a PNG (or
 * other non-JPEG) going to JPEG is decoded whole by libvips and cropped,
 * resized and encoded by the addon. Larger images go through libvips alone,
 * which streams them: a 16000x16000 PNG took 0.84 s and 1.6 GB the split way,
 * 0.42 s and 225 MB streamed.
 */
const SPLIT_TRANSCODE_MAX_BYTES = 16 << 20;

/**
 * PNG and other non-JPEG input to JPEG: libvips decodes, the addon crops,
 * resizes and encodes (measured ~1.7 ms faster per ImageNet-sized PNG than
 * libvips doing all of it, on top of a ~4.5 ms decode).
 */
async function decodeWithSharpEncodeNative(input: Uint8Array, o: TranscodeOptions): Promise<EncodedImage> {
  const px = await sharpPixels(input, o);
  const spec: NativeSpec = { ...nativeSpec(o, px.channels === 1), quality: o.quality ?? DEFAULT_QUALITY, pixels: [px.width, px.height, px.channels] };
  const [r] = await onPool<NativeTranscoded | NativeFailure>((done) => native!.transcodeBatch([{ input: px.data, spec }], done));
  if (failed(r!)) throw toError(r);
  return { ...fromNativeTranscode(r!), codec: 'sharp' };
}

/** One image; rejects with an ImageError when it cannot be transcoded. */
export async function transcode(input: Uint8Array, options: TranscodeOptions = {}): Promise<EncodedImage> {
  const [r] = await transcodeMany([input], options);
  if (r instanceof ImageError) throw r;
  return r!;
}

export interface DecodeJob {
  input: Uint8Array;
  /** Float32Array for normalised floats, Uint8Array for raw pixels; CHW from `offset` (in elements). */
  out: Float32Array | Uint8Array;
  offset: number;
  options: DecodeIntoOptions;
}

function checkDecodeJob(job: DecodeJob): void {
  const o = job.options;
  checkGeometry(o, true);
  positiveInt('width', o.width);
  positiveInt('height', o.height);
  const channels = o.channels ?? 3;
  if (channels !== 1 && channels !== 3 && channels !== 4) throw new TypeError(`channels: expected 1, 3 or 4, received ${JSON.stringify(channels)}`);
  if (!(job.out instanceof Float32Array) && !(job.out instanceof Uint8Array)) {
    throw new TypeError('out: expected a Float32Array or Uint8Array');
  }
  const need = job.offset + o.width * o.height * channels;
  if (!Number.isInteger(job.offset) || job.offset < 0 || need > job.out.length) {
    throw new RangeError(`out: ${o.width}x${o.height}x${channels} at offset ${job.offset} needs ${need} elements, out has ${job.out.length}`);
  }
  if (o.std?.some((v) => v === 0)) throw new RangeError('std: expected non-zero values');
}

/**
 * Decodes, crops, resizes, mirrors and normalises many images straight into
 * caller buffers (a batch tensor, NCHW). Resolves with one entry per job:
 * null when written, or the ImageError that image met.
 */
export async function decodeIntoMany(jobs: readonly DecodeJob[]): Promise<(ImageError | null)[]> {
  jobs.forEach(checkDecodeJob);
  return route(
    jobs.map((job) => job.input),
    (i) => jobs[i]!.options.channels !== 4, // RGBA: libvips (a JPEG gains an opaque alpha there)
    (indices) => {
      const batch = indices.map((i) => {
        const { input, out, offset, options: o } = jobs[i]!;
        const spec: NativeSpec = { ...nativeSpec(o, o.channels === 1), mirror: o.mirror ?? false, scale: o.scale ?? 1 };
        if (o.mean) spec.mean = [...o.mean];
        if (o.std) spec.std = [...o.std];
        return { input, out, offset, spec };
      });
      return onPool<{ warnings: number } | NativeFailure>((done) => native!.decodeIntoBatch(batch, done));
    },
    () => null,
    async (i) => {
      const { input, out, offset, options } = jobs[i]!;
      await sharpDecodeInto(input, out, offset, options);
      return null;
    },
  );
}

/** One image into `out` at `offset`; rejects with an ImageError when it cannot be decoded. */
export async function decodeInto(
  input: Uint8Array,
  out: Float32Array | Uint8Array,
  offset: number,
  options: DecodeIntoOptions,
): Promise<void> {
  const [r] = await decodeIntoMany([{ input, out, offset, options }]);
  if (r) throw r;
}

/** im2rec's rule for `--resize N`: the shorter edge becomes N, the other is floor(other * N / shorter). */
export function shorterEdgeSize(width: number, height: number, size: number): { width: number; height: number } {
  return height > width
    ? { width: size, height: Math.floor((height * size) / width) }
    : { width: Math.floor((width * size) / height), height: size };
}
