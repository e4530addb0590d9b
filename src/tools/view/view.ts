/**
 * `rec view`: look at what a `.rec` holds. Picks images (select.ts), makes
 * thumbnails (thumbnails.ts), and writes a contact-sheet PNG (sheet.ts)
 * and/or a self-contained HTML gallery (gallery.ts).
 */
import path from 'node:path';
import type { RecordId } from '../../format/image-record.js';
import { RecordIndex } from '../../format/index-file.js';
import { RecordReader, ReusedReads } from '../../format/reader.js';
import { displayBaseName, displayLocation } from '../../io/display-name.js';
import { claimOutputs } from '../../io/output-claim.js';
import { MAX_VIEW_IMAGES } from '../../io/limits.js';
import { writeWholeFiles } from '../../io/output-file.js';
import { NothingWrittenError, OutputNameError } from '../../io/output-errors.js';
import { UsageError } from '../../util/errors.js';
import { galleryHtml } from './gallery.js';
import { type ViewSelection, imageOf, selectForView } from './select.js';
import { contactSheet } from './sheet.js';
import { type Thumbnail, makeThumbnails } from './thumbnails.js';
import type { ClassNames } from '../class-names.js';

export interface ViewOptions {
  /** Where to write the contact sheet: its name ends in .png, .jpg / .jpeg or .webp, which says the format. */
  sheet?: string | null;
  /** Where to write the HTML gallery. */
  html?: string | null;
  /** The .idx to sample keys from; null or absent: none (the first images are shown). */
  indexPath?: string | null;
  /** Images to show. Default 48. */
  count?: number;
  /** Show up to this many images of each class instead, for the first `classes` classes (default 16). */
  perClass?: number;
  /** With perClass: how many classes, in label order (default 16), or which labels, in the order given. */
  classes?: number | readonly number[];
  /** Seed of the random picks. Default 0. */
  seed?: number;
  /** Thumbnail box edge in pixels. Default 160. */
  size?: number;
  /** Thumbnails per row on the sheet (not per class). Default 8. */
  columns?: number;
  /** Class names by label (a label map, a synset list or one name per line: see ClassNames). */
  names?: ClassNames;
  /** Per class: bytes scanned so far (the other ways read only the records shown). */
  onProgress?: (done: number, total: number) => void;
  /** Replace a sheet or page that exists (the CLI's --force). Default false: OutputExistsError. */
  overwrite?: boolean;
  /** Abort to stop: checked at every record read and thumbnail batch; nothing is written and the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface ViewResult {
  how: string;
  images: number;
  classes: number | null;
  /** The images shown, in order. */
  items: { key: string; offset: number; id: RecordId; label: number[] }[];
  undecodable: { key: string; offset: number; error: string }[];
  sheet: string | null;
  html: string | null;
}

/** The image format a sheet's name asks for. */
function sheetFormat(sheet: string): 'png' | 'jpeg' | 'webp' {
  const extension = path.extname(sheet).toLowerCase();
  if (extension === '.png') return 'png';
  if (extension === '.jpg' || extension === '.jpeg') return 'jpeg';
  if (extension === '.webp') return 'webp';
  throw new OutputNameError(sheet, `expected a contact sheet name ending in .png, .jpg, .jpeg or .webp (the format), received ${extension ? `"${extension}"` : 'none'}`);
}

/** How many classes `classes` shows at most. */
function classCount(classes: number | readonly number[] | undefined): number {
  return typeof classes === 'number' ? classes : (classes?.length ?? 16);
}

function checkInteger(name: string, value: number | undefined, min: number, max: number): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && value >= min && value <= max)) {
    throw new UsageError(`${name}: expected an integer in ${min}..${max}, received ${String(value)}`);
  }
}

export async function viewRecordFile(recPath: string, options: ViewOptions): Promise<ViewResult> {
  const { sheet = null, html = null, perClass } = options;
  if (!sheet && !html) throw new UsageError('expected a sheet path, an html path or both, received neither');
  checkInteger('count', options.count, 1, MAX_VIEW_IMAGES);
  checkInteger('perClass', perClass, 1, MAX_VIEW_IMAGES);
  if (Array.isArray(options.classes)) {
    if (options.classes.length === 0 || options.classes.some((label) => !Number.isFinite(label))) throw new UsageError(`classes: expected labels, received [${options.classes.join(', ')}]`);
  } else checkInteger('classes', options.classes as number | undefined, 1, MAX_VIEW_IMAGES);
  checkInteger('size', options.size, 16, 1024);
  checkInteger('columns', options.columns, 1, 100);
  const classes = classCount(options.classes);
  if (perClass !== undefined && perClass * classes > MAX_VIEW_IMAGES) {
    throw new UsageError(`perClass × classes: expected at most ${MAX_VIEW_IMAGES} images, received ${perClass} × ${classes}`);
  }
  const inputs = [recPath, ...(options.indexPath ? [options.indexPath] : [])];
  const outputs = [sheet, html].filter((out) => out !== null);
  const claim = await claimOutputs(outputs, [], { inputs, overwrite: options.overwrite });
  try {
    if (sheet) sheetFormat(sheet); // a name that says no format is refused before any work
    return await view(recPath, options, sheet, html);
  } finally {
    claim.release();
  }
}

async function view(recPath: string, options: ViewOptions, sheet: string | null, html: string | null): Promise<ViewResult> {
  const { perClass } = options;
  const classes = options.classes ?? 16;
  const size = options.size ?? 160;
  const index = options.indexPath ? await RecordIndex.read(options.indexPath) : null;
  const reader = await RecordReader.openAsync(recPath);
  let selection: ViewSelection;
  let thumbs: Thumbnail[];
  try {
    selection = await selectForView(reader, {
      index,
      count: options.count ?? 48,
      perClass,
      classes,
      seed: options.seed ?? 0,
      onProgress: options.onProgress,
      signal: options.signal,
    });
    if (selection.items.length === 0) throw new NothingWrittenError(`${displayLocation(recPath)}: holds no images to show; nothing written`);
    // Images the selection did not keep are read again here, a chunk at a time: into reused memory when drawn alone.
    const reads = new ReusedReads(reader);
    thumbs = await makeThumbnails(selection.items, size, (item, alone) => imageOf(reader, item, alone ? reads : undefined), undefined, options.signal);
  } finally {
    reader.close();
  }
  const title = displayBaseName(recPath);
  const { overwrite } = options;
  const sheetBytes = sheet ? await contactSheet(selection, thumbs, { size, columns: options.columns ?? 8, title, names: options.names, format: sheetFormat(sheet) }) : null;
  // A stop that came while the thumbnails were made: the files are not written. Both are published
  // together, so a run never leaves one without the other.
  options.signal?.throwIfAborted();
  await writeWholeFiles(
    [
      ...(sheet ? [{ location: sheet, data: sheetBytes! }] : []),
      ...(html ? [{ location: html, data: galleryHtml(selection, thumbs, { size, title, names: options.names }) }] : []),
    ],
    { overwrite },
  );
  return {
    how: selection.how,
    images: selection.items.length,
    classes: selection.groups?.length ?? null,
    items: selection.items.map(({ key, offset, id, label }) => ({ key, offset, id, label })),
    undecodable: selection.items.flatMap((item, i) => {
      const error = thumbs[i]!.error;
      return error === null ? [] : [{ key: item.key, offset: item.offset, error }];
    }),
    sheet,
    html,
  };
}
