// sharp (libvips) on the work list, as a sharp-only pipeline would use it:
// one pipeline per image, `cores` of them in flight, libvips threads = cores.
import sharp from 'sharp';
import { MEAN, STD, cropFor, loadWork, report, resized } from './codec-common.mjs';

const { mode, items, trials } = loadWork();
const cores = Number(process.env.BENCH_CORES ?? 1);
sharp.cache(false);
sharp.concurrency(cores);

async function runAll(one) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await one(next++);
  };
  await Promise.all(Array.from({ length: cores * 2 }, lane));
}

const passes = {
  decode: () => runAll((i) => sharp(items[i].bytes).raw().toBuffer()),
  transcode: () =>
    runAll((i) => {
      const { width, height } = resized(items[i].width, items[i].height);
      return sharp(items[i].bytes).resize(width, height, { fit: 'fill', kernel: 'linear' }).jpeg({ quality: 95 }).toBuffer();
    }),
  train: () =>
    runAll(async (i) => {
      const { mirror, x, y, width, height } = cropFor(i, items[i].width, items[i].height);
      let img = sharp(items[i].bytes).extract({ left: x, top: y, width, height }).resize(224, 224, { fit: 'fill', kernel: 'linear' });
      if (mirror) img = img.flop();
      const raw = await img.removeAlpha().raw().toBuffer();
      const out = new Float32Array(3 * 224 * 224);
      for (let c = 0; c < 3; c++) {
        const a = 1 / STD[c];
        for (let p = 0; p < 224 * 224; p++) out[c * 224 * 224 + p] = (raw[p * 3 + c] - MEAN[c]) * a;
      }
    }),
};
await report(items, trials, passes[mode]);
