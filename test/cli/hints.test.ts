/**
 * Messages that say what to do next: a misspelt flag is reported (with its
 * suggestion) before a required one that is missing, damage found by `rec
 * info` points to `rec verify`, damage that stops `rec iter` names
 * --skip-corrupt (once, in the command line's words), and a file whose
 * records hold no images is not called an image dataset nor drawn as one.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { packImageRecord } from '../../src/format/image-record.js';
import { RecordWriter } from '../../src/format/writer.js';
import { isOneLineError, runBin } from '../helpers/cli.js';
import { fixture } from '../helpers/fixtures.js';
import { makeJpeg } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('mxrec-hints-');
const rec = fixture('adaface-tiny/train.rec');
const notImages = fixture('dmlc-sample/sample.rec');

/** adaface-tiny with the magic of its fourth record broken, its .idx beside it. */
function damagedCopy(): { file: string; offset: number } {
  const bytes = fs.readFileSync(rec);
  const offset = 16648; // the fourth record (SOURCES.md: 8 records of 4 to 7 kB)
  assert.equal(bytes.readUInt32LE(offset), 0xced7230a);
  bytes.writeUInt32LE(0xced723f5, offset);
  const file = path.join(dir, 'damaged.rec');
  fs.writeFileSync(file, bytes);
  fs.copyFileSync(fixture('adaface-tiny/train.idx'), path.join(dir, 'damaged.idx'));
  return { file, offset };
}
const damaged = damagedCopy();

test('rec iter --batchsize: the unknown flag and its suggestion come before a required flag that is missing', () => {
  for (const extra of [['--data-shape', '3,32,32'], []]) {
    const res = runBin('rec', ['iter', rec, '--batchsize', '4', ...extra]);
    assert.equal(res.status, 2, res.stderr);
    assert.ok(isOneLineError(res.stderr), res.stderr);
    assert.match(res.stderr, /^rec iter: unknown option '--batchsize'\s*\(Did you mean --batch-size\?\)/);
  }
  // Nothing misspelt: the missing flag is still said as before.
  const missing = runBin('rec', ['iter', rec, '--data-shape', '3,32,32']);
  assert.equal(missing.stderr, "rec iter: required option '--batch-size <n>' not specified (see rec iter --help)\n");
});

test('rec info stops at damage and says that rec verify lists every problem', () => {
  const res = runBin('rec', ['info', damaged.file]);
  assert.equal(res.status, 1, res.stderr);
  assert.ok(isOneLineError(res.stderr), res.stderr);
  assert.match(res.stderr, new RegExp(`damaged\\.rec: byte ${damaged.offset}: bad magic .*; rec verify .*damaged\\.rec lists every problem\\n$`));
});

test('rec iter stopped by damaged framing: said once, with --skip-corrupt; and a damaged image names the flag too', async () => {
  for (const extra of [[], ['--shuffle'], ['--no-index']]) {
    const res = runBin('rec', ['iter', damaged.file, '--data-shape', '3,32,32', '--batch-size', '2', ...extra]);
    assert.equal(res.status, 1, res.stderr);
    assert.ok(isOneLineError(res.stderr), res.stderr);
    assert.equal(res.stderr.match(/no record starts here/g)?.length, 1, res.stderr);
    assert.match(res.stderr, new RegExp(`damaged\\.rec: byte ${damaged.offset}: .*bad magic .*\\(--skip-corrupt steps over damaged records\\)\\n$`));
    assert.ok(!res.stderr.includes('((') && !res.stderr.includes('))'), res.stderr);
  }
  const broken = path.join(dir, 'broken.rec');
  const w = RecordWriter.create(broken);
  w.write(packImageRecord({ label: 0, id: 0 }, (await makeJpeg(40, 30)).subarray(0, 100)));
  await w.close();
  const res = runBin('rec', ['iter', broken, '--data-shape', '3,32,32', '--batch-size', '1']);
  assert.equal(res.status, 1, res.stderr);
  assert.match(res.stderr, /broken\.rec: record at byte 0 \(id 0\): image: .*\(--skip-corrupt steps over damaged records\)\n$/);
});

test('rec info of records that hold no images: not an image dataset', () => {
  const res = runBin('rec', ['info', notImages]);
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stdout, /^ {2}layout: +not images: 10 records with image headers \(ids, labels\), none holding an image\n/m);
  assert.ok(!/image dataset/.test(res.stdout), res.stdout);
  assert.ok(!/all 10 read/.test(res.stdout), res.stdout);
  const json = JSON.parse(runBin('rec', ['info', notImages, '--json']).stdout);
  assert.deepEqual(json.layout, { kind: 'not-images' });
  // A real image dataset is still one.
  assert.match(runBin('rec', ['info', rec]).stdout, /layout: +image dataset\n/);
});

test('rec view fails when no record it picked holds an image that decodes: exit 1, nothing written', () => {
  const sheet = path.join(dir, 'text.png');
  const html = path.join(dir, 'text.html');
  const res = runBin('rec', ['view', notImages, '--out', sheet, '--html', html]);
  assert.equal(res.status, 1, res.stderr);
  assert.ok(isOneLineError(res.stderr), res.stderr);
  assert.match(res.stderr, /sample\.rec: none of the 10 records picked holds an image that decodes \(key 1 \(byte 0\): .*\); nothing written/);
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('text.')), []);
});
