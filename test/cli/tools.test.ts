// rec info, verify --decode, unpack, split, merge --renumber, subset, shuffle:
// on the real fixtures, on an insightface-style pack made here, and on a pack
// of corpus photos (JPEG, PNG, gray) made by im2rec.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { packImageRecord, type RecordId, unpackImageRecord } from '../../src/format/image-record.js';
import { RecordIndex } from '../../src/format/index-file.js';
import { RecordReader } from '../../src/format/reader.js';
import { RecordWriter } from '../../src/format/writer.js';
import { mergeRecordFiles } from '../../src/tools/merge.js';
import { shuffleRecordFile } from '../../src/tools/shuffle.js';
import { splitRecordFile } from '../../src/tools/split.js';
import { subsetRecordFile } from '../../src/tools/subset.js';
import { UsageError } from '../../src/util/errors.js';
import { isOneLineError, runBin } from '../helpers/cli.js';
import { makeCorpus } from '../helpers/corpus.js';
import { fixture } from '../helpers/fixtures.js';
import { writeInsightface } from '../helpers/insightface.js';
import { makeJpeg } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('mxrec-tools-');

/** id, labels and image bytes of every record, in file order. */
function rows(rec: string): { id: RecordId; label: number[]; flag: number; image: string }[] {
  const reader = RecordReader.open(rec);
  try {
    return [...reader.scan()].map((r) => {
      const x = unpackImageRecord(r.payload);
      return { id: x.id, label: x.label, flag: x.flag, image: x.image.toString('base64') };
    });
  } finally {
    reader.close();
  }
}

function json(args: string[]): any {
  const res = runBin('rec', args);
  assert.equal(res.status, 0, res.stderr);
  return JSON.parse(res.stdout);
}

const corpus = await makeCorpus({ count: 24, pngFraction: 0.25 });
const corpusPrefix = path.join(dir, 'corpus');
for (const args of [[corpusPrefix, corpus, '--list', '--recursive'], [corpusPrefix, corpus, '--pass-through']]) {
  const res = runBin('im2rec', [...args, '--quiet']);
  assert.equal(res.status, 0, res.stderr);
}
const corpusRec = `${corpusPrefix}.rec`;
const face = await writeInsightface(dir, 'face', [3, 1, 4]);

