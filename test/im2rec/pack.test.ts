// im2rec pack mode on real photos (make-corpus, with broken files): both command
// lines, the flags that change the pixels, labels as MXNet packs them, output read
// back by dmlc-core, thread-count independence, bad images, parts, interruption.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import sharp from 'sharp';
import { imageInfo, shorterEdgeSize } from '../../src/codec/codec.js';
import { unpackImageRecord } from '../../src/format/image-record.js';
import { RecordIndex } from '../../src/format/index-file.js';
import { RecordReader } from '../../src/format/reader.js';
import { parseList } from '../../src/format/list-file.js';
import { pack } from '../../src/im2rec/pack.js';
import { partialPaths } from '../../src/im2rec/partial-output.js';
import { isOneLineError, runBin } from '../helpers/cli.js';
import { makeCorpus } from '../helpers/corpus.js';
import { fromFrames, runHarness, skipWithoutDmlc } from '../helpers/dmlc.js';
import { makeJpeg } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

const binPath = path.resolve('bin/im2rec.cjs');

function records(recPath: string) {
  const reader = RecordReader.open(recPath);
  try {
    return [...reader].map((r) => ({ offset: r.offset, payload: Buffer.from(r.payload), ...unpackImageRecord(Buffer.from(r.payload)) }));
  } finally {
    reader.close();
  }
}

function im2rec(args: string[], cwd?: string) {
  const res = runBin('im2rec', args, cwd ? { cwd } : {});
  return res;
}

// Made at load time: temporary folders made inside hooks would be removed when the hook ends.
const corpus = await makeCorpus({ count: 20, broken: 4, pngFraction: 0.2 });
const work = tempDir();
const listed = im2rec([path.join(work, 'all'), corpus, '--list', '--recursive']);
assert.equal(listed.status, 0, listed.stderr);
/** The recursive list of the corpus, broken/ included, in MXNet's shuffled order. */
const listItems = parseList(fs.readFileSync(path.join(work, 'all.lst'), 'utf8'), { kind: 'tab' }, 'all.lst');

/** A fresh folder holding a copy of the list as NAME.lst. */
function listCopy(name: string, text = fs.readFileSync(path.join(work, 'all.lst'))): string {
  const dir = fs.mkdtempSync(path.join(work, 'run-'));
  fs.writeFileSync(path.join(dir, `${name}.lst`), text);
  return dir;
}

