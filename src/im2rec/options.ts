/**
 * im2rec's options, declared once (util/schema.ts): what the library's pack()
 * takes (PACK_OPTIONS, with IMAGE_OPTIONS for what is done to each image),
 * and MXNet's two command lines with their names and defaults: the im2rec.py
 * form's flags (PY_LIST_OPTIONS, PY_PACK_OPTIONS) and the im2rec.cc form's
 * `key=value` pairs (CC_OPTIONS). The checks, the types, `--help`,
 * `--help-cc` and the docs' tables come from here. The command lines keep
 * MXNet's own defaults and ranges, which differ between the two tools (resize
 * 0 or -1, PNG compression above 9), and the CLI maps them onto pack()'s.
 */
import { INTER_METHOD } from '../codec/inter-method.js';
import { codecThreads } from '../codec/threads.js';
import type { RecordId } from '../format/image-record.js';
import type { ListDialect } from '../format/list-file.js';
import { DEFAULT_MAX_PIXELS, MAX_CHUNKS, MAX_MAX_PIXELS, MAX_SIDE, MAX_THREADS } from '../io/limits.js';
import { UsageError } from '../util/errors.js';
import { SCHEDULER_VARIABLES, partCountOption, partIndexOption } from '../util/scheduler.js';
import { type OptionsOf, type Resolved, abortSignal, boolean, callback, checkOptions, custom, integer, number, oneOf, resolveSchema, string } from '../util/schema.js';
import type { ImageSettings } from './image-plan.js';

/** A pack() option that is wrong: said before any work, naming the option. */
export class PackOptionError extends UsageError {
  override readonly name = 'PackOptionError';
}

function fail(message: string): never {
  throw new PackOptionError(message);
}

/** What pack() does to each image (its `image` option); defaults are im2rec.py's. */
export const IMAGE_OPTIONS = {
  form: oneOf(['py', 'cc'], { doc: "which tool's rules: `py` crops whether or not it resizes; `cc` crops only when resizing", default: 'py' }),
  passThrough: boolean({ doc: 'store the file bytes untouched (--pass-through, unchanged=1)', default: false }),
  resize: integer({ doc: 'shorter edge to this many pixels; 0 or less keeps the size', default: 0, max: MAX_SIDE }),
  centerCrop: boolean({ doc: 'square centre crop', default: false }),
  color: integer({ doc: 'OpenCV imread flag: 1 colour, 0 gray, -1 as stored', default: 1, min: -1, max: 1 }),
  encoding: oneOf(['.jpg', '.png'], { doc: 'image format in the records', default: '.jpg' }),
  quality: integer({ doc: 'JPEG quality 1..100, or PNG compression (above 9: 9 with form py, 3 with cc, as MXNet)', default: 95, min: 0 }),
  interMethod: INTER_METHOD,
  maxPixels: integer({
    doc: "the most pixels an image may declare (width x height) before it is skipped as too large, and an image resized to may have (the codec's maxPixels)",
    default: DEFAULT_MAX_PIXELS,
    min: 1,
    max: MAX_MAX_PIXELS,
  }),
};

/** What im2rec.py and im2rec.cc forms both take for `image.maxPixels`. */
const maxPixelsFlag = () =>
  integer({
    doc: `skip images of more pixels (width x height) than this; at most ${MAX_MAX_PIXELS} (65535²)`,
    default: DEFAULT_MAX_PIXELS,
    min: 1,
    max: MAX_MAX_PIXELS,
    metavar: '<n>',
  });

const parts = custom({
  doc: "pack only part `index` of `count` of the list, split as dmlc splits text (im2rec.cc's nsplit/part)",
  parse: (v: unknown, invalid: (expected: string) => never): { count: number; index: number } => {
    const p = v as { count?: unknown; index?: unknown } | null;
    const count = p?.count;
    const index = p?.index;
    if (typeof p !== 'object' || !Number.isSafeInteger(count) || (count as number) < 1) return invalid('{ count, index } with count an integer >= 1');
    if (!Number.isSafeInteger(index) || (index as number) < 0 || (index as number) >= (count as number)) {
      return invalid(`{ count, index } with index an integer in 0..${(count as number) - 1}`);
    }
    return { count: count as number, index: index as number };
  },
  expected: '{ count, index }',
});

