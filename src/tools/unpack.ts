/**
 * `rec unpack`: a `.rec` back into image files, one folder per label
 * (insightface's images are labelled by identity, so that is one folder per
 * identity), named by record id, with the bytes exactly as stored. With a
 * list, `im2rec LIST OUTDIR --pass-through` packs the folder back into the
 * same records: same ids, labels and image bytes, in the same order.
 *
 * Not images, so not unpacked (and reported): records without an image
 * header, and image-less records (insightface's record 0 and identity
 * records, which im2rec cannot make).
 *
 * What it writes stays inside OUTDIR: a new or empty folder (or, with
 * `overwrite`, any folder, where files of the same names are replaced), locked
 * by `OUTDIR/.unpack.lock` while the run lasts. No link under OUTDIR is
 * followed: a folder of it that is a link is refused, and a file that is one
 * is replaced, never written through (atomic-file.ts). The list is a plain
 * file name in it. Folder names from `names` are checked against every label
 * before the first image is written, so a names file that does not fit leaves
 * nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FILE_EXTENSION, sniffFormat } from '../codec/sniff.js';
import { float32ToNumber, tryUnpackImageRecord } from '../format/image-record.js';
import { RecordReader } from '../format/reader.js';
import { nameTaken, removeTempsOf } from '../io/atomic-file.js';
import { createOutput, publishTogether, writeWholeFiles } from '../io/output-file.js';
import { NothingWrittenError, OutputExistsError } from '../io/output-errors.js';
import { type OutputLock, lockOutput } from '../io/output-lock.js';
import type { ClassNames } from './class-names.js';
import { classNamesOption } from './common-options.js';
import { type OptionsOf, type Resolved, abortSignal, boolean, callback, checkOptions, integer, string } from '../util/schema.js';
import { MxrecError, quoted } from '../util/errors.js';
import { EventLoopTurns } from '../util/turns.js';

/** unpackRecordFile's options. */
export const UNPACK_OPTIONS = {
  list: string({ doc: 'also write OUTDIR/<list>, a file name (no folders): the im2rec list of what was unpacked', flag: false }),
  names: classNamesOption('folder names by label (a label map\'s may be nested: dog/puppies/small), instead of the label itself'),
  limit: integer({ doc: 'stop after this many images', min: 1 }),
  overwrite: boolean({ doc: 'write into a folder that is not empty, replacing files of the same names', flag: '--force', default: false }),
  onProgress: callback<(done: number, total: number) => void>('told now and then the bytes read so far, and the size'),
  signal: abortSignal('abort to stop: checked at every record; the images written so far stay, the list does not appear, and the promise rejects with the signal\'s reason'),
};
export type UnpackOptions = OptionsOf<typeof UNPACK_OPTIONS>;

export interface UnpackResult {
  outDir: string;
  images: number;
  folders: number;
  /** The list written, or null. */
  listPath: string | null;
  /** Some image has several labels: pack it back with im2rec --pack-label. */
  multiLabel: boolean;
  /** Records left out: no image header, or no image bytes (insightface's record 0 and identity records). */
  notImages: { offset: number; reason: string }[];
}

/** A problem with the arguments (the names file, the output folder). */
export class UnpackError extends MxrecError {
  override readonly name = 'UnpackError';
  readonly kind = 'usage';
}


/** Folder for records with several labels, where no single label names a folder. */
export const MULTI_LABEL_FOLDER = 'multi-label';

function folderFor(labels: number[], names: ClassNames | undefined, where: string): string {
  if (labels.length !== 1) return MULTI_LABEL_FOLDER;
  const label = labels[0]!;
  if (!names) return String(float32ToNumber(label));
  const name = names.nameOf(label);
  if (name === undefined) throw new UnpackError(`${where}: label ${float32ToNumber(label)} has no name in ${names.file}, which names ${names.describe()}`);
  // A label map's folders may be nested (dog/puppies/small), as im2rec found them, or "." (ROOT
  // itself, for images beside the class folders); never outside OUTDIR.
  if (name !== '.' && name.split('/').some((part) => part === '' || part === '.' || part === '..' || /[\\\0]/.test(part))) {
    throw new UnpackError(`${names.file}: the name of label ${label}, ${quoted(name)}, is not a folder inside OUTDIR`);
  }
  return name;
}

/** Why `name` is not a plain file name inside OUTDIR, or null when it is one. */
export function notAFileNameInside(name: string): string | null {
  const plain = name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
  return plain ? null : `expected a file name inside OUTDIR, received ${quoted(name)}`;
}

/**
 * Takes `outDir` for this run: makes it if needed, locks it (the lock lives
 * inside, so that nothing lands outside), and refuses a folder holding
 * anything else unless `overwrite`. Returns the lock and whether the folder is new.
 */
function claimOutDir(outDir: string, overwrite: boolean): { lock: OutputLock; made: boolean } {
  const st = fs.statSync(outDir, { throwIfNoEntry: false });
  if (st && !st.isDirectory()) throw new UnpackError(`${outDir}: expected a folder to unpack into, received a file`);
  if (!st) fs.mkdirSync(outDir, { recursive: true });
  const lock = lockOutput(path.join(outDir, '.unpack'));
  // A run killed outright left its lock, and maybe a temporary file (its list's, an image's).
  if (lock.tookOverFrom !== null) removeTempsOf(lock.tookOverFrom, outDir, { recursive: true });
  if (!overwrite && fs.readdirSync(outDir).some((name) => name !== path.basename(lock.path))) {
    lock.release();
    throw new OutputExistsError(outDir, 'is not empty (unpack writes into a new or empty folder)');
  }
  return { lock, made: !st };
}

