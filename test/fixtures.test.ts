/**
 * Every file in test/fixtures reads with the counts, ids, labels and offsets
 * that test/fixtures/SOURCES.md gives (for the MXNet-made ones, found by an
 * independent walker), and its .idx / .lst agree with it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { RecordIndex } from '../src/format/index-file.js';
import { type RecordId, unpackImageRecord } from '../src/format/image-record.js';
import { RecordReader } from '../src/format/reader.js';
import { fixture, jpegSize } from './helpers/fixtures.js';

function readAll(rel: string) {
  const reader = RecordReader.open(fixture(rel));
  try {
    return [...reader].map((r) => ({ ...r, image: unpackImageRecord(r.payload) }));
  } finally {
    reader.close();
  }
}

const needsPadding = (recs: Array<{ payload: Buffer }>) => recs.filter((r) => r.payload.length % 4 !== 0).length;

function lengthRange(recs: Array<{ payload: Buffer }>): [number, number] {
  const lengths = recs.map((r) => r.payload.length);
  return [Math.min(...lengths), Math.max(...lengths)];
}

function countBy<T>(items: T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

function checkIndex(idxRel: string, recs: Array<{ offset: number; image: { id: RecordId } }>): void {
  const index = RecordIndex.readSync(fixture(idxRel));
  assert.equal(index.entries.length, recs.length);
  const byOffset = new Map(recs.map((r) => [r.offset, r]));
  for (const { key, offset } of index.entries) {
    const rec = byOffset.get(offset);
    assert.ok(rec, `idx offset ${offset} is a record start`);
    assert.equal(String(rec.image.id), key, `idx key at ${offset} equals the header id`);
  }
}

describe('real MXNet-made fixtures', () => {
  test('dmlc-sample/sample.rec: 10 text records, ids 1..10, label 1 for odd ids', () => {
    const recs = readAll('dmlc-sample/sample.rec');
    assert.equal(fs.statSync(fixture('dmlc-sample/sample.rec')).size, 532);
    assert.deepEqual(
      recs.map((r) => r.offset),
      [0, 52, 104, 156, 208, 260, 312, 364, 416, 468],
    );
    recs.forEach((r, i) => {
      const id = i + 1;
      assert.deepEqual([r.image.flag, r.image.id, r.image.id2, r.image.label], [0, id, 0, [id % 2]]);
      assert.equal(r.image.image.toString(), `${id}\n`.repeat(10));
      assert.equal(r.parts, 1);
    });
    assert.deepEqual(countBy(recs, (r) => String(r.payload.length)), { 44: 9, 54: 1 });
    assert.equal(recs.at(-1)!.end, 532);
  });

  test('adaface-tiny: 8 face JPEGs 112x112x3, shuffled ids, .idx and .lst agree', () => {
    const recs = readAll('adaface-tiny/train.rec');
    assert.deepEqual(
      recs.map((r) => r.image.id),
      [0, 4, 7, 5, 1, 6, 3, 2],
    );
    for (const r of recs) {
      assert.equal(r.image.flag, 0);
      assert.ok([0, 1].includes(r.image.label[0]!));
      assert.deepEqual(jpegSize(r.image.image), { width: 112, height: 112, channels: 3 });
    }
    assert.deepEqual(lengthRange(recs), [4195, 6783]);
    assert.equal(needsPadding(recs), 6);
    checkIndex('adaface-tiny/train.idx', recs);
    const lst = fs
      .readFileSync(fixture('adaface-tiny/train.lst'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    assert.deepEqual(
      lst.map((f) => Number(f[0])),
      recs.map((r) => r.image.id),
    );
    assert.deepEqual(
      lst.map((f) => Math.fround(Number(f[1]))),
      recs.map((r) => r.image.label[0]),
    );
  });

  test('readtome/validation: 40 JPEGs, ids 0..39, label 0, two image sizes, sorted .idx', () => {
    const recs = readAll('readtome/validation.rec');
    assert.equal(recs.length, 40);
    recs.forEach((r, i) => assert.deepEqual([r.image.id, r.image.flag, r.image.label], [i, 0, [0]]));
    const sizes = countBy(recs, (r) => {
      const s = jpegSize(r.image.image);
      return `${[s.width, s.height].sort((a, b) => a - b).join('x')}x${s.channels}`;
    });
    assert.deepEqual(sizes, { '255x453x3': 29, '143x255x3': 11 });
    assert.deepEqual(lengthRange(recs), [11_477, 46_562]);
    assert.equal(needsPadding(recs), 27);
    assert.equal(recs.at(-1)!.end, 1_240_228);
    checkIndex('readtome/validation.idx', recs);
  });

  test('gray-glyphs/val.rec (ours): 392 grayscale 28x28 JPEGs, ids 1..392, 20 classes in 2..34', () => {
    const recs = readAll('gray-glyphs/val.rec');
    assert.equal(recs.length, 392);
    recs.forEach((r, i) => assert.equal(r.image.id, i + 1));
    const labels = recs.map((r) => r.image.label[0]!);
    assert.ok(labels.every((l) => Number.isInteger(l) && l >= 2 && l <= 34));
    assert.equal(new Set(labels).size, 20);
    assert.ok(recs.every((r) => r.image.flag === 0));
    for (const r of recs) assert.deepEqual(jpegSize(r.image.image), { width: 28, height: 28, channels: 1 });
    assert.deepEqual(lengthRange(recs), [695, 880]);
    assert.equal(needsPadding(recs), 300);
  });
});
