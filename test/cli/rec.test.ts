import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { packImageRecord } from '../../src/format/image-record.js';
import { MAGIC_BYTES, encodeRecord } from '../../src/format/recordio.js';
import { RecordWriter } from '../../src/format/writer.js';
import { recProgram } from '../../src/cli/rec.js';
import { isOneLineError, runBin } from '../helpers/cli.js';
import { fixture } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const sample = fixture('dmlc-sample/sample.rec');
const lines = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l));

describe('rec dump', () => {
  test('one JSON line per record with index, offset, length, flag, label, id, id2, sha256', () => {
    const res = runBin('rec', ['dump', sample]);
    assert.equal(res.status, 0, res.stderr);
    const rows = lines(res.stdout);
    assert.equal(rows.length, 10);
    assert.deepEqual(rows[0], {
      index: 0,
      offset: 0,
      length: 44,
      flag: 0,
      label: [1],
      id: 1,
      id2: 0,
      sha256: crypto.createHash('sha256').update('1\n'.repeat(10)).digest('hex'),
    });
    assert.deepEqual(
      rows.map((r) => r.offset),
      [0, 52, 104, 156, 208, 260, 312, 364, 416, 468],
    );
  });

  test('--parts/--part dump the records of that part, as dmlc splits it', () => {
    const res = runBin('rec', ['dump', sample, '--parts', '3', '--part', '1']);
    assert.equal(res.status, 0, res.stderr);
    assert.deepEqual(
      lines(res.stdout).map((r) => [r.index, r.id]),
      [
        [0, 5],
        [1, 6],
        [2, 7],
      ],
    );
  });

  test('packed labels print as their shortest float32 decimals; non-image payloads get "header": null', () => {
    const file = path.join(dir, 'mixed.rec');
    const w = RecordWriter.create(file);
    w.write(packImageRecord({ label: [0.1, 2, -3.5], id: 7 }, Buffer.from('img')));
    w.write(Buffer.from('short')); // a protobuf-like payload, too short for a header
    const lying = packImageRecord({ label: 0, id: 1 }, Buffer.alloc(4));
    lying.writeUInt32LE(50, 0); // 50 labels would run past the end
    w.write(lying);
    w.close();
    const res = runBin('rec', ['dump', file]);
    assert.equal(res.status, 0, res.stderr);
    const rows = lines(res.stdout);
    assert.deepEqual(rows[0].label, [0.1, 2, -3.5]);
    assert.equal(rows[0].flag, 3);
    assert.equal(rows[0].sha256, crypto.createHash('sha256').update('img').digest('hex'));
    assert.deepEqual(rows[1], { index: 1, offset: 48, length: 5, header: null }); // 8 + 39 bytes padded to 40
    assert.deepEqual(rows[2], { index: 2, offset: 64, length: 28, header: null });
  });

  test('labels JSON has no number for (NaN, the infinities) dump as strings, not null', () => {
    const file = path.join(dir, 'odd-labels.rec');
    const w = RecordWriter.create(file);
    w.write(packImageRecord({ label: [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.5], id: 1 }, Buffer.from('img')));
    w.close();
    const res = runBin('rec', ['dump', file]);
    assert.equal(res.status, 0, res.stderr);
    assert.deepEqual(lines(res.stdout)[0].label, ['NaN', 'Infinity', '-Infinity', 0.5]);
  });

  test('a corrupt file: the records before the damage, then a one-line error naming file and byte; --recover goes on', () => {
    const bytes = fs.readFileSync(sample);
    bytes.fill(0, 208, 212); // record 5's magic
    const file = path.join(dir, 'corrupt.rec');
    fs.writeFileSync(file, bytes);
    const res = runBin('rec', ['dump', file]);
    assert.equal(res.status, 1);
    assert.equal(lines(res.stdout).length, 4);
    assert.ok(isOneLineError(res.stderr), res.stderr);
    assert.equal(res.stderr, `rec dump: ${file}: byte 208: bad magic 0x00000000 (expected 0xced7230a: no record starts here)\n`);
    const rec = runBin('rec', ['dump', file, '--recover']);
    assert.equal(rec.status, 1);
    assert.deepEqual(
      lines(rec.stdout).map((r) => r.id),
      [1, 2, 3, 4, 6, 7, 8, 9, 10],
    );
    assert.match(rec.stderr, /skipped 52 bytes: .*byte 208: bad magic/);
  });
});

