// im2rec's list side: CPython's shuffle, the folder walk and its labels, chunk and
// train/val/test files, the label map, .lst parsing in both dialects, and the
// nsplit/part slicing of a list (checked against dmlc's own text splitter).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ListFileError, parseList, parseListLine, formatListLine } from '../../src/format/list-file.js';
import { listPartRange, readListPart } from '../../src/im2rec/list-split.js';
import { MAX_LIST_BYTES } from '../../src/io/limits.js';
import { ListingError, makeLists } from '../../src/im2rec/make-lists.js';
import { PyRandom } from '../../src/im2rec/py-random.js';
import { runHarness, skipWithoutDmlc } from '../helpers/dmlc.js';
import { isOneLineError, runBin } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const PYTHON = '/usr/bin/python3';
const hasPython = spawnSync(PYTHON, ['-c', 'import random'], { encoding: 'utf8' }).status === 0;
// .ci/run installs python3: under CI these comparisons must run, not skip.
if (!hasPython && process.env.CI) throw new Error(`CI must run the CPython comparisons: ${PYTHON} not found`);

function touch(file: string, bytes = 'x'): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
}

describe('CPython random port', () => {
  test('random.seed(100); random.shuffle gives CPython 3 order (values recorded from CPython)', () => {
    const a = Array.from({ length: 37 }, (_, i) => i);
    new PyRandom(100).shuffle(a);
    assert.deepEqual(a.slice(0, 12), [20, 18, 0, 26, 30, 4, 21, 34, 12, 15, 33, 5]);
    const b = Array.from({ length: 1000 }, (_, i) => i);
    new PyRandom(100).shuffle(b);
    assert.deepEqual(b.slice(0, 6), [342, 471, 929, 100, 543, 231]);
    const r = new PyRandom(2 ** 40 + 7); // a seed wider than 32 bits: two key words
    assert.deepEqual([r.uint32(), r.uint32()], [2635837658, 3209733218]);
  });

  test('matches the local CPython on many sizes', { skip: hasPython ? undefined : `${PYTHON} not found` }, async () => {
    const sizes = [0, 1, 2, 3, 10, 255, 256, 257, 5000];
    const py = spawnSync(
      PYTHON,
      ['-c', `import random\nfor n in ${JSON.stringify(sizes)}:\n a=list(range(n)); random.seed(100); random.shuffle(a); print(','.join(map(str,a)))`],
      { encoding: 'utf8' },
    );
    const expected = py.stdout.split('\n');
    sizes.forEach((n, k) => {
      const a = Array.from({ length: n }, (_, i) => i);
      new PyRandom(100).shuffle(a);
      assert.equal(a.join(','), expected[k], `n=${n}`);
    });
  });
});

