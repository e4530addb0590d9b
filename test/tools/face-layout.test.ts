/**
 * insightface's layout kept by the rewrites (issue 31): subset, split,
 * shuffle and merge of a file that has it give files that have it, rebuilt
 * (images under keys 1..N by identity, a true record 0 and identity
 * records), read as insightface's MXFaceDataset reads them (restated in
 * readFaceDataset, by key through the .idx); a merge keeps the identities of
 * different datasets apart, keeps those of parts together, or joins them by
 * name.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { packImageRecord, unpackImageRecord } from '../../src/format/image-record.js';
import { RecordIndex } from '../../src/format/index-file.js';
import { RecordReader } from '../../src/format/reader.js';
import { RecordWriter } from '../../src/format/writer.js';
import { mergeRecordFiles } from '../../src/tools/merge.js';
import { shuffleRecordFile } from '../../src/tools/shuffle.js';
import { splitRecordFile } from '../../src/tools/split.js';
import { subsetRecordFile } from '../../src/tools/subset.js';
import { recordFileInfo } from '../../src/tools/info.js';
import { writeInsightface } from '../helpers/insightface.js';
import { makeJpeg } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

interface FaceImage {
  key: number;
  label: number;
  /** The image bytes as hex, to follow an image from file to file. */
  image: string;
}

/**
 * What MXFaceDataset sees (record 0, then keys 1 .. label[0]-1), with the
 * identity records checked as its samplers use them: every image of
 * identity record k's range [a, b) has one label, and the ranges tile 1..N.
 */
function readFaceDataset(rec: string): { images: FaceImage[]; identities: Array<{ label: number; first: number; end: number }> } {
  const index = RecordIndex.readSync(rec.replace(/\.rec$/, '.idx'));
  const reader = RecordReader.open(rec);
  try {
    const at = (key: number) => {
      const offset = index.get(key);
      assert.ok(offset !== undefined, `${rec}: key ${key} is in the .idx`);
      const image = unpackImageRecord(reader.readSync(offset).payload);
      assert.equal(Number(image.id), key, `${rec}: record of key ${key} has id ${key}`);
      return image;
    };
    const header = at(0);
    assert.equal(header.flag, 2);
    assert.equal(header.image.length, 0);
    const [l0, l1] = header.label as [number, number];
    assert.equal(index.length, l1, `${rec}: the .idx holds record 0, the images and the identity records`);
    const images: FaceImage[] = [];
    for (let key = 1; key < l0; key++) {
      const image = at(key);
      assert.ok(image.image.length > 0, `key ${key} is an image`);
      images.push({ key, label: image.label[0]!, image: image.image.toString('hex') });
    }
    const identities = [];
    let next = 1;
    for (let key = l0; key < l1; key++) {
      const identity = at(key);
      assert.equal(identity.image.length, 0);
      const [first, end] = identity.label as [number, number];
      assert.equal(first, next, `identity ${key} starts where the one before ended`);
      assert.ok(end > first, `identity ${key} holds images`);
      const label = images[first - 1]!.label;
      for (let k = first; k < end; k++) assert.equal(images[k - 1]!.label, label, `key ${k} is of identity ${key}'s label`);
      identities.push({ label, first, end });
      next = end;
    }
    assert.equal(next, l0, 'the identity records cover every image');
    return { images, identities };
  } finally {
    reader.close();
  }
}

/** The images of a layout file by label, as sorted hex lists (file order does not matter to the layout). */
function imagesByLabel(images: readonly FaceImage[]): Map<number, string[]> {
  const by = new Map<number, string[]>();
  for (const { label, image } of images) by.set(label, [...(by.get(label) ?? []), image].sort());
  return by;
}

