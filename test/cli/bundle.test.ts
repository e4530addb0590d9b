// The commands start from their bundles (scripts/bundle-cli.mjs: dist/bin/),
// one file instead of ~80 modules, when the bundle is no older than the
// compiled entry it was made from; else (only tsc run since, or no esbuild)
// from dist/cli as before.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { tempDir } from '../helpers/tmp.js';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { entryFile } = require(path.join(root, 'bin/launch.cjs')) as { entryFile: (name: string, compiled: string) => string };

test('the build bundles both commands, and the launcher starts them from the bundles', () => {
  for (const name of ['im2rec', 'rec']) {
    const compiled = path.join(root, 'dist/cli', `${name}.js`);
    assert.equal(entryFile(name, compiled), path.join(root, 'dist/bin', `${name}.js`), `${name}: expected its bundle (npm run build makes it)`);
  }
  // rec's commands are chunks of their own, loaded when they run.
  assert.ok(fs.readdirSync(path.join(root, 'dist/bin')).some((f) => f.startsWith('verify-')));
});

test('a bundle older than its compiled entry, or none, is passed over for dist/cli', () => {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'cli'));
  fs.mkdirSync(path.join(dir, 'bin'));
  const compiled = path.join(dir, 'cli/rec.js');
  const bundle = path.join(dir, 'bin/rec.js');
  fs.writeFileSync(compiled, '');
  assert.equal(entryFile('rec', compiled), compiled, 'no bundle');
  fs.writeFileSync(bundle, '');
  fs.utimesSync(bundle, new Date(1_000_000), new Date(1_000_000));
  assert.equal(entryFile('rec', compiled), compiled, 'a stale bundle');
  fs.utimesSync(bundle, new Date(), new Date(Date.now() + 1000));
  assert.equal(entryFile('rec', compiled), bundle, 'a current bundle');
});
