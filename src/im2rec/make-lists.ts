/**
 * `im2rec --list`: image lists from a folder tree, as im2rec.py makes them.
 *
 * - Non-recursive: the root's files in sorted order, label 0.
 * - Recursive: os.walk(root, followlinks=True) with sorted sub-folders and
 *   files, so a pre-order walk; each folder gets the next label when its
 *   first image is found (nested folders get labels of their own).
 * - Indices 0..N-1 in walk order, then `random.seed(100); random.shuffle`
 *   (ported from CPython, so the lines come out in MXNet's order), then
 *   chunks and train/val/test files with MXNet's names and arithmetic.
 *
 * What MXNet does not: the folder → label map is written next to the lists
 * (PREFIX.labels.txt) and can be passed back (`labelMap`) so that lists made
 * from another tree (train and val) share labels; extensions match
 * case-insensitively; symlink loops are walked once, not forever. Existing
 * lists and label maps are not replaced without `overwrite`, and a folder
 * without images is an error rather than an empty list.
 *
 * The root may be an s3://bucket/prefix/: its keys are the tree (`a/b.jpg` is
 * b.jpg in folder a), walked by the same rules, so a bucket gives the lists a
 * local copy of the same tree gives. Lists and label map may go to s3:// too.
 *
 * Names are data: one a list line cannot hold as the same name under ROOT (a
 * line break or tab, white space at an end, `..`, `//`, a URL: see
 * listNameProblem) is skipped and reported, never written. All names are
 * held for MXNet's shuffle, so they are packed (name-table.ts) and bounded
 * (MAX_LISTED_IMAGES, MAX_LISTED_NAME_BYTES); lists and the label map are
 * streamed out.
 */
import { claimOutputs } from '../io/output-claim.js';
import { type OutputFile, publishTogether, createOutput } from '../io/output-file.js';
import { displayLocation } from '../io/display-name.js';
import { LimitError, MAX_CHUNKS, MAX_LABEL_MAP_BYTES, MAX_LISTED_IMAGES, MAX_LISTED_NAME_BYTES, MAX_PATH_BYTES } from '../io/limits.js';
import { folderIsMissing, readWhole, readWholeSync, storeOf } from '../io/locations.js';
import { NothingWrittenError } from '../io/output-errors.js';
import { formatListLine, listNameProblem } from '../format/list-file.js';
import { NameTable } from './name-table.js';
import { PyRandom } from './py-random.js';
import { UsageError } from '../util/errors.js';

export const DEFAULT_EXTS = ['.jpeg', '.jpg', '.png'];
/** Skipped names shown by example; the rest are counted. */
const SKIPPED_EXAMPLES = 5;

export interface MakeListsOptions {
  /** Output prefix: writes PREFIX.lst (or PREFIX_train.lst, PREFIX_0.lst, ...). */
  prefix: string;
  /** Folder of images. */
  root: string;
  /** One label per folder, walking sub-folders. Default false (root files only, label 0). */
  recursive?: boolean;
  /** File extensions to take, compared case-insensitively. Default .jpeg .jpg .png. */
  exts?: readonly string[];
  /** Default 1. */
  chunks?: number;
  /** Default 1. */
  trainRatio?: number;
  /** Default 0. */
  testRatio?: number;
  /** Default true: MXNet's seeded shuffle. */
  shuffle?: boolean;
  /** A label map file written by an earlier run: folders keep those labels. */
  labelMap?: string;
  /** Replace lists and a label map that exist (the CLI's --force). Default false: OutputExistsError. */
  overwrite?: boolean;
  /** Called as each folder gets its label, in walk order (recursive mode; im2rec.py prints these); awaited if it returns a promise. */
  onLabel?: (folder: string, label: number) => void | Promise<void>;
  /** Abort to stop: checked once the folders are walked, at every folder and as the lists are written; no file unfinished appears and the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface ListFileWritten {
  path: string;
  images: number;
}

export interface MakeListsResult {
  images: number;
  lists: ListFileWritten[];
  /** Folders given a label (0 unless recursive); each was passed to `onLabel`. */
  folders: number;
  /** Where the label map was written (recursive mode without labelMap). */
  labelMapPath?: string;
  /** Names a list line cannot hold (see listNameProblem): how many, and the first few with why. */
  skipped: { count: number; examples: { name: string; reason: string }[] };
}