test('subset, split and shuffle of a file with the layout rebuild it', async () => {
  const dir = tempDir();
  const rec = await writeInsightface(dir, 'faces', [3, 1, 4, 2]);
  const source = readFaceDataset(rec);

  const subset = path.join(dir, 'subset.rec');
  const kept = await subsetRecordFile(rec, subset, { labels: new Set([1, 3]) });
  assert.deepEqual(kept.layout, { images: 3, identities: 2, leftOut: 0 });
  const got = readFaceDataset(subset);
  assert.deepEqual(imagesByLabel(got.images), new Map([...imagesByLabel(source.images)].filter(([label]) => label === 1 || label === 3)));
  assert.deepEqual((await recordFileInfo(subset)).layout, { kind: 'insightface', images: 3, identities: 2, imageKeys: [1, 4], identityKeys: [4, 6], notes: [] });

  const [a, b] = [path.join(dir, 'a.rec'), path.join(dir, 'b.rec')];
  await splitRecordFile(rec, [a, b], { shares: [1, 1], shuffle: true, seed: 3 });
  const parts = [readFaceDataset(a), readFaceDataset(b)];
  assert.equal(parts[0]!.images.length + parts[1]!.images.length, 10);
  assert.deepEqual([...parts[0]!.images, ...parts[1]!.images].map((i) => i.image).sort(), source.images.map((i) => i.image).sort());

  const shuffled = path.join(dir, 'shuffled.rec');
  await shuffleRecordFile(rec, shuffled, { seed: 7 });
  assert.deepEqual(imagesByLabel(readFaceDataset(shuffled).images), imagesByLabel(source.images));
  await assert.rejects(shuffleRecordFile(rec, path.join(dir, 'renumbered.rec'), { renumber: true }), /renumber: .*faces\.rec has insightface's layout.*rec flatten/);
});

test('a merge of face datasets keeps their identities apart, parts together, or joins them by name', async () => {
  const dir = tempDir();
  const first = await writeInsightface(dir, 'first', [2, 3]);
  const second = await writeInsightface(dir, 'second', [1, 2, 2]);
  const [one, two] = [readFaceDataset(first), readFaceDataset(second)];

  const apart = path.join(dir, 'apart.rec');
  const result = await mergeRecordFiles([first, second], apart, {});
  assert.deepEqual(result.layout, { images: 10, identities: 5, leftOut: 0, labelOffsets: [0, 2] });
  const merged = readFaceDataset(apart);
  assert.deepEqual(merged.identities.map((i) => i.label), [0, 1, 2, 3, 4]);
  const expected = new Map([...imagesByLabel(one.images), ...[...imagesByLabel(two.images)].map(([label, images]) => [label + 2, images] as const)]);
  assert.deepEqual(imagesByLabel(merged.images), expected);

  const shared = path.join(dir, 'shared.rec');
  await mergeRecordFiles([first, second], shared, { identities: 'shared' });
  const together = readFaceDataset(shared);
  assert.deepEqual(together.identities.map((i) => [i.label, i.end - i.first]), [[0, 3], [1, 5], [2, 2]]);

  // first's identity 1 and second's identity 2 are the same person.
  fs.writeFileSync(path.join(dir, 'first.labels.txt'), 'ana\t0\nben\t1\n');
  fs.writeFileSync(path.join(dir, 'second.labels.txt'), 'cy\t0\ndee\t1\nben\t2\n');
  const named = path.join(dir, 'named.rec');
  const byName = await mergeRecordFiles([first, second], named, { names: [path.join(dir, 'first.labels.txt'), path.join(dir, 'second.labels.txt')] });
  assert.equal(byName.labelMap, path.join(dir, 'named.labels.txt'));
  assert.equal(fs.readFileSync(byName.labelMap!, 'utf8'), 'ana\t0\nben\t1\ncy\t2\ndee\t3\n');
  const joined = readFaceDataset(named);
  assert.deepEqual(joined.identities.map((i) => [i.label, i.end - i.first]), [[0, 2], [1, 5], [2, 1], [3, 2]]);
  assert.deepEqual(imagesByLabel(joined.images).get(1), [...imagesByLabel(one.images).get(1)!, ...imagesByLabel(two.images).get(2)!].sort());
});

test('a plain file merged into a face dataset adds its labels as new identities', async () => {
  const dir = tempDir();
  const faces = await writeInsightface(dir, 'faces', [2, 2]);
  const plain = path.join(dir, 'plain.rec');
  const w = RecordWriter.create(plain, { indexPath: path.join(dir, 'plain.idx') });
  for (const [i, label] of [0, 1, 0].entries()) w.write(packImageRecord({ label, id: i }, await makeJpeg(24, 24, {}, 100 + i)), i);
  w.close();
  const out = path.join(dir, 'more.rec');
  await mergeRecordFiles([faces, plain], out, {});
  assert.deepEqual(readFaceDataset(out).identities.map((i) => [i.label, i.end - i.first]), [[0, 2], [1, 2], [2, 2], [3, 1]]);
  const names = path.join(dir, 'names.txt');
  fs.writeFileSync(names, 'ana\nben\n');
  await assert.rejects(mergeRecordFiles([plain, plain], path.join(dir, 'x.rec'), { renumber: true, names: [names, names] }), /names: expected inputs with insightface's layout/);
});
