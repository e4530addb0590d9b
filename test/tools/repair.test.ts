// rec repair's library: each kind of damage made from a sound file by the test, the sound records
// recovered byte for byte (checked against the original's payloads and with verify's logic), and the
// report's counts exact.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { packImageRecord } from '../../src/format/image-record.js';
import { RecordIndex } from '../../src/format/index-file.js';
import { RecordReader } from '../../src/format/reader.js';
import { RecordWriter } from '../../src/format/writer.js';
import { NothingWrittenError } from '../../src/io/output-errors.js';
import { recordFileInfo } from '../../src/tools/info.js';
import { type RepairReport, repairRecordFile } from '../../src/tools/repair.js';
import { verifyRecordFile } from '../../src/tools/verify.js';
import { makeJpeg } from '../helpers/images.js';
import { writeInsightface } from '../helpers/insightface.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const N = 12;

/** A sound .rec + .idx of N JPEG image records, keys 100..111 (the header ids too). */
const sound = await (async () => {
  const rec = path.join(dir, 'sound.rec');
  const w = RecordWriter.create(rec, { indexPath: path.join(dir, 'sound.idx') });
  const payloads: Buffer[] = [];
  const offsets: number[] = [];
  for (let i = 0; i < N; i++) {
    const payload = packImageRecord({ label: i % 3, id: 100 + i }, await makeJpeg(24 + i, 20, {}, i + 1));
    payloads.push(payload);
    offsets.push(w.write(payload, 100 + i));
  }
  w.close();
  return { rec, bytes: fs.readFileSync(rec), idx: fs.readFileSync(path.join(dir, 'sound.idx'), 'utf8'), payloads, offsets };
})();

let made = 0;
/** A damaged copy of the sound file (and its .idx, or the one given); returns its path. */
function damaged(damage: (bytes: Buffer) => Buffer | void, idx: string | null = sound.idx): string {
  const name = path.join(dir, `damaged-${made++}`);
  const bytes = Buffer.from(sound.bytes);
  fs.writeFileSync(`${name}.rec`, damage(bytes) ?? bytes);
  if (idx !== null) fs.writeFileSync(`${name}.idx`, idx);
  return `${name}.rec`;
}

/** Repairs `rec` into a new output and checks it holds exactly the sound records `kept` (by number), byte for byte, keyed 100+i, and verifies. */
async function repairKeeping(rec: string, kept: number[], options: { decode?: boolean } = {}): Promise<RepairReport> {
  const out = rec.replace(/\.rec$/, '-fixed.rec');
  const report = await repairRecordFile(rec, out, options);
  const records = [...RecordReader.open(out)].map((r) => Buffer.from(r.payload));
  assert.equal(records.length, kept.length, 'records recovered');
  kept.forEach((k, i) => assert.ok(records[i]!.equals(sound.payloads[k]!), `record ${k} byte for byte`));
  const index = RecordIndex.readSync(out.replace(/\.rec$/, '.idx'));
  assert.deepEqual(index.keys(), kept.map((k) => String(100 + k)), 'keys kept');
  const check = await verifyRecordFile(out, { indexPath: out.replace(/\.rec$/, '.idx') });
  assert.equal(check.problemCount, 0, JSON.stringify(check.problems));
  assert.equal(report.records, kept.length);
  return report;
}

const all = Array.from({ length: N }, (_, i) => i);
const without = (...lost: number[]) => all.filter((i) => !lost.includes(i));
const { offsets } = sound;
const end = (i: number) => (i + 1 < N ? offsets[i + 1]! : sound.bytes.length);

test('a sound file: every record, the same .idx, nothing lost', async () => {
  const r = await repairKeeping(damaged(() => undefined), all);
  assert.equal(r.lost, false);
  assert.deepEqual(r.damage, { count: 0, bytes: 0, first: [] });
  assert.equal(r.index!.rebuilt, false);
  assert.equal(r.index!.named, N);
  assert.equal(fs.readFileSync(path.join(dir, `damaged-${made - 1}-fixed.idx`), 'utf8'), sound.idx);
});

test("bad magic at the start (SageMaker's \"header does not start with the magic number\") and in the middle", async () => {
  const start = await repairKeeping(damaged((b) => void b.fill(0, 0, 4)), without(0));
  assert.equal(start.lost, true);
  assert.deepEqual(start.damage.first.map((d) => [d.offset, d.length, d.code]), [[0, offsets[1], 'BAD_MAGIC']]);
  assert.equal(start.index!.lostKeys, 1);
  assert.deepEqual(start.index!.lostSample, ['100']);
  assert.equal(start.index!.inDamage, 1);

  const middle = await repairKeeping(damaged((b) => void b.writeUInt32LE(0x12345678, offsets[5]!)), without(5));
  assert.deepEqual(middle.damage.first.map((d) => [d.offset, d.length]), [[offsets[5], end(5) - offsets[5]!]]);
  assert.deepEqual(middle.index!.lostSample, ['105']);
  // The record before the damage is sound, but named suspect all the same: from the bytes alone, a broken
  // head right after a record and a length that lies shorter look alike (--decode tells them apart).
  assert.equal(middle.suspect.count, 1);
  assert.deepEqual(middle.suspect.first, [{ offset: offsets[4], key: '104' }]);
});

