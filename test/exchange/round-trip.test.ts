import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { exportRecordFile } from '../../src/exchange/export.js';
import { importRecords } from '../../src/exchange/import.js';
import { packHeader, packImageRecord, unpackImageRecord } from '../../src/format/image-record.js';
import { RecordReader } from '../../src/format/reader.js';
import { RecordWriter } from '../../src/format/writer.js';
import { ClassNames } from '../../src/tools/class-names.js';
import { DuckDBInstance } from '@duckdb/node-api';
import { isOneLineError, runBin } from '../helpers/cli.js';
import { fixture } from '../helpers/fixtures.js';
import { makeJpeg, makePng } from '../helpers/images.js';
import { writeInsightface } from '../helpers/insightface.js';
import { runPython, skipWithoutPythonPil } from '../helpers/python.js';
import { randomBytes, rng } from '../helpers/random.js';
import { tempDir } from '../helpers/tmp.js';

const same = (a: string, b: string) => fs.readFileSync(a).equals(fs.readFileSync(b));

/** Exports `rec` (WebDataset unless asked) and imports the manifest back; asserts the .rec (and .idx when there is one) come back byte for byte. */
async function roundTrip(rec: string, dir: string, options: { shardSize?: number; to?: 'webdataset' | 'parquet' } = {}): Promise<string> {
  const to = options.to ?? 'webdataset';
  const prefix = path.join(dir, to, 'train');
  const result = await exportRecordFile(rec, prefix, { to, shardSize: options.shardSize ?? 1e9 });
  const back = path.join(dir, `back-${to}.rec`);
  await importRecords([result.manifest!], back);
  assert.ok(same(rec, back), `${rec}: the .rec comes back byte for byte`);
  const idx = rec.replace(/\.rec$/, '.idx');
  if (fs.existsSync(idx)) assert.ok(same(idx, back.replace(/\.rec$/, '.idx')), `${idx}: the .idx comes back byte for byte`);
  return prefix;
}

/** A .rec of the records given (payload and key), with its .idx. */
function writeRec(dir: string, name: string, records: { payload: Buffer; key: string | number }[]): string {
  const rec = path.join(dir, `${name}.rec`);
  const w = RecordWriter.create(rec, { indexPath: path.join(dir, `${name}.idx`) });
  for (const r of records) w.write(r.payload, r.key);
  w.close();
  return rec;
}