/** What pack() tells onProgress. */
export interface PackProgress {
  /** List items dealt with (written or skipped), including those of a resumed run. */
  done: number;
  total: number;
  written: number;
  /** Of those written with passThrough, files that are not images (stored as they are, as MXNet does). */
  notImages: number;
  skipped: number;
  bytesIn: number;
  bytesOut: number;
}

/** What pack() tells onSkip (and lists in the skip report). */
export interface SkippedImage {
  index: RecordId;
  path: string;
  /** Line in the list. */
  line: number;
  reason: string;
}


/** What pack() does to an image when its `image` option does not say otherwise (im2rec.py's defaults). */
export const DEFAULT_IMAGE = resolveSchema(IMAGE_OPTIONS, {}, { fail }) as ImageSettings;

/** pack()'s options: the list, where its images are, the output and how to write it. */
export const PACK_OPTIONS = {
  list: string({ doc: 'the image list (`.lst`)', required: true }),
  root: string({ doc: "the folder the list's paths are relative to", required: true }),
  output: string({ doc: 'the `.rec` to write; the `.idx` goes beside it (`indexPathFor`)', required: true }),
  dialect: custom({
    doc: "how to read the list: `{ kind: 'tab' }` (im2rec.py) or `{ kind: 'whitespace', labelWidth }` (im2rec.cc)",
    required: true,
    parse: (v: unknown, invalid: (expected: string) => never): ListDialect => {
      const d = v as { kind?: unknown; labelWidth?: unknown } | null;
      if (typeof d === 'object' && d !== null && d.kind === 'tab') return { kind: 'tab' };
      if (typeof d === 'object' && d !== null && d.kind === 'whitespace' && Number.isSafeInteger(d.labelWidth) && (d.labelWidth as number) >= 1) {
        return { kind: 'whitespace', labelWidth: d.labelWidth as number };
      }
      return invalid("{ kind: 'tab' } or { kind: 'whitespace', labelWidth } with labelWidth an integer >= 1");
    },
    expected: 'ListDialect',
  }),
  image: custom({
    doc: 'what to do to each image: the options of IMAGE_OPTIONS, any of them',
    default: {},
    parse: (v: unknown, invalid: (expected: string) => never): Partial<ImageSettings> => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return invalid(`an object of ${Object.keys(IMAGE_OPTIONS).join(', ')}`);
      const given = Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined));
      const all = resolveSchema(IMAGE_OPTIONS, given, { fail: (message) => fail(`image.${message}`) });
      return Object.fromEntries(Object.keys(given).map((k) => [k, all[k as keyof typeof all]])) as Partial<ImageSettings>;
    },
    expected: 'ImageSettings',
  }),
  packLabel: boolean({ doc: 'store all labels after the header (flag = count) instead of the first one in it', default: false }),
  layout: oneOf(['plain', 'insightface'], {
    doc: "`insightface`: insightface's face-dataset layout (face2rec2's): the images grouped by identity (the first label) under keys 1..N, then record 0 and one record per identity holding its images' key range",
    default: 'plain',
  }),
  parts,
  threads: integer({ doc: 'encoding threads; batches read and encoded ahead of the writer are twice this (four times from a bucket or URL ROOT)', default: 2, min: 1, max: MAX_THREADS }),
  strict: boolean({ doc: 'stop at the first bad image instead of skipping it', default: false }),
  resume: boolean({ doc: 'continue OUT.rec.partial from an interrupted run of the same list with the same settings', default: false }),
  overwrite: boolean({
    doc: "replace OUT.rec, OUT.idx and the skip report if they exist, and start over from an interrupted run's partial output (the CLI's --force); else OutputExistsError, or ResumeError for a partial output",
    default: false,
  }),
  signal: abortSignal('abort to stop early: the records so far stay in OUT.rec.partial for `resume`'),
  onProgress: callback<(progress: PackProgress) => void>('told how far the pack is, now and then'),
  onSkip: callback<(skipped: SkippedImage) => void>('told of each image skipped, and why'),
  onNotice: callback<(text: string) => void>('told what the pack does that the user may not expect: a partial output replaced, nothing to resume'),
  fsync: boolean({ doc: 'fsync outputs before renaming them into place', default: true }),
};

