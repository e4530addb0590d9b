// The reference pages are generated from the code (npm run docs) and kept
// current: the command pages and options tables (scripts/gen-docs.mjs), and the
// API pages (TypeDoc over src/index.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { tempDir } from '../helpers/tmp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('docs/cli and the options tables match the command definitions and the schemas', () => {
  const res = spawnSync(process.execPath, [path.join(root, 'scripts/gen-docs.mjs'), '--check'], { cwd: root, encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
});

function filesUnder(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const rel of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const file = path.join(dir, rel);
    if (fs.statSync(file).isFile()) out.set(rel, fs.readFileSync(file, 'utf8'));
  }
  return out;
}

test('docs/api is what TypeDoc makes of src/index.ts now, without warnings', () => {
  const out = tempDir('mxrec-typedoc-');
  const res = spawnSync(path.join(root, 'node_modules/.bin/typedoc'), ['--out', out, '--treatWarningsAsErrors'], { cwd: root, encoding: 'utf8' });
  assert.equal(res.status, 0, res.stdout + res.stderr);
  const made = filesUnder(out);
  const kept = filesUnder(path.join(root, 'docs/api'));
  assert.deepEqual([...kept.keys()].sort(), [...made.keys()].sort(), 'the same pages (npm run docs updates them)');
  const differ = [...made].filter(([rel, text]) => kept.get(rel) !== text).map(([rel]) => rel);
  assert.deepEqual(differ, [], 'pages that differ (npm run docs updates them)');
});
