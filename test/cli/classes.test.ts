// Classes: `rec info --top all` lists every class's count (text and JSON), `--top 0` none (and no
// empty line); `rec split --stratify` keeps each class's share in every output.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { unpackImageRecord } from '../../src/format/image-record.js';
import { RecordReader } from '../../src/format/reader.js';
import { RecordWriter } from '../../src/format/writer.js';
import { recordFileInfo } from '../../src/tools/info.js';
import { splitRecordFile } from '../../src/tools/split.js';
import { isOneLineError, runBin } from '../helpers/cli.js';
import { fixture } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('mxrec-classes-');
const src = fixture('gray-glyphs/val.rec'); // 392 records, 20 classes of unequal sizes

/** id and first label of every record, in file order. */
function rows(rec: string): { id: number; label: number }[] {
  const reader = RecordReader.open(rec);
  try {
    return [...reader.scan()].map((r) => {
      const x = unpackImageRecord(r.payload);
      return { id: Number(x.id), label: x.label[0]! };
    });
  } finally {
    reader.close();
  }
}

function countsOf(records: { label: number }[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const r of records) counts.set(r.label, (counts.get(r.label) ?? 0) + 1);
  return counts;
}

const all = rows(src);
const classCounts = countsOf(all);

describe('rec info: every class', () => {
  test('--top all: every class and its count, most common first, in JSON and text', async () => {
    const res = runBin('rec', ['info', src, '--top', 'all', '--json']);
    assert.equal(res.status, 0, res.stderr);
    const top: { label: number; count: number }[] = JSON.parse(res.stdout).labels.top;
    assert.equal(top.length, 20);
    assert.deepEqual(new Map(top.map((t) => [t.label, t.count])), classCounts);
    assert.ok(top.every((t, i) => i === 0 || t.count <= top[i - 1]!.count));

    const text = runBin('rec', ['info', src, '--top', 'all']).stdout;
    const block = /^ {2}classes: +(.*)\n((?: {12}.*\n)*)/m.exec(text);
    assert.ok(block, text);
    const listed = [block[1]!, ...block[2]!.trimEnd().split('\n').map((l) => l.trim())];
    assert.deepEqual(listed, top.map((t) => `${t.label} (${t.count})`));
    assert.ok(!/^ {2}top:/m.test(text), text);

    assert.deepEqual((await recordFileInfo(src, { top: 'all' })).labels!.top, top);
  });

  test('--top 0: no top line at all; --top N as before; a bad value names the flag', () => {
    const none = runBin('rec', ['info', src, '--top', '0']);
    assert.equal(none.status, 0, none.stderr);
    assert.ok(!/^ {2}top:/m.test(none.stdout), none.stdout);
    assert.ok(!/^ *$/m.test(none.stdout.trimEnd()), 'no empty line');
    assert.match(runBin('rec', ['info', src, '--top', '2']).stdout, /^ {2}top: +\d+ \(\d+\), \d+ \(\d+\)\n/m);
    for (const bad of ['x', '-1', '1.5']) {
      const res = runBin('rec', ['info', src, '--top', bad]);
      assert.equal(res.status, 2, res.stderr);
      assert.ok(isOneLineError(res.stderr), res.stderr);
      assert.match(res.stderr, /--top: expected an integer >= 0 or "all"/);
    }
  });
});

describe('rec split --stratify', () => {
  const shares = [0.7, 0.2, 0.1];

  function check(outs: string[]): void {
    const parts = outs.map(rows);
    // Every record once, each output in file order.
    assert.deepEqual(parts.flat().map((r) => r.id).sort((a, b) => a - b), all.map((r) => r.id).sort((a, b) => a - b));
    for (const part of parts) assert.ok(part.every((r, i) => i === 0 || r.id > part[i - 1]!.id), 'file order');
    // Each class's count in each output is within one of its share.
    parts.forEach((part, k) => {
      const counts = countsOf(part);
      for (const [label, n] of classCounts) {
        const got = counts.get(label) ?? 0;
        assert.ok(Math.abs(got - n * shares[k]!) < 1, `output ${k}, class ${label}: ${got} of ${n} for a share of ${shares[k]}`);
      }
    });
  }

  test('in runs of file order within each class, and at random from a seed: every class within one of its share', () => {
    const plain = ['a', 'b', 'c'].map((p) => path.join(dir, `strat-${p}.rec`));
    const res = runBin('rec', ['split', src, ...plain, '--shares', shares.join(','), '--stratify', '--json']);
    assert.equal(res.status, 0, res.stderr);
    check(plain);

    const seeded = (seed: number, tag: string) => ['a', 'b', 'c'].map((p) => path.join(dir, `strat-${seed}${tag}-${p}.rec`));
    for (const [seed, tag] of [[1, ''], [1, 'again'], [2, '']] as const) {
      const r = runBin('rec', ['split', src, ...seeded(seed, tag), '--shares', shares.join(','), '--stratify', '--shuffle', '--seed', String(seed)]);
      assert.equal(r.status, 0, r.stderr);
      check(seeded(seed, tag));
    }
    assert.deepEqual(seeded(1, 'again').map(rows), seeded(1, '').map(rows), 'the same seed, the same split');
    assert.notDeepEqual(seeded(2, '').map(rows), seeded(1, '').map(rows), 'another seed, another split');
    assert.notDeepEqual(seeded(1, '').map(rows), plain.map(rows));
  });

  test('the library takes stratify; one class is a plain split; records without an image header cannot be stratified', async () => {
    const outs = ['x', 'y', 'z'].map((p) => path.join(dir, `lib-${p}.rec`));
    await splitRecordFile(src, outs, { shares, stratify: true, shuffle: true, seed: 5 });
    check(outs);
    const res = runBin('rec', ['split', fixture('readtome/validation.rec'), path.join(dir, 'rt-a.rec'), path.join(dir, 'rt-b.rec'), '--stratify']);
    assert.equal(res.status, 0, res.stderr); // one class: a plain split

    const raw = path.join(dir, 'raw.rec');
    const w = RecordWriter.create(raw);
    for (let i = 0; i < 4; i++) w.write(Buffer.from(`no header ${i}`));
    await w.close();
    const refused = runBin('rec', ['split', raw, path.join(dir, 'raw-a.rec'), path.join(dir, 'raw-b.rec'), '--stratify']);
    assert.equal(refused.status, 2, refused.stderr);
    assert.ok(isOneLineError(refused.stderr), refused.stderr);
    assert.match(refused.stderr, /--stratify: expected image records .*raw\.rec: byte 0/);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('raw-')), []);
  });
});