describe('rec info', () => {
  test('the fixtures: counts, labels, formats, channels and sizes as their SOURCES.md gives them', () => {
    const ada = json(['info', fixture('adaface-tiny/train.rec'), '--json']);
    assert.equal(ada.records, 8);
    assert.deepEqual(ada.layout, { kind: 'images' });
    assert.deepEqual(ada.labels.top, [{ label: 0, count: 4 }, { label: 1, count: 4 }]);
    assert.deepEqual([ada.images.formats, ada.images.channels], [{ jpeg: 8 }, { 3: 8 }]);
    assert.deepEqual([ada.images.width.min, ada.images.width.max, ada.images.height.median], [112, 112, 112]);
    assert.deepEqual([ada.index.entries, ada.index.consistent], [8, true]);

    const gray = json(['info', fixture('gray-glyphs/val.rec'), '--json']);
    assert.deepEqual([gray.records, gray.labels.classes, gray.labels.min, gray.labels.max, gray.labels.integral], [392, 20, 2, 34, true]);
    assert.deepEqual([gray.images.channels, gray.images.width.max, gray.index], [{ 1: 392 }, 28, null]);

    const rt = json(['info', fixture('readtome/validation.rec'), '--json']);
    assert.deepEqual([rt.records, rt.bytes, rt.labels.classes], [40, 1240228, 1]);
    assert.deepEqual([rt.images.height.min, rt.images.height.max, rt.images.height.median], [143, 453, 453]);

    const text = json(['info', fixture('dmlc-sample/sample.rec'), '--json']);
    assert.deepEqual([text.records, text.images.formats, text.images.unreadable], [10, { unknown: 10 }, 10]);
  });

  test('a corpus pack: formats and channels equal what the image files say', async () => {
    const files = fs.readFileSync(`${corpusPrefix}.lst`, 'utf8').trim().split('\n').map((l) => path.join(corpus, l.split('\t').at(-1)!));
    const formats: Record<string, number> = {};
    const channels: Record<string, number> = {};
    let widthMax = 0;
    for (const file of files) {
      const m = await sharp(file).metadata();
      formats[m.format!] = (formats[m.format!] ?? 0) + 1;
      channels[m.channels!] = (channels[m.channels!] ?? 0) + 1;
      widthMax = Math.max(widthMax, m.width!);
    }
    const info = json(['info', corpusRec, '--json']);
    assert.equal(info.records, files.length);
    assert.deepEqual(info.images.formats, formats);
    assert.ok(formats.png! > 0 && formats.jpeg! > 0);
    assert.deepEqual(info.images.channels, channels);
    assert.equal(info.images.width.max, widthMax);
    assert.equal(info.labels.classes, 4);
    const sampled = json(['info', corpusRec, '--json', '--sample', '5', '--seed', '3']);
    assert.deepEqual([sampled.images.inspected, sampled.images.sampled, sampled.images.count], [5, true, files.length]);
    assert.deepEqual(json(['info', corpusRec, '--json', '--sample', '5', '--seed', '3']).images, sampled.images);
  });

  test("insightface's layout: images, identities and their key ranges; departures are noted", async () => {
    const info = json(['info', face, '--json']);
    assert.deepEqual(info.layout, { kind: 'insightface', images: 8, identities: 3, imageKeys: [1, 9], identityKeys: [9, 12], notes: [] });
    assert.deepEqual([info.records, info.withoutImage, info.images.count, info.labels.classes], [12, 4, 8, 3]);
    const text = runBin('rec', ['info', face]).stdout;
    assert.match(text, /layout: +insightface: 8 images \(keys 1\.\.8\) of 3 identities \(keys 9\.\.11\)/);

    const broken = json(['info', await writeInsightface(dir, 'face-missing', [2, 2], { dropIdentity: 1 }), '--json']);
    assert.equal(broken.layout.kind, 'insightface');
    assert.deepEqual(broken.layout.notes, [
      'record 0 announces 2 identity records (keys 5..6); 1 found',
      'identity records cover 2 image keys; 4 images found',
    ]);
  });

  test('an .idx that disagrees with the records: exit 1, and the report says so', () => {
    const rec = path.join(dir, 'badidx.rec');
    fs.copyFileSync(fixture('readtome/validation.rec'), rec);
    fs.writeFileSync(path.join(dir, 'badidx.idx'), '0\t0\n1\t5\n');
    const res = runBin('rec', ['info', rec, '--json']);
    assert.equal(res.status, 1);
    const info = JSON.parse(res.stdout);
    assert.deepEqual([info.index.consistent, info.index.problems.map((p: { code: string }) => p.code)], [false, ['NOT_A_RECORD_START', 'MISSING_FROM_INDEX']]);
  });
});

describe('rec verify --decode', () => {
  test('finds planted damage at the right offsets, with keys; framing damage too', async () => {
    const rec = path.join(dir, 'planted.rec');
    const w = RecordWriter.create(rec, { indexPath: path.join(dir, 'planted.idx') });
    const offsets: number[] = [];
    for (let i = 0; i < 12; i++) {
      let image = await makeJpeg(48, 40, {}, i + 1);
      if (i === 3) image = image.subarray(0, image.length - 200); // cut short
      if (i === 7) image = Buffer.from('this is not an image');
      offsets.push(w.position);
      w.write(packImageRecord({ label: i, id: 100 + i }, image), 100 + i);
    }
    await w.close();
    const clean = json(['verify', rec, '--json']);
    assert.deepEqual([clean.ok, clean.decoded], [true, null]);

    const report = runBin('rec', ['verify', rec, '--decode', '--json']);
    assert.equal(report.status, 1);
    const problems = JSON.parse(report.stdout).problems;
    assert.deepEqual(
      problems.map((p: { offset: number; key: string; code: string }) => [p.offset, p.key, p.code]),
      [
        [offsets[3], '103', 'BAD_IMAGE'],
        [offsets[7], '107', 'BAD_IMAGE'],
      ],
    );
    const text = runBin('rec', ['verify', rec, '--decode']);
    assert.match(text.stdout, new RegExp(`byte ${offsets[3]}: image does not decode: .*\\[key 103\\]`));

    // A flipped magic: the framing problem is listed at that record's offset, with its key.
    const bytes = fs.readFileSync(rec);
    bytes[offsets[9]!] = bytes[offsets[9]!]! ^ 0xff;
    fs.writeFileSync(rec, bytes);
    const framing = JSON.parse(runBin('rec', ['verify', rec, '--decode', '--json']).stdout).problems;
    assert.ok(framing.some((p: { offset: number; key: string; code: string }) => p.offset === offsets[9] && p.key === '109' && p.code === 'BAD_MAGIC'), JSON.stringify(framing));
  });

  test("insightface's image-less records are not decode failures; every fixture image decodes", () => {
    assert.deepEqual([json(['verify', face, '--decode', '--json']).ok, json(['verify', face, '--decode', '--json']).decoded], [true, 8]);
    for (const rel of ['adaface-tiny/train.rec', 'gray-glyphs/val.rec', 'readtome/validation.rec']) {
      assert.equal(runBin('rec', ['verify', fixture(rel), '--decode']).status, 0, rel);
    }
  });
});