/** Thrown for a folder that the given label map does not know, and similar user mistakes. */
export class ListingError extends UsageError {
  override readonly name = 'ListingError';
}

/** os.path.splitext(name)[1]: leading dots do not start an extension. */
function extensionOf(name: string): string {
  const base = name.replace(/^\.+/, '');
  const dot = base.lastIndexOf('.');
  return dot < 0 ? '' : base.slice(dot);
}

/**
 * The images under `root` a list can hold, in os.walk's order: its store
 * lists the names (a folder walked, a bucket prefix's keys: `a/b/c.jpg` is
 * file c.jpg in folder a/b), and NameTable puts them in the walk's order.
 * Names ending in `/` are the empty "folder" objects consoles make, not
 * files; a name listed twice is listed once.
 */
async function listImages(root: string, options: MakeListsOptions, isImage: (name: string) => boolean, names: NameCheck): Promise<{ table: NameTable; order: Uint32Array }> {
  const recursive = options.recursive ?? false;
  const table = new NameTable();
  for await (const name of storeOf(root).list(root, { recursive, signal: options.signal })) {
    if (name === '' || name.endsWith('/') || (!recursive && name.includes('/'))) continue;
    if (isImage(name.slice(name.lastIndexOf('/') + 1)) && names.accept(name)) table.add(name);
  }
  return { table, order: table.walkOrder() };
}

/**
 * What may be listed: names a list line holds as they are (others skipped,
 * counted, the first few kept to show), and no more than the listing ceilings.
 */
class NameCheck {
  count = 0;
  bytes = 0;
  readonly skipped: MakeListsResult['skipped'] = { count: 0, examples: [] };

  constructor(private readonly root: string) {}

  accept(name: string): boolean {
    const size = Buffer.byteLength(name);
    const problem = size > MAX_PATH_BYTES ? `is longer than ${MAX_PATH_BYTES} bytes` : listNameProblem(name);
    if (problem) {
      if (this.skipped.examples.length < SKIPPED_EXAMPLES) this.skipped.examples.push({ name, reason: problem });
      this.skipped.count += 1;
      return false;
    }
    this.count += 1;
    this.bytes += size;
    if (this.count > MAX_LISTED_IMAGES || this.bytes > MAX_LISTED_NAME_BYTES) {
      throw new LimitError(
        `${displayLocation(this.root)}: more than ${this.count > MAX_LISTED_IMAGES ? `${MAX_LISTED_IMAGES} images` : `${MAX_LISTED_NAME_BYTES} bytes of image names`} to list; list its sub-folders one at a time (and pass the first run's label map with --labels)`,
      );
    }
    return true;
  }
}

/** Reads a local label map: `folder<TAB>label` per line. */
export function readLabelMap(file: string): Map<string, number> {
  return parseLabelMap(readWholeSync(file, MAX_LABEL_MAP_BYTES, 'a label map').toString('utf8'), file);
}

/** readLabelMap() for a location in any store. */
async function loadLabelMap(location: string): Promise<Map<string, number>> {
  return parseLabelMap((await readWhole(location, MAX_LABEL_MAP_BYTES, 'a label map')).toString('utf8'), storeOf(location).display(location));
}

function parseLabelMap(text: string, file: string): Map<string, number> {
  const map = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const tab = line.lastIndexOf('\t');
    const label = tab > 0 && /^\d+$/.test(line.slice(tab + 1).trim()) ? Number(line.slice(tab + 1)) : NaN;
    if (!Number.isSafeInteger(label)) {
      throw new ListingError(`${file}:${i + 1}: expected "folder<TAB>label", received ${JSON.stringify(line.slice(0, 120))}`);
    }
    map.set(line.slice(0, tab), label);
  });
  return map;
}

