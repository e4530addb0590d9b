/**
 * Without the addon (no compiler on the machine), everything must still work
 * through sharp with the same results: the codec suite, run again that way.
 */
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { passesWithoutAddon } from '../helpers/without-addon.js';

const here = path.dirname(fileURLToPath(import.meta.url));

test('the codec suites pass through sharp alone (MXREC_NO_NATIVE=1)', () => {
  passesWithoutAddon([path.join(here, 'codec.test.ts'), path.join(here, 'scan-limit.test.ts')]);
});
