/**
 * Local files as a Store (store.ts): read through FileSource, written through
 * AtomicFile (a temporary name, then a link or rename), held by a lock file
 * (output-lock.ts), listed as os.walk(followlinks=True) walks a tree.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AtomicFile, assertNew, nameTaken, removeTempsOf } from './atomic-file.js';
import { type ByteSource, FileSource, WholeFileSource } from './byte-source.js';
import { OutputIsInputError, OutputNameError } from './output-errors.js';
import { lockOutput } from './output-lock.js';
import { isDirectory } from './paths.js';
import type { ListOptions, OutputFile, OutputHold, Store } from './store.js';
import { EventLoopTurns } from '../util/turns.js';

/** Python sorts strings by code point; JS's default sort compares UTF-16 units. */
function byCodePoint(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
  }
  return x.length - y.length;
}

/** A folder's entries by kind, links followed (os.walk's followlinks=True, os.path.isfile); unreadable ones left out. */
function entriesOf(dir: string): { files: string[]; dirs: string[] } {
  const files: string[] = [];
  const dirs: string[] = [];
  const handle = fs.opendirSync(dir);
  try {
    for (let e = handle.readSync(); e !== null; e = handle.readSync()) {
      // d_type answers for plain entries; links (followed) and the rest need a stat.
      const st = e.isSymbolicLink() || (!e.isFile() && !e.isDirectory()) ? fs.statSync(path.join(dir, e.name), { throwIfNoEntry: false }) : e;
      if (st?.isDirectory()) dirs.push(e.name);
      else if (st?.isFile()) files.push(e.name);
    }
  } finally {
    handle.closeSync();
  }
  return { files, dirs };
}

/**
 * A tree's files in os.walk's order (top-down, each folder's files sorted
 * before its sorted sub-folders), links followed and each real folder walked
 * once (a link loop is not followed forever). The root must be readable;
 * below it, as in os.walk, a folder that cannot be read is passed over.
 */
async function* walk(root: string, signal: AbortSignal | undefined): AsyncGenerator<string> {
  const seen = new Set<string>();
  const turns = new EventLoopTurns(); // a walk never waits for I/O: a stop (Ctrl-C) is seen at these turns
  async function* visit(rel: string): AsyncGenerator<string> {
    signal?.throwIfAborted();
    const dir = rel === '' ? root : path.join(root, rel);
    let real: string;
    let entries: { files: string[]; dirs: string[] };
    try {
      real = fs.realpathSync(dir);
      if (seen.has(real)) return;
      seen.add(real);
      entries = entriesOf(dir);
    } catch (err) {
      if (rel === '') throw err;
      return;
    }
    for (const name of entries.files.sort(byCodePoint)) yield rel === '' ? name : `${rel}/${name}`;
    for (const name of entries.dirs.sort(byCodePoint)) yield* visit(rel === '' ? name : `${rel}/${name}`);
    const turn = turns.due();
    if (turn) await turn;
  }
  yield* visit('');
}

/** Refuses an output that is (by inode, so through links too) one of the inputs. */
function assertNotAnInput(output: string, inputs: readonly string[]): void {
  const out = fs.statSync(output, { throwIfNoEntry: false });
  if (!out) return; // does not exist yet, cannot be an input
  for (const input of inputs) {
    const st = fs.statSync(input, { throwIfNoEntry: false });
    if (st && st.dev === out.dev && st.ino === out.ino) throw new OutputIsInputError(output);
  }
}

export const localStore: Store = {
  kind: 'local file',
  remote: false,
  resumable: true,
  outputMemory: 0,

  display: (location) => location,
  absolute: (location) => path.resolve(location),

  open: async (location) => FileSource.open(location),
  openSync: (location): ByteSource => FileSource.open(location),
  openWhole: async (location) => WholeFileSource.open(location),
  exists: async (location) => nameTaken(location),
  isFolder: (location) => /[\\/]$/.test(location) || isDirectory(location),

  async *list(folder: string, options: ListOptions): AsyncGenerator<string> {
    if (options.recursive) {
      yield* walk(folder, options.signal);
      return;
    }
    // A folder's own files in the order the system lists them, as dmlc reads a folder of .rec files.
    yield* entriesOf(folder).files;
  },

  nameUnder(root, name, how) {
    if (path.isAbsolute(name)) return name; // MXNet's rule: an absolute path in a list stands alone
    return how === 'concat' ? root + name : path.join(root, name);
  },
  nameProblem: () => null,
  withExtension: (location, from, to) => location.replace(from, '') + to,

  checkOutputName(location) {
    // Said here, about the output: else the first file made beside it (its lock) would be named.
    const folder = path.dirname(path.resolve(location));
    if (!fs.existsSync(folder)) throw new OutputNameError(location, `expected an existing folder to write in, received ${path.dirname(location)}, which does not exist`);
    if (!fs.statSync(folder).isDirectory()) throw new OutputNameError(location, `expected a folder to write in, received ${path.dirname(location)}, which is a file`);
  },
  hold: (location): OutputHold => lockOutput(location),
  removeLeftovers(location, pid) {
    removeTempsOf(pid, path.dirname(path.resolve(location)), { of: path.basename(location) });
  },
  async checkOutput(location, { inputs, overwrite }) {
    assertNotAnInput(location, inputs);
    assertNew(location, overwrite);
  },
  makeFolderFor(location) {
    fs.mkdirSync(path.dirname(location), { recursive: true });
  },
  create: async (location, options = {}): Promise<OutputFile> => AtomicFile.create(location, options),
  createSync: (location, options = {}): OutputFile => AtomicFile.create(location, options),
  remove: async (location) => fs.rmSync(location, { force: true }),
};