function checkRatio(name: string, v: number): void {
  if (!(typeof v === 'number' && v >= 0 && v <= 1)) throw new ListingError(`${name}: expected a number in 0..1, received ${v}`);
}

/**
 * The list files and which of the shuffled items go in each (`[begin, end)`),
 * by MXNet's arithmetic: chunks, then train/val/test within each chunk, sized
 * from the chunk size (not from the chunk's own length; kept so the files
 * match). The names do not depend on the count, so a count of 0 names the
 * files ahead of the walk.
 */
function divideIntoLists(prefix: string, count: number, chunks: number, trainRatio: number, testRatio: number): { path: string; begin: number; end: number }[] {
  const lists: { path: string; begin: number; end: number }[] = [];
  const chunkSize = Math.ceil(count / chunks);
  for (let c = 0; c < chunks; c++) {
    const from = Math.min(c * chunkSize, count);
    const to = Math.min(from + chunkSize, count);
    // Python's chunk[a:b]: both ends clipped to the chunk.
    const part = (a: number, b = chunkSize) => ({ begin: Math.min(from + a, to), end: Math.min(from + b, to) });
    const base = prefix + (chunks > 1 ? `_${c}` : '');
    const sep = Math.trunc(chunkSize * trainRatio);
    const sepTest = Math.trunc(chunkSize * testRatio);
    if (trainRatio === 1) {
      lists.push({ path: `${base}.lst`, ...part(0) });
    } else {
      if (testRatio) lists.push({ path: `${base}_test.lst`, ...part(0, sepTest) });
      if (trainRatio + testRatio < 1) lists.push({ path: `${base}_val.lst`, ...part(sepTest + sep) });
      lists.push({ path: `${base}_train.lst`, ...part(sepTest, sepTest + sep) });
    }
  }
  return lists;
}

/** Walks `root` (a folder, or an s3://bucket/prefix/) and writes the lists; see the file comment for the rules. */
export async function makeLists(options: MakeListsOptions): Promise<MakeListsResult> {
  const { prefix, root, recursive = false, chunks = 1, trainRatio = 1, testRatio = 0 } = options;
  if (!Number.isInteger(chunks) || chunks < 1 || chunks > MAX_CHUNKS) throw new ListingError(`chunks: expected an integer in 1..${MAX_CHUNKS}, received ${chunks}`);
  checkRatio('trainRatio', trainRatio);
  checkRatio('testRatio', testRatio);
  const rootStore = storeOf(root);
  if (!rootStore.isFolder(root) && (await rootStore.exists(root))) throw new ListingError(`${rootStore.display(root)}: expected a folder of images, received a file`);
  // A local ROOT that is not there, named as such (a bucket's prefix is no object of its own: its listing says).
  if (await folderIsMissing(root)) throw new ListingError(`ROOT ${rootStore.display(root)}: no such folder; expected the folder of images to list`);
  const prefixStore = storeOf(prefix);
  if (prefixStore.isFolder(prefix)) {
    throw new ListingError(`${prefixStore.display(prefix)}: is a folder; expected a file prefix such as ${prefixStore.display(prefixStore.nameUnder(prefix, 'train', 'join'))}`);
  }
  const exts = new Set((options.exts ?? DEFAULT_EXTS).map((e) => e.toLowerCase()));
  const isImage = (name: string) => exts.has(extensionOf(name).toLowerCase());
  const given = options.labelMap !== undefined ? await loadLabelMap(options.labelMap) : null;
  const labelMapPath = recursive && !given ? `${prefix}.labels.txt` : null;

  prefixStore.makeFolderFor(prefix);
  const listNames = divideIntoLists(prefix, 0, chunks, trainRatio, testRatio).map((l) => l.path);
  const claim = await claimOutputs(listNames, labelMapPath ? [labelMapPath] : [], { inputs: options.labelMap ? [options.labelMap] : [], overwrite: options.overwrite });
  let labelMap: OutputFile | null = null;
  try {
    labelMap = labelMapPath ? await createOutput(labelMapPath, { overwrite: options.overwrite }) : null;
    const names = new NameCheck(root);
    const walked = await listImages(root, options, isImage, names);
    options.signal?.throwIfAborted();
    const items = await collect(walked.table, walked.order, options, given, labelMap);
    if (items.order.length === 0) {
      const walked = recursive ? 'in it or its sub-folders' : 'in it (only its own files are listed; --recursive walks sub-folders)';
      const skipped = names.skipped.count ? `; ${names.skipped.count} skipped as names a list cannot hold` : '';
      throw new NothingWrittenError(`${displayLocation(root)}: no image files (${[...exts].join(' ')}) ${walked}${skipped}; no list written`);
    }
    const lists = await writeLists(options, items);
    const result: MakeListsResult = { images: items.order.length, lists, folders: items.folders, skipped: names.skipped };
    if (labelMap) {
      options.signal?.throwIfAborted();
      await publishTogether([labelMap], { fsync: false });
      result.labelMapPath = labelMap.path;
    }
    return result;
  } catch (err) {
    await labelMap?.abort();
    throw err;
  } finally {
    claim.release();
  }
}

