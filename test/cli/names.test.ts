/**
 * Label names (`--names` of view, unpack, info and subset): im2rec's own
 * label map (folders with spaces and slashes), ImageNet's synset.txt and one
 * name per line are read; an image list given by mistake is refused. A tree
 * packed by im2rec and unpacked with its label map comes back as it was.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ClassNames, ClassNamesError } from '../../src/tools/class-names.js';
import { runBin } from '../helpers/cli.js';
import { fixture } from '../helpers/fixtures.js';
import { makeJpeg } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('mxrec-names-');
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};

test('the three forms of a names file, and what is refused', () => {
  const map = ClassNames.read(write('map.txt', '.\t0\nFish Tank\t1\ndog/puppies/small\t2\n'));
  assert.deepEqual([map.form, map.nameOf(1), map.nameOf(2), map.labelOf('Fish Tank'), map.labelOf('2'), map.nameOf(3)], ['label map', 'Fish Tank', 'dog/puppies/small', 1, 2, undefined]);
  const synsets = ClassNames.read(write('synset.txt', 'n01440764 tench, Tinca tinca\nn01443537 goldfish, Carassius auratus\n'));
  assert.deepEqual([synsets.form, synsets.nameOf(1), synsets.labelOf('n01440764')], ['synset list', 'n01443537', 0]);
  const plain = ClassNames.read(write('plain.txt', 'Fish Tank\nsea horse\r\n\n'));
  assert.deepEqual([plain.form, plain.nameOf(0), plain.nameOf(1), plain.size], ['one name per line', 'Fish Tank', 'sea horse', 2]);

  const refusals: Array<[string, string, RegExp]> = [
    ['list.lst', fs.readFileSync(fixture('adaface-tiny/train.lst'), 'utf8'), /looks like an image list \(\.lst\), not names: pass the label map/],
    ['gap.txt', 'cat\n\ndog\n', /gap\.txt:2: expected a name on every line \(line i names label i\), received an empty line/],
    ['twice.txt', 'cat\ndog\ncat\n', /twice\.txt:3: "cat" already names a label \(line 1\)/],
    ['relabel.txt', 'cat\t0\ndog\t0\n', /relabel\.txt:2: label 0 is named twice \("cat" and "dog"\)/],
    ['empty.txt', '\n\n', /expected names, one per line or as im2rec's label map, received an empty file/],
  ];
  for (const [name, text, message] of refusals) {
    assert.throws(() => ClassNames.read(write(name, text)), (err: Error) => err instanceof ClassNamesError && message.test(err.message), name);
  }
  const cli = runBin('rec', ['unpack', fixture('adaface-tiny/train.rec'), path.join(dir, 'never'), '--names', fixture('adaface-tiny/train.lst')]);
  assert.equal(cli.status, 2, cli.stderr);
  assert.match(cli.stderr, /^rec unpack: .*train\.lst: looks like an image list/);
  assert.equal(fs.existsSync(path.join(dir, 'never')), false);
});

test("im2rec's label map: unpack rebuilds the tree (spaces, nested folders, images at ROOT); view, info and subset take names", async () => {
  const root = path.join(dir, 'tree');
  const files = ['top.jpg', 'Fish Tank/a.jpg', 'Fish Tank/b.jpg', 'dog/puppies/small/c.jpg', 'dog/puppies/small/d.jpg', 'dog/puppies/small/e.jpg'];
  for (const [i, rel] of files.entries()) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), await makeJpeg(40 + i, 30, {}, i + 1));
  }
  const prefix = path.join(dir, 'packed');
  for (const args of [[prefix, root, '--list', '--recursive', '--no-shuffle'], [prefix, root, '--pass-through']]) {
    const res = runBin('im2rec', [...args, '--quiet']);
    assert.equal(res.status, 0, res.stderr);
  }
  const map = `${prefix}.labels.txt`;
  assert.match(fs.readFileSync(map, 'utf8'), /^\.\t0\nFish Tank\t1\ndog\/puppies\/small\t\d+\n$/);

  const out = path.join(dir, 'unpacked');
  const unpacked = runBin('rec', ['unpack', `${prefix}.rec`, out, '--names', map]);
  assert.equal(unpacked.status, 0, unpacked.stderr);
  const found: string[] = [];
  const walk = (d: string, rel = '') => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name), `${rel}${e.name}/`);
      else if (!e.name.endsWith('.lock')) found.push(`${rel}${e.name.replace(/\d+/, 'N')}`);
    }
  };
  walk(out);
  assert.deepEqual(found.sort(), ['Fish Tank/N.jpg', 'Fish Tank/N.jpg', 'N.jpg', 'dog/puppies/small/N.jpg', 'dog/puppies/small/N.jpg', 'dog/puppies/small/N.jpg'].sort());

  const info = runBin('rec', ['info', `${prefix}.rec`, '--names', map, '--json']);
  assert.equal(info.status, 0, info.stderr);
  const top = JSON.parse(info.stdout).labels.top as Array<{ label: number; name?: string; count: number }>;
  assert.deepEqual(top[0], { label: 2, name: 'dog/puppies/small', count: 3 });
  assert.match(runBin('rec', ['info', `${prefix}.rec`, '--names', map]).stdout, /top: +2 dog\/puppies\/small \(3\), 1 Fish Tank \(2\), 0 \. \(1\)/);

  const subset = path.join(dir, 'tanks.rec');
  const sub = runBin('rec', ['subset', `${prefix}.rec`, '-o', subset, '--labels', 'Fish Tank', '--names', map, '--json']);
  assert.equal(sub.status, 0, sub.stderr);
  assert.equal(JSON.parse(sub.stdout).records, 2);
  const unknown = runBin('rec', ['subset', `${prefix}.rec`, '-o', path.join(dir, 'none.rec'), '--labels', 'Fish', '--names', map]);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /--labels: expected a label or a name in .*packed\.labels\.txt, received "Fish"/);

  const viewed = runBin('rec', ['view', `${prefix}.rec`, '--out', path.join(dir, 'two.png'), '--per-class', '5', '--classes', 'dog/puppies/small,Fish Tank', '--names', map, '--json']);
  assert.equal(viewed.status, 0, viewed.stderr);
  const result = JSON.parse(viewed.stdout);
  assert.deepEqual([result.classes, result.images], [2, 5]);
  assert.match(result.how, /of each of the 2 classes asked for/);
  const one = JSON.parse(runBin('rec', ['view', `${prefix}.rec`, '--out', path.join(dir, 'one.png'), '--per-class', '5', '--classes', '1,', '--json']).stdout);
  assert.deepEqual([one.classes, one.images], [1, 2]);
});