describe('im2rec.py form', () => {
  let dir: string;
  before(() => {
    dir = listCopy('train');
    const res = im2rec([path.join(dir, 'train'), corpus, '--resize', '96', '--num-thread', '1']);
    assert.equal(res.status, 0, res.stderr);
  });

  test('every readable image is packed in list order: id = list index, label from the list, MXNet\'s resize', async () => {
    const recs = records(path.join(dir, 'train.rec'));
    const good = listItems.filter((i) => !i.path.startsWith('broken/'));
    assert.equal(recs.length, good.length);
    for (const [k, item] of good.entries()) {
      const r = recs[k]!;
      assert.equal(r.id, item.index);
      assert.equal(r.flag, 0);
      assert.deepEqual(r.label, item.labels);
      const src = await imageInfo(fs.readFileSync(path.join(corpus, item.path)));
      const out = await imageInfo(r.image);
      assert.equal(out.format, 'jpeg');
      assert.deepEqual({ width: out.width, height: out.height }, shorterEdgeSize(src.width, src.height, 96), item.path);
      assert.equal(out.channels, 3);
    }
  });

  test('the .idx keys are the list indices and point at the records', () => {
    const index = RecordIndex.readSync(path.join(dir, 'train.idx'));
    const recs = records(path.join(dir, 'train.rec'));
    assert.deepEqual(index.entries.map((e) => [Number(e.key), e.offset]), recs.map((r) => [r.id, r.offset]));
  });

  test('dmlc-core reads the same records', skipWithoutDmlc(), () => {
    const theirs = fromFrames(runHarness(['read', path.join(dir, 'train.rec')]));
    assert.deepEqual(theirs, records(path.join(dir, 'train.rec')).map((r) => r.payload));
  });

  test('bad images are skipped, reported on screen and in the report file, and counted', () => {
    const report = fs.readFileSync(path.join(dir, 'train.skipped.tsv'), 'utf8').trim().split('\n');
    assert.equal(report[0], 'line\tindex\tpath\treason');
    const byPath = Object.fromEntries(report.slice(1).map((l) => l.split('\t')).map((f) => [f[2], f[3]]));
    assert.deepEqual(Object.keys(byPath).sort(), ['broken/bad_0000.jpg', 'broken/bad_0001.jpg', 'broken/bad_0002.jpg', 'broken/bad_0003.jpg']);
    assert.match(byPath['broken/bad_0000.jpg']!, /^not an image or damaged: Premature end of JPEG file/); // truncated
    assert.equal(byPath['broken/bad_0001.jpg'], 'empty file');
    assert.match(byPath['broken/bad_0002.jpg']!, /^not an image or damaged/); // text
    for (const line of report.slice(1)) {
      const [lineNo, index, file] = line.split('\t');
      assert.equal(listItems[Number(lineNo) - 1]!.index, Number(index));
      assert.equal(listItems[Number(lineNo) - 1]!.path, file);
    }
  });

  test('2 threads write the same bytes as 1', () => {
    const two = listCopy('train');
    const res = im2rec([path.join(two, 'train'), corpus, '--resize', '96', '--num-thread', '2', '--quiet']);
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stderr.includes('skipped broken/bad_0001.jpg'), false, '--quiet hides the skip lines (the report lists them)');
    for (const ext of ['rec', 'idx']) {
      assert.ok(fs.readFileSync(path.join(two, `train.${ext}`)).equals(fs.readFileSync(path.join(dir, `train.${ext}`))), ext);
    }
  });

  test("--pass-through stores every file's bytes, images or not, as MXNet does, and counts the non-images", () => {
    const d = listCopy('raw');
    const res = im2rec([path.join(d, 'raw'), corpus, '--pass-through', '--resize', '50']);
    assert.equal(res.status, 0, res.stderr);
    const recs = records(path.join(d, 'raw.rec'));
    const byId = new Map(listItems.map((i) => [i.index, i]));
    for (const r of recs) assert.ok(r.image.equals(fs.readFileSync(path.join(corpus, byId.get(r.id)!.path))));
    // The truncated JPEG, the damaged one and the text file go in as they are; only the empty file is left out.
    const stored = new Set(recs.map((r) => byId.get(r.id)!.path));
    assert.deepEqual(['bad_0000', 'bad_0001', 'bad_0002', 'bad_0003'].map((b) => stored.has(`broken/${b}.jpg`)), [true, false, true, true]);
    // The text file, and the JPEG whose tables were overwritten, are not images by their headers.
    assert.match(res.stderr, /files written \(2 not images, stored as they are\), 1 skipped \(1 empty file\)/);
  });

  test('--center-crop without --resize crops (im2rec.py); --color 0 is gray; --encoding .png writes PNG', async () => {
    const d = listCopy('c');
    const res = im2rec([path.join(d, 'c'), corpus, '--center-crop', '--color', '0', '--encoding', '.png', '--quality', '1']);
    assert.equal(res.status, 0, res.stderr);
    const byId = new Map(listItems.map((i) => [i.index, i]));
    for (const r of records(path.join(d, 'c.rec'))) {
      const src = await imageInfo(fs.readFileSync(path.join(corpus, byId.get(r.id)!.path)));
      const out = await imageInfo(r.image);
      const side = Math.min(src.width, src.height);
      assert.deepEqual([out.format, out.width, out.height, out.channels], ['png', side, side, 1]);
    }
  });

  test('without the native addon the same pack comes out of sharp, and im2rec says once how to get the fast path', async () => {
    const d = listCopy('slow');
    const res = runBin('im2rec', [path.join(d, 'slow'), corpus, '--resize', '96'], { env: { MXREC_NO_NATIVE: '1' } });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stderr.match(/note: JPEGs go through sharp, slower: /g)?.length, 1);
    const ours = records(path.join(dir, 'train.rec'));
    const viaSharp = records(path.join(d, 'slow.rec'));
    assert.deepEqual(viaSharp.map((r) => [r.id, r.label]), ours.map((r) => [r.id, r.label]));
    for (const [k, r] of viaSharp.entries()) {
      const [a, b] = [await imageInfo(r.image), await imageInfo(ours[k]!.image)];
      assert.deepEqual([a.width, a.height, a.channels], [b.width, b.height, b.channels]);
    }
  });

  test('--parts N --part I: PREFIX.partNNN.rec holding that slice; the parts together are the whole pack', () => {
    const d = listCopy('sl');
    const payloads: Buffer[] = [];
    for (const part of [0, 1]) {
      const res = im2rec([path.join(d, 'sl'), corpus, '--resize', '96', '--parts', '2', '--part', String(part), '-q']);
      assert.equal(res.status, 0, res.stderr);
      payloads.push(...records(path.join(d, `sl.part00${part}.rec`)).map((r) => r.payload));
      assert.ok(fs.existsSync(path.join(d, `sl.part00${part}.idx`)));
    }
    assert.deepEqual(payloads, records(path.join(dir, 'train.rec')).map((r) => r.payload));
    const bad = im2rec([path.join(d, 'sl'), corpus, '--parts', '2', '--part', '2']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--part: expected an integer in 0\.\.1 or auto \(--parts is 2\), received 2/);
  });

  test('--quality and inter_method change the pixels; --exts picks the files listed', async () => {
    const d = listCopy('q');
    assert.equal(im2rec([path.join(d, 'q'), corpus, '--resize', '96', '--quality', '40', '-q']).status, 0);
    const low = records(path.join(d, 'q.rec'));
    const high = records(path.join(dir, 'train.rec'));
    assert.ok(low.every((r, k) => r.image.length < high[k]!.image.length), 'q40 files are smaller than q95 ones');
    const lst = path.join(d, 'q.lst');
    assert.equal(im2rec([lst, corpus, path.join(d, 'nn.rec'), 'resize=96', '-q']).status, 0);
    assert.equal(im2rec([lst, corpus, path.join(d, 'n0.rec'), 'resize=96', 'inter_method=0', '-q']).status, 0);
    const [linear, nearest] = [records(path.join(d, 'nn.rec')), records(path.join(d, 'n0.rec'))];
    assert.ok(linear.some((r, k) => !r.image.equals(nearest[k]!.image)), 'nearest differs from linear');
    assert.ok(linear.every((r, k) => r.image.equals(high[k]!.image)), 'im2rec.cc resize=96 = im2rec.py --resize 96');
    const listed = im2rec([path.join(d, 'pngs'), corpus, '--list', '--recursive', '--exts', '.PNG', '--no-shuffle']);
    assert.equal(listed.status, 0, listed.stderr);
    const paths = parseList(fs.readFileSync(path.join(d, 'pngs.lst'), 'utf8'), { kind: 'tab' }, 'pngs.lst').map((i) => i.path);
    assert.deepEqual(paths, listItems.map((i) => i.path).filter((p) => p.endsWith('.png')).sort());
  });

  test('on a terminal: a progress bar with rate and ETA, the first skips printed above it, then the rest counted and the summary', () => {
    // util-linux `script` gives the command a pseudo-terminal (Debian's bsdutils, always installed).
    // Long enough (the list 30 times) for the bar to be drawn: it redraws at most every 100 ms.
    const lines = fs.readFileSync(path.join(work, 'all.lst'), 'utf8').trim().split('\n');
    const text = Array.from({ length: 30 }, (_, k) => lines.map((l) => l.replace(/^\d+/, (n) => String(Number(n) + 100 * k))).join('\n')).join('\n');
    const d = listCopy('tty', Buffer.from(`${text}\n`));
    const cmd = [process.execPath, binPath, path.join(d, 'tty'), corpus, '--resize', '96', '--num-thread', '1'].map((a) => `'${a}'`).join(' ');
    const res = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8' });
    assert.equal(res.status, 0, res.stdout);
    const screen = res.stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    assert.match(screen, /tty\.rec \[[█░]+\] \d+% \| \d+\/720 \| \d+ images\/s \| ETA \d+s/);
    // The first ten skips are shown above the bar, whole lines; the rest are counted once the bar is gone.
    assert.equal(screen.match(/im2rec: skipped broken\/bad_000\d\.jpg \(tty\.lst:\d+\): /g)?.length, 10, screen);
    assert.match(screen, /im2rec: 110 more skipped images not shown; all 120 are listed in \S*tty\.skipped\.tsv\r?$/m);
    assert.match(screen, /600 images written, 120 skipped/);
  });

  test('old-style bool flags and a missing list are handled', () => {
    const d = listCopy('b');
    const res = im2rec([path.join(d, 'b'), corpus, '--pass-through', 'True', '--center-crop', 'False']);
    assert.equal(res.status, 0, res.stderr);
    const none = im2rec([path.join(d, 'nothing'), corpus]);
    assert.equal(none.status, 2);
    assert.ok(isOneLineError(none.stderr), none.stderr);
    assert.match(none.stderr, /no \.lst file starts with .*nothing/);
  });
});

