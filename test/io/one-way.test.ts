// One way to publish outputs and to read a file whole (issue 28): the
// synchronous variants, kept for the synchronous API, are the same steps as the
// asynchronous ones, with the same outcome and the same error on every edge.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ListPart, readListPart } from '../../src/im2rec/list-split.js';
import { type ByteSource, ChangedWhileReadError } from '../../src/io/byte-source.js';
import { readWhole, readWholeSync, registerStore, storeOf } from '../../src/io/locations.js';
import { createOutput, createOutputSync, publishTogether, publishTogetherSync } from '../../src/io/output-file.js';
import type { OutputFile, Store } from '../../src/io/store.js';
import { LocalOnlyError } from '../../src/io/url.js';
import { tempDir } from '../helpers/tmp.js';

test('publishing together, in the call or awaited: the same files, or the same error and nothing left', async () => {
  const ways = {
    sync: async (files: string[], before: () => void) => {
      const outs = files.map((file) => createOutputSync(file));
      outs.forEach((out, i) => out.writeSync(Buffer.from(`file ${i}\n`)));
      before();
      publishTogetherSync(outs);
    },
    async: async (files: string[], before: () => void) => {
      const outs: OutputFile[] = [];
      for (const file of files) outs.push(await createOutput(file));
      outs.forEach((out, i) => out.writeSync(Buffer.from(`file ${i}\n`)));
      before();
      await publishTogether(outs);
    },
  };
  const run = async (way: keyof typeof ways, appears: number | null) => {
    const dir = tempDir();
    const files = ['a.idx', 'b.txt', 'c.rec'].map((name) => path.join(dir, name));
    let error: string | null = null;
    try {
      await ways[way](files, () => appears !== null && fs.writeFileSync(files[appears]!, 'theirs'));
    } catch (err) {
      error = `${(err as Error).name}: ${(err as Error).message.split(dir).join('DIR')}`;
    }
    return { error, files: Object.fromEntries(fs.readdirSync(dir).sort().map((name) => [name, fs.readFileSync(path.join(dir, name), 'utf8')])) };
  };
  for (const appears of [null, 0, 1, 2]) {
    const sync = await run('sync', appears);
    assert.deepEqual(await run('async', appears), sync, `file ${appears} appearing`);
    if (appears === null) assert.deepEqual(Object.keys(sync.files), ['a.idx', 'b.txt', 'c.rec']);
    // All or nothing: the one that appeared stays theirs, the others are taken back or never made.
    else assert.deepEqual(sync.files, { [['a.idx', 'b.txt', 'c.rec'][appears]!]: 'theirs' }, `file ${appears} appearing`);
  }
});

test('an output that would wait (an upload) is refused by the synchronous publishing, dropped, and nothing published', () => {
  const calls: string[] = [];
  const waiting = (name: string, staged: Promise<void> | null): OutputFile => ({
    path: `up://bucket/${name}`,
    size: 0,
    writeSync: () => {},
    writevSync: () => {},
    ready: () => null,
    finish: () => void calls.push(`finish ${name}`),
    staged: () => staged,
    publish: () => (calls.push(`publish ${name}`), true),
    unpublish: () => void calls.push(`unpublish ${name}`),
    abort: async () => void calls.push(`abort ${name}`),
  });
  assert.throws(
    () => publishTogetherSync([waiting('x.idx', null), waiting('x.rec', new Promise(() => {}))]),
    (err: Error) => err instanceof LocalOnlyError && err.message.startsWith('up://bucket/x.rec: only local files are written here; use the async API'),
  );
  assert.deepEqual(calls, ['finish x.idx', 'finish x.rec', 'abort x.idx', 'abort x.rec']);
});

test('a failure while publishing in the call stays that failure, whatever dropping the outputs returns', () => {
  const calls: string[] = [];
  const output = (name: string, publish: () => boolean): OutputFile => ({
    path: `/out/${name}`,
    size: 0,
    writeSync: () => {},
    writevSync: () => {},
    ready: () => null,
    finish: () => {},
    staged: () => null,
    publish,
    unpublish: async () => void calls.push(`unpublish ${name}`), // promises, which nobody needs to wait for
    abort: async () => void calls.push(`abort ${name}`),
  });
  const full = new Error('ENOSPC: no space left on device');
  assert.throws(() => publishTogetherSync([output('x.idx', () => true), output('x.rec', () => { throw full; })]), (err) => err === full);
  assert.deepEqual(calls, ['unpublish x.idx', 'abort x.rec']);
});

// A store whose files end before the size they were opened with: what a file that shrinks while read gives.
const shrunk = (location: string): ByteSource => {
  const bytes = Buffer.from('0\t1\ta.jpg\n1\t2\tb.jpg\n');
  const size = bytes.length + 7;
  const readSync = (buffer: Buffer, offset: number, length: number, position: number) => (position >= bytes.length ? 0 : bytes.copy(buffer, offset, position, Math.min(bytes.length, position + length)));
  return { name: location, size, syncReads: true, readSync, read: async (...args) => readSync(...args), close: () => {} };
};
registerStore('shrinking', { ...storeOf('/'), kind: 'shrinking file', open: async (l) => shrunk(l), openSync: shrunk, openWhole: async (l) => shrunk(l) } satisfies Store);

test('a file that shrinks while read whole is one error, read in the call or awaited', async () => {
  const location = 'shrinking://lists/train.lst';
  const expected = (err: Error) => err instanceof ChangedWhileReadError && err.message === `${location}: changed while being read: 27 bytes when opened, 20 read`;
  assert.throws(() => readWholeSync(location, 1 << 20, 'an image list'), expected);
  await assert.rejects(readWhole(location, 1 << 20, 'an image list'), expected);
  // Through the public readers of lists, both ways.
  assert.throws(() => readListPart(location, { kind: 'tab' }), expected);
  await assert.rejects(ListPart.read(location, { kind: 'tab' }), expected);
  // A whole local file still reads whole.
  const file = path.join(tempDir(), 'ok.lst');
  fs.writeFileSync(file, 'abc');
  assert.equal(readWholeSync(file, 10, 'a list').toString(), 'abc');
  assert.equal((await readWhole(file, 10, 'a list')).toString(), 'abc');
});