describe('rec unpack', () => {
  for (const [name, rec] of [
    ['adaface-tiny (shuffled ids)', fixture('adaface-tiny/train.rec')],
    ['gray-glyphs (ids from 1)', fixture('gray-glyphs/val.rec')],
    ['readtome', fixture('readtome/validation.rec')],
    ['a corpus pack (JPEG, PNG, gray)', corpusRec],
  ] as const) {
    test(`${name}: unpack --lst, then im2rec --pass-through gives the same records`, () => {
      const out = path.join(dir, `unpacked-${path.basename(path.dirname(rec))}-${path.basename(rec, '.rec')}`);
      const res = runBin('rec', ['unpack', rec, out, '--lst', 'back.lst']);
      assert.equal(res.status, 0, res.stderr);
      assert.match(res.stderr, /pack it again with: im2rec .*back .* --pass-through\n$/);
      const packed = runBin('im2rec', [path.join(out, 'back'), out, '--pass-through', '--quiet']);
      assert.equal(packed.status, 0, packed.stderr);
      assert.deepEqual(rows(path.join(out, 'back.rec')), rows(rec));
    });
  }

  test('folders per label (or per name from --names), files named by id; --limit', () => {
    const names = path.join(dir, 'names.txt');
    fs.writeFileSync(names, 'man\nwoman\n');
    const out = path.join(dir, 'named');
    assert.equal(runBin('rec', ['unpack', fixture('adaface-tiny/train.rec'), out, '--names', names]).status, 0);
    assert.deepEqual(fs.readdirSync(out).sort(), ['man', 'woman']);
    assert.deepEqual(fs.readdirSync(path.join(out, 'woman')).sort(), ['4.jpg', '5.jpg', '6.jpg', '7.jpg']);
    const limited = path.join(dir, 'limited');
    const res = json(['unpack', fixture('gray-glyphs/val.rec'), limited, '--limit', '5', '--json', '--lst']);
    assert.equal(res.images, 5);
    assert.equal(fs.readFileSync(path.join(limited, 'val.lst'), 'utf8').trim().split('\n').length, 5);
  });

  test("insightface: one folder per identity; header and identity records left out and counted", () => {
    const out = path.join(dir, 'face-out');
    const res = json(['unpack', face, out, '--json']);
    assert.deepEqual([res.images, res.folders, res.notImages.length], [8, 3, 4]);
    assert.deepEqual(fs.readdirSync(path.join(out, '2')).sort(), ['5.jpg', '6.jpg', '7.jpg', '8.jpg']);
  });

  test('refuses a non-empty folder, and a label the names file lacks: one-line errors, exit 2', () => {
    const names = path.join(dir, 'one-name.txt');
    fs.writeFileSync(names, 'only\n');
    for (const [args, message] of [
      [['unpack', fixture('adaface-tiny/train.rec'), dir], /is not empty \(unpack writes into a new or empty folder\); not replaced without --force/],
      [['unpack', fixture('adaface-tiny/train.rec'), path.join(dir, 'nm'), '--names', names], /label 1 has no name in .*one-name\.txt, which names 1 label \(0\.\.0\), as one name per line/],
    ] as const) {
      const res = runBin('rec', [...args]);
      assert.equal(res.status, 2, res.stderr);
      assert.ok(isOneLineError(res.stderr), res.stderr);
      assert.match(res.stderr, message);
    }
  });
});

