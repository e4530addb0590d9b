// `rec iter`: the iterator from the command line, its report, and its errors.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { packImageRecord } from '../../src/format/image-record.js';
import { RecordWriter } from '../../src/format/writer.js';
import { isOneLineError, runBin } from '../helpers/cli.js';
import { fixture } from '../helpers/fixtures.js';
import { makeJpeg } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('mxrec-cli-iter-');

async function pack(name: string, count: number, damage?: number): Promise<string> {
  const rec = path.join(dir, `${name}.rec`);
  const w = RecordWriter.create(rec, { indexPath: path.join(dir, `${name}.idx`) });
  for (let i = 0; i < count; i++) {
    const jpeg = await makeJpeg(80 + i, 70, {}, i + 1);
    w.write(packImageRecord({ label: i % 3, id: i }, i === damage ? jpeg.subarray(0, 100) : jpeg), i);
  }
  await w.close();
  return rec;
}

const rec = await pack('ok', 20);
const broken = await pack('broken', 12, 6);

test('rec iter reports images/s and time per stage, per epoch', () => {
  const r = runBin('rec', ['iter', rec, '--data-shape', '3,64,64', '--batch-size', '8', '--rand-crop', '--epochs', '2', '--idx', rec.replace('.rec', '.idx'), '--shuffle']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^epoch 0: 20 images in 3 batches, [\d.]+ s, \d+ images\/s\n {2}main thread: read/m);
  assert.match(r.stdout, /^epoch 1: 20 images in 3 batches/m);
  assert.match(r.stdout, /decode \(on \d+ threads, summed\)/);
});

test('rec iter --json: one object per epoch with the counters', () => {
  const r = runBin('rec', ['iter', rec, '--data-shape', '1,32,32', '--batch-size', '6', '--no-round-batch', '--json', '--mean', '100', '--std', '50']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 1);
  assert.equal(lines[0].images, 20);
  assert.equal(lines[0].batches, 4);
  assert.ok(lines[0].imagesPerSecond > 0);
});

test('rec iter: a damaged image stops with exit 1 and names it; --skip-corrupt counts and lists it', () => {
  const strict = runBin('rec', ['iter', broken, '--data-shape', '3,64,64', '--batch-size', '4']);
  assert.equal(strict.status, 1);
  assert.ok(isOneLineError(strict.stderr), strict.stderr);
  assert.match(strict.stderr, /^rec iter: .*broken\.rec: record at byte \d+ \(id 6\): image: /);
  const lenient = runBin('rec', ['iter', broken, '--data-shape', '3,64,64', '--batch-size', '4', '--skip-corrupt']);
  assert.equal(lenient.status, 1);
  assert.match(lenient.stdout, /11 images in 3 batches.*1 damaged records skipped/);
  assert.match(lenient.stdout, /skipped .*broken\.rec byte \d+ \(id 6\)/);
});

test('rec iter: bad arguments are one-line errors with exit 2', () => {
  for (const args of [
    ['iter', rec, '--batch-size', '8'],
    ['iter', rec, '--data-shape', '3,64', '--batch-size', '8'],
    ['iter', rec, '--data-shape', '2,64,64', '--batch-size', '8'],
    ['iter', rec, '--data-shape', '3,64,64', '--batch-size', '8', '--num-parts', '2', '--part-index', '2'],
    ['iter', rec, '--data-shape', '3,64,64', '--batch-size', '8', '--dtype', 'int8'],
    ['iter', path.join(dir, 'missing.rec'), '--data-shape', '3,64,64', '--batch-size', '8'],
  ]) {
    const r = runBin('rec', args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(isOneLineError(r.stderr), `${args.join(' ')}: ${r.stderr}`);
  }
});

test('rec iter uses the .idx beside the .rec, as info, view and verify do; --index names another, --no-index none', () => {
  // 40 records of two sizes in 3 parts: part 1 holds 14 by record count (with an .idx), 13 by bytes (without).
  const file = fixture('readtome/validation.rec');
  const imagesOf = (...extra: string[]) => {
    const r = runBin('rec', ['iter', file, '--data-shape', '3,32,32', '--batch-size', '1', '--num-parts', '3', '--part-index', '1', '--json', ...extra]);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout).images as number;
  };
  const beside = file.replace(/\.rec$/, '.idx');
  assert.deepEqual([imagesOf(), imagesOf('--index', beside), imagesOf('--idx', beside), imagesOf('--no-index')], [14, 14, 14, 13]);
});
