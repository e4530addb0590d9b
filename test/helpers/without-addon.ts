/**
 * Runs test files again with the addons switched off (MXREC_NO_NATIVE=1), as
 * on a machine without a compiler: everything must still pass on the
 * pure-JavaScript and sharp paths.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

export function passesWithoutAddon(files: string[]): void {
  // Without NODE_TEST_CONTEXT the child reports as a top-level run (TAP on stdout).
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', ...files], {
    encoding: 'utf8',
    env: { ...env, MXREC_NO_NATIVE: '1' },
  });
  assert.equal(res.status, 0, `without the addon, ${files.join(', ')} failed:\n${res.stdout.slice(-3000)}\n${res.stderr}`);
  assert.match(res.stdout, /# pass [1-9]/);
  assert.match(res.stdout, /# fail 0/);
}
