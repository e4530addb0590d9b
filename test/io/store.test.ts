// A fourth kind of location, added by this test alone: an in-memory store
// under mem://, registered as a library user would add gs://. A listing, a
// pack, a scan and a merge run through it unchanged and write the bytes a
// local run writes: the features name no transport (issue 28).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { RecordReader } from '../../src/format/reader.js';
import { makeLists } from '../../src/im2rec/make-lists.js';
import { pack } from '../../src/im2rec/pack.js';
import { BufferSource } from '../../src/io/byte-source.js';
import { registerStore, storeOf } from '../../src/io/locations.js';
import { relativeNameProblem } from '../../src/io/names.js';
import { OutputExistsError, OutputIsInputError } from '../../src/io/output-errors.js';
import type { OutputFile, Store } from '../../src/io/store.js';
import { LocalOnlyError } from '../../src/io/url.js';
import { mergeRecordFiles } from '../../src/tools/merge.js';
import { makeCorpus } from '../helpers/corpus.js';
import { tempDir } from '../helpers/tmp.js';

/** The store's objects, by location. */
const objects = new Map<string, Buffer>();

const notFound = (location: string) => Object.assign(new Error(`${location}: no such object`), { code: 'ENOENT', syscall: 'open', path: location });

function read(location: string): BufferSource {
  const bytes = objects.get(location);
  if (!bytes) throw notFound(location);
  return new BufferSource(bytes, location);
}

/** Bytes gathered in memory, an object only when published. */
class MemOutput implements OutputFile {
  private readonly pieces: Buffer[] = [];
  size = 0;
  constructor(
    readonly path: string,
    private readonly overwrite: boolean,
  ) {}
  writeSync(bytes: Uint8Array, offset = 0, length = bytes.byteLength - offset): void {
    this.pieces.push(Buffer.from(bytes.subarray(offset, offset + length)));
    this.size += length;
  }
  writevSync(pieces: readonly Uint8Array[]): void {
    for (const piece of pieces) this.writeSync(piece);
  }
  ready(): null {
    return null;
  }
  finish(): void {}
  staged(): null {
    return null;
  }
  publish(): boolean {
    if (!this.overwrite && objects.has(this.path)) throw new OutputExistsError(this.path, 'appeared while this run was writing it');
    objects.set(this.path, Buffer.concat(this.pieces));
    return !this.overwrite;
  }
  unpublish(): void {
    objects.delete(this.path);
  }
  abort(): void {}
}

const memStore: Store = {
  kind: 'mem:// object',
  remote: false,
  resumable: false,
  outputMemory: 0,
  display: (location) => location,
  absolute: (location) => location,
  open: async (location) => read(location),
  openSync: (location) => read(location),
  openWhole: async (location) => read(location),
  exists: async (location) => objects.has(location),
  isFolder: (location) => location.endsWith('/'),
  async *list(folder, { recursive }) {
    for (const location of objects.keys()) {
      const name = location.slice(folder.length);
      if (location.startsWith(folder) && (recursive || !name.includes('/'))) yield name;
    }
  },
  nameUnder: (root, name) => (root.endsWith('/') ? root : `${root}/`) + name,
  nameProblem: relativeNameProblem,
  withExtension: (location, from, to) => location.replace(from, '') + to,
  checkOutputName: () => {},
  hold: () => null,
  removeLeftovers: () => {},
  async checkOutput(location, { inputs, overwrite }) {
    if (inputs.includes(location)) throw new OutputIsInputError(location);
    if (!overwrite && objects.has(location)) throw new OutputExistsError(location);
  },
  makeFolderFor: () => {},
  create: async (location, options = {}) => new MemOutput(location, options.overwrite ?? false),
  createSync: (location, options = {}) => new MemOutput(location, options.overwrite ?? false),
  remove: async (location) => void objects.delete(location),
};

registerStore('mem', memStore);

test('a store added by a library user: lists, a pack, a scan and a merge through it write what a local run writes', async () => {
  assert.equal(storeOf('mem://ds/x.rec'), memStore);
  assert.throws(() => RecordReader.open('mem://ds/none.rec'), (err: Error) => (err as { code?: string }).code === 'ENOENT' || err instanceof LocalOnlyError);

  // The same images on disk and in the store.
  const images = await makeCorpus({ count: 24 });
  const dir = tempDir('mxrec-store-');
  for (const rel of fs.readdirSync(images, { recursive: true }) as string[]) {
    const file = path.join(images, rel);
    if (fs.statSync(file).isFile()) objects.set(`mem://ds/images/${rel.split(path.sep).join('/')}`, fs.readFileSync(file));
  }

  // im2rec --list --recursive, both ways: the same list and label map.
  await makeLists({ prefix: path.join(dir, 'train'), root: images, recursive: true });
  await makeLists({ prefix: 'mem://ds/train', root: 'mem://ds/images/', recursive: true });
  assert.ok(objects.get('mem://ds/train.lst')!.equals(fs.readFileSync(path.join(dir, 'train.lst'))), 'the same list');
  assert.ok(objects.get('mem://ds/train.labels.txt')!.equals(fs.readFileSync(path.join(dir, 'train.labels.txt'))), 'the same label map');

  // A pack, both ways: the same .rec and .idx.
  const settings = { dialect: { kind: 'tab' } as const, image: { resize: 32, quality: 90 } };
  await pack({ list: path.join(dir, 'train.lst'), root: images, output: path.join(dir, 'train.rec'), ...settings });
  const summary = await pack({ list: 'mem://ds/train.lst', root: 'mem://ds/images/', output: 'mem://ds/train.rec', ...settings });
  assert.equal(summary.written, 24);
  assert.ok(objects.get('mem://ds/train.rec')!.equals(fs.readFileSync(path.join(dir, 'train.rec'))), 'the same .rec');
  assert.ok(objects.get('mem://ds/train.idx')!.equals(fs.readFileSync(path.join(dir, 'train.idx'))), 'the same .idx');

  // A scan of the object reads what the file holds.
  const fromStore = await RecordReader.openAsync('mem://ds/train.rec');
  const fromFile = RecordReader.open(path.join(dir, 'train.rec'));
  const ids = async (reader: RecordReader) => {
    const out: number[] = [];
    for await (const record of reader.scan()) out.push(record.offset);
    return out;
  };
  assert.deepEqual(await ids(fromStore), await ids(fromFile));

  // A merge of an object and a file into an object; an existing one is not replaced, an input is never the output.
  await mergeRecordFiles(['mem://ds/train.rec', path.join(dir, 'train.rec')], 'mem://ds/merged.rec', { renumber: true });
  await mergeRecordFiles([path.join(dir, 'train.rec'), path.join(dir, 'train.rec')], path.join(dir, 'merged.rec'), { renumber: true });
  assert.ok(objects.get('mem://ds/merged.rec')!.equals(fs.readFileSync(path.join(dir, 'merged.rec'))), 'the same merge');
  await assert.rejects(mergeRecordFiles(['mem://ds/train.rec'], 'mem://ds/merged.rec'), OutputExistsError);
  await assert.rejects(mergeRecordFiles(['mem://ds/train.rec'], 'mem://ds/train.rec', { overwrite: true }), OutputIsInputError);
});

test('an unknown scheme is said as such, once, not read as a local path', () => {
  assert.throws(() => storeOf('gs://bucket/x.rec'), /"gs:\/\/bucket\/x\.rec": no store reads gs:\/\/ locations/);
});
