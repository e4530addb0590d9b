/**
 * im2rec's pack mode: one image list → `.rec` + `.idx`, records in list order.
 *
 * Stages, each bounded so memory stays flat however long the list is:
 *   read   the files of the next batch (main thread; page-cache reads are
 *          cheap, and this keeps libuv's pool for the codec)
 *   encode each batch in one trip to the codec (native addon on libuv's pool,
 *          sharp for non-JPEG), several batches in flight
 *   write  batches in list order as they complete; a new batch starts only
 *          when one is written (the backpressure)
 * The output is the same bytes whatever the thread count: each image's
 * bytes depend only on the image and the settings.
 *
 * Records go to OUT.rec.partial, renamed to OUT.rec (with OUT.idx) at the
 * end. An interrupted run leaves the partial file and a note of the settings
 * (OUT.rec.partial.json), so `resume` can continue after the last complete
 * record.
 */
import fs from 'node:fs';
import path from 'node:path';
import { imageInfo, transcodeMany } from '../codec/codec.js';
import { ImageError, type TranscodeOptions } from '../codec/types.js';
import { RecordIOError } from '../format/errors.js';
import { packImageRecord, tryUnpackImageRecord } from '../format/image-record.js';
import { indexPathFor } from '../format/index-file.js';
import { RecordReader } from '../format/reader.js';
import { RecordWriter } from '../format/writer.js';
import { assertNotAnInput, writeFileAtomic } from '../io/atomic-file.js';
import { isDirectory } from '../io/paths.js';
import type { ListDialect, ListItem } from './list-file.js';
import { ListPart } from './list-split.js';
import { DEFAULT_SETTINGS, type ImageSettings, planImage } from './image-plan.js';

const BATCH = 16;

export interface PackOptions {
  /** The image list (`.lst`). */
  list: string;
  /** Folder the list's paths are relative to. */
  root: string;
  /** The `.rec` to write; the `.idx` goes beside it (`indexPathFor`). */
  output: string;
  /** How to read the list: TAB-separated (im2rec.py) or whitespace with a label width (im2rec.cc). */
  dialect: ListDialect;
  /** What to do to each image; defaults are im2rec.py's. */
  image?: Partial<ImageSettings>;
  /** Store all labels after the header (flag = count) instead of the first one in it. */
  packLabel?: boolean;
  /** Pack only this part of the list, split as dmlc splits text (im2rec.cc's nsplit/part). */
  parts?: { count: number; index: number };
  /** Batches of images being decoded and encoded at once is twice this. Default 2. */
  threads?: number;
  /** Stop at the first bad image instead of skipping it. */
  strict?: boolean;
  /** Continue OUT.rec.partial from an interrupted run with the same settings. */
  resume?: boolean;
  /** Abort to stop early: the records so far stay in OUT.rec.partial for `resume`. */
  signal?: AbortSignal;
  onProgress?: (progress: PackProgress) => void;
  onSkip?: (skipped: SkippedImage) => void;
  /** fsync outputs before renaming them into place. Default true. */
  fsync?: boolean;
}

export interface PackProgress {
  /** List items dealt with (written or skipped), including those of a resumed run. */
  done: number;
  total: number;
  written: number;
  skipped: number;
  bytesIn: number;
  bytesOut: number;
}

export interface SkippedImage {
  index: number;
  path: string;
  /** Line in the list. */
  line: number;
  reason: string;
}

export interface PackSummary extends PackProgress {
  list: string;
  output: string;
  indexPath: string;
  /** Where the skipped images were listed (only when there were any). */
  reportPath?: string;
  skippedImages: SkippedImage[];
  seconds: number;
  /** Items already done by the interrupted run this one continued. */
  resumedFrom: number;
  /** Stopped by the signal: the output stays in `partialPath`. */
  interrupted: boolean;
  partialPath: string;
}

/** A bad image under `strict`, or a partial output that cannot be resumed. */
export class PackError extends Error {
  override readonly name = 'PackError';
}

/** Where im2rec puts the records until the pack is complete, and the settings they were made with. */
export function partialPaths(output: string): { partial: string; meta: string } {
  return { partial: `${output}.partial`, meta: `${output}.partial.json` };
}

/** The report of skipped images that goes with an output. */
export function reportPathFor(output: string): string {
  return `${output.replace(/\.rec$/i, '')}.skipped.tsv`;
}

/**
 * Where the list's paths point. An absolute path stands alone. im2rec.cc
 * glues root and path together as strings (root "imgs" + "a.jpg" =
 * "imgsa.jpg", a classic trap); here a root that is a folder is always
 * joined, and the plain concatenation is kept only for a root that is not
 * one (a name prefix). Decided once per pack, not per image.
 */
export function imagePathResolver(root: string, form: 'py' | 'cc'): (rel: string) => string {
  const concatenate = form === 'cc' && !root.endsWith('/') && !isDirectory(root);
  return (rel) => (path.isAbsolute(rel) ? rel : concatenate ? root + rel : path.join(root, rel));
}