describe('im2rec.cc form', () => {
  test('key=value options, .idx written, center_crop only with resize', async () => {
    const d = listCopy('x');
    const lst = path.join(d, 'x.lst');
    const noResize = im2rec([lst, `${corpus}/`, path.join(d, 'a.rec'), 'center_crop=1', '--quiet']);
    assert.equal(noResize.status, 0, noResize.stderr);
    const withResize = im2rec([lst, corpus, path.join(d, 'b.rec'), 'center_crop=1', 'resize=40', 'inter_method=9', '--quiet']);
    assert.equal(withResize.status, 0, withResize.stderr);
    assert.ok(fs.existsSync(path.join(d, 'a.idx')) && fs.existsSync(path.join(d, 'b.idx')));
    const byId = new Map(listItems.map((i) => [i.index, i]));
    for (const r of records(path.join(d, 'a.rec'))) {
      const src = await imageInfo(fs.readFileSync(path.join(corpus, byId.get(r.id)!.path)));
      const out = await imageInfo(r.image);
      assert.deepEqual([out.width, out.height], [src.width, src.height], 'no resize: no crop');
    }
    for (const r of records(path.join(d, 'b.rec'))) {
      const out = await imageInfo(r.image);
      assert.deepEqual([out.width, out.height], [40, 40]);
    }
  });

  test('bad arguments are one-line errors: key value without =, unknown key, pack_label without label_width', () => {
    const d = listCopy('x');
    const lst = path.join(d, 'x.lst');
    const out = path.join(d, 'o.rec');
    for (const [args, re] of [
      [['resize', '256'], /expected key=value, received "resize" \(did you mean resize=256\?\)/],
      [['sizee=256'], /unknown key "sizee"/],
      [['pack_label=1'], /pack_label=1: expected label_width > 1/],
      [['color=2'], /color: expected an integer in -1\.\.1, received "2"/],
      [['inter_method=7'], /inter_method: expected one of 0, 1, 2, 3, 4, 9, 10, received "7"/],
      [['nsplit=2', 'part=2'], /part: expected an integer in 0\.\.1 or auto \(nsplit is 2\), received 2/],
    ] as const) {
      const res = im2rec([lst, corpus, out, ...args]);
      assert.equal(res.status, 2, `${args.join(' ')}: ${res.stderr}`);
      assert.ok(isOneLineError(res.stderr), res.stderr);
      assert.match(res.stderr, re);
    }
    assert.equal(fs.existsSync(out), false);
  });

  test('nsplit/part: OUT.rec.partNNN files; rec merge joins them into the whole pack, byte for byte', () => {
    const d = listCopy('x');
    const lst = path.join(d, 'x.lst');
    const whole = im2rec([lst, corpus, path.join(d, 'w.rec'), 'resize=32', '--quiet']);
    assert.equal(whole.status, 0, whole.stderr);
    const parts: Buffer[] = [];
    for (let part = 0; part < 3; part++) {
      const res = im2rec([lst, corpus, path.join(d, 'p.rec'), 'resize=32', 'nsplit=3', `part=${part}`, '--quiet']);
      assert.equal(res.status, 0, res.stderr);
      const file = path.join(d, `p.rec.part00${part}`);
      assert.ok(fs.existsSync(`${file}.idx`));
      parts.push(...records(file).map((r) => r.payload));
    }
    assert.deepEqual(parts, records(path.join(d, 'w.rec')).map((r) => r.payload));
    const partFiles = [0, 1, 2].map((p) => path.join(d, `p.rec.part00${p}`));
    const merged = runBin('rec', ['merge', path.join(d, 'm.rec'), ...partFiles]);
    assert.equal(merged.status, 0, merged.stderr);
    assert.match(merged.stderr, /rec merge: wrote .*m\.rec and .*m\.idx: \d+ records\n$/);
    assert.ok(fs.readFileSync(path.join(d, 'm.rec')).equals(fs.readFileSync(path.join(d, 'w.rec'))));
    assert.ok(fs.readFileSync(path.join(d, 'm.idx')).equals(fs.readFileSync(path.join(d, 'w.idx'))));
    const refused = runBin('rec', ['merge', '-o', partFiles[0]!, partFiles[1]!, partFiles[0]!, '--force']);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /refusing to overwrite an input file/);
  });
});

