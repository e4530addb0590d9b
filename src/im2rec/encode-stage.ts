/**
 * im2rec's encode stage: a batch of list items → one outcome per item, in
 * order: the record payload (header, labels, image bytes re-encoded or, with
 * passThrough, as stored) with what the file was when read (for resuming), or
 * why the image was skipped. Files are read on the main thread (page-cache
 * reads are cheap, and this keeps libuv's pool for the codec) once their
 * bytes fit the read budget; each batch makes one trip to the codec.
 * Images in a bucket (an s3:// ROOT) are asked for first (a GET each, all of a
 * batch at once); their headers give the sizes the budget is taken for, and
 * then their bodies are read.
 */
import fs from 'node:fs';
import type { ByteSource } from '../io/byte-source.js';
import { HttpError, HttpSource } from '../io/http-source.js';
import { readAll, remoteAddress } from '../io/locations.js';
import { isUrl } from '../io/url.js';
import { imageInfo, transcodeMany } from '../codec/codec.js';
import { ImageError, type TranscodeOptions } from '../codec/types.js';
import { packImageRecord } from '../format/image-record.js';
import type { ListItem } from '../format/list-file.js';
import { ByteBudget } from '../util/byte-budget.js';
import { type ImageSettings, planImage } from './image-plan.js';
import type { SourceStamp } from './partial-output.js';

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

export type Outcome = { record: Buffer; bytesIn: number; stamp: SourceStamp; notImage?: boolean } | { reason: string; bytesIn: number };

/** The reason given for an image that is not there; a pack of nothing but these asks about ROOT. */
export const MISSING = 'missing file';

/** The largest image file read. */
export const MAX_IMAGE_FILE_BYTES = 256 << 20;

/**
 * Image file bytes held at once, from their read to their record's write:
 * batches wait for their share (util/byte-budget.ts), so a list of huge
 * files is read a few at a time however many batches are in flight.
 */
const readBudget = new ByteBudget(512 << 20);

function fileSize(file: string): number {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  return st?.isFile() ? Math.min(st.size, MAX_IMAGE_FILE_BYTES) : 0;
}

/** An image file's bytes and what it was when read (for resuming), or why it cannot be read. */
function readImage(file: string): { bytes: Buffer; stamp: SourceStamp } | string {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return MISSING;
    return `unreadable: ${code ?? (err as Error).message}`;
  }
  try {
    const st = fs.fstatSync(fd, { bigint: true });
    if (st.isDirectory()) return 'is a folder, not an image';
    if (st.size > BigInt(MAX_IMAGE_FILE_BYTES)) return `too large: a file of ${st.size} bytes, more than the ${MAX_IMAGE_FILE_BYTES} read at most`;
    const bytes = fs.readFileSync(fd);
    if (bytes.length === 0) return 'empty file';
    return { bytes, stamp: { size: Number(st.size), mtimeNs: st.mtimeNs } };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'EISDIR' ? 'is a folder, not an image' : `unreadable: ${code ?? (err as Error).message}`;
  } finally {
    fs.closeSync(fd);
  }
}

function imageReason(err: ImageError): string {
  const what = err.code === 'TOO_LARGE' ? 'too large' : err.code === 'UNSUPPORTED' ? 'unsupported image' : 'not an image or damaged';
  return `${what}: ${err.message}`;
}

/**
 * A remote image (s3://, http(s)://), opened: a GET whose headers give its
 * size for the read budget, its body read once the budget allows (one request
 * per image). A missing one is skipped like a missing file; any other failure
 * (credentials, the store unreachable) stops the pack, which must not quietly
 * leave images out.
 */
async function openRemoteImage(file: string): Promise<ByteSource | string> {
  try {
    return await HttpSource.openWhole(remoteAddress(file));
  } catch (err) {
    if (err instanceof HttpError && (err.status === 404 || err.status === 410)) return MISSING;
    throw err;
  }
}

/** readImage() for an opened remote image; its stamp has no modification time (a remote pack is not resumed). */
async function readRemoteImage(source: ByteSource): Promise<{ bytes: Buffer; stamp: SourceStamp } | string> {
  try {
    if (source.size > MAX_IMAGE_FILE_BYTES) return `too large: a file of ${source.size} bytes, more than the ${MAX_IMAGE_FILE_BYTES} read at most`;
    if (source.size === 0) return 'empty file';
    return { bytes: await readAll(source), stamp: { size: source.size, mtimeNs: 0n } };
  } finally {
    source.close();
  }
}

