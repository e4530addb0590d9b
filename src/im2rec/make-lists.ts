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
 */
import fs from 'node:fs';
import path from 'node:path';
import { claimOutputs } from '../io/output-claim.js';
import { writeWholeFile } from '../io/output-file.js';
import { displayLocation } from '../io/display-name.js';
import { readWhole } from '../io/locations.js';
import { listS3Keys } from '../io/s3.js';
import { isS3Url, isUrl } from '../io/url.js';
import { NothingWrittenError } from '../io/output-errors.js';
import { isDirectory } from '../io/paths.js';
import { formatListLine, type ListItem } from '../format/list-file.js';
import { PyRandom } from './py-random.js';
import { MxrecError } from '../util/errors.js';

export const DEFAULT_EXTS = ['.jpeg', '.jpg', '.png'];
/** The most list files one run makes (each chunk is one to three files). */
export const MAX_CHUNKS = 10_000;

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
}

export interface ListFileWritten {
  path: string;
  images: number;
}

export interface MakeListsResult {
  images: number;
  lists: ListFileWritten[];
  /** Folder (relative to root, '.' for the root) → label, in label order; empty unless recursive. */
  labels: [folder: string, label: number][];
  /** Where the label map was written (recursive mode without labelMap). */
  labelMapPath?: string;
}

/** Thrown for a folder that the given label map does not know, and similar user mistakes. */
export class ListingError extends MxrecError {
  override readonly name = 'ListingError';
  readonly kind = 'usage';
}

/** Python sorts strings by code point; JS's default sort compares UTF-16 units. */
function byCodePoint(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
  }
  return x.length - y.length;
}

/** os.path.splitext(name)[1]: leading dots do not start an extension. */
function extensionOf(name: string): string {
  const base = name.replace(/^\.+/, '');
  const dot = base.lastIndexOf('.');
  return dot < 0 ? '' : base.slice(dot);
}

function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch {
    return null; // broken symlink, vanished file: os.walk and isfile skip these too
  }
}

interface Found {
  rel: string;
  dir: string;
}

/** One folder's entries, by name (unsorted); null for a folder to pass over. */
type ListFolder = (relDir: string) => { files: string[]; dirs: string[] } | null;

/** A local tree as os.walk(followlinks=True) sees it: links followed, each real folder once. */
function localFolders(root: string): ListFolder {
  const seen = new Set<string>();
  return (relDir) => {
    const dir = relDir === '.' ? root : path.join(root, relDir);
    const real = fs.realpathSync(dir);
    if (seen.has(real)) return null; // a symlink loop: os.walk would recurse until the path is too long
    seen.add(real);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      if (relDir === '.') throw err; // the root itself must be readable; below it os.walk skips errors
      return null;
    }
    const files: string[] = [];
    const dirs: string[] = [];
    for (const e of entries) {
      // d_type answers for plain entries; symlinks (followed, as followlinks=True) need a stat.
      const st = e.isSymbolicLink() || (!e.isFile() && !e.isDirectory()) ? statOrNull(path.join(dir, e.name)) : e;
      if (!st) continue;
      if (st.isDirectory()) dirs.push(e.name);
      else if (st.isFile()) files.push(e.name);
    }
    return { files, dirs };
  };
}

/**
 * The folders of a bucket prefix, from its keys (relative to the prefix):
 * `a/b/c.jpg` is file c.jpg in folder a/b. Keys ending in `/` are the empty
 * "folder" objects consoles make, not files.
 */
function bucketFolders(keys: readonly string[]): ListFolder {
  const folders = new Map<string, { files: string[]; dirs: Set<string> }>();
  const folder = (rel: string) => {
    let f = folders.get(rel);
    if (!f) folders.set(rel, (f = { files: [], dirs: new Set() }));
    return f;
  };
  folder('.');
  for (const key of keys) {
    const parts = key.split('/');
    const name = parts.pop()!;
    let rel = '.';
    for (const part of parts) {
      folder(rel).dirs.add(part);
      rel = rel === '.' ? part : `${rel}/${part}`;
    }
    if (name !== '') folder(rel).files.push(name);
  }
  return (relDir) => {
    const f = folders.get(relDir);
    return f ? { files: f.files, dirs: [...f.dirs] } : null;
  };
}