/** The images in walk order (their numbers in `table`), and the label of each (the folder's, from the walk or the given map). */
interface Collected {
  table: NameTable;
  order: Uint32Array;
  labels: Float64Array;
  folders: number;
}

/**
 * Takes the walk's images in order and labels them. A pre-order walk gives
 * each folder's images together, so a folder gets its label when its first
 * image comes, and its label map line is written then.
 */
async function collect(table: NameTable, order: Uint32Array, options: MakeListsOptions, given: Map<string, number> | null, labelMap: OutputFile | null): Promise<Collected> {
  const labels = new Float64Array(order.length);
  let folders = 0;
  let label = 0;
  if (options.recursive) {
    for (let k = 0; k < order.length; k++) {
      if (k > 0 && table.sameFolder(order[k]!, order[k - 1]!)) {
        labels[k] = label;
        continue;
      }
      const dir = table.folder(order[k]!);
      if (given) {
        const known = given.get(dir);
        if (known === undefined) throw new ListingError(`${dir}: folder not in the label map ${options.labelMap}; add it there or list without --labels`);
        label = known;
      } else {
        label = folders;
      }
      folders += 1;
      labels[k] = label;
      options.signal?.throwIfAborted();
      await options.onLabel?.(dir, label);
      if (labelMap) {
        labelMap.writeSync(Buffer.from(`${dir}\t${label}\n`));
        await labelMap.ready();
      }
    }
  }
  return { table, order, labels, folders };
}

/** Shuffles the items as MXNet does and streams each list file out. */
async function writeLists(options: MakeListsOptions, items: Collected): Promise<ListFileWritten[]> {
  const { prefix, chunks = 1, trainRatio = 1, testRatio = 0, shuffle = true, overwrite, signal } = options;
  const count = items.order.length;
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  if (shuffle) new PyRandom(100).shuffle(order);

  const lists: ListFileWritten[] = [];
  for (const list of divideIntoLists(prefix, count, chunks, trainRatio, testRatio)) {
    signal?.throwIfAborted();
    const file = await createOutput(list.path, { overwrite });
    try {
      let text = '';
      for (let k = list.begin; k < list.end; k++) {
        const i = order[k]!;
        text += formatListLine({ index: i, labels: [items.labels[i]!], path: items.table.name(items.order[i]!) });
        if (text.length >= 1 << 20 || k + 1 === list.end) {
          file.writeSync(Buffer.from(text));
          text = '';
          await file.ready();
          signal?.throwIfAborted();
        }
      }
    } catch (err) {
      await file.abort();
      throw err;
    }
    await publishTogether([file], { fsync: false });
    lists.push({ path: list.path, images: list.end - list.begin });
  }
  return lists;
}
