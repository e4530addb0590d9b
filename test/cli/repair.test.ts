// rec repair at the command line: exit codes (0 nothing lost, 1 something lost, 2 usage), one-line
// errors, --json, --force, the input never an output.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { RecordWriter } from '../../src/format/writer.js';
import { isOneLineError, runBin } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const sound = path.join(dir, 'sound.rec');
const offsets: number[] = [];
{
  const w = RecordWriter.create(sound, { indexPath: path.join(dir, 'sound.idx') });
  for (let i = 0; i < 6; i++) offsets.push(w.write(Buffer.alloc(40 + i, 0x41 + i), i));
  w.close();
}
const broken = path.join(dir, 'broken.rec');
{
  const bytes = fs.readFileSync(sound);
  bytes.writeUInt32LE(0, offsets[2]!); // record 2's magic
  fs.writeFileSync(broken, bytes);
  fs.copyFileSync(path.join(dir, 'sound.idx'), path.join(dir, 'broken.idx'));
}

test('a sound file: exit 0, "nothing was lost"; a damaged one: exit 1, the output written all the same', () => {
  const ok = runBin('rec', ['repair', sound, '-o', path.join(dir, 'a.rec'), '-q']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /6 records recovered into .*a\.rec/);
  assert.match(ok.stdout, /^result: nothing was lost$/m);

  const bad = runBin('rec', ['repair', broken, '-o', path.join(dir, 'b.rec'), '-q']);
  assert.equal(bad.status, 1, bad.stderr);
  assert.match(bad.stdout, /damage: 1 stretch, \d+ bytes skipped/);
  assert.match(bad.stdout, /lost keys: 1 key of the \.idx in no recovered record: 2$/m);
  assert.match(bad.stdout, /^result: something was lost/m);
  assert.ok(fs.existsSync(path.join(dir, 'b.rec')) && fs.existsSync(path.join(dir, 'b.idx')));
});

test('--json: the report, with lost and the counts', () => {
  const r = runBin('rec', ['repair', broken, path.join(dir, 'j.rec'), '--json', '-q']);
  assert.equal(r.status, 1, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.records, 5);
  assert.equal(report.lost, true);
  assert.equal(report.damage.count, 1);
  assert.deepEqual(report.index.lostSample, ['2']);
  assert.equal(report.undecodable, null);
});

test('refusals are one line, exit 2, nothing written: an existing output without --force, the input as output, usage', () => {
  const out = path.join(dir, 'f.rec');
  assert.equal(runBin('rec', ['repair', sound, '-o', out, '-q']).status, 0);
  const again = runBin('rec', ['repair', broken, '-o', out, '-q']);
  assert.equal(again.status, 2);
  assert.ok(isOneLineError(again.stderr), again.stderr);
  assert.match(again.stderr, /^rec repair: .*f\.rec: .*--force/);
  const forced = runBin('rec', ['repair', broken, '-o', out, '-q', '--force']);
  assert.equal(forced.status, 1, forced.stderr);

  const before = fs.readFileSync(broken);
  const self = runBin('rec', ['repair', broken, '-o', broken, '-q', '--force']);
  assert.equal(self.status, 2);
  assert.ok(isOneLineError(self.stderr), self.stderr);
  assert.match(self.stderr, /refusing to overwrite an input file/);
  assert.ok(fs.readFileSync(broken).equals(before), 'the input untouched');

  for (const args of [['repair', broken], ['repair', broken, 'x.rec', '-o', 'y.rec'], ['repair', path.join(dir, 'missing.rec'), '-o', path.join(dir, 'm.rec')], ['repair', broken, '-o', path.join(dir, 'n.rec'), '--max-listed', '0']]) {
    const r = runBin('rec', [...args, '-q']);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(isOneLineError(r.stderr), r.stderr);
  }
  assert.equal(fs.existsSync(path.join(dir, 'm.rec')), false);
});

test('a file with no sound record: fails, writes nothing', () => {
  const junk = path.join(dir, 'junk.rec');
  fs.writeFileSync(junk, Buffer.alloc(64, 0x0a));
  const r = runBin('rec', ['repair', junk, '-o', path.join(dir, 'z.rec'), '-q']);
  assert.notEqual(r.status, 0);
  assert.ok(isOneLineError(r.stderr), r.stderr);
  assert.equal(fs.existsSync(path.join(dir, 'z.rec')), false);
});
