/**
 * `npm run demo` (scripts/demo.mjs) runs, and the commands it suggests at the
 * end work as printed from any folder, not only from the clone.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/tmp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('the demo runs, and each command it suggests works from another folder', () => {
  const work = tempDir('mxrec-demo-');
  const demo = spawnSync(process.execPath, [path.join(root, 'scripts/demo.mjs')], { cwd: work, encoding: 'utf8' });
  assert.equal(demo.status, 0, demo.stderr);
  const lines = demo.stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith('Try'));
  assert.ok(start > 0, demo.stdout);
  const suggested = lines
    .slice(start + 1)
    .filter((l) => l.trim())
    .map((l) => l.trim().replace(/ {3}\(.*\)$/, '')); // drop the remark after a command
  assert.equal(suggested.length, 4, suggested.join('\n'));
  const elsewhere = tempDir('mxrec-elsewhere-');
  for (const command of suggested) {
    const res = spawnSync('sh', ['-c', command], { cwd: elsewhere, encoding: 'utf8' });
    assert.equal(res.status, 0, `${command}\n${res.stderr}`);
    assert.ok(res.stdout.length > 0 || res.stderr.length > 0, command);
  }
});
