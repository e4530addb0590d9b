/**
 * Without the mxrec_io addon, scans read ahead on libuv's pool (async) or read
 * on demand (sync): the reader suites, run again that way.
 */
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { passesWithoutAddon } from '../helpers/without-addon.js';

const here = path.dirname(fileURLToPath(import.meta.url));

test('the reader suites pass without reader threads (MXREC_NO_NATIVE=1)', () => {
  passesWithoutAddon([path.join(here, 'read-ahead.test.ts'), path.join(here, 'reader.test.ts'), path.join(here, 'scan-fast-paths.test.ts')]);
});