/**
 * Makes OUTDIR/`folder` a part at a time, following no link: each part that
 * exists must be a folder itself, not a link to one, or a planted
 * `OUTDIR/0 -> /elsewhere` would take the images (with --force, into a folder
 * that was not empty) outside OUTDIR.
 */
function makeFolderInside(outDir: string, folder: string): void {
  if (folder === '.') return;
  let at = outDir;
  for (const part of folder.split('/')) {
    at = path.join(at, part);
    try {
      fs.mkdirSync(at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const st = fs.lstatSync(at);
    if (st.isSymbolicLink()) throw new UnpackError(`${at}: expected a folder inside OUTDIR, received a symbolic link (unpack follows no link under OUTDIR; remove it)`);
    if (!st.isDirectory()) throw new UnpackError(`${at}: expected a folder to unpack into, received a file`);
  }
}

function removeIfEmpty(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch {
    // images were written before the failure: they stay, and a rerun needs --force
  }
}

/** Throws the names file's problem with the first label it does not name, before anything is written. */
async function checkNames(reader: RecordReader, names: ClassNames, limit: number, signal: AbortSignal | undefined): Promise<void> {
  let images = 0;
  const turns = new EventLoopTurns();
  for await (const record of reader.scan({ reuseBuffers: true })) {
    const turn = turns.due(); // a local scan's records come as microtasks: let a signal be seen
    if (turn) await turn;
    signal?.throwIfAborted();
    if (images >= limit) break;
    const image = tryUnpackImageRecord(record.payload);
    if (!image || image.image.length === 0) continue;
    folderFor(image.label, names, `${reader.name}: byte ${record.offset} (id ${image.id})`);
    images += 1;
  }
}

export async function unpackRecordFile(recPath: string, outDir: string, given: UnpackOptions = {}): Promise<UnpackResult> {
  const options = checkOptions(UNPACK_OPTIONS, given);
  const problem = options.list === undefined ? null : notAFileNameInside(options.list);
  if (problem) throw new UnpackError(`list: ${problem}`);
  const limit = options.limit ?? Infinity;
  const reader = await RecordReader.openAsync(recPath);
  try {
    const { lock, made } = claimOutDir(outDir, options.overwrite);
    let result: UnpackResult | null = null;
    try {
      if (options.names) await checkNames(reader, options.names, limit, options.signal);
      result = await unpackInto(reader, outDir, options, limit);
      return result;
    } finally {
      lock.release();
      if (!result && made) removeIfEmpty(outDir);
    }
  } finally {
    reader.close();
  }
}

async function unpackInto(reader: RecordReader, outDir: string, options: Resolved<typeof UNPACK_OPTIONS>, limit: number): Promise<UnpackResult> {
  const { overwrite } = options;
  const folders = new Set<string>();
  const notImages: UnpackResult['notImages'] = [];
  // Committed last, so that a list appears only for a complete unpack.
  const listPath = options.list ? path.join(outDir, options.list) : null;
  const list = listPath ? await createOutput(listPath, { overwrite }) : null;
  /**
   * With overwrite, the names this run wrote: a name taken by an earlier file
   * is replaced, one taken by this run (a repeated id) gets a suffix. Without,
   * the folder started empty, so every taken name is this run's.
   */
  const written = overwrite ? new Set<string>() : null;
  let pending = '';
  let images = 0;
  let multiLabel = false;
  const turns = new EventLoopTurns();
  try {
    for await (const record of reader.scan({ reuseBuffers: true })) {
      const turn = turns.due(); // the scan's records and a local file's writes come as microtasks
      if (turn) await turn;
      options.signal?.throwIfAborted();
      if (images >= limit) break;
      const image = tryUnpackImageRecord(record.payload);
      if (!image || image.image.length === 0) {
        notImages.push({ offset: record.offset, reason: image ? 'no image bytes' : 'no image header' });
        continue;
      }
      const folder = folderFor(image.label, options.names, `${reader.name}: byte ${record.offset} (id ${image.id})`);
      if (!folders.has(folder)) {
        makeFolderInside(outDir, folder);
        folders.add(folder);
      }
      // Named by id; a repeated id gets a suffix.
      const ext = `.${FILE_EXTENSION[sniffFormat(image.image)]}`;
      const within = folder === '.' ? '' : `${folder}/`; // a label map's "." is ROOT itself
      let rel = `${within}${image.id}${ext}`;
      const taken = (name: string) => (written ? written.has(name) : nameTaken(path.join(outDir, name)));
      for (let n = 1; taken(rel); n++) rel = `${within}${image.id}_${n}${ext}`;
      await writeWholeFiles([{ location: path.join(outDir, rel), data: image.image }], { overwrite });
      written?.add(rel);
      if (image.label.length > 1) multiLabel = true;
      if (list) {
        pending += `${image.id}\t${image.label.map(float32ToNumber).join('\t')}\t${rel}\n`;
        if (pending.length > 1 << 16) {
          list.writeSync(Buffer.from(pending));
          pending = '';
        }
      }
      images += 1;
      if (options.onProgress && images % 256 === 0) options.onProgress(record.end, reader.size);
    }
    if (images === 0) throw new NothingWrittenError(`${reader.name}: holds no images; nothing written`);
    options.signal?.throwIfAborted();
    if (list) {
      list.writeSync(Buffer.from(pending));
      await publishTogether([list]);
    }
  } catch (err) {
    await list?.abort();
    throw err;
  }
  options.onProgress?.(reader.size, reader.size);
  return { outDir, images, folders: folders.size, listPath, multiLabel, notImages };
}