/** Image files in os.walk order (top-down, sorted), each with its folder relative to the root. */
function* walk(list: ListFolder, recursive: boolean, exts: ReadonlySet<string>): Generator<Found> {
  function* visit(relDir: string): Generator<Found> {
    const entries = list(relDir);
    if (!entries) return;
    const files = [...entries.files].sort(byCodePoint);
    for (const name of files) {
      if (exts.has(extensionOf(name).toLowerCase())) {
        yield { rel: relDir === '.' ? name : `${relDir}/${name}`, dir: relDir };
      }
    }
    if (!recursive) return;
    for (const name of [...entries.dirs].sort(byCodePoint)) yield* visit(relDir === '.' ? name : `${relDir}/${name}`);
  }
  yield* visit('.');
}

/** Reads a label map: `folder<TAB>label` per line. */
export function readLabelMap(file: string): Map<string, number> {
  return parseLabelMap(fs.readFileSync(file, 'utf8'), file);
}

/** The largest label map read: a line per folder. */
const MAX_LABEL_MAP_BYTES = 64 << 20;

/** readLabelMap() for a path or URL (s3://). */
async function loadLabelMap(location: string): Promise<Map<string, number>> {
  if (!isUrl(location)) return readLabelMap(location);
  return parseLabelMap((await readWhole(location, MAX_LABEL_MAP_BYTES, 'a label map')).toString('utf8'), displayLocation(location));
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

function formatLabelMap(labels: readonly [string, number][]): string {
  return labels.map(([folder, label]) => `${folder}\t${label}\n`).join('');
}

function checkRatio(name: string, v: number): void {
  if (!(typeof v === 'number' && v >= 0 && v <= 1)) throw new RangeError(`${name}: expected a number in 0..1, received ${v}`);
}

/**
 * The list files and what goes in each, by MXNet's arithmetic: chunks, then
 * train/val/test within each chunk, sized from the chunk size (not from the
 * chunk's own length; kept so the files match). The names do not depend on
 * the items, so calling it with none names the files ahead of the walk.
 */
function divideIntoLists(prefix: string, items: readonly ListItem[], chunks: number, trainRatio: number, testRatio: number): { path: string; items: readonly ListItem[] }[] {
  const lists: { path: string; items: readonly ListItem[] }[] = [];
  const chunkSize = Math.ceil(items.length / chunks);
  for (let c = 0; c < chunks; c++) {
    const chunk = items.slice(c * chunkSize, (c + 1) * chunkSize);
    const base = prefix + (chunks > 1 ? `_${c}` : '');
    const sep = Math.trunc(chunkSize * trainRatio);
    const sepTest = Math.trunc(chunkSize * testRatio);
    if (trainRatio === 1) {
      lists.push({ path: `${base}.lst`, items: chunk });
    } else {
      if (testRatio) lists.push({ path: `${base}_test.lst`, items: chunk.slice(0, sepTest) });
      if (trainRatio + testRatio < 1) lists.push({ path: `${base}_val.lst`, items: chunk.slice(sepTest + sep) });
      lists.push({ path: `${base}_train.lst`, items: chunk.slice(sepTest, sepTest + sep) });
    }
  }
  return lists;
}

/** Walks `root` (a folder, or an s3://bucket/prefix/) and writes the lists; see the file comment for the rules. */
export async function makeLists(options: MakeListsOptions): Promise<MakeListsResult> {
  const { prefix, root, recursive = false, chunks = 1, trainRatio = 1, testRatio = 0 } = options;
  if (!Number.isInteger(chunks) || chunks < 1 || chunks > MAX_CHUNKS) throw new RangeError(`chunks: expected an integer in 1..${MAX_CHUNKS}, received ${chunks}`);
  checkRatio('trainRatio', trainRatio);
  checkRatio('testRatio', testRatio);
  const inBucket = isS3Url(root);
  if (!inBucket && !fs.statSync(root).isDirectory()) throw new ListingError(`${root}: expected a folder of images, received a file`);
  if (/[\\/]$/.test(prefix) || (!isUrl(prefix) && isDirectory(prefix))) {
    throw new ListingError(`${prefix}: is a folder; expected a file prefix such as ${isUrl(prefix) ? `${prefix}/train` : path.join(prefix, 'train')}`);
  }
  const exts = new Set((options.exts ?? DEFAULT_EXTS).map((e) => e.toLowerCase()));
  const given = options.labelMap !== undefined ? await loadLabelMap(options.labelMap) : null;
  const labelMapPath = recursive && !given ? `${prefix}.labels.txt` : null;

  if (!isUrl(prefix)) fs.mkdirSync(path.dirname(prefix), { recursive: true });
  const listNames = divideIntoLists(prefix, [], chunks, trainRatio, testRatio).map((l) => l.path);
  const claim = await claimOutputs(listNames, labelMapPath ? [labelMapPath] : [], { inputs: options.labelMap ? [options.labelMap] : [], overwrite: options.overwrite });
  try {
    // A bucket has no folders to walk: its keys under the prefix are listed once, and walked as a tree.
    const folders = inBucket ? bucketFolders(await listS3Keys(root, { recursive })) : localFolders(root);
    return await writeLists(options, folders, { labelMapPath, given, exts });
  } finally {
    claim.release();
  }
}

async function writeLists(
  options: MakeListsOptions,
  folders: ListFolder,
  plan: { labelMapPath: string | null; given: Map<string, number> | null; exts: ReadonlySet<string> },
): Promise<MakeListsResult> {
  const { prefix, root, recursive = false, chunks = 1, trainRatio = 1, testRatio = 0, shuffle = true } = options;
  const { given, exts } = plan;
  const labelOf = new Map<string, number>();
  const items: ListItem[] = [];
  for (const found of walk(folders, recursive, exts)) {
    let label = 0;
    if (recursive) {
      let known = labelOf.get(found.dir);
      if (known === undefined) {
        if (given) {
          known = given.get(found.dir);
          if (known === undefined) {
            throw new ListingError(`${found.dir}: folder not in the label map ${options.labelMap}; add it there or list without --labels`);
          }
        } else {
          known = labelOf.size;
        }
        labelOf.set(found.dir, known);
      }
      label = known;
    }
    items.push({ index: items.length, labels: [label], path: found.rel, line: 0 });
  }
  if (items.length === 0) {
    const walked = recursive ? 'in it or its sub-folders' : 'in it (only its own files are listed; --recursive walks sub-folders)';
    throw new NothingWrittenError(`${root}: no image files (${[...exts].join(' ')}) ${walked}; no list written`);
  }
  if (shuffle) new PyRandom(100).shuffle(items);

  const { overwrite } = options;
  const lists: ListFileWritten[] = [];
  for (const list of divideIntoLists(prefix, items, chunks, trainRatio, testRatio)) {
    await writeWholeFile(list.path, list.items.map(formatListLine).join(''), { fsync: false, overwrite });
    lists.push({ path: list.path, images: list.items.length });
  }

  const labels = [...labelOf].sort((a, b) => a[1] - b[1]);
  const result: MakeListsResult = { images: items.length, lists, labels };
  if (plan.labelMapPath) {
    result.labelMapPath = plan.labelMapPath;
    await writeWholeFile(plan.labelMapPath, formatLabelMap(labels), { fsync: false, overwrite });
  }
  return result;
}
