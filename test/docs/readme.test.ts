/**
 * The README's ```js snippets are real: each runs, in order, in one temporary
 * folder, importing the package by its name as a user would.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/tmp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const snippets = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);

test('README starts with the two set-up commands', () => {
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].slice(0, 2).map((m) => m[1]!.trim());
  assert.deepEqual(blocks, ['npm ci && npm run demo', 'npm ci && npm test']);
});

test('every js snippet in the README runs', () => {
  assert.ok(snippets.length >= 5, `found ${snippets.length} snippets`);
  const work = tempDir('mxrec-readme-');
  // Snippets live inside the package so that `import 'mxrec'` resolves to it (self-reference).
  fs.mkdirSync(path.join(root, 'build'), { recursive: true });
  const dir = fs.mkdtempSync(path.join(root, 'build', 'readme-'));
  try {
    snippets.forEach((code, i) => {
      const file = path.join(dir, `snippet-${i}.mjs`);
      fs.writeFileSync(file, code);
      const res = spawnSync(process.execPath, [file], { cwd: work, encoding: 'utf8' });
      assert.equal(res.status, 0, `README snippet ${i + 1} failed:\n${code}\n${res.stderr}`);
      assert.notEqual(res.stdout, '', `snippet ${i + 1} prints what it did`);
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
