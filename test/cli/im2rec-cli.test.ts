/**
 * im2rec at the command line as a newcomer meets it (issue 29): a wrong ROOT
 * and a wrong label_width said once and up front, not a line per image;
 * images over the pixel limit named with their size and the limit, which
 * --max-pixels raises; paths said as they were written; the usual argument
 * mistakes named; a --json summary. Every run is in a temporary folder with
 * relative paths, as a user types them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import sharp from 'sharp';
import { type CliResult, isOneLineError, runBin } from '../helpers/cli.js';
import { fixture } from '../helpers/fixtures.js';
import { patternPng } from '../helpers/image-bombs.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('mxrec-im2rec-cli-');
const im2rec = (args: string[]): CliResult => runBin('im2rec', args, { cwd: dir });
const at = (...parts: string[]) => path.join(dir, ...parts);
const lines = (text: string) => text.split('\n').filter((l) => l !== '');

/** 30 lines naming cats/x0.jpg .. cats/x29.jpg; only x0 and x1 exist under images/. */
const COUNT = 30;
before(async () => {
  fs.mkdirSync(at('images', 'cats'), { recursive: true });
  fs.mkdirSync(at('m'));
  for (const n of [0, 1]) {
    await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 200, g: 20 * n, b: 40 } } }).jpeg().toFile(at('images', 'cats', `x${n}.jpg`));
  }
  const list = Array.from({ length: COUNT }, (_, i) => `${i}\t0\tcats/x${i}.jpg\n`).join('');
  fs.writeFileSync(at('m', 'big.lst'), list);
  fs.writeFileSync(at('m', 'four.lst'), Array.from({ length: COUNT }, (_, i) => `${i} 1 0 1 0 cats/x${i % 2}.jpg\n`).join(''));
});

/** A fresh copy of m/big.lst as NAME.lst (its outputs new). */
function bigList(name: string): string {
  fs.copyFileSync(at('m', 'big.lst'), at('m', `${name}.lst`));
  return `m/${name}`;
}

describe('A. a wrong ROOT or label_width is said once, before any work', () => {
  test('a ROOT that does not exist: one line naming it, exit 2, no skip lines, nothing written (both forms)', () => {
    const prefix = bigList('noroot');
    for (const args of [[prefix, 'nowhere/', '--resize', '256'], [`${prefix}.lst`, 'nowhere/', `${prefix}.rec`, 'resize=256']]) {
      const res = im2rec(args);
      assert.equal(res.status, 2, res.stderr);
      assert.ok(isOneLineError(res.stderr), res.stderr);
      assert.match(res.stderr, /^im2rec: ROOT nowhere\/: no such folder/);
      assert.doesNotMatch(res.stderr, /skipped/);
    }
    assert.deepEqual(fs.readdirSync(at('m')).filter((f) => f.startsWith('noroot')), ['noroot.lst']);
  });

  test('list mode: a ROOT that does not exist is named too', () => {
    const res = im2rec(['m/made', 'nowhere/', '--list']);
    assert.equal(res.status, 2, res.stderr);
    assert.ok(isOneLineError(res.stderr), res.stderr);
    assert.match(res.stderr, /^im2rec: ROOT nowhere\/: no such folder/);
  });

  test('a ROOT that exists but holds none of the images: a few skip lines, one saying how many more, then the diagnosis', () => {
    const prefix = bigList('wrongroot');
    const res = im2rec([prefix, 'images/cats', '--resize', '32']);
    assert.equal(res.status, 1, res.stderr);
    const out = lines(res.stderr);
    assert.ok(out.length <= 12, `at most a handful of lines:\n${res.stderr}`);
    assert.match(res.stderr, /im2rec: \d+ more skipped images not shown/);
    assert.match(out.at(-1)!, /no image was packed: all 30 images are missing .*is ROOT images\/cats right\?/);
    const quiet = im2rec([prefix, 'images/cats', '--resize', '32', '--quiet']);
    assert.equal(quiet.status, 1, quiet.stderr);
    assert.ok(isOneLineError(quiet.stderr), `--quiet: the error alone:\n${quiet.stderr}`);
  });

  test('a pack with skips past the few shown: the rest counted, pointing at the skip report', () => {
    const prefix = bigList('someskips');
    const res = im2rec([prefix, 'images/', '--resize', '32']);
    assert.equal(res.status, 0, res.stderr);
    assert.ok(lines(res.stderr).length <= 16, res.stderr);
    assert.match(res.stderr, /im2rec: 18 more skipped images not shown; all 28 are listed in m\/someskips\.skipped\.tsv/);
    assert.equal(lines(fs.readFileSync(at('m', 'someskips.skipped.tsv'), 'utf8')).length, 29);
    const quiet = im2rec([prefix, 'images/', '--resize', '32', '--quiet', '--force']);
    assert.equal(quiet.status, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stderr, /skipped cats/, '--quiet hides the skip lines');
    assert.match(quiet.stderr, /warning: 28 of 30 images/, 'the warning stays');
  });

  test('im2rec.cc: a 4-label list without label_width is refused from its first line, naming file, line and label_width=4', () => {
    const res = im2rec(['m/four.lst', 'images/', 'm/four.rec', 'resize=32']);
    assert.equal(res.status, 1, res.stderr);
    assert.ok(isOneLineError(res.stderr), res.stderr);
    assert.match(res.stderr, /^im2rec: m\/four\.lst:1: .*label_width=4/);
    assert.equal(fs.existsSync(at('m', 'four.rec')), false);
    assert.equal(im2rec(['m/four.lst', 'images/', 'm/four.rec', 'resize=32', 'label_width=4', '-q']).status, 0);
  });
});

