/**
 * The face-dataset commands at the command line (issue 31): rec merge's
 * --identities and --names, rec flatten, and the refusals of each, one line
 * naming the flag, exit 2, nothing written.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { isOneLineError, runBin } from '../helpers/cli.js';
import { writeInsightface } from '../helpers/insightface.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();
await writeInsightface(dir, 'a', [2, 3]);
await writeInsightface(dir, 'b', [1, 2]);
fs.writeFileSync(path.join(dir, 'a.labels.txt'), 'ana\t0\nben\t1\n');
fs.writeFileSync(path.join(dir, 'b.labels.txt'), 'ben\t0\ncy\t1\n');
const rec = (args: string[]) => runBin('rec', args, { cwd: dir });

test('merge joins by name (--names), keeps labels (--identities shared), and says what it wrote', () => {
  const named = rec(['merge', '-o', 'named.rec', 'a.rec', 'b.rec', '--names', 'a.labels.txt,b.labels.txt', '--json']);
  assert.equal(named.status, 0, named.stderr);
  const result = JSON.parse(named.stdout) as { layout: { images: number; identities: number }; labelMap: string };
  assert.deepEqual([result.layout.images, result.layout.identities, result.labelMap], [8, 3, 'named.labels.txt']);
  assert.equal(fs.readFileSync(path.join(dir, 'named.labels.txt'), 'utf8'), 'ana\t0\nben\t1\ncy\t2\n');
  const shared = rec(['merge', '-o', 'shared.rec', 'a.rec', 'b.rec', '--identities', 'shared']);
  assert.equal(shared.status, 0, shared.stderr);
  assert.match(shared.stderr, /insightface layout: 8 images of 2 identities/);
  assert.doesNotMatch(shared.stderr, /kept apart/);
  const apart = rec(['merge', '-o', 'apart.rec', 'a.rec', 'b.rec']);
  assert.equal(apart.status, 0, apart.stderr);
  assert.match(apart.stderr, /identities kept apart: the labels of the inputs after the first moved by 2 \(parts of one dataset keep theirs with --identities shared\)/);
});

test('flatten writes the images alone and says what it left out', () => {
  const res = rec(['flatten', 'a.rec', '-o', 'flat.rec']);
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stderr, /wrote flat\.rec and flat\.idx: 5 records/);
  assert.match(res.stderr, /left out 3 records without an image/);
});

test('refusals name the flag, in one line, exit 2, and write nothing', () => {
  const cases: [string[], RegExp][] = [
    [['shuffle', 'a.rec', '-o', 'x.rec', '--renumber'], /^rec shuffle: --renumber: a\.rec has insightface's layout.*rec flatten/],
    [['merge', '-o', 'x.rec', 'a.rec', 'b.rec', '--names', 'a.labels.txt'], /^rec merge: --names: expected a label map per input \(2\), received 1/],
    [['merge', '-o', 'x.rec', 'flat.rec', 'flat.rec', '--renumber', '--names', 'a.labels.txt,a.labels.txt'], /^rec merge: --names: expected inputs with insightface's layout/],
    [['merge', '-o', 'x.rec', 'a.rec', 'b.rec', '--identities', 'both'], /^rec merge: option '--identities <apart\|shared>' argument 'both' is invalid/],
    [['flatten', 'a.rec', '-o', 'flat.rec'], /^rec flatten: flat\.rec: already exists; not replaced without --force/],
  ];
  for (const [args, message] of cases) {
    const res = rec(args);
    assert.equal(res.status, 2, `${args.join(' ')}: ${res.stderr}`);
    assert.ok(isOneLineError(res.stderr), res.stderr);
    assert.match(res.stderr, message);
  }
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('x.')), []);
});
