// What the help and the docs say about the commands: im2rec.cc's keys are MXNet's, every command
// that reads a location says s3:// works, and sizes are said in one unit everywhere (formatBytes).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { recProgram } from '../../src/cli/rec.js';
import { unpackImageRecord } from '../../src/format/image-record.js';
import { RecordReader } from '../../src/format/reader.js';
import { CC_OPTIONS } from '../../src/im2rec/options.js';
import { formatBytes } from '../../src/util/units.js';
import { runBin } from '../helpers/cli.js';
import { fixture } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/tmp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = tempDir('mxrec-wording-');

test("im2rec.cc's keys are marked as MXNet's, in the schema and in docs/cli/im2rec.md", () => {
  for (const [key, spec] of Object.entries(CC_OPTIONS)) assert.equal(spec.mxnet, key, key);
  const doc = fs.readFileSync(path.join(root, 'docs/cli/im2rec.md'), 'utf8');
  const keys = doc.slice(doc.indexOf('Its keys:'));
  const rows = keys.split('\n').filter((l) => /^\| `\w+` \|/.test(l));
  assert.equal(rows.length, Object.keys(CC_OPTIONS).length);
  for (const row of rows) assert.match(row, /^\| `(\w+)` \| `\1` \|/, row);
});

test('every rec command that names http(s):// for its input names s3:// too, in --help and docs/cli', async () => {
  let seen = 0;
  for (const command of (await recProgram()).commands) {
    for (const arg of command.registeredArguments) {
      if (!arg.description.includes('http(s)://')) continue;
      seen++;
      assert.match(arg.description, /s3:\/\//, `rec ${command.name()} <${arg.name()}>: ${arg.description}`);
    }
    const help = runBin('rec', [command.name(), '--help']).stdout;
    if (help.includes('http(s)://')) assert.match(help, /s3:\/\//, `rec ${command.name()} --help`);
  }
  assert.ok(seen >= 6, `${seen} arguments name http(s)://`);
  for (const file of fs.readdirSync(path.join(root, 'docs/cli'))) {
    const text = fs.readFileSync(path.join(root, 'docs/cli', file), 'utf8');
    assert.ok(!/a path or an http\(s\):\/\/ URL\)/.test(text), `${file} still says only http(s)://`);
  }
});

test('sizes in one unit: the gallery and the demo say them as the commands do (formatBytes)', () => {
  const html = path.join(dir, 'g.html');
  const res = runBin('rec', ['view', fixture('adaface-tiny/train.rec'), '--html', html, '--json']);
  assert.equal(res.status, 0, res.stderr);
  const page = fs.readFileSync(html, 'utf8');
  assert.ok(!/\d KB\b/.test(page), 'no KB in the gallery');
  // Each image's stored size, as rec info says sizes, in the order shown.
  const reader = RecordReader.open(fixture('adaface-tiny/train.rec'));
  const expected = JSON.parse(res.stdout).items.map((item: { offset: number }) => formatBytes(unpackImageRecord(reader.readSync(item.offset).payload).image.length));
  reader.close();
  const captions = [...page.matchAll(/<small>([^<]*)<\/small>/g)].map((m) => m[1]!);
  assert.equal(captions.length, expected.length);
  captions.forEach((caption, i) => assert.ok(caption.endsWith(`, ${expected[i]}`), `${caption} ends with ${expected[i]}`));

  const demo = fs.readFileSync(path.join(root, 'scripts/demo.mjs'), 'utf8');
  assert.ok(!/KiB/.test(demo), 'the demo says no KiB');
  assert.match(demo, /formatBytes\(s\.bytesIn\)/);
});
