// rec merge's inputs: files whose records carry different numbers of labels cannot be trained on
// together (ImageRecordIter takes one labelWidth), and a file named twice keeps its keys twice.
// Both are refused before any work unless asked for; duplicate keys name --renumber.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { packImageRecord } from '../../src/format/image-record.js';
import { RecordWriter } from '../../src/format/writer.js';
import { mergeRecordFiles } from '../../src/tools/merge.js';
import { UsageError } from '../../src/util/errors.js';
import { isOneLineError, runBin } from '../helpers/cli.js';
import { fixture } from '../helpers/fixtures.js';
import { makeJpeg } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('mxrec-merge-inputs-');

/** A .rec + .idx of `count` images, each with `width` labels (one label: flag 0, as im2rec packs it). */
async function pack(name: string, count: number, width: number): Promise<string> {
  const rec = path.join(dir, `${name}.rec`);
  const w = RecordWriter.create(rec, { indexPath: path.join(dir, `${name}.idx`) });
  for (let i = 0; i < count; i++) {
    const label = width === 1 ? i % 2 : Array.from({ length: width }, (_, j) => i + j);
    w.write(packImageRecord({ label, id: i }, await makeJpeg(24, 16, {}, i + 1)), i);
  }
  await w.close();
  return rec;
}

const one = await pack('one-label', 5, 1);
const four = await pack('four-labels', 3, 4);
const outputs = (prefix: string) => fs.readdirSync(dir).filter((f) => f.startsWith(prefix));

describe('rec merge: label widths', () => {
  test('a 1-label and a 4-label file are refused, naming both files and their widths; nothing written', () => {
    const res = runBin('rec', ['merge', '-o', path.join(dir, 'out-mixed.rec'), one, four]);
    assert.equal(res.status, 2, res.stderr);
    assert.ok(isOneLineError(res.stderr), res.stderr);
    assert.match(res.stderr, /one-label\.rec: 1 label per image.*four-labels\.rec: 4 labels per image/);
    assert.match(res.stderr, /--mixed-label-widths/);
    assert.deepEqual(outputs('out-mixed'), []);
  });

  test('--mixed-label-widths merges them as asked', () => {
    const res = runBin('rec', ['merge', '-o', path.join(dir, 'out-mixed-ok.rec'), one, four, '--mixed-label-widths', '--json']);
    assert.equal(res.status, 0, res.stderr);
    assert.equal(JSON.parse(res.stdout).records, 8);
  });

  test('the library refuses too, with a UsageError, and takes mixedLabelWidths', async () => {
    await assert.rejects(mergeRecordFiles([four, one], path.join(dir, 'out-lib.rec')), (err: Error) => err instanceof UsageError && /four-labels\.rec: 4 labels per image/.test(err.message));
    assert.deepEqual(outputs('out-lib'), []);
    const merged = await mergeRecordFiles([four, one], path.join(dir, 'out-lib.rec'), { mixedLabelWidths: true });
    assert.equal(merged.records, 8);
  });

  test('files of the same width merge as before (real MXNet files)', () => {
    const res = runBin('rec', ['merge', '-o', path.join(dir, 'out-same.rec'), fixture('adaface-tiny/train.rec'), fixture('readtome/validation.rec'), '--renumber', '--json']);
    assert.equal(res.status, 0, res.stderr);
    assert.equal(JSON.parse(res.stdout).records, 48);
  });
});

describe('rec merge: the same input twice', () => {
  test('refused without --renumber (its keys would be written twice), naming the file and --renumber', () => {
    for (const twice of [[one, one], [one, path.relative(process.cwd(), one)]]) {
      const res = runBin('rec', ['merge', '-o', path.join(dir, 'out-twice.rec'), ...twice]);
      assert.equal(res.status, 2, res.stderr);
      assert.ok(isOneLineError(res.stderr), res.stderr);
      assert.match(res.stderr, /one-label\.rec: given twice/);
      assert.match(res.stderr, /--renumber/);
      assert.deepEqual(outputs('out-twice'), []);
    }
  });

  test('with --renumber each copy gets keys of its own', () => {
    const res = runBin('rec', ['merge', '-o', path.join(dir, 'out-twice-renum.rec'), one, one, '--renumber']);
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stderr, /10 records\n$/);
  });

  test('duplicate keys from different files are written, and the report names --renumber', () => {
    const other = path.join(dir, 'copy.rec');
    fs.copyFileSync(one, other);
    fs.copyFileSync(one.replace(/\.rec$/, '.idx'), other.replace(/\.rec$/, '.idx'));
    const res = runBin('rec', ['merge', '-o', path.join(dir, 'out-dup.rec'), one, other]);
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stderr, /10 records \(5 duplicate keys: the last record wins; --renumber gives every record a key of its own\)\n$/);
  });
});
