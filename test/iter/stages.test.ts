// The iterator's stages, each alone: planning (records → buffers of planned
// samples), decoding (a buffer → pixels, the failures reported), batching
// (gaps filled, the last batch short or wrapped), with one Epoch each.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { packImageRecord } from '../../src/format/image-record.js';
import { Batcher } from '../../src/iter/batcher.js';
import { BufferPool } from '../../src/iter/batch-buffers.js';
import { DecodeStage, type DecodedBuffer } from '../../src/iter/decode-stage.js';
import { Epoch, IterDataError } from '../../src/iter/epoch.js';
import { makeLabeler } from '../../src/iter/labels.js';
import { type ImageRecordIterOptions, resolveOptions } from '../../src/iter/options.js';
import type { SourceRecord } from '../../src/iter/record-source.js';
import { plannedBuffers } from '../../src/iter/sample-planner.js';
import { Rng } from '../../src/util/rng.js';
import { makeJpeg } from '../helpers/images.js';

const BATCH = 4;
const jpegs = await Promise.all(Array.from({ length: 10 }, (_, i) => makeJpeg(40 + i, 36, {}, i + 1)));

function settings(extra: Partial<ImageRecordIterOptions> = {}) {
  return resolveOptions({ pathImgrec: 'unused.rec', dataShape: [3, 16, 16], batchSize: BATCH, dtype: 'uint8', ...extra } as ImageRecordIterOptions);
}

/** Records 0..n-1 (label = id = i); the ones in `broken` are not image records or not images. */
function records(n: number, broken: Record<number, 'header' | 'image'> = {}): SourceRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const payload = broken[i] === 'header' ? Buffer.alloc(10) : packImageRecord({ label: i, id: i }, broken[i] === 'image' ? Buffer.from('not an image') : jpegs[i % jpegs.length]!);
    return { payload, file: 'x.rec', offset: i * 1000 };
  });
}

async function* from<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

function stages(extra: Partial<ImageRecordIterOptions> = {}) {
  const s = settings(extra);
  const decoder = new DecodeStage(s);
  const pool = new BufferPool({ batchSize: s.batchSize, plane: decoder.plane, labelWidth: s.labelWidth, dtype: s.dtype }, false);
  const labeler = makeLabeler(s.labelWidth, null);
  const epoch = new Epoch(0, s.skipCorrupt);
  return { s, decoder, pool, labeler, epoch };
}

async function planAll(recs: SourceRecord[], extra: Partial<ImageRecordIterOptions> = {}) {
  const { s, pool, labeler, epoch } = stages(extra);
  const buffers = [];
  for await (const c of plannedBuffers(from(recs), s, labeler, pool, new Rng(1, 0, 0), epoch)) buffers.push(c);
  return { buffers, epoch };
}

describe('planning', () => {
  test('buffers of batchSize planned samples with their labels, the last one short', async () => {
    const { buffers, epoch } = await planAll(records(10));
    assert.deepEqual(buffers.map((c) => c.samples.map((x) => x.id)), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    assert.deepEqual([...buffers[1]!.label], [4, 5, 6, 7]);
    assert.ok(buffers[0]!.samples.every((x) => x.plan !== undefined));
    assert.equal(epoch.stats.skipped, 0);
  });

  test('a record with no image header, or whose image header is not an image: skipped with skipCorrupt, else an error', async () => {
    const broken = records(6, { 1: 'header', 4: 'image' });
    const { buffers, epoch } = await planAll(broken, { skipCorrupt: true });
    assert.deepEqual(buffers.map((c) => c.samples.map((x) => x.id)), [[0, 2, 3, 5]]);
    assert.equal(epoch.stats.skipped, 2);
    assert.match(epoch.skippedRecords[0]!.reason, /not an image record/);
    assert.equal(epoch.skippedRecords[1]!.id, 4);
    await assert.rejects(planAll(broken), (err: unknown) => err instanceof IterDataError && /x\.rec: record at byte 1000: not an image record/.test(err.message));
  });

  test('an abandoned epoch stops planning', async () => {
    const { s, pool, labeler, epoch } = stages();
    const buffers = plannedBuffers(from(records(10)), s, labeler, pool, new Rng(1, 0, 0), epoch);
    assert.equal((await buffers.next()).done, false);
    epoch.abandoned = true;
    assert.equal((await buffers.next()).done, true);
  });
});

describe('decoding and batching', () => {
  async function decodedChunks(recs: SourceRecord[], extra: Partial<ImageRecordIterOptions> = {}) {
    const st = stages(extra);
    const decoded: DecodedBuffer[] = [];
    for await (const c of plannedBuffers(from(recs), st.s, st.labeler, st.pool, new Rng(1, 0, 0), st.epoch)) decoded.push(await st.decoder.decode(c, st.epoch));
    return { ...st, decoded };
  }

  test('the decode stage fills the buffer and lists the samples that decoded', async () => {
    // A JPEG cut short after its header: planned (its size is known), then it does not decode.
    const recs = records(4);
    recs[2]!.payload = packImageRecord({ label: 2, id: 2 }, jpegs[2]!.subarray(0, jpegs[2]!.length - 150));
    const { decoded, epoch } = await decodedChunks(recs, { skipCorrupt: true });
    assert.deepEqual(decoded[0]!.good, [0, 1, 3]);
    assert.equal(epoch.stats.skipped, 1);
    assert.ok(decoded[0]!.buffer.data.subarray(0, 3 * 16 * 16).some((v) => v !== 0), 'pixels were written');
  });

  test('gaps are filled from later buffers; the last batch is short with its pad (roundBatch false)', async () => {
    const recs = records(10);
    recs[1]!.payload = packImageRecord({ label: 1, id: 1 }, jpegs[1]!.subarray(0, jpegs[1]!.length - 150));
    const { s, pool, decoder, labeler, epoch, decoded } = await decodedChunks(recs, { skipCorrupt: true, roundBatch: false });
    const batcher = new Batcher(s, pool, decoder, labeler, epoch);
    const out = decoded.map((d) => batcher.add(d));
    assert.deepEqual(out.map((b) => b?.index ?? null), [null, [0, 2, 3, 4], [5, 6, 7, 8]]);
    assert.deepEqual([...out[1]!.label], [0, 2, 3, 4]);
    const last = await batcher.finish();
    assert.deepEqual([last!.index, last!.pad, last!.shape[0]], [[9], 3, 1]);
    assert.equal(await batcher.finish(), null);
  });

  test('roundBatch: the last batch wraps around to the epoch\'s first samples, decoded again', async () => {
    const { s, pool, decoder, labeler, epoch, decoded } = await decodedChunks(records(6));
    const batcher = new Batcher(s, pool, decoder, labeler, epoch);
    const first = batcher.add(decoded[0]!)!;
    const firstPixels = Buffer.from(first.data.slice(0, 2 * decoder.plane));
    assert.equal(batcher.add(decoded[1]!), null);
    const last = (await batcher.finish())!;
    assert.deepEqual([last.index, last.pad], [[4, 5, 0, 1], 2]);
    assert.deepEqual([...last.label], [4, 5, 0, 1]);
    // The same plans, so the same pixels as the first time.
    assert.ok(Buffer.from(last.data.slice(2 * decoder.plane, 4 * decoder.plane)).equals(firstPixels));
  });
});
