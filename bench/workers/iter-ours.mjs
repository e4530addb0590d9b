// mxrec's ImageRecordIter over the benchmark .rec: shuffled through the .idx,
// random 224x224 crop, random mirror, mean/std, batch 64, NCHW float32.
// Prints one JSON object: per epoch, images, seconds and RSS after the epoch.
// usage: iter-ours.mjs REC IDX THREADS EPOCHS [reuse]   (REC and IDX: paths, or s3:// and http(s):// URLs;
// IDX '-': none, so the shuffle is the file order through a shuffle buffer)
import { ImageRecordIter } from '../../dist/index.js';

const [rec, idx, threads, epochs, reuse] = process.argv.slice(2);
const iter = await ImageRecordIter.open({
  pathImgrec: rec,
  ...(idx === '-' ? {} : { pathImgidx: idx }),
  dataShape: [3, 224, 224],
  batchSize: 64,
  shuffle: true,
  randCrop: true,
  randMirror: true,
  meanR: 123.68, meanG: 116.28, meanB: 103.53,
  stdR: 58.4, stdG: 57.12, stdB: 57.38,
  preprocessThreads: Number(threads),
  reuseBuffers: reuse === 'reuse',
});
const out = [];
for (let e = 0; e < Number(epochs); e++) {
  if (e > 0) iter.reset();
  const t = performance.now();
  let n = 0;
  for await (const batch of iter) n += batch.shape[0] - batch.pad;
  out.push({ images: n, seconds: (performance.now() - t) / 1000, rssMiB: process.memoryUsage().rss / 2 ** 20 });
}
iter.close();
console.log(JSON.stringify({ epochs: out }));
