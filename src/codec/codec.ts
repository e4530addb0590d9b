/**
 * The image codec's entry point. JPEGs go to the libjpeg-turbo addon (DCT
 * scaling, region decoding, raw-YUV transcoding, all on libuv's thread pool);
 * other formats, and JPEGs the addon declines, go to sharp. Callers see one
 * API and the same output dimensions either way.
 */
import { jpegOrientation } from './exif.js';
import { native, nativeInWords, nativeStatus, type NativeFailure, type NativeSpec, type NativeTranscoded } from './native.js';
import { ByteBudget } from '../util/byte-budget.js';
import { UsageError } from '../util/errors.js';
import { EXIF, IDAT, IHDR, PNG_SIGNATURE, TRNS, decodePngRgb } from './png.js';
import { sharpDecodeInto, sharpInfo, sharpInWords, sharpPixels, sharpTranscode, vipsHeader } from './sharp-path.js';
import { type VipsHeader, nativeDecodeCost, nativeTranscodeCost, overBudgetMessage, vipsCost } from './decode-cost.js';
import { DEFAULT_DECODE_BUDGET, DEFAULT_MAX_PIXELS, NATIVE_TRANSCODE_MAX_BYTES, SPLIT_TRANSCODE_MAX_BYTES } from '../io/limits.js';
import {
  type DecodeIntoOptions,
  type EncodedImage,
  type ImageInfo,
  type TranscodeOptions,
  DEFAULT_QUALITY,
  FILTERS,
  ImageError,
  type ImageErrorCode,
} from './types.js';

export { nativeStatus };

/**
 * Which codec does what on this machine, in one line (`--version`): "JPEG:
 * native libjpeg-turbo 2.1.5; other formats: sharp 0.35.5 / libvips 8.18.7",
 * or "JPEG: sharp, the native addon is not built; ...".
 */
export function codecInWords(): string {
  return `JPEG: ${nativeInWords()}; other formats: ${sharpInWords()}`;
}

/** SOI marker and the first byte of the next marker. */
export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

function positiveInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new UsageError(`${name}: expected a positive integer, received ${JSON.stringify(v)}`);
  }
  return v;
}

