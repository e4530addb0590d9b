// im2rec's encode stage alone: a batch of list items in, one outcome per item
// out, in order (a record with the file's stamp, or why the image was skipped),
// and the read budget given back by release().
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { unpackImageRecord } from '../../src/format/image-record.js';
import type { ListItem } from '../../src/format/list-file.js';
import { batchesOf, encodeBatch, MISSING } from '../../src/im2rec/encode-stage.js';
import { DEFAULT_SETTINGS } from '../../src/im2rec/image-plan.js';
import { makeJpeg } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('mxrec-encode-');
fs.writeFileSync(path.join(dir, 'a.jpg'), await makeJpeg(120, 80));
fs.writeFileSync(path.join(dir, 'empty.jpg'), '');
fs.writeFileSync(path.join(dir, 'text.jpg'), 'not an image');
const item = (index: number, file: string, labels = [index]): ListItem => ({ index, labels, path: file, line: index + 1 });
const items = [item(0, 'a.jpg'), item(1, 'gone.jpg'), item(2, 'empty.jpg'), item(3, 'text.jpg'), item(4, 'a.jpg', [4, 5])];

test('one outcome per item, in order: records with their stamps, or the reason each was skipped', async () => {
  const resolved = { pathOf: (rel: string) => path.join(dir, rel), image: { ...DEFAULT_SETTINGS, resize: 40 }, packLabel: true };
  const { items: same, outcomes, release } = await encodeBatch(items, resolved);
  release();
  assert.equal(same, items);
  assert.deepEqual(outcomes.map((o) => ('record' in o ? 'record' : o.reason.split(':')[0])), ['record', MISSING, 'empty file', 'not an image or damaged', 'record']);
  const first = outcomes[0]!;
  assert.ok('record' in first && first.stamp.size === fs.statSync(path.join(dir, 'a.jpg')).size);
  const packed = unpackImageRecord((outcomes[4] as { record: Buffer }).record);
  assert.deepEqual([packed.id, packed.flag, packed.label], [4, 2, [4, 5]]); // im2rec.py form: --pack-label packs lists of several labels
});

test('batchesOf cuts the list into batches of the size asked, the last one short', () => {
  assert.deepEqual([...batchesOf(items[Symbol.iterator](), 2)].map((b) => b.map((x) => x.index)), [[0, 1], [2, 3], [4]]);
  assert.deepEqual([...batchesOf([][Symbol.iterator](), 2)], []);
});
