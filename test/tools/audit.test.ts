/**
 * rec audit (issue 31): on a generated set with planted exact duplicates,
 * re-encoded and resized near-duplicates, and train/val overlap, every group
 * is found and no other among 5,000 distinct images; the exclusion lists,
 * fed to subset, drop exactly the later members; the page has a sheet per
 * group; class and identity counts are exact.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { packImageRecord, unpackImageRecord } from '../../src/format/image-record.js';
import { RecordReader } from '../../src/format/reader.js';
import { RecordWriter } from '../../src/format/writer.js';
import { auditRecordFiles } from '../../src/tools/audit/audit.js';
import { readKeyList, subsetRecordFile } from '../../src/tools/subset.js';
import { distinctJpeg, reencoded, resized } from '../helpers/faces.js';
import { writeInsightface } from '../helpers/insightface.js';
import { tempDir } from '../helpers/tmp.js';

const DISTINCT = 5000;
const dir = tempDir();

/** Writes records (key = position unless given, label = given) to NAME.rec + .idx. */
function writeRec(name: string, records: { image: Buffer; label: number; key?: number }[]): string {
  const rec = path.join(dir, `${name}.rec`);
  const w = RecordWriter.create(rec, { indexPath: path.join(dir, `${name}.idx`) });
  records.forEach((r, i) => w.write(packImageRecord({ label: r.label, id: r.key ?? i }, r.image), r.key ?? i));
  w.close();
  return rec;
}

const distinct: Buffer[] = [];
for (let i = 0; i < DISTINCT + 40; i++) distinct.push(await distinctJpeg(i));

// train: the 5,000 distinct images (keys 0..4999, labels i % 50), then the planted copies.
const trainRecords = distinct.slice(0, DISTINCT).map((image, i) => ({ image, label: i % 50 }));
const planted = [
  { image: distinct[10]!, label: 10, key: 10_000 }, // exact copies of key 10
  { image: distinct[10]!, label: 10, key: 10_001 },
  { image: distinct[20]!, label: 20, key: 10_002 }, // exact copy of key 20
  { image: await reencoded(distinct[30]!, 40), label: 30, key: 10_003 }, // key 30 at JPEG quality 40
  { image: distinct[30]!, label: 30, key: 10_007 }, // and an exact copy of it: a near group holding an exact copy
  { image: await resized(distinct[40]!, 80), label: 40, key: 10_004 }, // key 40 smaller
  { image: await resized(distinct[40]!, 200), label: 40, key: 10_005 }, // and larger
  { image: await reencoded(distinct[50]!, 25), label: 0, key: 10_006 }, // key 50, harsh, another label
];
const train = writeRec('train', [...trainRecords, ...planted]);
// val: 40 images of its own, then copies of train's keys 60 (exact), 70 (re-encoded) and 10 (exact: joins that group).
const val = writeRec('val', [
  ...distinct.slice(DISTINCT, DISTINCT + 40).map((image, i) => ({ image, label: i % 5 })),
  { image: distinct[60]!, label: 60 % 50 },
  { image: await reencoded(distinct[70]!, 60), label: 70 % 50 },
  { image: distinct[10]!, label: 10 },
]);

/** A group as "file:key" strings, in order. */
const named = (g: { members: { file: string; key: string }[] }) => g.members.map((m) => `${path.basename(m.file, '.rec')}:${m.key}`);