describe('--json summaries of rec index and rec dump', () => {
  test('index: out, records, duplicate keys; dump: a last summary line after the rows', () => {
    const out = path.join(dir, 'summary.idx');
    assert.deepEqual(json(['index', fixture('dmlc-sample/sample.rec'), '--out', out, '--json']), { out, records: 10, duplicateKeys: 0 });
    const res = runBin('rec', ['dump', fixture('dmlc-sample/sample.rec'), '--parts', '2', '--part', '1', '--json']);
    const lines = res.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 5);
    assert.deepEqual(lines.at(-1), { summary: { file: fixture('dmlc-sample/sample.rec'), records: 4, parts: 2, part: 1, skippedRecords: 0, skippedBytes: 0 } });
  });
});

describe('rec split, merge, subset, shuffle', () => {
  const src = fixture('gray-glyphs/val.rec');

  test('split in file order, then merge: the same .rec byte for byte; shares are honoured', () => {
    const parts = ['a', 'b', 'c'].map((p) => path.join(dir, `split-${p}.rec`));
    const split = json(['split', src, ...parts, '--shares', '2,1,1', '--json']);
    assert.deepEqual(split.map((r: { records: number }) => r.records), [196, 98, 98]);
    // Shares whose sum is past the largest double still split as their ratios say.
    const huge = ['h1', 'h2'].map((p) => path.join(dir, `split-${p}.rec`));
    assert.deepEqual(json(['split', src, ...huge, '--shares', '1e308,1e308', '--json']).map((r: { records: number }) => r.records), [196, 196]);
    const merged = path.join(dir, 'merged.rec');
    assert.equal(runBin('rec', ['merge', merged, ...parts]).status, 0);
    assert.ok(fs.readFileSync(merged).equals(fs.readFileSync(src)));
    // Keys were kept: each part's .idx matches what rec index rebuilds from header ids.
    assert.deepEqual(RecordIndex.readSync(parts[1]!.replace(/\.rec$/, '.idx')).keys(), rows(parts[1]!).map((r) => String(r.id)));
  });

  test('split --shuffle: a seeded partition, each part in file order; merged back, the same records', () => {
    const outs = (seed: number) => ['t', 'v'].map((p) => path.join(dir, `shuf-${seed}-${p}.rec`));
    json(['split', src, ...outs(1), '--shares', '0.9,0.1', '--shuffle', '--seed', '1', '--json']);
    const again = outs(1).map((f) => f.replace('shuf-1', 'shuf-1b'));
    json(['split', src, ...again, '--shares', '0.9,0.1', '--shuffle', '--seed', '1', '--json']);
    assert.ok(fs.readFileSync(outs(1)[1]!).equals(fs.readFileSync(again[1]!)));
    const [train, val] = outs(1).map(rows);
    assert.deepEqual([train!.length, val!.length], [353, 39]);
    assert.ok(val!.every((r, i) => i === 0 || r.id > val![i - 1]!.id), 'file order within a part');
    const byId = (a: { id: RecordId }, b: { id: RecordId }) => Number(a.id) - Number(b.id);
    assert.deepEqual([...train!, ...val!].sort(byId), rows(src));
  });

  test('merge --renumber: keys 0..n-1, header ids follow, and rec index rebuilds the same .idx', () => {
    const out = path.join(dir, 'renum.rec');
    const res = json(['merge', out, fixture('adaface-tiny/train.rec'), fixture('readtome/validation.rec'), '--renumber', '--json']);
    assert.equal(res.records, 48);
    assert.deepEqual(rows(out).map((r) => r.id), Array.from({ length: 48 }, (_, i) => i));
    const rebuilt = path.join(dir, 'renum-rebuilt.idx');
    assert.equal(runBin('rec', ['index', out, '--out', rebuilt]).status, 0);
    assert.equal(fs.readFileSync(rebuilt, 'utf8'), fs.readFileSync(path.join(dir, 'renum.idx'), 'utf8'));
    // Only the id changed.
    const before = [...rows(fixture('adaface-tiny/train.rec')), ...rows(fixture('readtome/validation.rec'))];
    assert.deepEqual(rows(out).map(({ id, ...rest }) => rest), before.map(({ id, ...rest }) => rest));
  });

  test('subset by labels and by a key list (an im2rec .lst works); missing keys are counted', () => {
    const byLabel = path.join(dir, 'sub-label.rec');
    json(['subset', src, byLabel, '--labels', '2,34', '--json']);
    const expected = rows(src).filter((r) => r.label[0] === 2 || r.label[0] === 34);
    assert.ok(expected.length > 0);
    assert.deepEqual(rows(byLabel), expected);

    const keys = path.join(dir, 'keys.lst');
    fs.writeFileSync(keys, '5\t0\ta.jpg\n7\t0\tb.jpg\n\n99999\t0\tc.jpg\n');
    const byKey = path.join(dir, 'sub-key.rec');
    const res = runBin('rec', ['subset', fixture('readtome/validation.rec'), byKey, '--keys', keys]);
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stderr, /1 listed key is not in .*validation\.rec: 99999\n/);
    assert.deepEqual(rows(byKey).map((r) => r.id), [5, 7]);
    // Many missing: the first ten, and how many more.
    fs.writeFileSync(keys, ['5', ...Array.from({ length: 13 }, (_, i) => String(100 + i))].join('\n'));
    const many = runBin('rec', ['subset', fixture('readtome/validation.rec'), path.join(dir, 'sub-many.rec'), '--keys', keys]);
    assert.equal(many.status, 0, many.stderr);
    assert.match(many.stderr, /13 listed keys are not in .*: 100, 101, 102, 103, 104, 105, 106, 107, 108, 109 and 3 more\n/);
  });

  test('shuffle: a permutation, the same for the same seed, different for another', () => {
    const out = (seed: number, tag = '') => path.join(dir, `shuffled-${seed}${tag}.rec`);
    for (const [seed, tag] of [[1, ''], [1, 'b'], [2, '']] as const) json(['shuffle', src, out(seed, tag), '--seed', String(seed), '--json']);
    const one = rows(out(1));
    assert.deepEqual(rows(out(1, 'b')), one);
    assert.notDeepEqual(rows(out(2)).map((r) => r.id), one.map((r) => r.id));
    assert.notDeepEqual(one.map((r) => r.id), rows(src).map((r) => r.id));
    assert.deepEqual([...one].sort((a, b) => Number(a.id) - Number(b.id)), rows(src));
    assert.deepEqual(RecordIndex.readSync(out(1).replace(/\.rec$/, '.idx')).keys(), one.map((r) => String(r.id)));
  });

  test('progress: bytes of the inputs read, rising to their total', async () => {
    const big = path.join(dir, 'many.rec');
    const w = RecordWriter.create(big, { indexPath: path.join(dir, 'many.idx') });
    for (let i = 0; i < 5000; i++) w.write(packImageRecord({ label: i % 3, id: i }, Buffer.alloc(10 + (i % 50), i)), i);
    await w.close();
    const size = fs.statSync(big).size;
    const runs: [string, (onProgress: (done: number, total: number) => void) => unknown, number][] = [
      ['split', (onProgress) => splitRecordFile(big, [path.join(dir, 'pa.rec'), path.join(dir, 'pb.rec')], { shares: [1, 1], onProgress }), size],
      ['merge', (onProgress) => mergeRecordFiles([big, big], path.join(dir, 'twice.rec'), { renumber: true, onProgress }), 2 * size],
      ['subset', (onProgress) => subsetRecordFile(big, path.join(dir, 'some.rec'), { labels: new Set([1]), onProgress }), size],
      ['shuffle', (onProgress) => shuffleRecordFile(big, path.join(dir, 'mixed.rec'), { seed: 1, onProgress }), size],
    ];
    for (const [name, run, total] of runs) {
      const seen: [number, number][] = [];
      await run((done, t) => seen.push([done, t]));
      assert.ok(seen.length >= 3, `${name}: ${seen.length} reports`);
      assert.deepEqual(seen.at(-1), [total, total], name);
      assert.ok(seen.every(([d, t], i) => t === total && d <= t && (i === 0 || d >= seen[i - 1]![0])), name);
      assert.ok(seen[0]![0] > 0 && seen[0]![0] < total, name);
    }
  });

  test('an .idx that verify rejects (past the end, into a record) is refused by every rewrite: one line, nothing written', () => {
    // Ten records with header ids 0..9; each .idx keys them by id but for one entry: key 0 past the end of the file,
    // or key 0 four bytes into record 7 (its start has no entry). Trusted, shuffle wrote key 0 twice and keyed
    // record 7 by its header id after an entry that named no record.
    const rec = path.join(dir, 'lying.rec');
    const w = RecordWriter.create(rec);
    const offsets = Array.from({ length: 10 }, (_, id) => w.write(packImageRecord({ label: id, id }, Buffer.from(`image ${id}`))));
    w.close();
    const size = fs.statSync(rec).size;
    const idx = rec.replace(/\.rec$/, '.idx');
    const lines = (bad: [key: string, offset: number], at: number) =>
      offsets.map((offset, id) => (id === at ? `${bad[0]}\t${bad[1]}` : `${id}\t${offset}`)).join('\n') + '\n';
    for (const [text, line, offset] of [
      [lines(['0', size + 64], 3), 4, size + 64],
      [lines(['0', offsets[7]! + 4], 7), 8, offsets[7]! + 4],
    ] as const) {
      fs.writeFileSync(idx, text);
      assert.equal(runBin('rec', ['verify', rec]).status, 1);
      const out = path.join(dir, 'lying-out.rec');
      for (const args of [
        ['shuffle', rec, out],
        ['merge', out, rec],
        ['split', rec, out, path.join(dir, 'lying-out2.rec')],
        ['subset', rec, out, '--labels', '1,2'],
      ]) {
        const res = runBin('rec', args);
        assert.equal(res.status, 1, `${args[0]}: ${res.stderr}`);
        assert.ok(isOneLineError(res.stderr), res.stderr);
        assert.match(res.stderr, new RegExp(`lying\\.idx:${line}: key 0: offset ${offset} is not a record start in .*lying\\.rec`), args[0]);
        assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('lying-out')), [], args[0]);
      }
    }
  });

  test('bad calls: one-line errors, exit 2, inputs untouched', () => {
    const before = fs.readFileSync(src);
    for (const [args, message] of [
      [['split', src, path.join(dir, 'only.rec')], /expected two or more outputs, received 1/],
      [['split', src, path.join(dir, 'x1.rec'), path.join(dir, 'x2.rec'), '--shares', '1,2,3'], /--shares: expected 2 shares/],
      [['split', src, src, path.join(dir, 'x3.rec')], /refusing to overwrite an input file/],
      [['subset', src, path.join(dir, 'x4.rec')], /expected --keys or --labels/],
      [['shuffle', src, src], /refusing to overwrite an input file/],
    ] as const) {
      const res = runBin('rec', [...args]);
      assert.equal(res.status, 2, `${args.join(' ')}: ${res.stderr}`);
      assert.ok(isOneLineError(res.stderr), res.stderr);
      assert.match(res.stderr, message);
    }
    assert.ok(fs.readFileSync(src).equals(before));
  });

  test('the library refuses a split it cannot do with a UsageError (the message rec split prints), before claiming an output', async () => {
    const outs = [path.join(dir, 'refused-1.rec'), path.join(dir, 'refused-2.rec')];
    for (const [to, shares, message] of [
      [outs.slice(0, 1), [1], /^expected two or more outputs, received 1$/],
      [outs, [1, 2, 3], /^shares: expected 2 shares \(one per output\), received 3$/],
      [outs, [1, Infinity], /^shares: expected positive numbers, received 1,Infinity$/],
    ] as const) {
      await assert.rejects(splitRecordFile(src, to, { shares }), (err: Error) => err instanceof UsageError && err.kind === 'usage' && message.test(err.message));
    }
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('refused-')), []);
  });
});