/** The record payload: header (id = list index) and labels the way the chosen tool packs them. */
export function recordFor(item: ListItem, image: Uint8Array, form: 'py' | 'cc', packLabel: boolean): Buffer {
  const first = item.labels[0] ?? 0;
  if (form === 'cc') {
    // im2rec.cc keeps the first label in the header even when it packs them all.
    return packImageRecord(packLabel ? { label: item.labels, id: item.index, headerLabel: first } : { label: first, id: item.index }, image);
  }
  // im2rec.py packs only with --pack-label and more than one label; else the first label, flag 0.
  return packImageRecord(packLabel && item.labels.length > 1 ? { label: item.labels, id: item.index } : { label: first, id: item.index }, image);
}

type Outcome = { record: Buffer; bytesIn: number } | { reason: string; bytesIn: number };

function readImage(file: string): Buffer | string {
  try {
    const bytes = fs.readFileSync(file);
    return bytes.length === 0 ? 'empty file' : bytes;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'missing file';
    if (code === 'EISDIR') return 'is a folder, not an image';
    return `unreadable: ${code ?? (err as Error).message}`;
  }
}

function imageReason(err: ImageError): string {
  const what = err.code === 'TOO_LARGE' ? 'too large' : err.code === 'UNSUPPORTED' ? 'unsupported image' : 'not an image or damaged';
  return `${what}: ${err.message}`;
}

/** Reads and encodes one batch; resolves with one outcome per item, in order. */
async function encodeBatch(items: readonly ListItem[], o: ResolvedOptions): Promise<Outcome[]> {
  const outcomes = new Array<Outcome>(items.length);
  const inputs: Buffer[] = [];
  const plans: TranscodeOptions[] = [];
  await Promise.all(
    items.map(async (item, k) => {
      const read = readImage(o.pathOf(item.path));
      if (typeof read === 'string') {
        outcomes[k] = { reason: read, bytesIn: 0 };
        return;
      }
      try {
        // The header gives the size to plan from; for pass-through it is the check that this is an image.
        const info = await imageInfo(read);
        if (o.image.passThrough) {
          outcomes[k] = { record: recordFor(item, read, o.image.form, o.packLabel), bytesIn: read.length };
          return;
        }
        plans[k] = planImage(info, o.image, item.index);
        inputs[k] = read;
      } catch (err) {
        if (!(err instanceof ImageError || err instanceof RangeError)) throw err;
        outcomes[k] = { reason: err instanceof ImageError ? imageReason(err) : err.message, bytesIn: read.length };
      }
    }),
  );
  const slots = items.map((_, k) => k).filter((k) => inputs[k] !== undefined);
  if (slots.length) {
    const encoded = await transcodeMany(
      slots.map((k) => inputs[k]!),
      slots.map((k) => plans[k]!),
    );
    encoded.forEach((r, j) => {
      const k = slots[j]!;
      const bytesIn = inputs[k]!.length;
      outcomes[k] = r instanceof ImageError ? { reason: imageReason(r), bytesIn } : { record: recordFor(items[k]!, r.data, o.image.form, o.packLabel), bytesIn };
    });
  }
  return outcomes;
}

interface ResolvedOptions {
  pathOf: (rel: string) => string;
  image: ImageSettings;
  packLabel: boolean;
}

/** The settings a partial output was made with; resuming needs the same. */
function settingsNote(options: PackOptions, image: ImageSettings, packLabel: boolean): string {
  const list = fs.statSync(options.list);
  return JSON.stringify({
    list: path.resolve(options.list),
    listSize: list.size,
    listModified: list.mtimeMs,
    root: path.resolve(options.root),
    dialect: options.dialect,
    image,
    packLabel,
    parts: options.parts ?? null,
  });
}

interface ResumePoint {
  size: number;
  entries: { key: number; offset: number }[];
  /** List items dealt with by the earlier run. */
  done: number;
  /** Items the earlier run passed over without a record. */
  skipped: ListItem[];
}

/**
 * Finds where an interrupted run stopped: after its last complete record.
 * Takes the items that run dealt with from `items`, which then continues
 * with the first item still to do.
 */
function findResumePoint(partial: string, items: Iterator<ListItem>): ResumePoint {
  const point: ResumePoint = { size: 0, entries: [], done: 0, skipped: [] };
  const reader = RecordReader.open(partial);
  try {
    for (const record of reader.scan({ reuseBuffers: true })) {
      const image = tryUnpackImageRecord(record.payload);
      const passed: ListItem[] = [];
      let matched = false;
      for (let next = items.next(); image && !next.done; next = items.next()) {
        if (next.value.index === image.id) {
          matched = true;
          break;
        }
        passed.push(next.value);
      }
      if (!matched) {
        throw new PackError(`${partial}: byte ${record.offset}: record does not follow the list; run without --resume to start over`);
      }
      point.skipped.push(...passed);
      point.done += passed.length + 1;
      point.entries.push({ key: image!.id, offset: record.offset });
      point.size = record.end;
    }
  } catch (err) {
    // A record cut short by the interruption ends the usable part; it is written again.
    if (!(err instanceof RecordIOError)) throw err;
  } finally {
    reader.close();
  }
  return point;
}