/** pack()'s options (declared in PACK_OPTIONS). */
export type PackOptions = OptionsOf<typeof PACK_OPTIONS>;
/** pack()'s options checked, with their defaults (the image's settings whole). */
export type PackSettings = Omit<Resolved<typeof PACK_OPTIONS>, 'image'> & { image: ImageSettings };

/**
 * pack()'s options checked before any work, as ImageRecordIter's are: an
 * unknown name (with the closest known one), a missing list, root, output or
 * dialect, a value out of range, and the combinations MXNet's tools refuse.
 */
export function checkPackOptions(input: PackOptions): PackSettings {
  const o = checkOptions(PACK_OPTIONS, input, PackOptionError);
  const image: ImageSettings = { ...DEFAULT_IMAGE, ...o.image };
  const problem = qualityProblem(image);
  if (problem) fail(`image.${problem}`);
  if (o.layout === 'insightface' && o.packLabel) fail("packLabel: expected one label per image with layout insightface (its identity), received packLabel: true");
  return { ...o, image };
}

/** A quality the encoding cannot take: JPEG's is 1..100 (PNG's compression takes any, above 9 meaning the most). */
export function qualityProblem({ encoding, quality }: Pick<ImageSettings, 'encoding' | 'quality'>): string | null {
  return encoding === '.jpg' && (quality < 1 || quality > 100) ? `quality: expected 1..100 for JPEG, received ${quality}` : null;
}

const ratio = (doc: string, dflt: number, mxnet: string) =>
  number({ doc, default: dflt, mxnet, check: (v: number) => v >= 0 && v <= 1, expected: 'a number in 0..1', metavar: '<r>' });

/** im2rec.py's flags for making lists (--list). */
export const PY_LIST_OPTIONS = {
  list: boolean({ doc: 'make image lists instead of packing', mxnet: 'list', default: false }),
  chunks: integer({ doc: `split the list into this many chunks (at most ${MAX_CHUNKS})`, mxnet: 'chunks', default: 1, min: 1, max: MAX_CHUNKS }),
  trainRatio: ratio('share of images for PREFIX_train.lst', 1, 'train_ratio'),
  testRatio: ratio('share of images for PREFIX_test.lst', 0, 'test_ratio'),
  recursive: boolean({ doc: 'walk sub-folders; each folder gets its own label, written to PREFIX.labels.txt', mxnet: 'recursive', default: false }),
  labels: string({ doc: "with --recursive: take folder labels from this map (another run's PREFIX.labels.txt)", metavar: '<file>', expected: 'a path' }),
  shuffle: boolean({ doc: "shuffle the list with MXNet's seeded shuffle", flagDoc: "keep folder order (default: MXNet's seeded shuffle)", mxnet: 'shuffle', default: true }),
};