test('a file cut short: mid-header and mid-payload; the .idx entries past the end are lost keys', async () => {
  const header = await repairKeeping(damaged((b) => b.subarray(0, offsets[9]! + 5)), without(9, 10, 11));
  assert.equal(header.damage.count, 1);
  assert.equal(header.damage.bytes, 5);
  assert.equal(header.index!.pastEnd, 2);
  assert.equal(header.index!.inDamage, 1);
  assert.equal(header.index!.lostKeys, 3);
  assert.deepEqual(header.index!.lostSample, ['109', '110', '111']);

  const payload = await repairKeeping(damaged((b) => b.subarray(0, offsets[10]! + 40)), without(10, 11));
  assert.deepEqual(payload.damage.first.map((d) => [d.offset, d.length, d.code]), [[offsets[10], 40, 'TRUNCATED']]);
  assert.equal(payload.index!.lostKeys, 2);
  assert.equal(payload.suspect.count, 0);
});

test('a length that lies longer swallows records: only the liar is lost, the swallowed ones come back', async () => {
  const swallow = end(4) - offsets[3]! + 30; // record 3 claims records 4 and part of 5
  const r = await repairKeeping(damaged((b) => void b.writeUInt32LE(swallow, offsets[3]! + 4)), without(3));
  assert.deepEqual(r.damage.first.map((d) => [d.offset, d.length, d.code]), [[offsets[3], offsets[4]! - offsets[3]!, 'OVERLONG_LENGTH']]);
  assert.deepEqual(r.index!.lostSample, ['103']);
  assert.equal(r.suspect.count, 0);
});

test('a length that lies shorter: the record is kept but named suspect; --decode sets its cut image aside', async () => {
  const rec = damaged((b) => void b.writeUInt32LE(sound.payloads[6]!.length - 200, offsets[6]! + 4));
  const out = rec.replace(/\.rec$/, '-fixed.rec');
  const plain = await repairRecordFile(rec, out);
  assert.equal(plain.records, N);
  assert.deepEqual(plain.suspect.first, [{ offset: offsets[6], key: '106' }]);
  assert.equal(plain.damage.count, 1);
  assert.equal(plain.lost, true);

  const copy = rec.replace(/\.rec$/, '-b.rec'); // repairKeeping writes its own output name
  fs.copyFileSync(rec, copy);
  fs.copyFileSync(rec.replace(/\.rec$/, '.idx'), copy.replace(/\.rec$/, '.idx'));
  const decoded = await repairKeeping(copy, without(6), { decode: true });
  assert.equal(decoded.decoded, N);
  assert.equal(decoded.undecodable!.records, 1);
  const aside = [...RecordReader.open(decoded.undecodable!.out)];
  assert.equal(aside.length, 1);
  assert.deepEqual(RecordIndex.readSync(decoded.undecodable!.indexPath).keys(), ['106']);
});

test('a zeroed stretch: the records whose heads it covers are lost', async () => {
  const from = offsets[7]! + 8 + 50;
  const to = offsets[9]! + 3;
  const r = await repairKeeping(damaged((b) => void b.fill(0, from, to)), without(7, 8, 9), { decode: true });
  // Record 7 (its head intact, its image zeroed from the middle) does not decode: set aside, not lost silently.
  assert.equal(r.undecodable!.records, 1);
  assert.deepEqual(RecordIndex.readSync(r.undecodable!.indexPath).keys(), ['107']);
  assert.deepEqual(r.index!.lostSample, ['108', '109']);
  assert.equal(r.lost, true);
});

test('--decode: an image that does not decode is set aside with its key; the rest are in OUT', async () => {
  const r = await repairKeeping(
    damaged((b) => void b.fill(0x55, offsets[2]! + 8 + 24 + 10, offsets[2]! + 8 + 24 + 200)),
    without(2),
    { decode: true },
  );
  assert.equal(r.damage.count, 0);
  assert.equal(r.undecodable!.records, 1);
  assert.equal(r.lost, true);
  assert.ok(Buffer.from([...RecordReader.open(r.undecodable!.out)][0]!.payload).subarray(0, 24).equals(sound.payloads[2]!.subarray(0, 24)));
  // Nothing undecodable: no -undecodable file at all.
  const clean = await repairKeeping(damaged(() => undefined), all, { decode: true });
  assert.equal(clean.undecodable!.records, 0);
  assert.equal(fs.existsSync(clean.undecodable!.out), false);
});