describe('WebDataset and Parquet export and import', () => {
  for (const rel of ['readtome/validation.rec', 'dmlc-sample/sample.rec', 'adaface-tiny/train.rec', 'gray-glyphs/val.rec']) {
    it(`round-trips ${rel} byte for byte, in one shard and in many, as WebDataset and as Parquet`, async () => {
      for (const to of ['webdataset', 'parquet'] as const) {
        await roundTrip(fixture(rel), tempDir(), { to });
        await roundTrip(fixture(rel), tempDir(), { to, shardSize: 20_000 });
      }
    });
  }

  it('round-trips what no loader agrees on: multi-label, float and odd labels, ids past 2^53, pass-through payloads, empty images', async () => {
    const dir = tempDir();
    const jpeg = await makeJpeg(24, 16);
    const png = await makePng(8, 8);
    const header = (flag: number, label: number, id: bigint) => packHeader({ flag, label, id, id2: 7n });
    const rec = writeRec(dir, 'odd', [
      { payload: packImageRecord({ label: [0.1, -2.5, 3e38], id: 1, headerLabel: 0.1 }, jpeg), key: 1 },
      { payload: packImageRecord({ label: 0.25, id: 2n ** 53n + 1n, id2: 2n ** 64n - 1n }, png), key: '9007199254740993' },
      { payload: Buffer.concat([header(0, NaN, 3n), jpeg]), key: 3 },
      { payload: Buffer.concat([header(0, -0, 4n), jpeg]), key: 4 },
      { payload: Buffer.concat([header(2, Infinity, 5n), Buffer.from(new Float32Array([-Infinity, 1]).buffer), png]), key: 5 },
      { payload: Buffer.from('not an image record'), key: 6 },
      { payload: Buffer.from([1, 2, 3]), key: 6 }, // a repeated key, adjacent: the sample must get a key of its own
      { payload: packImageRecord({ label: [10, 20], id: 8 }, Buffer.alloc(0)), key: 'key.with.dots' },
      { payload: Buffer.concat([header(0, 1, 9n), Buffer.from('unknown bytes')]), key: 9 },
    ]);
    await roundTrip(rec, dir, { to: 'parquet' });
    const prefix = await roundTrip(rec, dir);
    const names = runTarNames(`${prefix}-000000.tar`);
    assert.ok(names.every((n) => n.split('.').length === 2), `one dot in each member name: ${names.join(' ')}`);
    assert.ok(names.includes('6.bin') && names.includes('1.jpg') && names.includes('9007199254740993.png') && names.includes('9.bin'));
  });

  it('round-trips records large enough that the readers reuse their buffers within a row group and a shard', async () => {
    const dir = tempDir();
    const next = rng(3);
    const records = Array.from({ length: 150 }, (_, id) => {
      const body = randomBytes(next, 100_000 + Math.floor(next() * 100_000)); // a row group (100 rows) outgrows the reader's read-ahead
      body.set([0xff, 0xd8, 0xff, 0xe0]);
      return { payload: packImageRecord({ label: id % 7, id }, body), key: id };
    });
    const rec = writeRec(dir, 'big', records);
    await roundTrip(rec, dir, { to: 'parquet' });
    await roundTrip(rec, dir, { shardSize: 3_000_000 });
    await roundTrip(rec, tempDir()); // one 22 MB shard: samples straddle the import's 8 MiB read blocks
  });

  it("round-trips insightface's layout (header record 0 last, identity records without images)", async () => {
    const dir = tempDir();
    const rec = await writeInsightface(dir, 'faces', [3, 2, 4]);
    await roundTrip(rec, dir, { shardSize: 4000 });
    await roundTrip(rec, dir, { shardSize: 4000, to: 'parquet' });
  });

  it('is read by Python: tarfile groups every sample, PIL decodes every image, .cls and .json carry the labels', { ...skipWithoutPythonPil() }, async () => {
    const dir = tempDir();
    const names = path.join(dir, 'names.txt');
    const rec = fixture('readtome/validation.rec');
    const labels = new Map<string, number>();
    for (const r of RecordReader.open(rec)) {
      const image = unpackImageRecord(r.payload);
      labels.set(String(image.id), image.label[0]!);
    }
    fs.writeFileSync(names, `${[...new Set(labels.values())].sort((a, b) => a - b).map((l) => `class-${l}`).join('\n')}\n`);
    const prefix = path.join(dir, 'v');
    const result = await exportRecordFile(rec, prefix, { to: 'webdataset', shardSize: 300_000, names: await ClassNames.load(names) });
    // DALI's readers.webdataset, re-stated: regular files only, a sample's members one after the other (a key
    // that comes back after another is a new sample to DALI), the extension case as written, and with
    // ext=["jpg", "cls"] and missing_component_behavior="error" every sample must have both.
    const program = `
import io, json, sys, tarfile
from PIL import Image
out = []
for shard in json.load(open(sys.argv[1]))["shardlist"]:
    samples = {}
    order = []
    with tarfile.open(sys.argv[2] + "/" + shard["url"]) as tar:
        for m in tar:
            assert m.isfile() and m.type == tarfile.REGTYPE, m.name
            assert len(m.name.encode()) <= 100 and "/" not in m.name, m.name
            key, ext = m.name.split(".", 1)
            assert ext == ext.lower() and "." not in ext, m.name
            if not order or order[-1] != key:
                assert key not in samples, "members of " + key + " are not adjacent"
                order.append(key)
            samples.setdefault(key, {})[ext] = tar.extractfile(m).read()
    assert len(samples) == shard["nsamples"], (len(samples), shard)
    assert all({"jpg", "cls", "json"} == set(s) for s in samples.values())
    for key, s in samples.items():
        meta = json.loads(s["json"])
        img = Image.open(io.BytesIO(s["jpg"])); img.load()
        out.append([key, int(s["cls"]), meta["label"], meta["class"], meta["id"], img.size[0] > 0])
print(json.dumps(out))`;
    const rows = JSON.parse(runPython(program, [`${prefix}.wids.json`, dir])) as [string, number, number, string, number, boolean][];
    assert.equal(rows.length, labels.size);
    assert.equal(result.samples, labels.size);
    for (const [key, cls, label, className, id, decoded] of rows) {
      assert.equal(cls, labels.get(key), `sample ${key}: .cls`);
      assert.equal(label, cls);
      assert.equal(className, `class-${cls}`);
      assert.equal(String(id), key);
      assert.ok(decoded);
    }
  });

  it('imports shards Python wrote: members in any order, folders in keys, png and jpg, labels in .cls or .json', { ...skipWithoutPythonPil() }, async () => {
    const dir = tempDir();
    const jpeg = await makeJpeg(20, 20);
    const png = await makePng(10, 10);
    fs.writeFileSync(path.join(dir, 'a.jpg'), jpeg);
    fs.writeFileSync(path.join(dir, 'b.png'), png);
    const program = `
import io, sys, tarfile, os
d = sys.argv[1]
def add(tar, name, data):
    info = tarfile.TarInfo(name); info.size = len(data); tar.addfile(info, io.BytesIO(data))
jpg = open(os.path.join(d, "a.jpg"), "rb").read(); png = open(os.path.join(d, "b.png"), "rb").read()
with tarfile.open(os.path.join(d, "ext-000000.tar"), "w", format=tarfile.PAX_FORMAT) as tar:
    add(tar, "n01/img_0.cls", b"3")
    add(tar, "n01/img_0.jpg", jpg)
    add(tar, "n02/img_1.json", b'{"label": 5, "caption": "x"}')
    add(tar, "n02/img_1.png", png)
    add(tar, "README", b"not a sample")
with tarfile.open(os.path.join(d, "ext-000001.tar"), "w", format=tarfile.GNU_FORMAT) as tar:
    add(tar, "a" * 120 + "/long.jpg", jpg)
    add(tar, "a" * 120 + "/long.cls", b"7")`;
    runPython(program, [dir]);
    const out = path.join(dir, 'ext.rec');
    const result = await importRecords([path.join(dir, 'ext')], out);
    assert.equal(result.records, 3);
    assert.equal(result.exact, 0);
    const records = [...RecordReader.open(out)].map((r) => unpackImageRecord(r.payload));
    assert.deepEqual(records.map((r) => [r.id, r.label]), [[0, [3]], [1, [5]], [2, [7]]]);
    assert.ok(records[0]!.image.equals(jpeg) && records[1]!.image.equals(png) && records[2]!.image.equals(jpeg));
    const offsets = [...RecordReader.open(out)].map((r) => r.offset);
    assert.equal(fs.readFileSync(path.join(dir, 'ext.idx'), 'utf8'), offsets.map((offset, i) => `${i}\t${offset}\n`).join(''));
  });

  it('exports in three parts with --part auto; the last part writes the index and manifest, and the import is the same file', async () => {
    const dir = tempDir();
    const rec = fixture('readtome/validation.rec');
    const prefix = path.join(dir, 'p');
    for (const part of [2, 0, 1]) {
      const res = runBin('rec', ['export', rec, '--to', 'webdataset', '-o', prefix, '--shard-size', '100k', '--parts', '3', '--part', 'auto', '-q'], { env: { JOB_COMPLETION_INDEX: String(part) } });
      assert.equal(res.status, 0, res.stderr);
      assert.equal(fs.existsSync(`${prefix}.manifest.json`), part === 1, `the manifest appears with the last part (after part ${part})`);
    }
    assert.equal(runBin('rec', ['verify', `${prefix}.manifest.json`]).status, 0);
    const back = path.join(dir, 'back.rec');
    assert.equal(runBin('rec', ['import', `${prefix}.wids.json`, '-o', back, '-q']).status, 0);
    assert.ok(same(rec, back) && same(fixture('readtome/validation.idx'), path.join(dir, 'back.idx')));
  });

  it('exports in more parts than there are shards: the parts without shards leave empty part manifests, and the export is whole', async () => {
    const dir = tempDir();
    const rec = fixture('dmlc-sample/sample.rec');
    const prefix = path.join(dir, 'few');
    const said: string[] = [];
    for (const part of ['0', '1', '2']) {
      const res = runBin('rec', ['export', rec, '--to', 'webdataset', '-o', prefix, '--parts', '3', '--part', part, '--json']);
      assert.equal(res.status, 0, res.stderr);
      said.push(String((JSON.parse(res.stdout) as { outputs: unknown[] }).outputs.length));
    }
    assert.deepEqual(said, ['0', '0', '1']);
    const back = path.join(dir, 'back.rec');
    assert.equal(runBin('rec', ['import', `${prefix}.manifest.json`, '-o', back, '-q']).status, 0);
    assert.ok(same(rec, back));
  });

  it('exports Parquet in three parts with class names: files named -of- the whole, the card and manifest by the last part, every row read by DuckDB', async () => {
    const dir = tempDir();
    const rec = fixture('readtome/validation.rec');
    const labels = [...RecordReader.open(rec)].map((r) => unpackImageRecord(r.payload).label[0]!);
    const names = path.join(dir, 'names.txt');
    fs.writeFileSync(names, 'class 0\nclass 1\n'); // the fixture's labels are all 0; a second name shows the list is whole
    const out = path.join(dir, 'hf');
    for (const part of ['1', '2', '0']) {
      const res = runBin('rec', ['export', rec, '--to', 'parquet', '-o', out, '--shard-size', '100k', '--parts', '3', '--part', part, '--names', names, '-q']);
      assert.equal(res.status, 0, res.stderr);
      assert.equal(fs.existsSync(path.join(out, 'README.md')), part === '0');
    }
    const files = fs.readdirSync(path.join(out, 'data')).sort();
    assert.ok(files.length > 3 && files.every((f, i) => f === `train-${String(i).padStart(5, '0')}-of-${String(files.length).padStart(5, '0')}.parquet`), files.join(' '));
    assert.match(fs.readFileSync(path.join(out, 'README.md'), 'utf8'), /class_label:\n\s+names:\n\s+'0': "class 0"/);
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const rows = (await duck.runAndReadAll(`SELECT label, image.bytes AS bytes FROM read_parquet('${out}/data/*.parquet') ORDER BY filename, file_row_number`)).getRowObjectsJS();
    assert.deepEqual(rows.map((r) => Number(r.label)), labels);
    const meta = (await duck.runAndReadAll(`SELECT decode(value) AS v FROM parquet_kv_metadata('${out}/data/${files[0]}') WHERE decode(key) = 'huggingface'`)).getRowObjectsJS();
    assert.deepEqual((JSON.parse(meta[0]!.v as string) as { info: { features: { label: { names: string[] } } } }).info.features.label.names.slice(0, 2), ['class 0', 'class 1']);
    const back = path.join(dir, 'back.rec');
    assert.equal(runBin('rec', ['import', out, '-o', back, '-q']).status, 0);
    assert.ok(same(rec, back));
  });

  it('refuses to replace outputs without --force, and verify finds a damaged shard', async () => {
    const dir = tempDir();
    const rec = fixture('dmlc-sample/sample.rec');
    const prefix = path.join(dir, 's');
    assert.equal(runBin('rec', ['export', rec, '--to', 'webdataset', '-o', prefix, '-q']).status, 0);
    const again = runBin('rec', ['export', rec, '--to', 'webdataset', '-o', prefix, '-q']);
    assert.equal(again.status, 2);
    assert.ok(isOneLineError(again.stderr) && /already exists/.test(again.stderr), again.stderr);
    assert.equal(runBin('rec', ['export', rec, '--to', 'webdataset', '-o', prefix, '-q', '--force']).status, 0);
    const shard = `${prefix}-000000.tar`;
    const bytes = fs.readFileSync(shard);
    bytes[600] = bytes[600]! ^ 1;
    fs.writeFileSync(shard, bytes);
    const check = runBin('rec', ['verify', `${prefix}.manifest.json`]);
    assert.equal(check.status, 1);
    assert.match(check.stdout, /s-000000\.tar: SHA-256 [0-9a-f]{64}, expected/);
  });
});