describe('im2rec --list', () => {
  function tree(): string {
    const root = path.join(tempDir(), 'images');
    touch(path.join(root, 'top.jpg'));
    touch(path.join(root, 'notes.txt'));
    touch(path.join(root, 'b_cats', 'c2.JPG')); // upper case: still an image
    touch(path.join(root, 'b_cats', 'c1.jpeg'));
    touch(path.join(root, 'a_dogs', 'd1.png'));
    touch(path.join(root, 'a_dogs', 'puppies', 'p1.jpg')); // nested folder: a label of its own
    touch(path.join(root, 'a_dogs', '.jpg')); // a dot file, no extension (os.path.splitext)
    fs.mkdirSync(path.join(root, 'empty'));
    fs.symlinkSync('..', path.join(root, 'a_dogs', 'loop')); // walked once, not forever
    return root;
  }

  test('walk order, labels per folder, label map, no shuffle', async () => {
    const root = tree();
    const prefix = path.join(path.dirname(root), 'out', 'all');
    const labels: [string, number][] = [];
    const r = await makeLists({ prefix, root, recursive: true, shuffle: false, onLabel: (folder, label) => void labels.push([folder, label]) });
    const lines = fs.readFileSync(`${prefix}.lst`, 'utf8');
    assert.equal(
      lines,
      [
        '0\t0.000000\ttop.jpg',
        '1\t1.000000\ta_dogs/d1.png',
        '2\t2.000000\ta_dogs/puppies/p1.jpg',
        '3\t3.000000\tb_cats/c1.jpeg',
        '4\t3.000000\tb_cats/c2.JPG',
        '',
      ].join('\n'),
    );
    assert.equal(r.folders, 4);
    assert.deepEqual(labels, [['.', 0], ['a_dogs', 1], ['a_dogs/puppies', 2], ['b_cats', 3]]);
    assert.equal(fs.readFileSync(`${prefix}.labels.txt`, 'utf8'), '.\t0\na_dogs\t1\na_dogs/puppies\t2\nb_cats\t3\n');
  });

  test('non-recursive: the root\'s images only, label 0', async () => {
    const root = tree();
    const prefix = path.join(path.dirname(root), 'flat');
    await makeLists({ prefix, root, shuffle: false });
    assert.equal(fs.readFileSync(`${prefix}.lst`, 'utf8'), '0\t0.000000\ttop.jpg\n');
  });

  test('a label map from another run keeps labels; an unknown folder is an error', async () => {
    const root = tree();
    const dir = path.dirname(root);
    const map = path.join(dir, 'map.txt');
    fs.writeFileSync(map, '.\t7\na_dogs\t5\na_dogs/puppies\t6\nb_cats\t4\n');
    await makeLists({ prefix: path.join(dir, 'val'), root, recursive: true, shuffle: false, labelMap: map });
    const labels = parseList(fs.readFileSync(path.join(dir, 'val.lst'), 'utf8'), { kind: 'tab' }, 'val.lst').map((i) => i.labels[0]);
    assert.deepEqual(labels, [7, 5, 6, 4, 4]);
    assert.equal(fs.existsSync(path.join(dir, 'val.labels.txt')), false, 'the given map is the map');
    fs.writeFileSync(map, '.\t0\nb_cats\t1\n');
    await assert.rejects(
      () => makeLists({ prefix: path.join(dir, 'val2'), root, recursive: true, labelMap: map }),
      (err: Error) => err instanceof ListingError && /a_dogs: folder not in the label map/.test(err.message),
    );
  });

  test('chunks and train/val/test files: MXNet\'s names and sizes', async () => {
    const root = path.join(tempDir(), 'imgs');
    for (let i = 0; i < 10; i++) touch(path.join(root, `i${i}.jpg`));
    const prefix = path.join(path.dirname(root), 'd');
    const r = await makeLists({ prefix, root, chunks: 3, trainRatio: 0.5, testRatio: 0.25 });
    // chunk size ceil(10/3) = 4; sep = int(4*0.5) = 2; sep_test = int(4*0.25) = 1; the last chunk has 2 items.
    const sizes = Object.fromEntries(r.lists.map((l) => [path.basename(l.path), l.images]));
    assert.deepEqual(sizes, {
      'd_0_test.lst': 1, 'd_0_val.lst': 1, 'd_0_train.lst': 2,
      'd_1_test.lst': 1, 'd_1_val.lst': 1, 'd_1_train.lst': 2,
      'd_2_test.lst': 1, 'd_2_val.lst': 0, 'd_2_train.lst': 1,
    });
    const all = r.lists.flatMap((l) => parseList(fs.readFileSync(l.path, 'utf8'), { kind: 'tab' }, l.path).map((i) => i.index));
    assert.deepEqual([...all].map(Number).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('the same files as MXNet\'s im2rec.py list code (run in the local CPython)', { skip: hasPython ? undefined : `${PYTHON} not found` }, async () => {
    const root = tree();
    for (let i = 0; i < 40; i++) touch(path.join(root, `k${i % 3}`, `img${(i * 7) % 40}.jpg`));
    const dir = path.dirname(root);
    await makeLists({ prefix: path.join(dir, 'ours'), root, recursive: true, trainRatio: 0.8, testRatio: 0.1 });
    const script = path.resolve('test/reference/im2rec_py_lists.py');
    const py = spawnSync(PYTHON, [script, root, path.join(dir, 'theirs'), '0.8', '0.1'], { encoding: 'utf8' });
    assert.equal(py.status, 0, py.stderr);
    for (const part of ['train', 'val', 'test']) {
      assert.equal(fs.readFileSync(path.join(dir, `ours_${part}.lst`), 'utf8'), fs.readFileSync(path.join(dir, `theirs_${part}.lst`), 'utf8'), part);
    }
  });

  test('CLI: lists, label lines on stdout, old-style bool flags, prefix that is a folder refused', () => {
    const root = tree();
    const dir = path.dirname(root);
    const res = runBin('im2rec', [path.join(dir, 'cli'), root, '--list', 'True', '--recursive', '1', '--shuffle', 'False']);
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stdout, '. 0\na_dogs 1\na_dogs/puppies 2\nb_cats 3\n');
    assert.match(fs.readFileSync(path.join(dir, 'cli.lst'), 'utf8'), /^0\t0\.000000\ttop\.jpg\n1\t1\.000000\ta_dogs\/d1\.png\n/);
    const bad = runBin('im2rec', [dir + '/', root, '--list']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /is a folder; expected a file prefix/);
  });
});

describe('.lst parsing', () => {
  test('TAB dialect: labels between index and path; spaces stay in the path', () => {
    assert.deepEqual(parseListLine('7\t1.5\t2\t-3e2\tdir/a b.jpg\r', { kind: 'tab' }, 'x.lst', 3), {
      index: 7, labels: [1.5, 2, -300], path: 'dir/a b.jpg', line: 3,
    });
    assert.equal(formatListLine({ index: 7, labels: [1.5, 2], path: 'a b.jpg' }), '7\t1.500000\t2.000000\ta b.jpg\n');
  });

  test('whitespace dialect: label_width labels, the rest is the path', () => {
    const item = parseListLine('12  0 1 0 1   photos/a b.jpg  ', { kind: 'whitespace', labelWidth: 4 }, 'x.lst', 1);
    assert.deepEqual(item, { index: 12, labels: [0, 1, 0, 1], path: 'photos/a b.jpg', line: 1 });
  });

  test('malformed lines are errors naming file and line', () => {
    const check = (text: string, dialect: Parameters<typeof parseList>[1], re: RegExp) =>
      assert.throws(() => parseList(text, dialect, 'train.lst'), (e: Error) => e instanceof ListFileError && re.test(e.message));
    check('0\t1\ta.jpg\n\n1 1 b.jpg\n', { kind: 'tab' }, /^train\.lst:3: expected "index<TAB>label<TAB>path"/);
    check('0\t1\ta.jpg\nx\t1\tb.jpg\n', { kind: 'tab' }, /^train\.lst:2: expected the image index/);
    check('0\tcat\ta.jpg\n', { kind: 'tab' }, /^train\.lst:1: expected a numeric label, received "cat"/);
    check('0 1 2 a.jpg\n1 1 b.jpg\n', { kind: 'whitespace', labelWidth: 2 }, /^train\.lst:2: expected a numeric label, received "b\.jpg" as label 2 of 2 \(is label_width=2 right\?\)/);
    check('0 1 2\n', { kind: 'whitespace', labelWidth: 3 }, /^train\.lst:1: expected label 3 of 3; the line has too few fields for label_width=3/);
    check('0 1\n', { kind: 'whitespace', labelWidth: 1 }, /^train\.lst:1: expected an image path/);
  });
});

describe('list parts (nsplit/part)', () => {
  function randomList(seed: number): Buffer {
    let s = seed;
    const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
    let text = '';
    const n = 1 + Math.floor(rnd() * 60);
    for (let i = 0; i < n; i++) {
      text += `${i}\t${Math.floor(rnd() * 9)}\t${'p'.repeat(1 + Math.floor(rnd() * 30))}/${i}.jpg`;
      const r = rnd();
      text += r < 0.1 ? '\r\n' : r < 0.15 ? '\n\n' : '\n';
    }
    if (rnd() < 0.3) text = text.replace(/\n+$/, ''); // no newline at the end
    return Buffer.from(text);
  }

  test('every part holds exactly the lines dmlc\'s text InputSplit gives it', skipWithoutDmlc(), () => {
    const dir = tempDir();
    for (let seed = 1; seed <= 12; seed++) {
      const bytes = randomList(seed);
      const file = path.join(dir, `l${seed}.lst`);
      fs.writeFileSync(file, bytes);
      for (const parts of [1, 2, 3, 7, 13]) {
        for (let part = 0; part < parts; part++) {
          const theirs = runHarness(['split', file, String(parts), String(part), 'text']);
          const lines: string[] = [];
          for (let pos = 0; pos < theirs.length; ) {
            const len = theirs.readUInt32LE(pos);
            // dmlc hands out each line with its end replaced by NUL, a '\r' of CRLF left in place.
            lines.push(theirs.subarray(pos + 4, pos + 4 + len).toString().replace(/[\r\n\0]+$/, ''));
            pos += 4 + len;
          }
          const ours = readListPart(file, { kind: 'tab' }, { count: parts, index: part }).map((i) => `${i.index}\t${i.labels[0]}\t${i.path}`);
          assert.deepEqual(ours, lines.filter((l) => l.trim() !== ''), `seed ${seed}, part ${part}/${parts}`);
        }
      }
    }
  });

  test('a line starting exactly on a boundary goes to the earlier part; line numbers count from the file start', () => {
    const dir = tempDir();
    const file = path.join(dir, 'x.lst');
    fs.writeFileSync(file, '0\t0\ta.jpg\n1\t0\tb.jpg\n2\t0\tc.jpg\n3\t0\td.jpg\n');
    // 40 bytes, step 20: byte 20 starts line 3, but the part's range begins after the next line end.
    assert.deepEqual(listPartRange(fs.readFileSync(file), 2, 1), { begin: 30, end: 40 });
    const items = readListPart(file, { kind: 'tab' }, { count: 2, index: 1 });
    assert.deepEqual(items.map((i) => [i.index, i.line]), [[3, 4]]);
    assert.deepEqual(readListPart(file, { kind: 'tab' }, { count: 2, index: 0 }).map((i) => i.index), [0, 1, 2]);
  });

  test('a list larger than the cap is refused before it is read: one line naming it, exit 2', () => {
    const dir = tempDir();
    const file = path.join(dir, 'huge.lst');
    fs.writeFileSync(file, '0\t0\ta.jpg\n');
    fs.truncateSync(file, MAX_LIST_BYTES + 1); // sparse: no gigabyte written
    assert.throws(() => readListPart(file, { kind: 'tab' }), (e: Error) => e.name === 'LimitError' && e.message.includes(`huge.lst: expected an image list of at most ${MAX_LIST_BYTES} bytes, received ${MAX_LIST_BYTES + 1}`));
    const res = runBin('im2rec', [path.join(dir, 'huge'), dir]);
    assert.equal(res.status, 2, res.stderr);
    assert.ok(isOneLineError(res.stderr), res.stderr);
    assert.match(res.stderr, /huge\.lst: expected an image list of at most \d+ bytes/);
  });
});
