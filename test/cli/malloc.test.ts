// The commands set glibc's malloc to keep freed memory (bin/launch.cjs calls
// the io addon's keepFreedMemory first thing; native/src/malloc_tuning.cc
// says why): each setting unless the user chose it in the environment.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const addon = path.join(root, 'build/Release/mxrec_io.node');
const glibc = Boolean((process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime);
const SETTINGS = ['MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_'];

/** keepFreedMemory() in a fresh process with `env`: whether it changed anything. */
function tuned(env: Record<string, string>): boolean {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !SETTINGS.includes(k)));
  const r = spawnSync(process.execPath, ['-e', `process.stdout.write(String(require(${JSON.stringify(addon)}).keepFreedMemory()))`], { env: { ...clean, ...env }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout === 'true';
}

test('keepFreedMemory tunes malloc on glibc, and leaves what the user set in the environment', (t) => {
  if (!fs.existsSync(addon)) {
    assert.ok(process.env.CI !== 'true', 'the io addon is built on CI');
    return t.skip('the io addon is not built');
  }
  if (!glibc) return t.skip('not glibc: nothing to tune');
  assert.equal(tuned({}), true);
  assert.equal(tuned({ MALLOC_ARENA_MAX: '4', MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_TRIM_THRESHOLD_: '131072' }), false);
  assert.equal(tuned({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }), false, 'a malloc tunable: the user decides');
});