/** The list in batches of `size`. */
export function* batchesOf(items: Iterator<ListItem>, size: number): Generator<ListItem[]> {
  for (let batch: ListItem[] = []; ; batch = []) {
    for (let r = items.next(); ; r = items.next()) {
      if (r.done) {
        if (batch.length) yield batch;
        return;
      }
      batch.push(r.value);
      if (batch.length === size) break;
    }
    yield batch;
  }
}

/**
 * Reads and encodes one batch, once its files' bytes fit the read budget;
 * resolves with one outcome per item, in order, and the function that gives
 * the budget back (once the records are written).
 */
export async function encodeBatch(items: ListItem[], o: ResolvedOptions): Promise<{ items: ListItem[]; outcomes: Outcome[]; release: () => void }> {
  const files = items.map((item) => o.pathOf(item.path));
  const remote = await Promise.all(files.map((file) => (isUrl(file) ? openRemoteImage(file) : null)));
  const size = (k: number) => {
    const r = remote[k]!;
    return r === null ? fileSize(files[k]!) : typeof r === 'string' ? 0 : Math.min(r.size, MAX_IMAGE_FILE_BYTES);
  };
  let release: () => void;
  try {
    release = await readBudget.take(items.reduce((n, _, k) => n + size(k), 0));
  } catch (err) {
    for (const r of remote) if (r && typeof r !== 'string') r.close();
    throw err;
  }
  try {
    return { items, outcomes: await readAndEncode(items, files, remote, o), release };
  } catch (err) {
    release();
    throw err;
  }
}

async function readAndEncode(items: readonly ListItem[], files: readonly string[], remote: readonly (ByteSource | string | null)[], o: ResolvedOptions): Promise<Outcome[]> {
  const outcomes = new Array<Outcome>(items.length);
  const inputs: { bytes: Buffer; stamp: SourceStamp }[] = [];
  const plans: TranscodeOptions[] = [];
  await Promise.all(
    items.map(async (item, k) => {
      const opened = remote[k]!;
      const read = opened === null ? readImage(files[k]!) : typeof opened === 'string' ? opened : await readRemoteImage(opened);
      if (typeof read === 'string') {
        outcomes[k] = { reason: read, bytesIn: 0 };
        return;
      }
      const { bytes, stamp } = read;
      if (o.image.passThrough) {
        // Any file's bytes, as MXNet's tools store them (audio, arrays, text packed with --exts);
        // those whose header is no image's are counted, so that a wrong ROOT or --exts shows.
        const notImage = await imageInfo(bytes).then(
          () => false,
          (err: unknown) => {
            if (err instanceof ImageError || err instanceof RangeError) return true;
            throw err;
          },
        );
        outcomes[k] = { record: recordFor(item, bytes, o.image.form, o.packLabel), bytesIn: bytes.length, stamp, notImage };
        return;
      }
      try {
        // The header gives the size to plan from.
        const info = await imageInfo(bytes);
        plans[k] = planImage(info, o.image, item.index);
        inputs[k] = read;
      } catch (err) {
        if (!(err instanceof ImageError || err instanceof RangeError)) throw err;
        outcomes[k] = { reason: err instanceof ImageError ? imageReason(err) : err.message, bytesIn: bytes.length };
      }
    }),
  );
  const slots = items.map((_, k) => k).filter((k) => inputs[k] !== undefined);
  if (slots.length) {
    const encoded = await transcodeMany(
      slots.map((k) => inputs[k]!.bytes),
      slots.map((k) => plans[k]!),
    );
    encoded.forEach((r, j) => {
      const k = slots[j]!;
      const { bytes, stamp } = inputs[k]!;
      const bytesIn = bytes.length;
      outcomes[k] = r instanceof ImageError ? { reason: imageReason(r), bytesIn } : { record: recordFor(items[k]!, r.data, o.image.form, o.packLabel), bytesIn, stamp };
    });
  }
  return outcomes;
}

export interface ResolvedOptions {
  pathOf: (rel: string) => string;
  image: ImageSettings;
  packLabel: boolean;
}
