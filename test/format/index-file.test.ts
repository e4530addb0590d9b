import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { IndexFileError } from '../../src/format/errors.js';
import { RecordIndex, indexPathFor } from '../../src/format/index-file.js';
import { tempDir } from '../helpers/tmp.js';

test('parses TAB-separated lines (Python) and whitespace-separated lines (dmlc), CRLF too', () => {
  const index = RecordIndex.parse('0\t0\n4\t5440\r\n7 10800\n\n  2   99996\n');
  assert.deepEqual(index.keys(), ['0', '4', '7', '2']);
  assert.equal(index.get(4), 5440);
  assert.equal(index.get('7'), 10800);
  assert.equal(index.get(2), 99996);
  assert.equal(index.get(1), undefined);
  assert.equal(index.size, 4);
  assert.deepEqual(index.entries[1], { key: '4', offset: 5440, line: 2 });
});

test('a key listed twice maps to its last offset, as MXIndexedRecordIO does', () => {
  const index = RecordIndex.parse('1\t0\n1\t48\n');
  assert.equal(index.get(1), 48);
  assert.equal(index.entries.length, 2);
  assert.deepEqual(index.keys(), ['1']);
});

test('a malformed line is an IndexFileError naming file and line', () => {
  const cases: Array<[string, RegExp]> = [
    ['0\t0\n1\n', /^train\.idx:2: expected "key<TAB>offset", received "1"$/],
    ['0\t0\n1\t2\t3\n', /^train\.idx:2: expected "key<TAB>offset"/],
    ['0\t-4\n', /^train\.idx:1: expected a byte offset \(non-negative integer\), received "-4"$/],
    ['0\t1e3\n', /^train\.idx:1: expected a byte offset/],
    ['0\t99999999999999999999\n', /^train\.idx:1: expected a byte offset/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => RecordIndex.parse(text, 'train.idx'), (err: unknown) => err instanceof IndexFileError && message.test(err.message));
  }
});

test('writes key<TAB>offset lines atomically and reads them back', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'x.idx');
  const index = new RecordIndex();
  index.add(3, 0);
  index.add('b', 1024);
  index.writeSync(file);
  assert.equal(fs.readFileSync(file, 'utf8'), '3\t0\nb\t1024\n');
  const back = await RecordIndex.read(file);
  assert.deepEqual(back.keys(), ['3', 'b']);
  assert.deepEqual(fs.readdirSync(dir), ['x.idx']);
  assert.throws(() => index.add('has space', 1), /expected an index key without whitespace, received "has space"/);
});

test('indexPathFor swaps .rec for .idx', () => {
  assert.equal(indexPathFor('/d/train.rec'), '/d/train.idx');
  assert.equal(indexPathFor('/d/train.REC'), '/d/train.idx');
  assert.equal(indexPathFor('/d/train'), '/d/train.idx');
});

test('entries in offset order (equal offsets in file order), offsets past 2^32 and duplicates too', () => {
  // Offsets that differ only above bit 26, only below it, and not at all: both passes of the sort matter.
  const offsets = [5 * 2 ** 40 + 8, 2 ** 26 + 4, 8, 2 ** 26 + 4, 12, 2 ** 33, 8, 2 ** 26, 2 ** 53 - 4, 0];
  const index = new RecordIndex(offsets.map((offset, i) => ({ key: `k${i}`, offset, line: i + 1 })));
  const expected = offsets.map((offset, i) => [offset, i]).sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!).map(([, i]) => i);
  assert.deepEqual([...index.positionsByOffset()!], expected);
  assert.equal(index.keyAtOffset(8), 'k6');
  assert.equal(index.keyAtOffset(2 ** 26 + 4), 'k3');
  assert.equal(index.keyAtOffset(2 ** 53 - 4), 'k8');
  assert.equal(index.keyAtOffset(4), undefined);
  assert.equal(RecordIndex.parse('0\t0\n1\t8\n').positionsByOffset(), null);
});

test('keys that are not integers: the last entry wins, distinct keys counted, integers and text mixed', () => {
  const index = RecordIndex.parse('7\t0\nb\t8\nb\t16\nc\xe9\t24\n7\t32\n');
  assert.equal(index.get('b'), 16);
  assert.equal(index.get(7), 32);
  assert.equal(index.get('7'), 32);
  assert.equal(index.get('c\xe9'), 24);
  assert.equal(index.get('c'), undefined);
  assert.equal(index.has(8), false);
  assert.equal(index.size, 3);
  assert.deepEqual(index.keys(), ['7', 'b', 'c\xe9']);
  index.add('d', 40);
  assert.equal(index.size, 4);
  assert.equal(index.get('d'), 40);
  // Sparse integer keys (no table indexed by key): the same lookups.
  const sparse = RecordIndex.parse('4000000000\t0\n3\t8\n4000000000\t16\n');
  assert.equal(sparse.get(4000000000), 16);
  assert.equal(sparse.get(3), 8);
  assert.equal(sparse.get('03'), undefined);
  assert.equal(sparse.size, 2);
});