test('an .idx that disagrees: entries past the end, inside records, missing, more entries than records', async () => {
  const lines = sound.idx.trimEnd().split('\n');
  const moved = [...lines];
  moved[3] = `103\t${offsets[3]! + 4}`; // inside record 3: its key is still found (header id)
  moved.splice(6, 1); // record 6 has no entry
  moved.push(`900\t${sound.bytes.length + 100}`, `901\t${offsets[2]! + 16}`); // past the end; inside a record
  const r = await repairKeeping(damaged(() => undefined, `${moved.join('\n')}\n`), all);
  const i = r.index!;
  assert.deepEqual(
    [i.entries, i.named, i.pastEnd, i.inDamage, i.insideRecords, i.unindexed, i.lostKeys, i.rebuilt],
    [N + 1, N - 2, 1, 0, 2, 2, 2, true],
  );
  assert.deepEqual(i.lostSample.sort(), ['900', '901']);
  assert.equal(r.lost, true, 'keys of the .idx are in no record');

  // insightface #1269: the .idx claims more images than unpack: entries past the end of a file cut at a record boundary.
  const cut = await repairKeeping(damaged((b) => b.subarray(0, offsets[8]!)), without(8, 9, 10, 11));
  assert.deepEqual([cut.index!.entries, cut.index!.named, cut.index!.pastEnd, cut.index!.lostKeys], [N, 8, 4, 4]);
  assert.equal(cut.damage.count, 0);
  assert.equal(cut.lost, true);

  // Only missing entries: nothing lost, the .idx rebuilt.
  const missing = await repairKeeping(damaged(() => undefined, `${lines.slice(0, 5).join('\n')}\n`), all);
  assert.equal(missing.lost, false);
  assert.equal(missing.index!.rebuilt, true);
  assert.equal(missing.index!.unindexed, N - 5);

  // An .idx that does not parse is reported and not used.
  const garbled = await repairKeeping(damaged(() => undefined, 'not an index\n'), all);
  assert.match(garbled.index!.unreadable!, /damaged-\d+\.idx:1:/);
  assert.equal(garbled.lost, false);
});

test("insightface's layout: record 0's claims against what was recovered", async () => {
  const rec = await writeInsightface(dir, 'face', [3, 2, 4]);
  const bytes = fs.readFileSync(rec);
  const index = RecordIndex.readSync(rec.replace(/\.rec$/, '.idx'));
  bytes.fill(0, index.get(4)!, index.get(4)! + 4); // image key 4 lost
  const broken = path.join(dir, 'face-broken.rec');
  fs.writeFileSync(broken, bytes);
  fs.copyFileSync(rec.replace(/\.rec$/, '.idx'), broken.replace(/\.rec$/, '.idx'));
  const r = await repairRecordFile(broken, path.join(dir, 'face-fixed.rec'));
  assert.deepEqual(r.layoutClaims, { imagesClaimed: 9, imagesFound: 8, identitiesClaimed: 3, identitiesFound: 3 });
  assert.deepEqual(r.index!.lostSample, ['4']);
  assert.equal(r.lost, true);
  // The output's layout is rebuilt around the loss: keys 1..8, record 0 and identity records that tell the truth.
  assert.deepEqual(r.layout, { images: 8, identities: 3, leftOut: 0 });
  assert.deepEqual((await recordFileInfo(path.join(dir, 'face-fixed.rec'))).layout, {
    kind: 'insightface',
    images: 8,
    identities: 3,
    imageKeys: [1, 9],
    identityKeys: [9, 12],
    notes: [],
  });
});

test('a run that recovers no record writes nothing and fails', async () => {
  const rec = damaged((b) => {
    for (let at = 0; at < b.length; at += 4) b.writeUInt32LE(0x0a0a0a0a, at);
  });
  await assert.rejects(repairRecordFile(rec, path.join(dir, 'nothing.rec')), (e: unknown) => e instanceof Error && /not a RecordIO file/.test(e.message));
  assert.equal(fs.existsSync(path.join(dir, 'nothing.rec')), false);
  assert.equal(fs.existsSync(path.join(dir, 'nothing.idx')), false);
  // Damage everywhere but a readable start: no record is sound either.
  const noRecord = damaged((b) => b.subarray(0, 8).fill(0, 4).fill(0x0a, 4));
  await assert.rejects(repairRecordFile(noRecord, path.join(dir, 'nothing.rec')), NothingWrittenError);
  assert.equal(fs.existsSync(path.join(dir, 'nothing.rec')), false);
});
