// npm run demo: makes a small image set (drawn with sharp: no network, nothing shipped),
// lists it and packs it the way `im2rec` does, then reads records back and decodes one
// into a training tensor, and finally trains-style batches through ImageRecordIter.
// Everything lands in demo-output/.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import {
  ImageRecordIter,
  RecordIndex,
  RecordReader,
  decodeInto,
  imageInfo,
  makeLists,
  nativeStatus,
  pack,
  readPartition,
  unpackImageRecord,
} from 'mxrec';
// Sizes as the commands print them (not part of the library's API).
import { formatBytes } from '../dist/util/units.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.resolve('demo-output');
const imagesDir = path.join(outDir, 'images');
const rel = (p) => path.relative(process.cwd(), p);
fs.rmSync(outDir, { recursive: true, force: true });

// 1. An image set like ImageNet's layout: one folder per class. Three shapes, eight
//    pictures each, in varying colours and sizes; two saved as PNG; one broken file
//    to show what packing does with it.
const shapes = {
  circles: (w, h, c) => `<circle cx="${w / 2}" cy="${h / 2}" r="${Math.min(w, h) / 3}" fill="${c}"/>`,
  squares: (w, h, c) => `<rect x="${w / 4}" y="${h / 4}" width="${w / 2}" height="${h / 2}" fill="${c}"/>`,
  stripes: (w, h, c) => [0, 1, 2, 3].map((k) => `<rect x="0" y="${(k * h) / 4}" width="${w}" height="${h / 8}" fill="${c}"/>`).join(''),
};
let made = 0;
for (const [name, draw] of Object.entries(shapes)) {
  fs.mkdirSync(path.join(imagesDir, name), { recursive: true });
  for (let i = 0; i < 8; i++) {
    const w = 240 + 40 * (i % 4);
    const h = 180 + 30 * ((i + 1) % 3);
    const colour = `hsl(${(i * 45) % 360}, 70%, 50%)`;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="100%" height="100%" fill="#f4f1ea"/>${draw(w, h, colour)}</svg>`;
    const png = i === 7;
    const img = sharp(Buffer.from(svg));
    await (png ? img.png() : img.jpeg({ quality: 90 })).toFile(path.join(imagesDir, name, `${name}_${i}.${png ? 'png' : 'jpg'}`));
    made++;
  }
}
fs.writeFileSync(path.join(imagesDir, 'squares', 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16])); // cut short
console.log(`1. drew ${made} images (3 classes, 3 of them PNG) and 1 broken file into ${rel(imagesDir)}/`);

// 2. Lists, as `im2rec demo-output/demo demo-output/images --list --recursive --train-ratio 0.75`.
const labels = [];
const lists = await makeLists({ prefix: path.join(outDir, 'demo'), root: imagesDir, recursive: true, trainRatio: 0.75, onLabel: (folder, label) => void labels.push(`${folder}=${label}`) });
console.log(`2. listed ${lists.images} files: ${lists.lists.map((l) => `${rel(l.path)} (${l.images})`).join(', ')}`);
console.log(`   labels: ${labels.join(', ')} (saved in ${rel(lists.labelMapPath)})`);

// 3. Pack each list, as `im2rec demo-output/demo demo-output/images --resize 64 --quality 90`.
console.log(`3. packing (JPEG codec: ${nativeStatus.available ? `native libjpeg-turbo ${nativeStatus.libjpegTurbo}` : 'sharp'})`);
for (const l of lists.lists) {
  const output = l.path.replace(/\.lst$/, '.rec');
  const s = await pack({ list: l.path, root: imagesDir, output, dialect: { kind: 'tab' }, image: { resize: 64, quality: 90 }, fsync: false });
  console.log(
    `   ${rel(l.path)} → ${rel(output)} + .idx: ${s.written} written, ${s.skipped} skipped; ` +
      `${formatBytes(s.bytesIn)} in, ${formatBytes(s.bytesOut)} out, ${(s.written / s.seconds).toFixed(0)} images/s`,
  );
  for (const skip of s.skippedImages) console.log(`   skipped ${skip.path}: ${skip.reason} (listed in ${rel(s.reportPath)})`);
}

// 4. Read back: sequentially, by key through the .idx, and decoded into a CHW float tensor.
const recPath = path.join(outDir, 'demo_train.rec');
const reader = RecordReader.open(recPath);
console.log(`4. first records of ${rel(recPath)}:`);
let shown = 0;
for (const record of reader) {
  if (shown++ === 3) break;
  const r = unpackImageRecord(record.payload);
  const info = await imageInfo(r.image);
  console.log(`   offset ${record.offset}: id ${r.id}, label ${r.label[0]}, ${info.format} ${info.width}x${info.height}, ${r.image.length} bytes`);
}
const index = RecordIndex.readSync(path.join(outDir, 'demo_train.idx'));
const key = index.keys()[5];
const fifth = unpackImageRecord(reader.readSync(index.get(key)).payload);
const tensor = new Float32Array(3 * 56 * 56);
await decodeInto(fifth.image, tensor, 0, { width: 56, height: 56, mean: [123.68, 116.28, 103.53], std: [58.4, 57.1, 57.4] });
const mean = tensor.reduce((a, b) => a + b, 0) / tensor.length;
console.log(`   key ${key} via the .idx: label ${fifth.label[0]}, decoded to a 3x56x56 normalised tensor (mean ${mean.toFixed(3)})`);
reader.close();

// 5. Split into 2 parts the way dmlc's InputSplit gives them to 2 workers.
for (let part = 0; part < 2; part++) {
  const ids = [...readPartition(recPath, { numParts: 2, partIndex: part })].map((r) => unpackImageRecord(r.payload).id);
  console.log(`5. worker ${part} of 2 reads ids ${ids.join(',')}`);
}

// 6. Training batches: shuffled through the .idx, random 56x56 crops, mirrored half the time,
//    normalised, NCHW float32; two epochs, each in its own order.
const iter = new ImageRecordIter({
  pathImgrec: recPath,
  pathImgidx: path.join(outDir, 'demo_train.idx'),
  dataShape: [3, 56, 56],
  batchSize: 8,
  shuffle: true,
  seed: 1,
  randCrop: true,
  randMirror: true,
  meanR: 123.68, meanG: 116.28, meanB: 103.53,
  stdR: 58.4, stdG: 57.12, stdB: 57.38,
});
for (let epoch = 0; epoch < 2; epoch++) {
  if (epoch > 0) iter.reset();
  const seen = [];
  for await (const batch of iter) {
    seen.push(`[${batch.index.join(',')}]${batch.pad ? ` pad ${batch.pad}` : ''}`);
  }
  console.log(`6. ImageRecordIter epoch ${epoch}: ${iter.stats.batches} batches of data ${iter.provideData[0].shape.join('x')}, ids ${seen.join(' ')}`);
}
iter.close();

// Commands that work from any folder: absolute paths, and the bin scripts run by node (a bare
// `npx rec` outside a project depending on mxrec would fetch another package of that name).
const run = (name) => `node ${path.join(root, 'bin', `${name}.cjs`)}`;
console.log('\nTry (from any folder; after `npm install -g .` or `npm link` in this clone, `im2rec` and `rec` alone do the same):');
console.log(`  ${run('im2rec')} ${path.join(outDir, 'demo')} ${imagesDir} --resize 64 --force   (the same pack from the command line; --force: it replaces the demo's)`);
console.log(`  ${run('rec')} dump ${recPath} | head -3`);
console.log(`  ${run('rec')} verify ${recPath}`);
console.log(`  ${run('rec')} iter ${recPath} --data-shape 3,56,56 --batch-size 8 --rand-crop --epochs 3`);
