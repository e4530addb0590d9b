// npm run demo: packs a small generated dataset into demo-output/demo.rec + .idx with the
// public API, reads it back every way the format core offers, and says what it did.
// (Packing real photos with im2rec and batching them with ImageRecordIter arrive with
// those features; this demo grows with them.)
import fs from 'node:fs';
import path from 'node:path';
import {
  RecordIndex,
  RecordReader,
  RecordWriter,
  packImageRecord,
  readPartition,
  unpackImageRecord,
} from 'mxrec';

const outDir = path.resolve('demo-output');
const recPath = path.join(outDir, 'demo.rec');
const idxPath = path.join(outDir, 'demo.idx');
fs.mkdirSync(outDir, { recursive: true });

// 1. A tiny image set: 12 grayscale 16x16 PGM images in 3 classes, each a different gradient.
const classes = ['horizontal', 'vertical', 'diagonal'];
function pgm(kind, seed) {
  const size = 16;
  const header = Buffer.from(`P5\n${size} ${size}\n255\n`);
  const pixels = Buffer.alloc(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = kind === 0 ? x : kind === 1 ? y : (x + y) / 2;
      pixels[y * size + x] = (v * 16 + seed * 3) & 255;
    }
  }
  return Buffer.concat([header, pixels]);
}

// 2. Pack: header id = list index, one label per image (multi-label for the last two,
//    as im2rec --pack-label does), written with an .idx like im2rec's.
const writer = RecordWriter.create(recPath, { indexPath: idxPath });
for (let i = 0; i < 12; i++) {
  const label = i < 10 ? i % 3 : [i % 3, 0.5, 1];
  writer.write(packImageRecord({ label, id: i }, pgm(i % 3, i)), i);
}
writer.close(); // .rec and .idx appear only now, complete
const size = fs.statSync(recPath).size;
console.log(`packed ${writer.count} images into ${path.relative(process.cwd(), recPath)} (${size} bytes) and its .idx`);

// 3. Read back sequentially.
const reader = RecordReader.open(recPath);
const perClass = [0, 0, 0];
for (const record of reader) {
  const image = unpackImageRecord(record.payload);
  perClass[image.label[0]] += 1;
}
console.log(`read back ${perClass.reduce((a, b) => a + b)} records: ${classes.map((c, k) => `${perClass[k]} ${c}`).join(', ')}`);

// 4. Random access through the .idx.
const index = RecordIndex.readSync(idxPath);
const eleventh = unpackImageRecord(reader.readSync(index.get(11)).payload);
console.log(
  `record 11 via the .idx: offset ${index.get(11)}, flag ${eleventh.flag}, labels [${eleventh.label.join(', ')}], ` +
    `image ${eleventh.image.subarray(0, 2).toString()} ${eleventh.image.length} bytes`,
);
reader.close();

// 5. Split into 3 parts the way dmlc's InputSplit gives them to 3 workers.
for (let part = 0; part < 3; part++) {
  const ids = [...readPartition(recPath, { numParts: 3, partIndex: part })].map((r) => unpackImageRecord(r.payload).id);
  console.log(`worker ${part} of 3 reads ids ${ids.join(',')}`);
}

console.log(`\nTry: npx rec dump ${path.relative(process.cwd(), recPath)} | head -3`);
console.log(`     npx rec verify ${path.relative(process.cwd(), recPath)}`);
