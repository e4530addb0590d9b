/**
 * CMYK JPEGs decode to the pixels OpenCV gives (and so what MXNet trains on):
 * libjpeg's CMYK to RGB by OpenCV's plain formula, not libvips' ICC transform,
 * whatever the path (decode, EXIF orientation, resize, transcode).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { decodeInto, transcode } from '../../src/codec/codec.js';
import { makeJpeg } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('mxrec-cmyk-');

/** OpenCV's IMREAD_COLOR pixels of a file, as planar RGB. */
function opencvPlanar(file: string): Uint8Array {
  const script = `
import cv2, numpy as np, sys
img = cv2.imread(sys.argv[1], cv2.IMREAD_COLOR)
sys.stdout.buffer.write(np.ascontiguousarray(img[:, :, ::-1].transpose(2, 0, 1)).tobytes())
`;
  const r = spawnSync('/usr/bin/python3', ['-c', script, file], { maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, `python3-opencv (installed by .ci/run): ${r.stderr}`);
  return new Uint8Array(r.stdout);
}

test('a CMYK JPEG decodes to what OpenCV reads, not to what an ICC transform makes', async () => {
  const width = 90;
  const height = 60;
  const jpeg = await makeJpeg(width, height, { cmyk: true });
  const file = path.join(dir, 'cmyk.jpg');
  fs.writeFileSync(file, jpeg);
  const expected = opencvPlanar(file);
  const ours = new Uint8Array(3 * width * height);
  await decodeInto(jpeg, ours, 0, { width, height });
  let worst = 0;
  for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - expected[i]!));
  assert.ok(worst <= 1, `largest difference from OpenCV: ${worst}`); // the same libjpeg IDCT on both sides

  // Through a transcode too (im2rec's path): the JPEG written holds OpenCV's colours, up to JPEG loss
  // (4:2:0 chroma on a noisy picture: about 3 levels; through the ICC transform, the decode alone was 134 off at worst).
  const encoded = await transcode(jpeg, { width, height, quality: 100 });
  const back = path.join(dir, 'back.jpg');
  fs.writeFileSync(back, encoded.data);
  const again = opencvPlanar(back);
  let mean = 0;
  for (let i = 0; i < again.length; i++) mean += Math.abs(again[i]! - expected[i]!);
  assert.ok(mean / again.length < 4, `mean difference after transcoding: ${(mean / again.length).toFixed(2)}`);
});
