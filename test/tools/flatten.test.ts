/**
 * rec flatten (issue 31): insightface's layout, flattened for loaders that
 * take every record for an image. DALI's readers.mxnet rule (restated here:
 * every record in file order is a sample, its label the header's) counts
 * exactly the images; libdmlc reads every record; keys and ids are 0..n-1;
 * image bytes are unchanged; face2rec2's two labels per image become one
 * unless kept; --shuffle gives a seeded order of the same images.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { unpackImageRecord } from '../../src/format/image-record.js';
import { RecordIndex } from '../../src/format/index-file.js';
import { RecordReader } from '../../src/format/reader.js';
import { flattenRecordFile } from '../../src/tools/flatten.js';
import { recordFileInfo } from '../../src/tools/info.js';
import { fromFrames, runHarness, skipWithoutDmlc } from '../helpers/dmlc.js';
import { writeInsightface } from '../helpers/insightface.js';
import { tempDir } from '../helpers/tmp.js';

/** What DALI's readers.mxnet yields, file order, every record a sample: [label(s), id, image bytes as hex]. */
function daliSamples(rec: string): Array<{ labels: number[]; id: number; image: string }> {
  return [...RecordReader.open(rec)].map(({ payload }) => {
    const r = unpackImageRecord(payload);
    return { labels: r.label, id: Number(r.id), image: r.image.toString('hex') };
  });
}

const dir = tempDir();
const faces = await writeInsightface(dir, 'faces', [3, 1, 4], { face2rec2: true });
/** The images of the layout, by key (what MXFaceDataset reads), as flatten should give them. */
const images = daliSamples(faces).filter((s) => s.image.length > 0).sort((a, b) => a.id - b.id);

test('a flattened layout holds the images alone, one label each, keys and ids 0..n-1, bytes unchanged', async () => {
  const out = path.join(dir, 'flat.rec');
  const result = await flattenRecordFile(faces, out);
  assert.equal(result.records, 8);
  assert.equal(result.leftOut, 4); // record 0 and three identity records
  const samples = daliSamples(out);
  assert.deepEqual(samples.map((s) => s.image), images.map((s) => s.image));
  assert.deepEqual(samples.map((s) => s.labels), images.map((s) => [s.labels[0]]));
  assert.deepEqual(samples.map((s) => s.id), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(RecordIndex.readSync(path.join(dir, 'flat.idx')).entries.map((e) => e.key), ['0', '1', '2', '3', '4', '5', '6', '7']);
  assert.equal((await recordFileInfo(out)).layout.kind, 'images');

  const kept = path.join(dir, 'kept.rec');
  await flattenRecordFile(faces, kept, { keepLabels: true });
  assert.deepEqual(daliSamples(kept).map((s) => s.labels), images.map((s) => s.labels));
});

test('libdmlc reads every record of a flattened file', skipWithoutDmlc(), async () => {
  const out = path.join(dir, 'for-dmlc.rec');
  await flattenRecordFile(faces, out);
  const theirs = fromFrames(runHarness(['read', out]));
  assert.deepEqual(theirs.map((p) => unpackImageRecord(p).image.toString('hex')), images.map((s) => s.image));
});

test('--shuffle: the same images in a seeded order', async () => {
  const [a, b, c] = ['s1.rec', 's2.rec', 's3.rec'].map((f) => path.join(dir, f));
  await flattenRecordFile(faces, a!, { shuffle: true, seed: 5 });
  await flattenRecordFile(faces, b!, { shuffle: true, seed: 5 });
  await flattenRecordFile(faces, c!, { shuffle: true, seed: 6 });
  const [x, y, z] = [a!, b!, c!].map((f) => daliSamples(f).map((s) => s.image));
  assert.deepEqual(x, y);
  assert.notDeepEqual(x, z);
  assert.deepEqual([...x!].sort(), images.map((s) => s.image).sort());
  assert.deepEqual(daliSamples(a!).map((s) => s.id), [0, 1, 2, 3, 4, 5, 6, 7]);
});
