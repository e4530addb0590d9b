// im2rec's encode stage alone: list items in, one outcome per item out, in
// order (a record with the file's stamp, or why the image was skipped), in
// batches whose budgets release() gives back.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { unpackImageRecord } from '../../src/format/image-record.js';
import type { ListItem } from '../../src/format/list-file.js';
import { BATCH, type EncodedBatch, encodeStage, MISSING, type ResolvedOptions } from '../../src/im2rec/encode-stage.js';
import { DEFAULT_IMAGE as DEFAULT_SETTINGS } from '../../src/im2rec/options.js';
import { classOf } from '../../src/util/buffer-pool.js';
import { checkerboardPng } from '../helpers/image-bombs.js';
import { makeJpeg } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('mxrec-encode-');
fs.writeFileSync(path.join(dir, 'a.jpg'), await makeJpeg(120, 80));
fs.writeFileSync(path.join(dir, 'empty.jpg'), '');
fs.writeFileSync(path.join(dir, 'text.jpg'), 'not an image');
const item = (index: number, file: string, labels = [index]): ListItem => ({ index, labels, path: file, line: index + 1 });
const items = [item(0, 'a.jpg'), item(1, 'gone.jpg'), item(2, 'empty.jpg'), item(3, 'text.jpg'), item(4, 'a.jpg', [4, 5])];

/**
 * Every batch the stage gives for `list`, each released as the writer would once it is written:
 * the records are copied first, since released bytes may be handed out again.
 */
async function encodeAll(list: ListItem[], resolved: ResolvedOptions, limit = 2): Promise<EncodedBatch[]> {
  const out: EncodedBatch[] = [];
  for await (const batch of encodeStage(list[Symbol.iterator](), resolved, limit)) {
    const outcomes = batch.outcomes.map((o) => ('record' in o ? { ...o, record: Buffer.from(o.record), ...(o.image && { image: Buffer.from(o.image) }) } : o));
    batch.release();
    out.push({ ...batch, outcomes });
  }
  return out;
}

test('one outcome per item, in order: records with their stamps, or the reason each was skipped', async () => {
  const resolved = { pathOf: (rel: string) => path.join(dir, rel), image: { ...DEFAULT_SETTINGS, resize: 40 }, packLabel: true };
  const [batch, ...more] = await encodeAll(items, resolved);
  assert.equal(more.length, 0);
  const { outcomes } = batch!;
  assert.deepEqual(outcomes.map((o) => o.item), items);
  assert.deepEqual(outcomes.map((o) => ('record' in o ? 'record' : o.reason.split(':')[0])), ['record', MISSING, 'empty file', 'not an image or damaged', 'record']);
  const first = outcomes[0]!;
  assert.ok('record' in first && first.stamp.size === fs.statSync(path.join(dir, 'a.jpg')).size);
  const packed = unpackImageRecord((outcomes[4] as { record: Buffer }).record);
  assert.deepEqual([packed.id, packed.flag, packed.label], [4, 2, [4, 5]]); // im2rec.py form: --pack-label packs lists of several labels
});

test('batches of BATCH images at most, in list order, the last one short', async () => {
  const many = Array.from({ length: 2 * BATCH + 3 }, (_, i) => item(i, 'a.jpg'));
  const resolved = { pathOf: (rel: string) => path.join(dir, rel), image: { ...DEFAULT_SETTINGS, passThrough: true }, packLabel: false };
  const batches = await encodeAll(many, resolved);
  assert.deepEqual(batches.map((b) => b.outcomes.length), [BATCH, BATCH, 3]);
  assert.deepEqual(batches.flatMap((b) => b.outcomes.map((o) => o.item.index)), many.map((x) => x.index));
  assert.deepEqual(await encodeAll([], resolved), []);
  // passThrough: the file's bytes behind the record's header, as stored.
  const record = unpackImageRecord((batches[0]!.outcomes[0] as { record: Buffer }).record);
  assert.deepEqual([record.id, record.label, Buffer.compare(record.image, fs.readFileSync(path.join(dir, 'a.jpg')))], [0, [0], 0]);
});

test('the buffers files are read into are reused once their batch is released, not allocated anew', async () => {
  const many = Array.from({ length: 8 * BATCH }, (_, i) => item(i, 'a.jpg'));
  const resolved = { pathOf: (rel: string) => path.join(dir, rel), image: { ...DEFAULT_SETTINGS, passThrough: true }, packLabel: false };
  const seen = new Set<ArrayBufferLike>();
  let records = 0;
  for await (const batch of encodeStage(many[Symbol.iterator](), resolved, 1)) {
    for (const o of batch.outcomes) {
      if (!('record' in o)) continue;
      // A view of the start of a pooled buffer (its size class), not a buffer or slab of its own.
      assert.equal(o.record.byteOffset, 0);
      assert.equal(o.record.buffer.byteLength, classOf(o.record.length));
      seen.add(o.record.buffer);
      records++;
    }
    batch.release();
  }
  assert.equal(records, many.length);
  // One batch encoding, one read ahead, one being written: about three batches' buffers in all.
  assert.ok(seen.size <= 3 * BATCH, `expected buffers reused, received ${seen.size} for ${records} records`);
});

test('an image larger than the pool keeps is not copied behind its header: the outcome holds the header, then the image', async () => {
  fs.writeFileSync(path.join(dir, 'checks.png'), await checkerboardPng(4800, 4800)); // 18 MB as JPEG at quality 100
  const resolved = { pathOf: (rel: string) => path.join(dir, rel), image: { ...DEFAULT_SETTINGS, quality: 100 }, packLabel: false };
  const [batch] = await encodeAll([item(7, 'checks.png'), item(8, 'a.jpg')], resolved);
  const [large, small] = batch!.outcomes as { record: Buffer; image?: Uint8Array }[];
  assert.ok(large!.image && large!.image.byteLength > 16 << 20, `expected the image apart, received ${large!.image?.byteLength}`);
  const packed = unpackImageRecord(Buffer.concat([large!.record, large!.image]));
  assert.deepEqual([packed.id, packed.label, packed.image.byteLength], [7, [7], large!.image.byteLength]);
  assert.equal(small!.image, undefined); // a small one is one record, in a pooled buffer
  assert.equal(unpackImageRecord(small!.record).id, 8);
});
