// mxrec's codec on the work list. Parallelism comes from libuv's pool: the
// caller sets UV_THREADPOOL_SIZE to the number of cores to use.
import { decodeIntoMany, nativeStatus, transcodeMany } from '../../dist/index.js';
import { MEAN, STD, cropFor, loadWork, report, resized } from './codec-common.mjs';

if (!nativeStatus.available) throw new Error(`native addon not available: ${nativeStatus.reason}`);
const { mode, items, trials } = loadWork();
const BATCH = 16;
const INFLIGHT = Number(process.env.UV_THREADPOOL_SIZE ?? 4) * 2; // keep every pool thread busy

async function runBatches(makeBatch) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const start = next;
      next += BATCH;
      await makeBatch(start, Math.min(items.length, start + BATCH));
    }
  };
  await Promise.all(Array.from({ length: INFLIGHT }, lane));
}

// Output buffers are allocated once and reused, as a real loader would.
const outFloat = new Float32Array(INFLIGHT * BATCH * 3 * 224 * 224);
const maxPixels = Math.max(...items.map((it) => it.width * it.height));
const outBytes = new Uint8Array(INFLIGHT * BATCH * maxPixels * 3);
let slot = 0;
const passes = {
  decode: () =>
    runBatches(async (a, b) => {
      const base = (slot++ % INFLIGHT) * BATCH * maxPixels * 3;
      const jobs = items.slice(a, b).map((it, k) => ({
        input: it.bytes,
        out: outBytes,
        offset: base + k * maxPixels * 3,
        options: { width: it.width, height: it.height },
      }));
      const errors = await decodeIntoMany(jobs);
      if (errors.some((e) => e)) throw errors.find((e) => e);
    }),
  transcode: () =>
    runBatches(async (a, b) => {
      const batch = items.slice(a, b);
      const res = await transcodeMany(
        batch.map((it) => it.bytes),
        batch.map((it) => ({ ...resized(it.width, it.height), quality: 95 })),
      );
      for (const r of res) if (!r.data) throw r;
    }),
  train: () =>
    runBatches(async (a, b) => {
      const base = (slot++ % INFLIGHT) * BATCH * 3 * 224 * 224;
      const jobs = [];
      for (let i = a; i < b; i++) {
        const { mirror, ...crop } = cropFor(i, items[i].width, items[i].height);
        jobs.push({
          input: items[i].bytes,
          out: outFloat,
          offset: base + (i - a) * 3 * 224 * 224,
          options: { crop, width: 224, height: 224, mirror, mean: MEAN, std: STD },
        });
      }
      const errors = await decodeIntoMany(jobs);
      if (errors.some((e) => e)) throw errors.find((e) => e);
    }),
};
await report(items, trials, passes[mode]);
