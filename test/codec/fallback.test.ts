/**
 * Without the addon (no compiler on the machine), everything must still work
 * through sharp with the same results: the codec suite, run again that way.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

test('the codec suite passes through sharp alone (MXREC_NO_NATIVE=1)', () => {
  // Without NODE_TEST_CONTEXT the child reports as a top-level run (TAP on stdout).
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const res = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=tap', path.join(here, 'codec.test.ts')],
    { encoding: 'utf8', env: { ...env, MXREC_NO_NATIVE: '1' } },
  );
  assert.equal(res.status, 0, `codec suite without the addon failed:\n${res.stdout.slice(-3000)}\n${res.stderr}`);
  assert.match(res.stdout, /# pass [1-9]/);
  assert.match(res.stdout, /# fail 0/);
});
