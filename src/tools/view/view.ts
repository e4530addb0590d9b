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
import { classNamesOption, indexPathOption } from '../common-options.js';
import { type OptionsOf, type Resolved, abortSignal, boolean, callback, checkOptions, custom, integer } from '../../util/schema.js';

const outputPath = (doc: string, more: object = {}) =>
  custom({ doc, ...more, parse: (v: unknown, invalid: (expected: string) => never): string | null => (v === null || (typeof v === 'string' && v !== '') ? v : invalid('a path or null')), expected: 'string | null' });

/** viewRecordFile's options. */
export const VIEW_OPTIONS = {
  sheet: outputPath('where to write the contact sheet: its name ends in .png, .jpg / .jpeg or .webp, which says the format'),
  html: outputPath('where to write the HTML gallery', { flag: '--html', metavar: '<file>', flagDoc: 'write the HTML gallery here' }),
  indexPath: indexPathOption('the .idx to sample keys from; null or absent: none (the first images are shown)'),
  count: integer({ doc: `images to show (at most ${MAX_VIEW_IMAGES})`, default: 48, min: 1, max: MAX_VIEW_IMAGES, flag: '-n, --count' }),
  perClass: integer({ doc: 'up to this many images of each class instead, one row per class, for the first `classes` classes', min: 1, max: MAX_VIEW_IMAGES, metavar: '<k>' }),
  classes: custom({
    doc: 'with perClass: how many classes, in label order (default 16), or which labels, in the order given',
    parse: (v: unknown, invalid: (expected: string) => never): number | readonly number[] =>
      (Number.isSafeInteger(v) && (v as number) >= 1 && (v as number) <= MAX_VIEW_IMAGES) || (Array.isArray(v) && v.length > 0 && v.every((label) => Number.isFinite(label)))
        ? (v as number | number[])
        : invalid(`a count in 1..${MAX_VIEW_IMAGES} or an array of labels`),
    expected: 'number | number[]',
  }),
  seed: integer({ doc: 'seed of the random picks', default: 0 }),
  size: integer({ doc: 'thumbnail box edge in pixels', default: 160, min: 16, max: 1024, metavar: '<px>' }),
  columns: integer({ doc: 'thumbnails per row on the sheet (not per class)', default: 8, min: 1, max: 100 }),
  names: classNamesOption('class names by label (a label map, a synset list or one name per line)'),
  onProgress: callback<(done: number, total: number) => void>('per class: told now and then the bytes scanned so far (the other ways read only the records shown)'),
  overwrite: boolean({ doc: 'replace a sheet or page that exists; else OutputExistsError', flag: '--force', flagDoc: 'replace outputs that exist (inputs are never replaced)', default: false }),
  signal: abortSignal('abort to stop: checked at every record read and thumbnail batch; nothing is written and the promise rejects with the signal\'s reason'),
};
export type ViewOptions = OptionsOf<typeof VIEW_OPTIONS>;
type ViewSettings = Resolved<typeof VIEW_OPTIONS>;

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

export async function viewRecordFile(recPath: string, given: ViewOptions): Promise<ViewResult> {
  const options = checkOptions(VIEW_OPTIONS, given);
  const { sheet, html, perClass } = options;
  if (!sheet && !html) throw new UsageError('expected a sheet path, an html path or both, received neither');
  if (options.classes !== undefined && perClass === undefined) throw new UsageError('classes: expected perClass too');
  const classes = typeof options.classes === 'number' ? options.classes : (options.classes?.length ?? 16);
  if (perClass !== undefined && perClass * classes > MAX_VIEW_IMAGES) {
    throw new UsageError(`perClass: expected at most ${Math.floor(MAX_VIEW_IMAGES / classes)} for ${classes} classes (${MAX_VIEW_IMAGES} images in all), received ${perClass}`);
  }
  const inputs = [recPath, ...(options.indexPath ? [options.indexPath] : [])];
  const outputs = [sheet, html].filter((out) => out !== null && out !== undefined);
  const claim = await claimOutputs(outputs, [], { inputs, overwrite: options.overwrite });
  try {
    if (sheet) sheetFormat(sheet); // a name that says no format is refused before any work
    return await view(recPath, options, sheet ?? null, html ?? null);
  } finally {
    claim.release();
  }
}

async function view(recPath: string, options: ViewSettings, sheet: string | null, html: string | null): Promise<ViewResult> {
  const { perClass, size } = options;
  const classes = options.classes ?? 16;
  const index = options.indexPath ? await RecordIndex.read(options.indexPath) : null;
  const reader = await RecordReader.openAsync(recPath);
  let selection: ViewSelection;
  let thumbs: Thumbnail[];
  try {
    selection = await selectForView(reader, {
      index,
      count: options.count,
      perClass,
      classes,
      seed: options.seed,
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
  // A sheet of nothing but error tiles shows nothing of the file (text payloads, say): a failure, not a sheet.
  if (thumbs.every((t) => t.error !== null)) {
    const [item, thumb] = [selection.items[0]!, thumbs[0]!];
    throw new NothingWrittenError(
      `${displayLocation(recPath)}: none of the ${thumbs.length} records picked holds an image that decodes (key ${item.key} (byte ${item.offset}): ${thumb.error}); nothing written`,
    );
  }
  const title = displayBaseName(recPath);
  const { overwrite } = options;
  const sheetBytes = sheet ? await contactSheet(selection, thumbs, { size, columns: options.columns, title, names: options.names, format: sheetFormat(sheet) }) : null;
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