test('the planted duplicates, near-duplicates and overlap are the groups found, and nothing among 5,000 distinct images', { timeout: 120_000 }, async () => {
  const out = path.join(dir, 'audit');
  fs.mkdirSync(out);
  const result = await auditRecordFiles([val, train], { exclude: out, html: out });
  const groups = result.groups.map(named).map((g) => g.join(' ')).sort();
  assert.deepEqual(groups, [
    'train:20 train:10002',
    'train:30 train:10003 train:10007',
    'train:40 train:10004 train:10005',
    'train:50 train:10006',
    'val:40 train:60',
    'val:41 train:70',
    'val:42 train:10 train:10000 train:10001',
  ]);
  const kinds = Object.fromEntries(result.groups.map((g) => [named(g).join(' '), g.kind]));
  assert.equal(kinds['val:42 train:10 train:10000 train:10001'], 'exact');
  assert.equal(kinds['train:40 train:10004 train:10005'], 'near');
  assert.equal(result.exactGroups, 3);
  assert.equal(result.nearGroups, 4);
  assert.equal(result.redundant, 11);
  // Byte-identical copies, wherever their group: 3 + 1 + 1 in the exact groups, and train:10007 in a near one.
  assert.equal(result.exactCopies, 6);
  assert.equal(result.images, DISTINCT + planted.length + 43);
  assert.deepEqual(result.overlap.map((o) => [path.basename(o.first), path.basename(o.second), o.groups, o.images]), [['val.rec', 'train.rec', 3, 5]]);
  // Members are named by key and label.
  const big = result.groups.find((g) => g.members.length === 4)!;
  assert.deepEqual(big.members.map((m) => [m.key, m.label]), [['42', [10]], ['10', [10]], ['10000', [10]], ['10001', [10]]]);
  assert.equal(new Set(big.members.map((m) => m.sha256)).size, 1);

  // Class counts: train's 50 labels, 100 images each, plus the planted ones.
  const t = result.files[1]!.classes;
  assert.equal(t.classes, 50);
  assert.equal(t.images, DISTINCT + planted.length);
  assert.equal(t.max, 102); // labels 10, 30 and 40: 100 and two planted copies each
  assert.equal(t.min, 100);

  // The exclusion lists: every member but the first, in its own file's list.
  assert.deepEqual(result.exclude, [path.join(out, 'val.exclude.txt'), path.join(out, 'train.exclude.txt')]);
  assert.equal(fs.readFileSync(path.join(out, 'val.exclude.txt'), 'utf8'), '');
  const dropped = [...(await readKeyList(path.join(out, 'train.exclude.txt')))].sort();
  assert.deepEqual(dropped, ['10', '10000', '10001', '10002', '10003', '10004', '10005', '10006', '10007', '60', '70'].sort());
  assert.deepEqual(result.files.map((f) => f.excluded), [0, 11]);

  // Fed to subset, they drop exactly those records and keep every other byte for byte.
  const clean = path.join(dir, 'train-clean.rec');
  const sub = await subsetRecordFile(train, clean, { exclude: await readKeyList(path.join(out, 'train.exclude.txt')) });
  assert.equal(sub.records, DISTINCT + planted.length - 11);
  const kept = [...RecordReader.open(clean)].map((r) => unpackImageRecord(r.payload));
  const keptIds = new Set(kept.map((r) => String(r.id)));
  for (const key of dropped) assert.ok(!keptIds.has(key), `key ${key} dropped`);
  assert.ok(keptIds.has('20') && keptIds.has('30') && keptIds.has('40') && keptIds.has('50'), 'the first of each group kept');
  const again = await auditRecordFiles([val, clean], {});
  assert.deepEqual(again.groups, [], 'nothing left once the lists are applied');

  // The page: index.html and one sheet per group, each a PNG.
  const files = fs.readdirSync(out).sort();
  assert.deepEqual(files, ['group-0001.png', 'group-0002.png', 'group-0003.png', 'group-0004.png', 'group-0005.png', 'group-0006.png', 'group-0007.png', 'index.html', 'train.exclude.txt', 'val.exclude.txt']);
  const html = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
  for (let i = 1; i <= 7; i++) assert.ok(html.includes(`src="group-000${i}.png"`));
  assert.ok(html.includes('<svg'), 'the counts as a chart');
  assert.ok(!/<script|https?:\/\//.test(html), 'no script, nothing fetched');
  for (const f of files.filter((f) => f.endsWith('.png'))) assert.deepEqual([...fs.readFileSync(path.join(out, f)).subarray(1, 4)], [0x50, 0x4e, 0x47]);
});

test('--no-near finds the exact duplicates alone, without decoding', async () => {
  const result = await auditRecordFiles([val, train], { near: false });
  assert.deepEqual(result.groups.map((g) => named(g).join(' ')).sort(), ['train:20 train:10002', 'train:30 train:10007', 'val:40 train:60', 'val:42 train:10 train:10000 train:10001']);
  assert.equal(result.search.compared, 0);
});

test("images per identity for insightface's layout, the header and identity records not counted as images", async () => {
  const faces = await writeInsightface(dir, 'faces', [3, 1, 4, 2]);
  const result = await auditRecordFiles([faces], { near: false });
  const f = result.files[0]!;
  assert.equal(f.layout, true);
  assert.equal(f.images, 10);
  assert.equal(f.otherRecords, 5);
  assert.deepEqual([f.classes.unit, f.classes.classes, f.classes.min, f.classes.median, f.classes.max, f.classes.ratio], ['identity', 4, 1, 2, 4, 4]);
  assert.deepEqual(f.classes.smallest.map((s) => [s.label, s.images]), [[1, 1], [3, 2], [0, 3], [2, 4]]);
});