describe('B. images over the pixel limit', () => {
  before(async () => {
    fs.mkdirSync(at('huge'));
    // 17000² gray zeros: under a megabyte as a PNG.
    const zeros = Buffer.alloc(17000);
    fs.writeFileSync(at('huge', 'big.png'), await patternPng(17000, 17000, 1, () => zeros));
    fs.copyFileSync(at('images', 'cats', 'x0.jpg'), at('huge', 'small.jpg'));
    fs.writeFileSync(at('m', 'huge.lst'), '0\t0\tbig.png\n1\t0\tsmall.jpg\n');
  });

  test('the skip says the image size and the limit, the summary how to raise it; the plural is right', () => {
    const res = im2rec(['m/huge', 'huge/', '--resize', '32']);
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stderr, /skipped big\.png \(huge\.lst:1\): too large: 17000x17000 \(289,000,000 pixels\), more than the 16383x16383 \(268,402,689\) decoded at most/);
    assert.match(res.stderr, /: 1 image written, 1 skipped \(1 too large\)/);
    assert.match(res.stderr, /--max-pixels/);
  });

  test('--max-pixels (im2rec.py form) and --max-pixels (im2rec.cc form) raise it; past its ceiling is a usage error', () => {
    fs.copyFileSync(at('m', 'huge.lst'), at('m', 'huge2.lst'));
    const py = im2rec(['m/huge2', 'huge/', '--resize', '32', '--max-pixels', '300000000']);
    assert.equal(py.status, 0, py.stderr);
    assert.match(py.stderr, /2 images written, 0 skipped/);
    const cc = im2rec(['m/huge.lst', 'huge/', 'm/huge-cc.rec', 'resize=32', '--max-pixels', '300000000']);
    assert.equal(cc.status, 0, cc.stderr);
    assert.match(cc.stderr, /2 images written, 0 skipped/);
    const low = im2rec(['m/huge.lst', 'huge/', 'm/huge-low.rec', 'resize=32', '--max-pixels=1000']);
    assert.equal(low.status, 1, low.stderr); // both over 1000 pixels
    assert.match(low.stderr, /40x30 \(1,200 pixels\), more than the 1,000 decoded at most/);
    for (const args of [['m/huge2', 'huge/', '--max-pixels', '1e12'], ['m/huge.lst', 'huge/', 'm/x.rec', '--max-pixels', '0']]) {
      const bad = im2rec(args);
      assert.equal(bad.status, 2, bad.stderr);
      assert.match(bad.stderr, /--max-pixels.*expected an integer in 1\.\.4294836225/);
    }
  });
});

describe('C. paths are said as they were written', () => {
  test('the im2rec.py form names its lists and outputs relative, as given; so does the im2rec.cc form', () => {
    const prefix = bigList('paths');
    const py = im2rec([prefix, 'images/cats', '--resize', '32']);
    assert.ok(!py.stderr.includes(dir), `no absolute path:\n${py.stderr}`);
    const cc = im2rec([`${prefix}.lst`, 'images/cats', `${prefix}.rec`, 'resize=32']);
    assert.ok(!cc.stderr.includes(dir), `no absolute path:\n${cc.stderr}`);
    const made = im2rec(['m/', 'images', '--list']);
    assert.match(made.stderr, /^im2rec: m\/: is a folder; expected a file prefix such as m\/train/);
    const none = im2rec(['m/nothing', 'images']);
    assert.match(none.stderr, /^im2rec: no \.lst file starts with m\/nothing/);
  });

  test('absolute paths given stay absolute', () => {
    const prefix = bigList('absolute');
    const res = im2rec([at(prefix), at('images'), '--resize', '32']);
    assert.equal(res.status, 0, res.stderr);
    assert.ok(res.stderr.includes(`${at(prefix)}.lst → ${at(prefix)}.rec`), res.stderr);
  });
});