/** `fractional`: decodeInto resamples a crop with sub-pixel edges; transcode crops whole pixels. */
function checkGeometry(o: TranscodeOptions | DecodeIntoOptions, fractional = false): void {
  if (o.filter !== undefined && !FILTERS.includes(o.filter)) {
    throw new UsageError(`filter: expected one of ${FILTERS.join(', ')}, received ${JSON.stringify(o.filter)}`);
  }
  if (o.crop) {
    const kind = fractional ? 'a number' : 'an integer';
    for (const k of ['x', 'y'] as const) {
      const v = o.crop[k];
      if (typeof v !== 'number' || !(fractional ? Number.isFinite(v) : Number.isInteger(v)) || v < 0) {
        throw new UsageError(`crop.${k}: expected ${kind} >= 0, received ${JSON.stringify(v)}`);
      }
    }
    for (const k of ['width', 'height'] as const) {
      const v = o.crop[k];
      if (typeof v !== 'number' || !(fractional ? Number.isFinite(v) : Number.isInteger(v)) || v <= 0) {
        throw new UsageError(`crop.${k}: expected ${kind} > 0, received ${JSON.stringify(v)}`);
      }
    }
  }
  if ((o.width === undefined) !== (o.height === undefined)) {
    throw new UsageError('width and height: expected both or neither');
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

function budgetFromEnv(): number {
  const mib = Number(process.env.MXREC_DECODE_BUDGET_MB);
  return Number.isFinite(mib) && mib > 0 ? mib * 2 ** 20 : DEFAULT_DECODE_BUDGET;
}

/**
 * What decoding holds, across every call in the process (im2rec's batches,
 * the iterator's, verify --decode, view): at most this many bytes, 1 GiB
 * unless MXREC_DECODE_BUDGET_MB or setDecodeBudget() says otherwise. Each
 * image takes what its decode really holds at its peak (decode-cost.ts),
 * from its header, before its decode starts, so a list of huge images is
 * decoded a few at a time instead of all at once, while ordinary images
 * never wait; an image that alone would hold more than the whole budget is
 * refused (TOO_LARGE) without being decoded.
 */
const decodeBudget = new ByteBudget(budgetFromEnv());

/** Sets the bytes decoding may hold at once, and so the most one image's decoding may (see decodeBudget). */
export function setDecodeBudget(bytes: number): void {
  if (!(Number.isSafeInteger(bytes) && bytes > 0)) throw new UsageError(`setDecodeBudget: expected a positive number of bytes, received ${JSON.stringify(bytes)}`);
  decodeBudget.limit = bytes;
}

/** A JPEG's size from the addon, or null when its header cannot be read (the decode then fails at once). */
function jpegSize(input: Uint8Array): { width: number; height: number } | null {
  try {
    return native!.header(input);
  } catch {
    return null;
  }
}

/** What the cost of decoding `input` through libvips depends on, or null when its header cannot be read. */
async function vipsHeaderOf(input: Uint8Array): Promise<VipsHeader | null> {
  const png = pngHeader(input);
  if (png) return png;
  try {
    return await vipsHeader(input);
  } catch {
    return null;
  }
}

/** Consecutive groups of `indices` whose costs add up to the budget at most. */
function withinBudget(indices: readonly number[], costs: readonly number[]): number[][] {
  const groups: number[][] = [];
  let group: number[] = [];
  let sum = 0;
  for (const i of indices) {
    if (group.length > 0 && sum + costs[i]! > decodeBudget.limit) {
      groups.push(group);
      group = [];
      sum = 0;
    }
    group.push(i);
    sum += costs[i]!;
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

/** How a batch's callers price their work (decode-cost.ts) for the path an image takes. */
interface Pricing {
  /** The addon's cost for a JPEG of this size, or null to send it to libvips instead. */
  native(i: number, size: { width: number; height: number }): number | null;
  vips(i: number, header: VipsHeader): number;
  /** The image's pixel limit: past it the decode refuses at once, whatever the cost. */
  maxPixels(i: number): number;
}

/**
 * Runs a batch: JPEGs through the addon in one trip to the thread pool (or a
 * few, when their costs would not fit the decode budget together), the rest
 * (and JPEGs the addon declines as UNSUPPORTED: valid, but not for libjpeg,
 * or that it would decode whole where libvips streams) through sharp. An
 * image whose cost alone is more than the budget is refused. One entry per
 * input, in order: the result, or the ImageError that input met.
 */
async function route<N extends object, R>(
  inputs: readonly Uint8Array[],
  nativeCan: (i: number) => boolean,
  price: Pricing,
  runNative: (indices: number[]) => Promise<(N | NativeFailure)[]>,
  fromNative: (r: N) => R,
  viaSharp: (i: number, header: VipsHeader | null) => Promise<R>,
): Promise<(R | ImageError)[]> {
  const results = new Array<R | ImageError>(inputs.length);
  const costs = new Array<number>(inputs.length).fill(0);
  /** Takes the image's cost; false (with its refusal as the result) when it is more than the whole budget. */
  const affordable = (i: number, bytes: number, header: { format: string; width: number; height: number } | null): boolean => {
    // Past the pixel limit the decode refuses before it allocates, in its own words.
    if (!header || header.width * header.height > price.maxPixels(i)) return true;
    if (bytes > decodeBudget.limit) {
      results[i] = new ImageError('TOO_LARGE', overBudgetMessage(header, bytes, decodeBudget.limit));
      return false;
    }
    costs[i] = bytes;
    return true;
  };
  const toNative: number[] = [];
  const candidates: number[] = [];
  inputs.forEach((input, i) => {
    if (!(native && isJpeg(input) && nativeCan(i))) return candidates.push(i);
    const size = jpegSize(input);
    const bytes = size ? price.native(i, size) : 0;
    if (bytes === null) return candidates.push(i);
    if (affordable(i, bytes, size && { format: 'jpeg', ...size })) toNative.push(i);
  });
  const toSharp: number[] = [];
  const headers = new Array<VipsHeader | null>(inputs.length).fill(null);
  const priceVips = async (i: number) => {
    const header = (headers[i] = await vipsHeaderOf(inputs[i]!));
    if (affordable(i, header ? price.vips(i, header) : 0, header)) toSharp.push(i);
  };
  await Promise.all(candidates.map(priceVips));
  const declined: number[] = [];
  await Promise.all(
    withinBudget(toNative, costs).map(async (group) => {
      const out = await budgeted(group.reduce((n, i) => n + costs[i]!, 0), () => runNative(group));
      out.forEach((r, k) => {
        const i = group[k]!;
        if (!failed(r)) results[i] = fromNative(r);
        else if (r.code === 'UNSUPPORTED') declined.push(i);
        else results[i] = toError(r);
      });
    }),
  );
  await Promise.all(declined.map(priceVips));
  await Promise.all(
    toSharp.map(async (i) => {
      try {
        results[i] = await budgeted(costs[i]!, () => viaSharp(i, headers[i]!));
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

/** Bands per PNG colour type, before a tRNS chunk adds alpha (palette images decode to RGB). */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };

/** A PNG's ImageInfo (pngHeader's). */
function pngInfo(input: Uint8Array): ImageInfo | null {
  const h = pngHeader(input);
  return h && { format: 'png', width: h.width, height: h.height, channels: h.bands };
}

/**
 * A PNG's size and bands from its IHDR chunk (and a tRNS chunk before the
 * image data, which adds alpha), with what its decode's cost depends on
 * (sample size, interlacing, an eXIf chunk that may turn it): no trip to
 * libvips for what sits at fixed offsets. Null for anything unusual, which
 * sharp then reads.
 */
function pngHeader(input: Uint8Array): VipsHeader | null {
  if (input.length < 33 || !PNG_SIGNATURE.equals(input.subarray(0, 8))) return null;
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  if (view.getUint32(8) !== 13 || view.getUint32(12) !== IHDR) return null;
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  let bands = PNG_CHANNELS[view.getUint8(25)];
  if (!width || !height || width > 0x7fffffff || height > 0x7fffffff || bands === undefined) return null;
  const header: VipsHeader = { format: 'png', width, height, bands, bytesPerSample: view.getUint8(24) === 16 ? 2 : 1 };
  if (view.getUint8(28) !== 0) header.interlaced = true;
  for (let at = 33; ; ) {
    if (at + 8 > input.length) return null; // cut short before the image data: let sharp say so
    const type = view.getUint32(at + 4);
    if (type === IDAT) break;
    if (type === TRNS && (bands === 1 || bands === 3)) bands += 1;
    if (type === EXIF) header.oriented = true; // read no further: its orientation may turn the image
    at += 12 + view.getUint32(at);
  }
  header.bands = bands;
  return header;
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
 * image met (one bad image never fails the others). Invalid options throw a UsageError.
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
    if (!Number.isInteger(q) || q < 1 || q > 100) throw new UsageError(`quality: expected 1..100, received ${JSON.stringify(q)}`);
    if (o.color !== undefined && !COLORS.includes(o.color)) {
      throw new UsageError(`color: expected one of ${COLORS.join(', ')}, received ${JSON.stringify(o.color)}`);
    }
    if (o.format !== undefined && o.format !== 'jpeg' && o.format !== 'png') {
      throw new UsageError(`format: expected 'jpeg' or 'png', received ${JSON.stringify(o.format)}`);
    }
    const level = o.compressionLevel ?? 6;
    if (!Number.isInteger(level) || level < 0 || level > 9) {
      throw new UsageError(`compressionLevel: expected 0..9, received ${JSON.stringify(o.compressionLevel)}`);
    }
  }
  /** Whether png.ts or libvips decodes and the addon encodes (SPLIT_TRANSCODE_MAX_BYTES), holding the image's pixels in between. */
  const split = (i: number, h: VipsHeader | null) => native !== null && (optionsFor(i).format ?? 'jpeg') === 'jpeg' && h !== null && decodedPixels(h) <= SPLIT_TRANSCODE_MAX_BYTES;
  return route(
    inputs,
    // The addon writes pixels as stored; turning an image upright is left to libvips.
    (i) => (optionsFor(i).format ?? 'jpeg') === 'jpeg' && !(optionsFor(i).autoOrient && jpegOrientation(inputs[i]!) !== 1),
    {
      native: (i, size) => {
        const bytes = nativeTranscodeCost(size.width, size.height, outputSize(optionsFor(i), size));
        return bytes > NATIVE_TRANSCODE_MAX_BYTES ? null : bytes;
      },
      vips: (i, h) => vipsCost(h, { autoOrient: optionsFor(i).autoOrient }) + (split(i, h) ? decodedPixels(h) : 0),
      maxPixels: (i) => optionsFor(i).maxPixels ?? DEFAULT_MAX_PIXELS,
    },
    (indices) => {
      const jobs = indices.map((i) => {
        const o = optionsFor(i);
        const gray = wantsGray(inputs[i]!, o.color);
        return { input: inputs[i]!, spec: { ...nativeSpec(o, gray), quality: o.quality ?? DEFAULT_QUALITY } };
      });
      return onPool<NativeTranscoded | NativeFailure>((done) => native!.transcodeBatch(jobs, done));
    },
    fromNativeTranscode,
    (i, header) => (split(i, header) ? decodeThenEncodeNative(inputs[i]!, optionsFor(i)) : sharpTranscode(inputs[i]!, optionsFor(i))),
  );
}

/** The size a transcode writes: the requested size, else the crop's, else the image's. */
function outputSize(o: TranscodeOptions, size: { width: number; height: number }): { width: number; height: number } {
  if (o.width !== undefined && o.height !== undefined) return { width: o.width, height: o.height };
  return o.crop ?? size;
}

/** An image's decoded pixels, 8-bit, with alpha as a fourth band. */
function decodedPixels(h: VipsHeader): number {
  return h.width * h.height * (h.bands === 2 || h.bands === 4 ? 4 : 3);
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
 * PNG and other non-JPEG input to JPEG: png.ts or libvips decodes, the addon crops,
 * resizes and encodes (faster than libvips doing all of it: timed in
 * docs/guides/performance.md, "Image codec").
 */
async function decodeThenEncodeNative(input: Uint8Array, o: TranscodeOptions): Promise<EncodedImage> {
  // The common PNGs are decoded without libvips (png.ts): the same pixels, a fraction of the time.
  const decoded = (o.color ?? 'rgb') === 'rgb' ? await decodePngRgb(input, o.maxPixels ?? DEFAULT_MAX_PIXELS) : null;
  const px = decoded ?? (await sharpPixels(input, o));
  const spec: NativeSpec = { ...nativeSpec(o, px.channels === 1), quality: o.quality ?? DEFAULT_QUALITY, pixels: [px.width, px.height, px.channels] };
  const [r] = await onPool<NativeTranscoded | NativeFailure>((done) => native!.transcodeBatch([{ input: px.data, spec }], done));
  if (failed(r!)) throw toError(r);
  return { ...fromNativeTranscode(r!), codec: decoded ? 'native' : 'sharp' };
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
  if (channels !== 1 && channels !== 3 && channels !== 4) throw new UsageError(`channels: expected 1, 3 or 4, received ${JSON.stringify(channels)}`);
  if (!(job.out instanceof Float32Array) && !(job.out instanceof Uint8Array)) {
    throw new UsageError('out: expected a Float32Array or Uint8Array');
  }
  const need = job.offset + o.width * o.height * channels;
  if (!Number.isInteger(job.offset) || job.offset < 0 || need > job.out.length) {
    throw new UsageError(`out: ${o.width}x${o.height}x${channels} at offset ${job.offset} needs ${need} elements, out has ${job.out.length}`);
  }
  if (o.std?.some((v) => v === 0)) throw new UsageError('std: expected non-zero values');
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
    {
      native: (_, size) => nativeDecodeCost(size.width, size.height),
      vips: (_, h) => vipsCost(h),
      maxPixels: (i) => jobs[i]!.options.maxPixels ?? DEFAULT_MAX_PIXELS,
    },
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