describe('labels', () => {
  const lst = ['0\t1\t2\t3\t4\tclass_000/a.jpg', '1\t5\t6\t7\t8\tclass_000/b.jpg', ''].join('\n');
  const root = path.join(tempDir(), 'imgs');
  before(async () => {
    fs.mkdirSync(path.join(root, 'class_000'), { recursive: true });
    fs.writeFileSync(path.join(root, 'class_000/a.jpg'), await makeJpeg(64, 48, {}, 1));
    fs.writeFileSync(path.join(root, 'class_000/b.jpg'), await makeJpeg(48, 64, { gray: true }, 2));
  });

  test('im2rec.py: --pack-label stores all labels (flag 4, header label 0); without it the first label only', () => {
    const d = listCopy('m', Buffer.from(lst));
    assert.equal(im2rec([path.join(d, 'm'), root, '--pack-label', '-q']).status, 0);
    assert.deepEqual(records(path.join(d, 'm.rec')).map((r) => [r.flag, r.headerLabel, r.label]), [[4, 0, [1, 2, 3, 4]], [4, 0, [5, 6, 7, 8]]]);
    const e = listCopy('m', Buffer.from(lst));
    assert.equal(im2rec([path.join(e, 'm'), root, '-q']).status, 0);
    assert.deepEqual(records(path.join(e, 'm.rec')).map((r) => [r.flag, r.label]), [[0, [1]], [0, [5]]]);
  });

  test('im2rec.cc: label_width=4 pack_label=1 keeps the first label in the header too', () => {
    const d = listCopy('m', Buffer.from(lst.replaceAll('\t', ' ')));
    const res = im2rec([path.join(d, 'm.lst'), root, path.join(d, 'm.rec'), 'label_width=4', 'pack_label=1', '-q']);
    assert.equal(res.status, 0, res.stderr);
    assert.deepEqual(records(path.join(d, 'm.rec')).map((r) => [r.flag, r.headerLabel, r.label]), [[4, 1, [1, 2, 3, 4]], [4, 5, [5, 6, 7, 8]]]);
  });

  test('color -1 keeps gray images gray and colour images colour', async () => {
    const d = listCopy('m', Buffer.from(lst));
    assert.equal(im2rec([path.join(d, 'm'), root, '--color', '-1', '-q']).status, 0);
    const channels = await Promise.all(records(path.join(d, 'm.rec')).map(async (r) => (await imageInfo(r.image)).channels));
    assert.deepEqual(channels, [3, 1]);
  });

  test('EXIF-rotated photos come out upright, as OpenCV decodes them, except with --color -1', async () => {
    // Stored 64x48, orientation 6: upright it is 48x64.
    const sideways = await sharp(await makeJpeg(64, 48, {}, 7)).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    fs.writeFileSync(path.join(root, 'class_000/phone.jpg'), sideways);
    const sizes = async (color: string) => {
      const d = listCopy('o', Buffer.from('0\t0\tclass_000/phone.jpg\n'));
      assert.equal(im2rec([path.join(d, 'o'), root, '--resize', '32', '--color', color, '-q']).status, 0);
      const info = await imageInfo(records(path.join(d, 'o.rec'))[0]!.image);
      return [info.width, info.height];
    };
    assert.deepEqual(await sizes('1'), [32, 42]); // shorter edge 48 → 32, 64 → floor(64 * 32 / 48)
    assert.deepEqual(await sizes('0'), [32, 42]);
    assert.deepEqual(await sizes('-1'), [42, 32]); // IMREAD_UNCHANGED ignores the orientation
  });

  test('a malformed .lst line is an error naming file and line', () => {
    const d = listCopy('m', Buffer.from(`${lst}2\tclass_000/c.jpg\n`));
    const res = im2rec([path.join(d, 'm'), root]);
    assert.equal(res.status, 1);
    assert.ok(isOneLineError(res.stderr), res.stderr);
    assert.match(res.stderr, /m\.lst:3: expected "index<TAB>label<TAB>path"/);
    assert.equal(fs.existsSync(path.join(d, 'm.rec')), false);
  });
});

