/**
 * rec audit at the command line (issue 31): the summary, --json, exit codes
 * (0 when it ran, 1 with --fail-on-duplicates and a group found), one-line
 * errors, outputs refused without --force and nothing half-written, and
 * rec subset --exclude taking the list it wrote.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { packImageRecord } from '../../src/format/image-record.js';
import { RecordReader } from '../../src/format/reader.js';
import { RecordWriter } from '../../src/format/writer.js';
import { distinctJpeg, reencoded } from '../helpers/faces.js';
import { isOneLineError, runBin } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();

function writeRec(name: string, images: Buffer[], labels: number[]): string {
  const rec = path.join(dir, `${name}.rec`);
  const w = RecordWriter.create(rec, { indexPath: path.join(dir, `${name}.idx`) });
  images.forEach((image, i) => w.write(packImageRecord({ label: labels[i]!, id: i }, image), i));
  w.close();
  return rec;
}

const images = await Promise.all(Array.from({ length: 30 }, (_, i) => distinctJpeg(i)));
// train: 30 distinct, then key 30 an exact copy of key 3 and key 31 key 5 re-encoded; val: keys 0..4, its key 2 = train's key 7.
const train = writeRec('train', [...images, images[3]!, await reencoded(images[5]!, 50)], [...images.map((_, i) => i % 3), 0, 2]);
const val = writeRec('val', [...(await Promise.all([100, 101].map((s) => distinctJpeg(s)))), images[7]!], [0, 1, 1]);
const clean = writeRec('clean', images.slice(0, 10), images.slice(0, 10).map((_, i) => i % 2));

test('the summary names the groups by file, key and label; exit 0 without --fail-on-duplicates, 1 with it', () => {
  const r = runBin('rec', ['audit', val, train, '-q']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /exact duplicates: 2 groups \(2 byte-identical copies in all groups\); near-duplicates \(perceptual hash within 8 bits, pixels alike\): 1 group; 3 images beyond the first of their group/);
  assert.match(r.stdout, /overlap: .*train\.rec has 1 image in 1 group with .*val\.rec/);
  assert.match(r.stdout, /train\.rec key 3 \(label 0\), .*train\.rec key 30 \(label 0\)/);
  assert.match(r.stdout, /3 classes; images per class: min 10, median 11, max 11 \(max\/min 1\.1\)/);
  assert.equal(r.stderr, '');
  const failing = runBin('rec', ['audit', val, train, '-q', '--fail-on-duplicates']);
  assert.equal(failing.status, 1);
  const sound = runBin('rec', ['audit', clean, '-q', '--fail-on-duplicates']);
  assert.equal(sound.status, 0, sound.stderr);
  assert.match(sound.stdout, /exact duplicates: 0 groups \(0 byte-identical copies in all groups\); near-duplicates .*: 0 groups/);
});

test('--json parses and lists every group and member', () => {
  const r = runBin('rec', ['audit', val, train, '--json', '-q']);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { groups: { kind: string; members: { file: string; key: string; label: number[] }[] }[]; files: { images: number }[] };
  assert.deepEqual(report.files.map((f) => f.images), [3, 32]);
  const groups = report.groups.map((g) => `${g.kind} ${g.members.map((m) => `${path.basename(m.file)}:${m.key}`).join(' ')}`);
  assert.deepEqual(groups, ['exact val.rec:2 train.rec:7', 'exact train.rec:3 train.rec:30', 'near train.rec:5 train.rec:31']);
});

test('--exclude and --html write into existing folders, refuse what exists without --force, and subset --exclude applies the list', () => {
  const out = path.join(dir, 'out');
  fs.mkdirSync(out);
  const r = runBin('rec', ['audit', val, train, '-q', '--exclude', out, '--html', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(fs.readFileSync(path.join(out, 'train.exclude.txt'), 'utf8'), '7\n30\n31\n');
  assert.deepEqual(fs.readdirSync(out).sort(), ['group-0001.png', 'group-0002.png', 'group-0003.png', 'index.html', 'train.exclude.txt', 'val.exclude.txt']);

  const before = fs.readFileSync(path.join(out, 'index.html'));
  const again = runBin('rec', ['audit', val, train, '-q', '--html', out]);
  assert.equal(again.status, 2);
  assert.ok(isOneLineError(again.stderr), again.stderr);
  assert.match(again.stderr, /^rec audit: .*index\.html.*--force/);
  assert.ok(fs.readFileSync(path.join(out, 'index.html')).equals(before), 'left as it was');
  const forced = runBin('rec', ['audit', val, train, '-q', '--html', out, '--force']);
  assert.equal(forced.status, 0, forced.stderr);

  const cleaned = path.join(dir, 'train-clean.rec');
  const sub = runBin('rec', ['subset', train, '-o', cleaned, '--exclude', path.join(out, 'train.exclude.txt'), '-q']);
  assert.equal(sub.status, 0, sub.stderr);
  assert.equal([...RecordReader.open(cleaned)].length, 29);
  const after = runBin('rec', ['audit', val, cleaned, '-q', '--fail-on-duplicates']);
  assert.equal(after.status, 0, after.stdout);
});

test('bad arguments and inputs: one line, exit 2', () => {
  const cases: [string[], RegExp][] = [
    [['audit', train, '--distance', '12'], /--distance/],
    [['audit', train, '--distance', 'x'], /--distance/],
    [['audit', path.join(dir, 'missing.rec')], /missing\.rec/],
    [['audit', train, '--html', path.join(dir, 'nowhere')], /nowhere.*does not exist/],
    [['audit', train, train, '--exclude', dir], /named twice/],
    [['audit'], /missing required argument/],
  ];
  for (const [args, message] of cases) {
    const r = runBin('rec', [...args, '-q']);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(isOneLineError(r.stderr), r.stderr);
    assert.match(r.stderr, message);
  }
});
