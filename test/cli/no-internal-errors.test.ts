/**
 * Every mistake a user can make at the command line is said as one line and
 * exits 1 (bad data) or 2 (bad call): never 70, which is for mxrec's own bugs
 * (cli/run.ts). Each case is one command's bad input: an option value out of
 * range, an input that is missing, empty, garbage, cut short or of the wrong
 * kind, a misspelt location.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { RecordWriter } from '../../src/format/writer.js';
import { type CliResult, runBinAsync } from '../helpers/cli.js';
import { fixture } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('mxrec-no-internal-');
const at = (name: string) => path.join(dir, name);

const rec = fixture('adaface-tiny/train.rec');
const idx = fixture('adaface-tiny/train.idx');
const lst = fixture('adaface-tiny/train.lst');

fs.writeFileSync(at('empty.rec'), '');
fs.writeFileSync(at('garbage.rec'), 'this is not a RecordIO file at all\n'.repeat(20));
fs.writeFileSync(at('cut.rec'), fs.readFileSync(rec).subarray(0, 5000));
fs.writeFileSync(at('bad.idx'), 'one two three\n');
fs.writeFileSync(at('keys-garbage.txt'), 'not-a-key\n');
fs.writeFileSync(at('bad.lst'), 'not a list line\n');
fs.writeFileSync(at('a-file'), 'x');
fs.mkdirSync(at('a-folder'));
fs.mkdirSync(at('images'));
// Records too short for MXNet's image header: a .rec, but not of images.
const plain = at('plain.rec');
const writer = RecordWriter.create(plain);
for (let i = 0; i < 5; i++) writer.write(Buffer.from(`r${i}`));
writer.close();
const out = (name: string) => at(`out-${name}`);

type Case = [program: 'rec' | 'im2rec', args: string[]];

const CASES: Case[] = [
  // Inputs: missing, a folder, empty, garbage, cut short, the .idx given as the .rec, unknown or misspelt locations.
  ['rec', ['dump', at('missing.rec')]],
  ['rec', ['dump', at('a-folder')]],
  ['rec', ['dump', at('empty.rec')]],
  ['rec', ['dump', at('garbage.rec')]],
  ['rec', ['dump', at('cut.rec')]],
  ['rec', ['dump', idx]],
  ['rec', ['dump', 's3://']],
  ['rec', ['dump', 's3:///x.rec']],
  ['rec', ['dump', 's3://b']],
  ['rec', ['dump', 's3://user:secret@b/x.rec']],
  ['rec', ['dump', 'http://']],
  ['rec', ['dump', 'ftp://host/x.rec']],
  ['rec', ['dump', rec, '--parts', '0']],
  ['rec', ['dump', rec, '--parts', '2', '--part', '2']],
  ['rec', ['info', at('garbage.rec')]],
  ['rec', ['info', rec, '--sample', '0']],
  ['rec', ['info', rec, '--names', at('missing.txt')]],
  ['rec', ['info', 's3://b']],
  ['rec', ['verify', at('garbage.rec')]],
  ['rec', ['verify', at('cut.rec'), '--no-index']],
  ['rec', ['verify', plain, '--decode']],
  ['rec', ['verify', rec, '--max-problems', '-1']],
  ['rec', ['index', at('garbage.rec'), '-o', out('g.idx')]],
  ['rec', ['index', rec, '--keys', 'bogus', '-o', out('k.idx')]],
  ['rec', ['index', plain, '-o', out('plain.idx')]],
  ['rec', ['index', plain, '--keys', 'id', '-o', out('plain-id.idx')]],
  ['rec', ['index', rec, '-o', rec]],
  ['rec', ['index', rec, '-o', 's3://']],
  // The rewriting commands.
  ['rec', ['split', rec, out('only.rec')]],
  ['rec', ['split', rec, out('s1.rec'), out('s2.rec'), '--shares', '1,2,3']],
  ['rec', ['split', rec, out('s1.rec'), out('s2.rec'), '--shares', '0,1']],
  ['rec', ['split', rec, out('s1.rec'), out('s2.rec'), '--shares', 'a,b']],
  ['rec', ['split', rec, 's3://', 's3://b']],
  ['rec', ['split', rec, rec, out('s2.rec')]],
  ['rec', ['split', at('garbage.rec'), out('g1.rec'), out('g2.rec')]],
  ['rec', ['split', at('empty.rec'), out('e1.rec'), out('e2.rec')]],
  ['rec', ['split', rec, ...Array.from({ length: 65536 }, (_, i) => `x${i}.rec`)]], // more outputs than a split writes
  ['rec', ['subset', rec, '-o', out('sub.rec')]],
  ['rec', ['subset', rec, '-o', out('sub.rec'), '--keys', at('missing.txt')]],
  ['rec', ['subset', rec, '-o', out('sub.rec'), '--keys', at('keys-garbage.txt')]],
  ['rec', ['subset', rec, '-o', out('sub.rec'), '--keys', at('empty.rec')]],
  ['rec', ['subset', rec, '-o', out('sub.rec'), '--labels', 'abc']],
  ['rec', ['subset', rec, '-o', out('sub.rec'), '--labels', '1', '--names', at('missing.txt')]],
  ['rec', ['subset', plain, '-o', out('sub.rec'), '--labels', '1']],
  ['rec', ['shuffle', at('garbage.rec'), '-o', out('sh.rec')]],
  ['rec', ['shuffle', rec, '-o', at('a-folder')]],
  ['rec', ['shuffle', rec, '-o', at('no-such-folder/sh.rec')]],
  ['rec', ['merge', rec, at('garbage.rec'), '-o', out('m.rec')]],
  ['rec', ['merge', rec, at('missing.rec'), '-o', out('m.rec')]],
  ['rec', ['merge', rec, rec, '-o', rec]],
  ['rec', ['unpack', rec, at('a-file')]],
  ['rec', ['unpack', rec, out('unpacked'), '--limit', '0']],
  ['rec', ['unpack', rec, out('unpacked-lst'), '--lst', '../x.lst']],
  ['rec', ['unpack', plain, out('unpacked-plain')]],
  // view and iter: options out of range, and what the options name.
  ['rec', ['view', rec, '--count', '0']],
  ['rec', ['view', rec, '--classes', '3']],
  ['rec', ['view', rec, '--per-class', '1000', '--classes', '1000', '-o', out('v.png')]],
  ['rec', ['view', rec, '--per-class', '2', '--classes', 'x,y', '-o', out('v.png')]],
  ['rec', ['view', rec, '--per-class', '2', '--classes', `1,${'9'.repeat(400)}`, '-o', out('v.png')]], // past any number
  ['rec', ['view', rec, '-o', out('v.gif')]],
  ['rec', ['view', rec, '--size', '5']],
  ['rec', ['view', plain, '-o', out('plain.png')]],
  ['rec', ['iter', rec, '--data-shape', '3,32,32', '--batch-size', '0']],
  ['rec', ['iter', rec, '--data-shape', '3,32', '--batch-size', '2']],
  ['rec', ['iter', rec, '--data-shape', '3,32,32', '--batch-size', '2', '--num-parts', '2', '--part-index', '2']],
  ['rec', ['iter', rec, '--data-shape', '3,32,32', '--batch-size', '2', '--list', at('bad.lst')]],
  ['rec', ['iter', at('garbage.rec'), '--data-shape', '3,32,32', '--batch-size', '2']],
  ['rec', ['iter', plain, '--data-shape', '3,32,32', '--batch-size', '2']],
  ['rec', ['iter', rec, '--data-shape', '3,32,32', '--batch-size', '2', '--index', at('bad.idx')]],
  // im2rec, both forms.
  ['im2rec', [at('lists'), at('missing-folder'), '--list']],
  ['im2rec', [at('lists'), at('images'), '--list', '--train-ratio', '1.5']],
  ['im2rec', [at('lists'), at('images'), '--list', '--chunks', '0']],
  ['im2rec', [at('lists'), at('images'), '--list', '--recursive', '--labels', at('missing.txt')]],
  ['im2rec', [at('missing'), at('images')]],
  ['im2rec', [at('bad'), at('images')]],
  ['im2rec', [lst.replace(/\.lst$/, ''), at('images'), '--parts', '2', '--part', '2']],
  ['im2rec', [lst.replace(/\.lst$/, ''), at('images'), '--quality', '0']],
  ['im2rec', [lst.replace(/\.lst$/, ''), at('images'), '--resize', '-3']],
  ['im2rec', [at('bad.lst'), at('images'), out('cc.rec')]],
  ['im2rec', [lst, at('images'), out('cc.rec'), 'resize=abc']],
  ['im2rec', [lst, at('images'), out('cc.rec'), 'nsplit=2', 'part=2']],
  ['im2rec', [lst, at('images'), out('cc.rec'), 'bogus=1']],
  ['im2rec', [lst, at('images'), 's3://b']],
  ['im2rec', [lst, 's3://', out('cc.rec')]],
  // Export and import: sources and options of the wrong kind, shard indexes that are not.
  ['rec', ['export', at('garbage.rec'), '--to', 'webdataset', '-o', out('w')]],
  ['rec', ['export', at('empty.rec'), '--to', 'parquet', '-o', out('p')]],
  ['rec', ['export', rec, '--to', 'webdataset', '-o', out('w'), '--shard-size', '0']],
  ['rec', ['export', rec, '--to', 'webdataset', '-o', out('w'), '--shard-size', 'lots']],
  ['rec', ['export', rec, '--to', 'webdataset', '-o', out('w'), '--parts', '2', '--part', '5']],
  ['rec', ['export', rec, '--to', 'tfrecord', '-o', out('w')]],
  ['rec', ['export', rec, '--to', 'webdataset', '-o', 's3://']],
  ['rec', ['import', at('a-file'), '-o', out('i.rec')]],
  ['rec', ['import', at('garbage.rec'), '-o', out('i.rec'), '--from', 'webdataset']],
  ['rec', ['import', at('garbage.rec'), '-o', out('i.rec'), '--from', 'parquet']],
  ['rec', ['import', at('bad.json'), '-o', out('i.rec')]],
  ['rec', ['import', at('escape.json'), '-o', out('i.rec')]],
  ['rec', ['import', at('missing.tar'), '-o', out('i.rec')]],
  ['rec', ['verify', at('bad.json')]],
];
fs.writeFileSync(at('bad.json'), '{"shardlist": 5');
fs.writeFileSync(at('escape.json'), JSON.stringify({ shardlist: [{ url: '../../etc/passwd.tar' }] }));

/** The cases run a few at a time (a process each), each test awaiting its own. */
const IN_FLIGHT = 3;
const results: Promise<CliResult>[] = [];
let started = 0;
const startNext = (): void => {
  const k = started++;
  if (k >= CASES.length) return;
  const [program, args] = CASES[k]!;
  const run = runBinAsync(program, args, { cwd: dir });
  void run.then(startNext);
  settle[k]!(run);
};
const settle: ((run: Promise<CliResult>) => void)[] = [];
for (let k = 0; k < CASES.length; k++) results.push(new Promise<Promise<CliResult>>((resolve) => settle.push(resolve)).then((run) => run));
for (let k = 0; k < IN_FLIGHT; k++) startNext();

const short = (arg: string) => (arg.length > 40 ? `${arg.slice(0, 20)}…` : arg.replace(dir, '$DIR'));

CASES.forEach(([program, args], k) => {
  const shown = `${program} ${args.slice(0, 8).map(short).join(' ')}${args.length > 8 ? ` … (${args.length} arguments)` : ''}`;
  test(shown, async () => {
    const res = await results[k]!;
    assert.ok(!res.stderr.includes('internal error'), `${shown}: ${res.stderr}`);
    assert.ok(res.status === 1 || res.status === 2, `${shown}: exit ${res.status}: ${res.stderr}`);
    assert.ok(!/\n\s+at /.test(res.stderr), `${shown}: a stack trace: ${res.stderr}`);
    // One line says what is wrong; only a report (verify's problems) says it on stdout instead.
    if (res.stderr === '') assert.notEqual(res.stdout, '', `${shown}: says nothing`);
    else assert.match(res.stderr, /^[^\n]+\n$/, `${shown}: one line on stderr`);
  });
});