describe('D. argument mistakes are named', () => {
  test('im2rec.cc form: an unknown flag is said to be one, with the flags the form takes', () => {
    const res = im2rec(['m/big.lst', 'images/', 'm/j.rec', '--bogus']);
    assert.equal(res.status, 2, res.stderr);
    assert.ok(isOneLineError(res.stderr), res.stderr);
    assert.match(res.stderr, /unknown flag "--bogus"; the im2rec\.cc form takes key=value keys and the flags --num-thread N, .*--json.*\(see im2rec --help-cc\)/);
  });

  test('a .rec where the list goes is named as one, not printed', () => {
    const rec = fixture('adaface-tiny/train.rec');
    fs.copyFileSync(rec, at('m', 'given.rec'));
    const res = im2rec(['m/given.rec', 'images/', 'm/out.rec']);
    assert.equal(res.status, 2, res.stderr);
    assert.ok(isOneLineError(res.stderr), res.stderr);
    assert.match(res.stderr, /^im2rec: m\/given\.rec: expected an image list \(text\), received a file that looks like a RecordIO file \(\.rec\)/);
    assert.doesNotMatch(res.stderr, /\\u0000/);
  });

  test('PREFIX and ROOT swapped: a folder as PREFIX and a ROOT that does not exist get a hint', () => {
    const res = im2rec(['images/', 'data/pets', '--list']);
    assert.equal(res.status, 2, res.stderr);
    assert.ok(isOneLineError(res.stderr), res.stderr);
    assert.match(res.stderr, /ROOT data\/pets: no such folder; PREFIX images\/ is a folder: swapped\? im2rec data\/pets images\/ --list/);
  });

  test('no arguments: the short usage, exit 2', () => {
    const res = im2rec([]);
    assert.equal(res.status, 2, res.stderr);
    assert.match(res.stderr, /^Usage: im2rec PREFIX ROOT \[options\]/);
    assert.match(res.stderr, /im2rec LIST ROOT OUT\.rec \[key=value \.\.\.\]/);
    assert.doesNotMatch(res.stderr, /missing required argument/);
  });
});

describe('E. --json: a summary on stdout', () => {
  test('the im2rec.py form: outputs, images written, skipped by reason, seconds', () => {
    const prefix = bigList('json');
    const res = im2rec([prefix, 'images/', '--resize', '32', '--json']);
    assert.equal(res.status, 0, res.stderr);
    const s = JSON.parse(res.stdout);
    assert.equal(s.list, 'm/json.lst');
    assert.deepEqual(s.outputs, ['m/json.rec', 'm/json.idx', 'm/json.skipped.tsv']);
    assert.equal(s.images, 2);
    assert.equal(s.skipped, 28);
    assert.deepEqual(s.skippedByReason, { 'missing file': 28 });
    assert.equal(typeof s.seconds, 'number');
    assert.doesNotMatch(res.stderr, /images written/, 'no summary lines besides');
  });

  test('the im2rec.cc form; several lists give an array', () => {
    const res = im2rec(['m/big.lst', 'images/', 'm/json-cc.rec', 'resize=32', '--json', '-q']);
    assert.equal(res.status, 0, res.stderr);
    const s = JSON.parse(res.stdout);
    assert.deepEqual(s.outputs, ['m/json-cc.rec', 'm/json-cc.idx', 'm/json-cc.skipped.tsv']);
    assert.equal(s.images, 2);
    fs.mkdirSync(at('two'));
    for (const n of [1, 2]) fs.writeFileSync(at('two', `l${n}.lst`), '0\t0\tcats/x0.jpg\n');
    const both = im2rec(['two/l', 'images', '--json']);
    assert.equal(both.status, 0, both.stderr);
    const all = JSON.parse(both.stdout);
    assert.deepEqual(all.map((p: { outputs: string[] }) => p.outputs), [['two/l1.rec', 'two/l1.idx'], ['two/l2.rec', 'two/l2.idx']]);
    assert.deepEqual(all[0].skippedByReason, {});
  });
});
