// Record ids are u64 in the image header. Below 2^53 they are JS numbers; from
// 2^53 to 2^64-1 they are bigints, exact through every tool: dump, index,
// verify, unpack's .lst and file names, im2rec packing that .lst back,
// subset --keys, view's captions and ImageRecordIter's batch.index.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { packImageRecord, unpackImageRecord } from '../../src/format/image-record.js';
import { RecordIndex } from '../../src/format/index-file.js';
import { RecordReader } from '../../src/format/reader.js';
import { RecordWriter } from '../../src/format/writer.js';
import { parseListLine } from '../../src/format/list-file.js';
import { pack } from '../../src/im2rec/pack.js';
import { ImageRecordIter } from '../../src/iter/image-record-iter.js';
import { runBin } from '../helpers/cli.js';
import { makeJpeg } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('mxrec-big-ids-');
/** Both sides of 2^53, and the largest u64. */
const IDS = [0, 2 ** 53 - 1, 2n ** 53n, 2n ** 53n + 1n, 12345678901234567890n, 2n ** 64n - 1n] as const;
const text = IDS.map(String);

const rec = path.join(dir, 'big.rec');
const writer = RecordWriter.create(rec, { indexPath: path.join(dir, 'big.idx') });
for (const [i, id] of IDS.entries()) writer.write(packImageRecord({ label: i, id, id2: id }, await makeJpeg(40, 32, {}, i + 1)), id);
await writer.close();

function ids(file: string): string[] {
  const reader = RecordReader.open(file);
  try {
    return [...reader.scan()].map((r) => String(unpackImageRecord(r.payload).id));
  } finally {
    reader.close();
  }
}

describe('ids from 2^53 to 2^64-1', () => {
  test('the header reads them as bigints, exactly; smaller ids stay numbers', () => {
    const reader = RecordReader.open(rec);
    const got = [...reader.scan()].map((r) => unpackImageRecord(r.payload));
    reader.close();
    assert.deepEqual(got.map((x) => x.id), [...IDS]);
    assert.deepEqual(got.map((x) => x.id2), [...IDS]);
    assert.equal(typeof got[1]!.id, 'number');
    assert.equal(typeof got[2]!.id, 'bigint');
  });

  test('a .lst index may be any u64; 2^64 and beyond are refused', () => {
    const item = parseListLine('18446744073709551615\t1\ta.jpg', { kind: 'tab' }, 'x.lst', 1);
    assert.equal(item.index, 2n ** 64n - 1n);
    assert.equal(parseListLine('9007199254740991 2 a.jpg', { kind: 'whitespace', labelWidth: 1 }, 'x.lst', 1).index, 2 ** 53 - 1);
    assert.throws(
      () => parseListLine('18446744073709551616\t1\ta.jpg', { kind: 'tab' }, 'x.lst', 3),
      /x\.lst:3: expected the image index \(an integer in 0\.\.2\^64-1\) first, received "18446744073709551616"/,
    );
  });

  test('rec dump prints them as exact JSON integers', () => {
    const res = runBin('rec', ['dump', rec]);
    assert.equal(res.status, 0, res.stderr);
    const lines = res.stdout.trim().split('\n');
    assert.deepEqual(lines.map((l) => /"id":(\d+),"id2":(\d+)/.exec(l)?.slice(1)), text.map((t) => [t, t]));
  });

  test('rec index writes them as keys; rec verify checks them; the index finds them by bigint', async () => {
    const rebuilt = path.join(dir, 'rebuilt.idx');
    assert.equal(runBin('rec', ['index', rec, '-o', rebuilt]).status, 0);
    assert.deepEqual(fs.readFileSync(rebuilt, 'utf8').trim().split('\n').map((l) => l.split('\t')[0]), text);
    const res = runBin('rec', ['verify', rec]);
    assert.equal(res.status, 0, res.stdout + res.stderr);
    const index = await RecordIndex.read(rebuilt);
    assert.equal(index.get(2n ** 64n - 1n), index.get('18446744073709551615'));
    assert.notEqual(index.get(2n ** 64n - 1n), undefined);
  });

  test('rec unpack names files and writes the .lst by the exact id; im2rec packs it back to the same ids', () => {
    const out = path.join(dir, 'unpacked');
    const res = runBin('rec', ['unpack', rec, out, '--lst', 'back.lst']);
    assert.equal(res.status, 0, res.stderr);
    const lst = fs.readFileSync(path.join(out, 'back.lst'), 'utf8').trim().split('\n');
    assert.deepEqual(lst.map((l) => l.split('\t')[0]), text);
    assert.ok(lst.at(-1)!.endsWith('/18446744073709551615.jpg'), lst.at(-1));
    const packed = runBin('im2rec', [path.join(out, 'back'), out, '--pass-through', '--quiet']);
    assert.equal(packed.status, 0, packed.stderr);
    assert.deepEqual(ids(path.join(out, 'back.rec')), text);
    assert.deepEqual(fs.readFileSync(path.join(out, 'back.idx'), 'utf8').trim().split('\n').map((l) => l.split('\t')[0]), text);
  });

  test('im2rec --resume continues a pack of such ids from its journal, to the same bytes', async () => {
    const root = path.join(dir, 'unpacked');
    const files = fs.readFileSync(path.join(root, 'back.lst'), 'utf8').trim().split('\n').map((l) => l.split('\t').at(-1)!);
    const list = path.join(dir, 'resume.lst');
    fs.writeFileSync(list, Array.from({ length: 40 }, (_, i) => `${2n ** 64n - 40n + BigInt(i)}\t${i % 3}\t${files[i % files.length]}\n`).join(''));
    const opts = { list, root, dialect: { kind: 'tab' } as const, image: { passThrough: true }, threads: 1, fsync: false };
    const clean = await pack({ ...opts, output: path.join(dir, 'resume-clean.rec') });
    const abort = new AbortController();
    const out = path.join(dir, 'resume.rec');
    const first = await pack({ ...opts, output: out, signal: abort.signal, onProgress: () => abort.abort() });
    assert.ok(first.interrupted && first.done > 0 && first.done < 40, `${first.done}`);
    const second = await pack({ ...opts, output: out, resume: true });
    assert.equal(second.resumedFrom, first.done);
    assert.ok(fs.readFileSync(out).equals(fs.readFileSync(clean.output)));
    assert.ok(fs.readFileSync(path.join(dir, 'resume.idx')).equals(fs.readFileSync(path.join(dir, 'resume-clean.idx'))));
    assert.equal(ids(out).at(-1), '18446744073709551615');
  });

  test('rec subset --keys keeps them by key', () => {
    const keys = path.join(dir, 'keys.txt');
    fs.writeFileSync(keys, '9007199254740993\n18446744073709551615\n');
    const out = path.join(dir, 'subset.rec');
    const res = runBin('rec', ['subset', rec, '-o', out, '--keys', keys]);
    assert.equal(res.status, 0, res.stderr);
    assert.deepEqual(ids(out), ['9007199254740993', '18446744073709551615']);
  });

  test('ImageRecordIter: batch.index holds them exactly, and a pathImglist finds their labels', async () => {
    const list = path.join(dir, 'labels.lst');
    fs.writeFileSync(list, text.map((t, i) => `${t}\t${10 + i}\tx.jpg\n`).join(''));
    const it = new ImageRecordIter({ pathImgrec: rec, pathImglist: list, dataShape: [3, 16, 16], batchSize: 6 });
    const batch = (await it.next()).value!;
    it.close();
    assert.deepEqual(batch.index, [...IDS]);
    assert.deepEqual([...batch.label], [10, 11, 12, 13, 14, 15]);
  });
});
