/**
 * Messages a person can act on: a mistake names the command and the option
 * (or the output) it is about, says what was expected, and where it can,
 * what was probably meant. Each case is one users hit.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runBin } from '../helpers/cli.js';
import { fixture } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('mxrec-messages-');
const rec = fixture('adaface-tiny/train.rec');
const lst = fixture('adaface-tiny/train.lst');

function refused(name: 'rec' | 'im2rec', args: string[], ...expected: RegExp[]): string {
  const res = runBin(name, args, { cwd: dir });
  assert.equal(res.status, 2, `${name} ${args.join(' ')}: ${res.stderr}`);
  assert.ok(!/\n\s+at /.test(res.stderr), `no stack trace: ${res.stderr}`);
  for (const re of expected) assert.match(res.stderr, re, `${name} ${args.join(' ')}`);
  return res.stderr;
}

test('a bad option of a rec command names that command and its help', () => {
  // One line each: the message, then where the help is.
  refused('rec', ['view', rec, '--count', '0'], /^rec view: option '-n, --count <n>' argument '0' is invalid\. expected an integer in 1\.\.1000 \(see rec view --help\)\n$/);
  refused('rec', ['iter', rec, '--data-shape', '3,32,32'], /^rec iter: required option '--batch-size <n>' not specified \(see rec iter --help\)\n$/);
  refused('rec', ['dump', rec, '--bogus'], /^rec dump: unknown option '--bogus' \(see rec dump --help\)\n$/);
  refused('rec', [], /Usage: rec/); // no command: the help, and the exit code of bad arguments
});

test('im2rec names the option of a bad ratio, and hints key=value in its im2rec.cc form', () => {
  refused('im2rec', [path.join(dir, 'x'), dir, '--list', '--train-ratio', '1.5'], /option '--train-ratio <r>' argument '1\.5' is invalid\. expected a number in 0\.\.1/);
  for (const flag of ['--resize', 'resize']) {
    refused('im2rec', [lst, dir, path.join(dir, 'cc.rec'), flag, '256'], /expected key=value, received "-*resize" \(did you mean resize=256\?\)/);
  }
  refused('im2rec', [lst, dir, path.join(dir, 'cc.rec'), '--label-width', '2'], /did you mean label_width=2\?/);
});

test('rec iter: a data shape in the wrong order says which order, and names --data-shape', () => {
  refused('rec', ['iter', rec, '--data-shape', '224,224,3', '--batch-size', '2'], /^rec iter: --data-shape: expected 1, 3 or 4 channels first, received 224 \(the shape is channels,height,width: did you mean 3,224,224\?\)\n$/);
  refused('rec', ['iter', rec, '--data-shape', '2,64,64', '--batch-size', '2'], /--data-shape: expected 1, 3 or 4 channels first, received 2 \(the shape is channels,height,width\)/);
  refused('rec', ['iter', rec, '--data-shape', '3,32,32', '--batch-size', '2', '--area', '0.5,0.2', '--random-resized-crop'], /^rec iter: --area: /);
});

test('rec view --out: a folder that does not exist is named as such; the name says the format, and an unknown one is refused', () => {
  const missing = path.join(dir, 'no-such-folder', 'sheet.png');
  const stderr = refused('rec', ['view', rec, '--out', missing], /sheet\.png: expected an existing folder to write in, received .*no-such-folder, which does not exist/);
  assert.ok(!stderr.includes('.lock'), stderr);

  refused('rec', ['view', rec, '--out', path.join(dir, 'sheet.gif')], /expected a contact sheet name ending in \.png, \.jpg, \.jpeg or \.webp \(the format\), received "\.gif"/);
  assert.ok(!fs.existsSync(path.join(dir, 'sheet.gif')));

  const signatures: Array<[string, (b: Buffer) => boolean]> = [
    ['sheet.png', (b) => b.subarray(1, 4).toString() === 'PNG'],
    ['sheet.jpeg', (b) => b[0] === 0xff && b[1] === 0xd8],
    ['sheet.webp', (b) => b.subarray(0, 4).toString() === 'RIFF' && b.subarray(8, 12).toString() === 'WEBP'],
  ];
  for (const [name, isIt] of signatures) {
    const res = runBin('rec', ['view', rec, '--out', path.join(dir, name)]);
    assert.equal(res.status, 0, res.stderr);
    assert.ok(isIt(fs.readFileSync(path.join(dir, name))), `${name} holds that format`);
  }
});