/** Packs one list; see the file comment. */
export async function pack(options: PackOptions): Promise<PackSummary> {
  const started = performance.now();
  const image: ImageSettings = { ...DEFAULT_SETTINGS, ...options.image };
  const packLabel = options.packLabel ?? false;
  const resolved: ResolvedOptions = { pathOf: imagePathResolver(options.root, image.form), image, packLabel };
  const output = options.output;
  const indexPath = indexPathFor(output);
  assertNotAnInput(output, [options.list]);
  assertNotAnInput(indexPath, [options.list]);
  const list = ListPart.open(options.list, options.dialect, options.parts);
  const items = list[Symbol.iterator]();
  const { partial, meta } = partialPaths(output);
  const note = settingsNote(options, image, packLabel);

  let start: ResumePoint = { size: 0, entries: [], done: 0, skipped: [] };
  if (options.resume && fs.existsSync(partial)) {
    const earlier = fs.existsSync(meta) ? fs.readFileSync(meta, 'utf8') : '';
    if (earlier !== note) {
      throw new PackError(`${partial}: was made from another list or with other settings; run without --resume to start over`);
    }
    start = findResumePoint(partial, items);
  }
  writeFileAtomic(meta, note, { fsync: false });
  const writer = RecordWriter.create(output, {
    indexPath,
    tempPath: partial,
    fsync: options.fsync,
    ...(start.size > 0 ? { resume: { size: start.size, entries: start.entries } } : {}),
  });

  const skippedImages: SkippedImage[] = start.skipped.map((item) => ({
    index: item.index,
    path: item.path,
    line: item.line,
    reason: 'skipped by the interrupted run this one resumed',
  }));
  const progress: PackProgress = {
    done: start.done,
    total: list.total,
    written: start.entries.length,
    skipped: skippedImages.length,
    bytesIn: 0,
    bytesOut: start.size,
  };
  const inFlight = Math.max(1, options.threads ?? 2) * 2;
  const queue: { items: ListItem[]; outcomes: Promise<Outcome[]> }[] = [];
  let listEnded = false;
  const takeBatch = (): ListItem[] => {
    const batch: ListItem[] = [];
    while (batch.length < BATCH && !listEnded) {
      const r = items.next();
      if (r.done) listEnded = true;
      else batch.push(r.value);
    }
    return batch;
  };
  const refill = () => {
    while (queue.length < inFlight && !listEnded) {
      const batch = takeBatch();
      if (batch.length === 0) break;
      const outcomes = encodeBatch(batch, resolved);
      outcomes.catch(() => {}); // awaited in order below; this only keeps a later batch's failure from going unhandled
      queue.push({ items: batch, outcomes });
    }
  };

  let interrupted = false;
  try {
    refill();
    while (queue.length) {
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
      const { items: batch, outcomes } = queue.shift()!;
      const results = await outcomes;
      for (let k = 0; k < batch.length; k++) {
        const item = batch[k]!;
        const r = results[k]!;
        progress.bytesIn += r.bytesIn;
        if ('record' in r) {
          writer.write(r.record, item.index);
          progress.written += 1;
        } else {
          const skip: SkippedImage = { index: item.index, path: item.path, line: item.line, reason: r.reason };
          if (options.strict) {
            throw new PackError(`${options.list}:${item.line}: ${resolved.pathOf(item.path)}: ${r.reason}`);
          }
          skippedImages.push(skip);
          progress.skipped += 1;
          options.onSkip?.(skip);
        }
        progress.done += 1;
      }
      progress.bytesOut = writer.position;
      options.onProgress?.({ ...progress });
      refill();
    }
  } catch (err) {
    // Keep what is complete for --resume (a strict stop, a full disk, a bug alike).
    try {
      writer.suspend();
    } catch {
      // the original error matters more
    }
    throw err;
  }

  const summary: PackSummary = {
    ...progress,
    list: options.list,
    output,
    indexPath,
    skippedImages,
    seconds: (performance.now() - started) / 1000,
    resumedFrom: start.done,
    interrupted,
    partialPath: partial,
  };
  if (interrupted) {
    writer.suspend();
    return summary;
  }
  writer.close();
  fs.rmSync(meta, { force: true });
  const reportPath = reportPathFor(output);
  if (skippedImages.length) {
    const lines = skippedImages.map((s) => `${s.line}\t${s.index}\t${s.path}\t${s.reason.replace(/\s+/g, ' ')}\n`);
    writeFileAtomic(reportPath, `line\tindex\tpath\treason\n${lines.join('')}`, { fsync: false });
    summary.reportPath = reportPath;
  } else {
    fs.rmSync(reportPath, { force: true }); // a report left by an earlier run would describe other output
  }
  return summary;
}