function runTarNames(shard: string): string[] {
  const names: string[] = [];
  const bytes = fs.readFileSync(shard);
  for (let at = 0; at + 512 <= bytes.length; ) {
    const header = bytes.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    names.push(header.toString('ascii', 0, 100).replace(/\0.*$/s, ''));
    const size = parseInt(header.toString('ascii', 124, 135), 8);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}

describe('what a review found', () => {
  it('a re-export with fewer shards is refused beside the earlier shards (an import by prefix would read them), even with --force', () => {
    const dir = tempDir();
    const rec = fixture('readtome/validation.rec');
    const prefix = path.join(dir, 'w');
    assert.equal(runBin('rec', ['export', rec, '--to', 'webdataset', '-o', prefix, '--shard-size', '100k', '-q']).status, 0);
    const again = runBin('rec', ['export', rec, '--to', 'webdataset', '-o', prefix, '--shard-size', '1M', '-q', '--force']);
    assert.equal(again.status, 2, again.stderr);
    assert.match(again.stderr, /w-000002\.tar and \d+ more: shards of an earlier export under this prefix, which this export \(2 shards\) would not replace/);
    const hf = path.join(dir, 'hf');
    assert.equal(runBin('rec', ['export', rec, '--to', 'parquet', '-o', hf, '--shard-size', '300k', '-q']).status, 0);
    const hfAgain = runBin('rec', ['export', rec, '--to', 'parquet', '-o', hf, '-q', '--force']);
    assert.equal(hfAgain.status, 2);
    assert.match(hfAgain.stderr, /train-00000-of-00005\.parquet and 4 more: shards of an earlier export/);
  });

  it('a prefix names its own shards only (train, not trainval)', () => {
    const dir = tempDir();
    const rec = fixture('dmlc-sample/sample.rec');
    assert.equal(runBin('rec', ['export', rec, '--to', 'webdataset', '-o', path.join(dir, 'train'), '-q']).status, 0);
    assert.equal(runBin('rec', ['export', fixture('adaface-tiny/train.rec'), '--to', 'webdataset', '-o', path.join(dir, 'trainval'), '-q']).status, 0);
    const res = runBin('rec', ['import', path.join(dir, 'train'), '-o', path.join(dir, 'back.rec'), '--json']);
    assert.equal(res.status, 0, res.stderr);
    assert.deepEqual((JSON.parse(res.stdout) as { shards: string[] }).shards, [path.join(dir, 'train-000000.tar')]);
  });

  it('parts of different exports are not merged into one', () => {
    const dir = tempDir();
    const prefix = path.join(dir, 'mix');
    const part = (rec: string, i: string) => runBin('rec', ['export', rec, '--to', 'webdataset', '-o', prefix, '--parts', '2', '--part', i, '-q']);
    assert.equal(part(fixture('readtome/validation.rec'), '0').status, 0);
    const other = part(fixture('gray-glyphs/val.rec'), '1');
    assert.equal(other.status, 1, other.stderr);
    assert.match(other.stderr, /mix\.manifest\.part-00001-of-00002\.json: describes another export than .*mix\.manifest\.part-00000-of-00002\.json/);
    assert.ok(!fs.existsSync(`${prefix}.manifest.json`));
  });

  it('outputs that would land outside: an empty or folder-only prefix, a split that climbs out', () => {
    const rec = fixture('dmlc-sample/sample.rec');
    const dir = tempDir();
    for (const [args, message] of [
      [['--to', 'parquet', '-o', ''], /expected as output the folder a Parquet dataset goes in/],
      [['--to', 'parquet', '-o', '/'], /expected as output the folder a Parquet dataset goes in/],
      [['--to', 'webdataset', '-o', `${dir}/`], /expected an output prefix that ends in a name/],
      [['--to', 'parquet', '-o', path.join(dir, 'hf'), '--split', '../../escaped'], /--split: expected a split name/],
      [['--to', 'webdataset', '-o', path.join(dir, 'w'), '--shard-size', '0.4'], /--shard-size: expected a whole number of bytes >= 1 \(500M, 1G\), received 0\.4/],
    ] as const) {
      const res = runBin('rec', ['export', rec, ...args, '-q']);
      assert.equal(res.status, 2, `${args.join(' ')}: ${res.stderr}`);
      assert.ok(isOneLineError(res.stderr) && message.test(res.stderr), res.stderr);
    }
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('a shard index whose names are escaped (%2e%2e) is refused; a key with whitespace in a sample is bad data', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'i.json'), JSON.stringify({ shardlist: [{ url: '%2e%2e/x-000000.tar', nsamples: 1 }] }));
    const res = runBin('rec', ['import', path.join(dir, 'i.json'), '-o', path.join(dir, 'o.rec')]);
    assert.equal(res.status, 1);
    assert.match(res.stderr, /expected shard names relative to the index's folder, received "%2e%2e\/x-000000\.tar"/);
    const prefix = path.join(dir, 's');
    await exportRecordFile(fixture('dmlc-sample/sample.rec'), prefix, { to: 'webdataset' });
    // Rewrite the first sample's JSON with a key no .idx line can hold (same length, so the tar stays valid).
    const shard = `${prefix}-000000.tar`;
    const bytes = fs.readFileSync(shard);
    const at = bytes.indexOf('{"flag"');
    assert.ok(at > 0);
    const json = bytes.toString('latin1', at, bytes.indexOf(0, at));
    const bad = `{"key":"a b",${json.slice(1)}`;
    const header = tarHeaderFor(bytes, at);
    fs.writeFileSync(path.join(dir, 'bad.tar'), Buffer.concat([bytes.subarray(0, header), rewrittenMember(bytes.subarray(header, header + 512), bad), bytes.subarray(at + 512 * Math.ceil(json.length / 512))]));
    const imp = runBin('rec', ['import', path.join(dir, 'bad.tar'), '-o', path.join(dir, 'b.rec')]);
    assert.equal(imp.status, 1, imp.stderr);
    assert.match(imp.stderr, /bad\.tar: sample "\d+" \(byte \d+\): expected a record key without whitespace, received "a b"/);
  });

  it('members a record is not made of are skipped unread (a caption, a second image)', () => {
    const dir = tempDir();
    const program = `
import io, sys, tarfile
def add(tar, name, data):
    info = tarfile.TarInfo(name); info.size = len(data); tar.addfile(info, io.BytesIO(data))
with tarfile.open(sys.argv[1], "w", format=tarfile.USTAR_FORMAT) as tar:
    add(tar, "s0.jpg", b"\\xff\\xd8\\xff\\xe0first")
    add(tar, "s0.txt", b"a caption" * 1000)
    add(tar, "s0.mask.png", b"\\x89PNG\\r\\n\\x1a\\nmask")
    add(tar, "s0.cls", b"4")`;
    if (skipWithoutPythonPil().skip) return;
    runPython(program, [path.join(dir, 'x.tar')]);
    const res = runBin('rec', ['import', path.join(dir, 'x.tar'), '-o', path.join(dir, 'x.rec'), '-q']);
    assert.equal(res.status, 0, res.stderr);
    const [record] = [...RecordReader.open(path.join(dir, 'x.rec'))].map((r) => unpackImageRecord(r.payload));
    assert.equal(record!.image.toString('latin1'), '\xff\xd8\xff\xe0first');
    assert.deepEqual(record!.label, [4]);
  });
});

/** Where the tar header of the member whose data starts at `at` begins. */
function tarHeaderFor(_bytes: Buffer, at: number): number {
  return at - 512;
}

/** A member header rewritten for new data of the same padded size, and the data padded. */
function rewrittenMember(header: Buffer, data: string): Buffer {
  const h = Buffer.from(header);
  h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 12, 'ascii');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  const body = Buffer.alloc(512 * Math.ceil(data.length / 512));
  body.write(data, 'latin1');
  return Buffer.concat([h, body]);
}