describe('rec index', () => {
  for (const name of ['readtome/validation', 'adaface-tiny/train']) {
    test(`rebuilds ${name}.idx byte for byte as MXNet wrote it`, () => {
      const out = path.join(dir, `${path.basename(name)}.idx`);
      const res = runBin('rec', ['index', fixture(`${name}.rec`), '--out', out]);
      assert.equal(res.status, 0, res.stderr);
      assert.deepEqual(fs.readFileSync(out), fs.readFileSync(fixture(`${name}.idx`)));
      assert.match(res.stderr, /wrote .*: \d+ entries/);
    });
  }

  test('writes FILE.idx beside FILE.rec by default', () => {
    const rec = path.join(dir, 'copy.rec');
    fs.copyFileSync(sample, rec);
    const res = runBin('rec', ['index', rec]);
    assert.equal(res.status, 0, res.stderr);
    assert.equal(fs.readFileSync(path.join(dir, 'copy.idx'), 'utf8').split('\n')[1], '2\t52');
  });

  test('payloads without an image header need --keys ordinal', () => {
    const rec = path.join(dir, 'proto.rec');
    fs.writeFileSync(rec, Buffer.concat([encodeRecord(Buffer.from('abc')), encodeRecord(Buffer.from('defgh'))]));
    const out = path.join(dir, 'proto.idx');
    const bad = runBin('rec', ['index', rec, '--out', out]);
    assert.equal(bad.status, 1);
    assert.ok(isOneLineError(bad.stderr), bad.stderr);
    assert.match(bad.stderr, /byte 0: record has no image header to take a key from \(use --keys ordinal\)/);
    assert.equal(fs.existsSync(out), false, 'no partial index left behind');
    const ok = runBin('rec', ['index', rec, '--out', out, '--keys', 'ordinal']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(fs.readFileSync(out, 'utf8'), '0\t0\n1\t12\n');
  });

  test('refuses to write over its input', () => {
    const res = runBin('rec', ['index', sample, '--out', sample]);
    assert.equal(res.status, 2);
    assert.ok(isOneLineError(res.stderr), res.stderr);
    assert.equal(fs.statSync(sample).size, 532);
  });
});

describe('rec verify', () => {
  for (const rel of ['dmlc-sample/sample.rec', 'adaface-tiny/train.rec', 'readtome/validation.rec', 'gray-glyphs/val.rec']) {
    test(`passes on the real file ${rel}`, () => {
      const res = runBin('rec', ['verify', fixture(rel)]);
      assert.equal(res.status, 0, res.stdout + res.stderr);
      assert.match(res.stdout, /: OK: \d+ records/);
    });
  }

  test('checks the .idx beside the file', () => {
    const res = runBin('rec', ['verify', fixture('readtome/validation.rec')]);
    assert.match(res.stdout, /validation\.idx: OK: 40 entries, every record indexed/);
  });

  test('finds planted damage at the right offsets and keeps going', () => {
    const bytes = fs.readFileSync(sample);
    bytes.fill(0xaa, 104, 108); // record 3's magic
    bytes.writeUInt32LE(10_000, 364 + 4); // record 8 claims 10,000 bytes
    const file = path.join(dir, 'planted.rec');
    fs.writeFileSync(file, bytes);
    const res = runBin('rec', ['verify', file]);
    assert.equal(res.status, 1);
    assert.match(res.stdout, /2 problems \(8 records, 532 bytes\)/);
    assert.match(res.stdout, /byte 104: bad magic 0xaaaaaaaa.*skipped 52 bytes to byte 156/);
    assert.match(res.stdout, /byte 364: chunk declares 10000 bytes but the file ends at byte 532; skipped 52 bytes to byte 416/);
  });

  test('a .rec cut short: the cut, and one problem for the .idx entries past it, not one each', () => {
    const cut = path.join(dir, 'cut.rec');
    const whole = fs.readFileSync(fixture('readtome/validation.rec'));
    fs.writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    fs.copyFileSync(fixture('readtome/validation.idx'), path.join(dir, 'cut.idx'));
    const res = runBin('rec', ['verify', cut, '--json']);
    assert.equal(res.status, 1, res.stderr);
    const problems = JSON.parse(res.stdout).problems as Array<{ code: string; message: string }>;
    assert.deepEqual(problems.map((p) => p.code), ['TRUNCATED', 'NOT_A_RECORD_START']);
    assert.match(problems[1]!.message, /cut\.idx:\d+: key \d+ and \d+ more entries point past the last record of .*cut\.rec \(offsets \d+ and on\)/);
  });

  test('an .idx entry that is not a record start, and records missing from the .idx', () => {
    const rec = path.join(dir, 'v.rec');
    fs.copyFileSync(sample, rec);
    fs.writeFileSync(path.join(dir, 'v.idx'), '1\t0\n2\t52\n3\t100\n');
    const res = runBin('rec', ['verify', rec]);
    assert.equal(res.status, 1);
    assert.match(res.stdout, /v\.idx:3: key 3: offset 100 is not a record start/);
    assert.match(res.stdout, /v\.idx: 8 of 10 records have no entry \(the first at byte 104/);
    assert.equal(runBin('rec', ['verify', rec, '--no-index']).status, 0);
  });

  test('a payload holding an unsplit aligned magic (not written by dmlc) is reported', () => {
    const payload = Buffer.concat([Buffer.from('abcd'), MAGIC_BYTES, Buffer.from('efgh')]);
    const raw = Buffer.alloc(8 + payload.length);
    raw.writeUInt32LE(0xced7230a, 0);
    raw.writeUInt32LE(payload.length, 4); // cflag 0 although the payload holds the magic
    payload.copy(raw, 8);
    const file = path.join(dir, 'unsplit.rec');
    fs.writeFileSync(file, raw);
    const res = runBin('rec', ['verify', file]);
    assert.equal(res.status, 1);
    assert.match(res.stdout, /byte 0: the payload holds the magic at a 4-byte-aligned offset/);
  });

  test('--max-problems limits the list', () => {
    const bytes = fs.readFileSync(sample);
    for (const at of [0, 104, 208, 312]) bytes.fill(0, at, at + 4);
    const file = path.join(dir, 'many.rec');
    fs.writeFileSync(file, bytes);
    const res = runBin('rec', ['verify', file, '--max-problems', '2']);
    assert.equal(res.status, 1);
    assert.match(res.stdout, /4 problems/);
    assert.match(res.stdout, /\.\.\. and 2 more/);
  });
});

describe('rec: bad arguments and unreadable files', () => {
  const cases: Array<[string[], RegExp]> = [
    [['dump', path.join(dir, 'missing.rec')], /missing\.rec: no such file or directory/],
    [['dump'], /missing required argument 'file'/],
    [['dump', sample, '--parts', '0'], /--parts: expected an integer >= 1, received 0/],
    [['dump', sample, '--parts', 'x'], /expected an integer >= 1/],
    [['dump', sample, '--part', '1'], /--part: expected --parts N too/],
    [['dump', sample, '--parts', '2', '--part', '2'], /--part: expected an integer in 0\.\.1 or auto \(--parts is 2\), received 2/],
    [['index', sample, '--keys', 'hash'], /--keys expects id or ordinal, received "hash"/],
    [['verify', sample, '--bogus'], /unknown option '--bogus'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['verify', '/'], /is a directory, expected a file/],
  ];
  for (const [args, message] of cases) {
    test(`rec ${args.map((a) => path.basename(a)).join(' ')}`, () => {
      const res = runBin('rec', args);
      assert.equal(res.status, 2, res.stderr);
      assert.match(res.stderr, message);
      assert.ok(!/\n\s+at /.test(res.stderr), `no stack trace: ${res.stderr}`);
      assert.match(res.stderr, /^rec/);
    });
  }

  test('a file that is not RecordIO at all: "not a RecordIO file", what it looks like, exit 2 (a wrong file, not a damaged one)', () => {
    const files: Array<[string, Buffer | string, RegExp]> = [
      ['train.idx', fs.readFileSync(fixture('adaface-tiny/train.idx')), /looks like a text index \(\.idx\): pass the \.rec beside it/],
      ['train.lst', fs.readFileSync(fixture('adaface-tiny/train.lst')), /looks like an image list \(\.lst\)/],
      ['photo.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1]), /looks like a JPEG image/],
      ['notes.rec', 'just some notes\n', /looks like a text file/],
      ['tiny.rec', 'ab', /looks like a text file/],
      ['blob.rec', Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), /starts with bytes 00 01 02 03/],
    ];
    for (const [name, bytes, looks] of files) {
      const file = path.join(dir, `not-rec-${name}`);
      fs.writeFileSync(file, bytes);
      for (const command of ['info', 'verify', 'dump']) {
        const res = runBin('rec', [command, file]);
        assert.equal(res.status, 2, `${command} ${name}: ${res.stderr}`);
        assert.ok(isOneLineError(res.stderr), res.stderr);
        assert.match(res.stderr, /byte 0: not a RecordIO file \(/, `${command} ${name}`);
        assert.match(res.stderr, looks, `${command} ${name}`);
      }
    }
    // Damage after a good start is still damage: exit 1.
    const damaged = path.join(dir, 'damaged-after-start.rec');
    fs.writeFileSync(damaged, Buffer.concat([fs.readFileSync(sample).subarray(0, 52), Buffer.from('garbage!')]));
    assert.equal(runBin('rec', ['dump', damaged]).status, 1);
  });

  test('--help on every command', async () => {
    const commands = (await recProgram()).commands.map((c) => c.name());
    assert.ok(commands.length >= 10, commands.join(' '));
    for (const args of [['--help'], ...commands.map((c) => [c, '--help'])]) {
      const res = runBin('rec', args);
      assert.equal(res.status, 0);
      assert.match(res.stdout, /^Usage: rec/);
    }
    // Descriptions are shown as written (wrapped at 100 columns), not wrapped again at 80.
    assert.ok(runBin('rec', ['info', '--help']).stdout.includes('\nSummarise a .rec in one pass: records and bytes; labels (width, classes, the most common);\n'));
  });

  test("a run loads its own command only; help, completion and an unknown name load them all", async () => {
    const all = (await recProgram()).commands.map((c) => c.name());
    assert.deepEqual((await recProgram('flatten')).commands.map((c) => c.name()), ['flatten']);
    for (const word of ['completion', 'help', '--help', 'flaten', undefined]) {
      assert.deepEqual((await recProgram(word)).commands.map((c) => c.name()), all, String(word));
    }
    // A mistyped command is still named with its suggestion (which needs every name).
    assert.match(runBin('rec', ['flaten', 'x.rec']).stderr, /flatten/);
  });
});