/** im2rec.py's flags for packing. */
export const PY_PACK_OPTIONS = {
  passThrough: boolean({ doc: 'store the image files as they are (no decode, resize or re-encode)', mxnet: 'pass_through', default: false }),
  resize: integer({ doc: `resize the shorter edge to N pixels (0: keep size; at most ${MAX_SIDE})`, mxnet: 'resize', default: 0, min: 0, max: MAX_SIDE }),
  centerCrop: boolean({ doc: 'crop the centred square', mxnet: 'center_crop', default: false }),
  quality: integer({ doc: 'JPEG quality 1..100, or PNG compression (above 9 means 9)', mxnet: 'quality', default: 95, min: 0, metavar: '<q>' }),
  color: integer({ doc: '1 colour, 0 gray, -1 as stored', mxnet: 'color', default: 1, min: -1, max: 1, metavar: '<c>' }),
  encoding: oneOf(['.jpg', '.png'], { doc: 'image format in the records', mxnet: 'encoding', default: '.jpg' }),
  packLabel: boolean({ doc: 'store every label of multi-label lists in the record (flag = label count)', mxnet: 'pack_label', default: false }),
  layout: oneOf(['plain', 'insightface'], {
    doc: "insightface: the face-dataset layout insightface's loaders read (images by identity under keys 1..N, then record 0 and a record per identity)",
    default: 'plain',
    metavar: '<kind>',
  }),
  numThread: codecThreads({ doc: `threads decoding and encoding (at most ${MAX_THREADS})`, mxnet: 'num_thread' }),
  parts: partCountOption({ doc: "pack only part --part of N of each list (split as im2rec.cc's nsplit)", flag: '--parts', auto: false }),
  part: partIndexOption({ doc: `which part to pack, 0-based, or auto: from the scheduler (${SCHEDULER_VARIABLES.join(', ')})`, flag: '--part' }),
  maxPixels: maxPixelsFlag(),
  strict: boolean({ doc: 'stop at the first bad image instead of skipping it', default: false }),
  resume: boolean({ doc: 'continue an interrupted pack after its last complete record', default: false }),
  json: boolean({ doc: 'print a JSON summary on stdout (outputs, images written, skipped by reason, seconds) instead of the summary lines', default: false }),
};

/** The im2rec.cc form's flags besides its keys: `--max-pixels N` as in the im2rec.py form. */
export const CC_FLAGS = { maxPixels: maxPixelsFlag() };

const flag01 = (doc: string, mxnet: string) => integer({ doc, mxnet, default: 0, min: 0, max: 1, metavar: '1' });

/** im2rec.cc's own keys, under its names (`mxnet` is the key itself: each is MXNet's, not an mxrec addition). */
export const CC_OPTIONS = {
  resize: integer({ doc: 'shorter edge to N pixels (-1: keep the size)', mxnet: 'resize', default: -1, min: -1, max: MAX_SIDE, metavar: 'N' }),
  label_width: integer({ doc: 'labels per list line', mxnet: 'label_width', default: 1, min: 1, metavar: 'N' }),
  pack_label: flag01('store all labels in the record; needs label_width > 1', 'pack_label'),
  center_crop: flag01('square centre crop (only with resize, as in MXNet)', 'center_crop'),
  quality: integer({ doc: 'JPEG quality 1..100; PNG compression (above 9 means 3)', mxnet: 'quality', default: 95, min: 0, max: 100, metavar: 'Q' }),
  color: integer({ doc: '1 colour, 0 gray, -1 as stored', mxnet: 'color', default: 1, min: -1, max: 1, metavar: 'C' }),
  encoding: oneOf(['.jpg', '.png'], { doc: 'image format in the records', mxnet: 'encoding', default: '.jpg', metavar: 'E' }),
  unchanged: flag01('store the image files as they are', 'unchanged'),
  inter_method: { ...INTER_METHOD, metavar: 'M' },
  nsplit: partCountOption({ doc: 'pack part `part` of N of the list (split as dmlc splits text); the output is then OUT.rec.partIII', mxnet: 'nsplit', default: 1, metavar: 'N', flag: false, auto: false }),
  // `auto` is mxrec's addition to im2rec.cc's key.
  part: partIndexOption({ doc: `which part, with nsplit; auto (mxrec): from the scheduler (${SCHEDULER_VARIABLES.join(', ')})`, mxnet: 'part', default: 0, metavar: 'I', flag: false }),
};
