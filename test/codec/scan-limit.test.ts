// A valid JPEG of 2,081 scans is refused as TOO_LARGE before the work it asks
// for, by the addon (libjpeg's progress monitor) and by the sharp path (its
// scan markers counted first), in every entry point; a progressive JPEG of
// ordinary make still decodes. Also run without the addon (fallback.test.ts).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import sharp from 'sharp';
import { decodeInto, imageInfo, nativeStatus, transcode } from '../../src/codec/codec.js';
import { ImageError } from '../../src/codec/types.js';
import { MAX_SCANS } from '../../src/io/limits.js';
import { manyScanJpeg, skipWithoutCjpeg } from '../helpers/many-scans.js';
import { makeJpeg } from '../helpers/images.js';

describe(`a JPEG of more than ${MAX_SCANS} scans`, skipWithoutCjpeg(), () => {
  let hostile: Buffer;
  before(() => {
    hostile = manyScanJpeg();
  });

  test(`decodeInto and transcode refuse it (TOO_LARGE) quickly; imageInfo still reads its header (${nativeStatus.available ? 'addon' : 'sharp'})`, async () => {
    const info = await imageInfo(hostile);
    assert.deepEqual([info.format, info.width, info.height], ['jpeg', 256, 256]);
    for (const [what, run] of [
      ['decodeInto', () => decodeInto(hostile, new Float32Array(3 * 32 * 32), 0, { width: 32, height: 32 })],
      ['transcode', () => transcode(hostile, { width: 32, height: 32 })],
      ['transcode to PNG', () => transcode(hostile, { format: 'png' })],
    ] as const) {
      const started = performance.now();
      await assert.rejects(run(), (err: Error) => err instanceof ImageError && err.code === 'TOO_LARGE' && /more than 500 scans/.test(err.message), what);
      assert.ok(performance.now() - started < 1000, `${what}: ${performance.now() - started} ms`);
    }
  });

  test('a progressive JPEG as encoders make them (about ten scans) decodes', async () => {
    const progressive = await makeJpeg(256, 192, { progressive: true });
    const meta = await sharp(progressive).metadata();
    assert.equal(meta.isProgressive, true);
    const out = await transcode(progressive, { width: 64, height: 48 });
    assert.deepEqual([out.width, out.height], [64, 48]);
  });
});