describe('failure and interruption', () => {
  test('--strict stops at the first bad image: exit 1, naming list line and file; no .rec', () => {
    const d = listCopy('s');
    const res = im2rec([path.join(d, 's'), corpus, '--strict']);
    assert.equal(res.status, 1);
    assert.match(res.stderr, /s\.lst:\d+: .*broken\/bad_000\d\.jpg: (empty file|not an image)/);
    assert.equal(fs.existsSync(path.join(d, 's.rec')), false);
    assert.equal(fs.existsSync(path.join(d, 's.idx')), false);
  });

  test('an aborted pack keeps its records for resume; the resumed output equals an uninterrupted one', async () => {
    const d = listCopy('r');
    const opts = { list: path.join(d, 'r.lst'), root: corpus, dialect: { kind: 'tab' } as const, image: { resize: 64 }, threads: 1, fsync: false };
    const clean = await pack({ ...opts, output: path.join(d, 'clean.rec') });
    assert.equal(clean.interrupted, false);

    const abort = new AbortController();
    const out = path.join(d, 'r.rec');
    const first = await pack({ ...opts, output: out, signal: abort.signal, onProgress: () => abort.abort() });
    assert.equal(first.interrupted, true);
    assert.ok(first.done < first.total);
    assert.equal(fs.existsSync(out), false, 'no output under the final name');
    const { partial } = partialPaths(out);
    assert.ok(fs.statSync(partial).size > 0);
    // A record cut short (the process killed mid-write) is dropped and redone.
    fs.truncateSync(partial, fs.statSync(partial).size - 10);

    const second = await pack({ ...opts, output: out, resume: true });
    assert.equal(second.interrupted, false);
    assert.ok(second.resumedFrom > 0 && second.resumedFrom < first.done, `${second.resumedFrom} vs ${first.done}`);
    assert.ok(fs.readFileSync(out).equals(fs.readFileSync(clean.output)));
    assert.ok(fs.readFileSync(path.join(d, 'r.idx')).equals(fs.readFileSync(path.join(d, 'clean.idx'))));
    assert.equal(second.skipped, clean.skipped);
    assert.equal(fs.existsSync(partial), false);
  });

  test('resume refuses a partial made with other settings', async () => {
    const d = listCopy('r');
    const opts = { list: path.join(d, 'r.lst'), root: corpus, dialect: { kind: 'tab' } as const, output: path.join(d, 'r.rec'), fsync: false };
    const abort = new AbortController();
    await pack({ ...opts, image: { resize: 64 }, signal: abort.signal, onProgress: () => abort.abort() });
    await assert.rejects(pack({ ...opts, image: { resize: 65 }, resume: true }), /was made from another list or other settings .*; --force starts over/);
  });

  test('Ctrl-C: exit 130, no partial .rec under the final name, and --resume finishes it', async () => {
    // A long list: the corpus's good images many times over.
    const good = fs.readFileSync(path.join(work, 'all.lst'), 'utf8').split('\n').filter((l) => l && !l.includes('broken/'));
    const text = Array.from({ length: 60 }, (_, k) => good.map((l) => l.replace(/^\d+/, (n) => String(Number(n) + 1000 * k))).join('\n')).join('\n');
    const d = listCopy('big', Buffer.from(`${text}\n`));
    const args = [binPath, path.join(d, 'big'), corpus, '--resize', '200', '--num-thread', '1'];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    const { partial } = partialPaths(path.join(d, 'big.rec'));
    // Signal once the pack is under way (its partial file exists), so the handler is installed.
    while (!fs.existsSync(partial)) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 150));
    child.kill('SIGINT');
    const code = await new Promise((r) => child.on('exit', r));
    assert.equal(code, 130, stderr);
    assert.match(stderr, /interrupted after \d+ of \d+ images; \d+ records kept in .*big\.rec\.partial\. Run the same command with --resume/);
    assert.equal(fs.existsSync(path.join(d, 'big.rec')), false);
    assert.equal(fs.readdirSync(d).filter((f) => f.includes('.tmp-')).length, 0, 'no stray temporary files');

    const resumed = im2rec([path.join(d, 'big'), corpus, '--resize', '200', '--resume']);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stderr, /continued an interrupted run after its first \d+ list items/);
    const recs = records(path.join(d, 'big.rec'));
    assert.equal(recs.length, good.length * 60);
    assert.deepEqual(recs.map((r) => r.id), parseList(text, { kind: 'tab' }, 'big.lst').map((i) => i.index));
  });
});
