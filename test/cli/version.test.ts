// `--version` says which codec does the work (issue 29): the native addon's
// libjpeg-turbo and its version for JPEG, sharp and libvips for the rest, or
// sharp for JPEG too and why; both commands say the same line.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { nativeStatus } from '../../src/codec/native.js';
import { runBin } from '../helpers/cli.js';

const require = createRequire(import.meta.url);
const { version } = require('../../package.json') as { version: string };
const sharp = require('sharp') as { versions: { sharp: string; vips: string } };
const others = `other formats: sharp ${sharp.versions.sharp} / libvips ${sharp.versions.vips}`;

test('rec --version and im2rec --version name the JPEG codec and its libjpeg-turbo, and sharp / libvips for the rest', { skip: nativeStatus.available ? undefined : `the JPEG addon is not loaded here (${nativeStatus.reason})` }, () => {
  const expected = `mxrec ${version} (JPEG: native libjpeg-turbo ${nativeStatus.libjpegTurbo}; ${others})\n`;
  for (const [bin, flag] of [['rec', '--version'], ['im2rec', '--version'], ['rec', '-V'], ['im2rec', '-V']] as const) {
    const res = runBin(bin, [flag]);
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stdout, expected, `${bin} ${flag}`);
  }
  // The version is the libjpeg-turbo the addon was built against: the system's headers, where they are.
  const header = ['/usr/include/x86_64-linux-gnu/jconfig.h', '/usr/include/aarch64-linux-gnu/jconfig.h', '/usr/include/jconfig.h'].find((p) => fs.existsSync(p));
  if (header) assert.match(fs.readFileSync(header, 'utf8'), new RegExp(`#define LIBJPEG_TURBO_VERSION\\s+${nativeStatus.libjpegTurbo!.replace(/\./g, '\\.')}\\b`));
});

test('without the addon, --version says JPEG goes through sharp, and why', () => {
  for (const bin of ['rec', 'im2rec'] as const) {
    const res = runBin(bin, ['--version'], { env: { MXREC_NO_NATIVE: '1' } });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stdout, `mxrec ${version} (JPEG: sharp, the native addon is off (MXREC_NO_NATIVE=1); ${others})\n`);
  }
});
