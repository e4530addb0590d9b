// Parquet shards (src/exchange/parquet.ts): samples written and read back as
// the same payloads byte for byte; the files read by DuckDB (an independent
// reader) row for row, with the column types and the Hugging Face metadata
// `datasets` reads; files DuckDB wrote read as another tool's samples; and
// files that lie (footer, row groups, pages, runs), are cut short or have the
// wrong columns refused with one clear error, without a large allocation.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, test } from 'node:test';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { type FileMetaData, parquetMetadata } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { ByteWriter } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import YAML from 'yaml';
import sharp from 'sharp';
import { PARQUET, ParquetError, ROW_GROUP_ROWS, datasetCard } from '../../src/exchange/parquet.js';
import { type Sample, payloadOf, sampleOf } from '../../src/exchange/sample.js';
import type { ImportFields, ImportedSample } from '../../src/exchange/shard-format.js';
import { packImageRecord } from '../../src/format/image-record.js';
import { FileSource } from '../../src/io/byte-source.js';
import { LimitError } from '../../src/io/limits.js';
import { createOutput } from '../../src/io/output-file.js';
import { MxrecError, UsageError } from '../../src/util/errors.js';
import { makeJpeg } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('mxrec-parquet-');
let duck: DuckDBConnection;

before(async () => {
  duck = await (await DuckDBInstance.create(':memory:')).connect();
});
after(() => duck?.closeSync());

async function writeShard(file: string, samples: Iterable<Sample>, classLabels: readonly string[] | null = null): Promise<void> {
  const out = await createOutput(file);
  const writer = PARQUET.writer(out, { classLabels });
  for (const sample of samples) await writer.add(sample, 0);
  await writer.end();
  out.finish({ fsync: false });
  await out.publish();
}

async function readAll(file: string, fields: ImportFields = {}): Promise<ImportedSample[]> {
  const source = FileSource.open(file);
  try {
    const out: ImportedSample[] = [];
    for await (const s of PARQUET.read(source, fields)) out.push(s);
    return out;
  } finally {
    source.close();
  }
}

/** The error reading `file` ends with (and the process's memory, which must not have grown by much). */
async function readError(file: string, fields: ImportFields = {}): Promise<MxrecError> {
  const before = process.memoryUsage().rss;
  try {
    await readAll(file, fields);
  } catch (err) {
    assert.ok(process.memoryUsage().rss - before < 512 << 20, 'no large allocation');
    assert.ok(err instanceof MxrecError, `an MxrecError, not ${String(err)}`);
    assert.ok(!err.message.includes('\n'), 'one line');
    return err;
  }
  assert.fail(`${file} read without an error`);
}

const rows = async (sql: string) => (await duck.runAndReadAll(sql)).getRowObjectsJS();

// --- The samples ------------------------------------------------------------------

let jpegs: Buffer[];
let png: Buffer;

/** Every kind of record: class labels, a float label, multi-label, NaN and -0, ids past 2^53, identity records, non-image payloads. */
function payloads(): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < 230; i++) out.push(packImageRecord({ label: i % 4, id: i + 1 }, jpegs[i % jpegs.length]!));
  out.push(packImageRecord({ label: 0.25, id: 300 }, jpegs[0]!));
  out.push(packImageRecord({ label: -1, id: 301 }, png));
  out.push(packImageRecord({ label: [1, 2.5, -3], headerLabel: 1, id: 302 }, jpegs[1]!));
  out.push(packImageRecord({ label: NaN, id: 303 }, jpegs[2]!));
  out.push(packImageRecord({ label: -0, id: 304 }, jpegs[2]!));
  out.push(packImageRecord({ label: [NaN, -0, Infinity, 1e-45], id: 305 }, jpegs[0]!));
  out.push(packImageRecord({ label: 2, id: 2n ** 53n + 1n, id2: 2n ** 64n - 1n }, jpegs[1]!));
  out.push(packImageRecord({ label: [1, 231], id: 231 }, Buffer.alloc(0))); // insightface: an identity's [first, end)
  out.push(packImageRecord({ label: [231, 232], id: 0 }, Buffer.alloc(0))); // and record 0
  out.push(Buffer.from('\x08\x96\x01 a protobuf, not an image record')); // labels would run past its end
  out.push(Buffer.from([1, 2, 3])); // shorter than a header
  out.push(Buffer.alloc(0));
  out.push(packImageRecord({ label: 5, id: 306 }, Buffer.from('not an image, but where one goes'))); // bytes of no known format
  return out;
}

const keyOf = (i: number) => `k${i}`;
let written: Buffer[];
let shard: string;

before(async () => {
  jpegs = await Promise.all([1, 2, 3].map((seed) => makeJpeg(40, 32, {}, seed)));
  png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#3366cc' } }).png().toBuffer();
  written = payloads();
  shard = path.join(dir, 'train-00000-of-00001.parquet');
  await writeShard(shard, written.map((p, i) => sampleOf(p, keyOf(i))), ['cat', 'dog', 'emu', 'owl']);
});

test('every sample reads back as written: payloads byte for byte, keys, in order', async () => {
  const read = await readAll(shard);
  assert.equal(read.length, written.length);
  read.forEach((s, i) => {
    assert.ok(s.exact, `row ${i} is exact`);
    assert.equal(s.sample.key, keyOf(i));
    assert.deepEqual(payloadOf(s.sample), written[i], `row ${i}`);
  });
  const big = read.find((s) => s.exact && s.sample.key === keyOf(236));
  assert.ok(big?.exact && big.sample.header);
  assert.equal(big.sample.header.id, 2n ** 53n + 1n);
  assert.equal(big.sample.header.id2, 2n ** 64n - 1n);
});

test('DuckDB reads every row: the image bytes, labels, ids, header fields, keys and payloads', async () => {
  const got = await rows(`SELECT image.bytes AS bytes, image.path AS path, label, labels, id::VARCHAR AS id, id2::VARCHAR AS id2, flag, header_label, key, payload FROM read_parquet('${shard}')`);
  assert.equal(got.length, written.length);
  got.forEach((row, i) => {
    const s = sampleOf(written[i]!, keyOf(i));
    const at = `row ${i}`;
    assert.equal(row.key, keyOf(i), at);
    if (!s.header) {
      for (const name of ['bytes', 'label', 'labels', 'id', 'id2', 'flag', 'header_label']) assert.equal(row[name], null, `${at}: ${name}`);
      assert.deepEqual(Buffer.from(row.payload as Uint8Array), Buffer.from(s.bytes), at);
      return;
    }
    assert.equal(row.payload, null, at);
    if (s.bytes.length === 0) assert.equal(row.bytes, null, at);
    else assert.deepEqual(Buffer.from(row.bytes as Uint8Array), Buffer.from(s.bytes), at);
    assert.equal(row.flag, s.header.flag, at);
    assert.ok(Object.is(row.header_label, s.header.label), `${at}: header_label ${String(row.header_label)}`);
    assert.equal(row.id, String(s.header.id), at);
    assert.equal(row.id2, String(s.header.id2), at);
    // int64 has no -0: a -0 label is class 0.
    const cls = s.header.flag === 0 && Number.isSafeInteger(s.header.label) ? s.header.label + 0 : null;
    assert.equal(row.label === null ? null : Number(row.label), cls, at);
    if (s.header.labels) (row.labels as number[]).forEach((v, j) => assert.ok(Object.is(v, s.header!.labels![j]), `${at}: labels[${j}]`));
    else assert.equal(row.labels, null, at);
  });
  assert.equal(got[0]!.path, 'k0.jpg');
  assert.equal(got[231]!.path, 'k231.png');
  assert.equal(got[242]!.path, 'k242.bin');
});

test("the columns' types, as DuckDB and pyarrow see them", async () => {
  const types = Object.fromEntries((await rows(`DESCRIBE SELECT * FROM read_parquet('${shard}')`)).map((r) => [r.column_name, r.column_type]));
  assert.deepEqual(types, {
    image: 'STRUCT(bytes BLOB, path VARCHAR)',
    label: 'BIGINT',
    labels: 'FLOAT[]',
    id: 'UBIGINT',
    id2: 'UBIGINT',
    flag: 'UINTEGER',
    header_label: 'FLOAT',
    key: 'VARCHAR',
    payload: 'BLOB',
  });
  // The Parquet schema itself: all OPTIONAL; the list's three levels with its element named `item` (list<item: float> in Arrow).
  const schema = await rows(`SELECT name, type, repetition_type, converted_type FROM parquet_schema('${shard}')`);
  assert.deepEqual(
    schema.map((r) => [r.name, r.type, r.repetition_type, r.converted_type]),
    [
      ['schema', null, null, null],
      ['image', null, 'OPTIONAL', null],
      ['bytes', 'BYTE_ARRAY', 'OPTIONAL', null],
      ['path', 'BYTE_ARRAY', 'OPTIONAL', 'UTF8'],
      ['label', 'INT64', 'OPTIONAL', null],
      ['labels', null, 'OPTIONAL', 'LIST'],
      ['list', null, 'REPEATED', null],
      ['item', 'FLOAT', 'OPTIONAL', null],
      ['id', 'INT64', 'OPTIONAL', 'UINT_64'],
      ['id2', 'INT64', 'OPTIONAL', 'UINT_64'],
      ['flag', 'INT32', 'OPTIONAL', 'UINT_32'],
      ['header_label', 'FLOAT', 'OPTIONAL', null],
      ['key', 'BYTE_ARRAY', 'OPTIONAL', 'UTF8'],
      ['payload', 'BYTE_ARRAY', 'OPTIONAL', null],
    ],
  );
});

test("the `huggingface` metadata holds the features `datasets` reads: Image, ClassLabel with the names, the rest as Values", async () => {
  const kv = await rows(`SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata('${shard}')`);
  assert.deepEqual(
    kv.map((r) => r.key),
    ['huggingface'],
  );
  const value = (dtype: string) => ({ dtype, _type: 'Value' });
  assert.deepEqual(JSON.parse(kv[0]!.value as string), {
    info: {
      features: {
        image: { _type: 'Image' },
        label: { names: ['cat', 'dog', 'emu', 'owl'], _type: 'ClassLabel' },
        labels: { feature: value('float32'), length: -1, _type: 'Sequence' },
        id: value('uint64'),
        id2: value('uint64'),
        flag: value('uint32'),
        header_label: value('float32'),
        key: value('string'),
        payload: value('binary'),
      },
    },
  });
  // Without class names the label is a plain int64.
  const plain = path.join(dir, 'plain.parquet');
  await writeShard(plain, [sampleOf(written[0]!, 'a')]);
  const [meta] = await rows(`SELECT decode(value) AS value FROM parquet_kv_metadata('${plain}')`);
  assert.deepEqual(JSON.parse(meta!.value as string).info.features.label, value('int64'));
});

test('no compression, and row groups of at most 100 rows', async () => {
  const meta = await rows(`SELECT row_group_id, row_group_num_rows, compression FROM parquet_metadata('${shard}')`);
  assert.deepEqual([...new Set(meta.map((r) => r.compression))], ['UNCOMPRESSED']);
  const groups = new Map(meta.map((r) => [Number(r.row_group_id), Number(r.row_group_num_rows)]));
  assert.deepEqual([...groups.values()], [ROW_GROUP_ROWS, ROW_GROUP_ROWS, written.length - 2 * ROW_GROUP_ROWS]);
});

test('a row group is written early once it holds 128 MiB of image bytes', async () => {
  const file = path.join(dir, 'big.parquet');
  const big = Buffer.alloc(128 << 20, 7);
  const small = packImageRecord({ label: 1, id: 2 }, jpegs[0]!);
  await writeShard(file, [sampleOf(big, 'big'), sampleOf(small, 'small'), sampleOf(small, 'small2')]);
  const meta = await rows(`SELECT DISTINCT row_group_id, row_group_num_rows FROM parquet_metadata('${file}') ORDER BY row_group_id`);
  assert.deepEqual(meta.map((r) => Number(r.row_group_num_rows)), [1, 2]);
  const read = await readAll(file);
  assert.ok(read[0]!.exact && Buffer.from(payloadOf(read[0]!.sample)).equals(big));
  assert.deepEqual(read.map((s) => s.exact && s.sample.key), ['big', 'small', 'small2']);
});

test('an empty shard is a valid file with no rows; add() after end() is refused', async () => {
  const file = path.join(dir, 'empty.parquet');
  const out = await createOutput(file);
  const writer = PARQUET.writer(out, {});
  await writer.end();
  assert.throws(() => writer.add(sampleOf(written[0]!, 'x'), 0), UsageError);
  out.finish({ fsync: false });
  await out.publish();
  assert.equal(writer.samples, 0);
  assert.deepEqual(await readAll(file), []);
  assert.deepEqual(await rows(`SELECT count(*)::INTEGER AS n FROM read_parquet('${file}')`), [{ n: 0 }]);
});

// --- Files another tool wrote -------------------------------------------------------

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** A DuckDB table of the test images, as VALUES rows: (i, jpeg bytes). */
function imagesTable(n: number): string {
  return `(VALUES ${Array.from({ length: n }, (_, i) => `(${i}, from_hex('${hex(jpegs[i % jpegs.length]!)}'))`).join(', ')}) AS t(i, jpeg)`;
}

test('a file DuckDB wrote, with an `image` struct and a `label` (and other columns), imports as foreign samples', async () => {
  for (const compression of ['snappy', 'gzip', 'uncompressed', ...((zlib as { zstdDecompressSync?: unknown }).zstdDecompressSync ? ['zstd'] : [])]) {
    const file = path.join(dir, `duck-struct-${compression}.parquet`);
    await duck.run(
      // A column not read between the two read: the bytes hyparquet asks for at once span it.
      `COPY (SELECT {'bytes': jpeg, 'path': 'img' || i || '.jpg'} AS image, 'note ' || i AS note, (i % 3)::BIGINT AS label FROM ${imagesTable(50)} ORDER BY i) ` +
        `TO '${file}' (FORMAT parquet, COMPRESSION ${compression})`,
    );
    const read = await readAll(file);
    assert.equal(read.length, 50, compression);
    read.forEach((s, i) => {
      assert.ok(!s.exact);
      assert.deepEqual(Buffer.from(s.image), jpegs[i % jpegs.length], `${compression} row ${i}`);
      assert.equal(s.label, i % 3);
      assert.equal(s.where, `${file}: row ${i}`);
    });
  }
});

test('a plain binary column and a label column of other names, chosen by fields; a list of labels', async () => {
  const file = path.join(dir, 'duck-plain.parquet');
  await duck.run(`COPY (SELECT jpeg AS img, i::INTEGER AS target, [i::FLOAT, 0.5] AS scores FROM ${imagesTable(7)} ORDER BY i) TO '${file}' (FORMAT parquet)`);
  const read = await readAll(file, { image: 'img', label: 'target' });
  assert.deepEqual(
    read.map((s) => !s.exact && [hex(s.image) === hex(jpegs[Number(s.label) % 3]!), s.label]),
    Array.from({ length: 7 }, (_, i) => [true, i]),
  );
  const multi = await readAll(file, { image: 'img', label: 'scores' });
  assert.deepEqual(
    multi.map((s) => !s.exact && s.label),
    Array.from({ length: 7 }, (_, i) => [i, 0.5]),
  );
  // No label column at all: labels are null (the import makes them 0).
  const none = path.join(dir, 'duck-nolabel.parquet');
  await duck.run(`COPY (SELECT jpeg AS image FROM ${imagesTable(2)}) TO '${none}' (FORMAT parquet)`);
  assert.deepEqual((await readAll(none)).map((s) => !s.exact && s.label), [null, null]);
});

test('a missing or wrongly typed column is a usage error naming it, what it should be and the columns there are', async () => {
  const file = path.join(dir, 'duck-plain.parquet');
  let err = await readError(file);
  assert.ok(err instanceof UsageError);
  assert.equal(err.message, `${file}: column "image": expected a binary column or a struct with bytes, received no such column; the file has columns "img", "target", "scores"`);
  err = await readError(file, { image: 'target' });
  assert.match(err.message, /column "target": expected a binary column or a struct with bytes, received int32; the file has columns "img", "target", "scores"$/);
  err = await readError(file, { image: 'img', label: 'missing' });
  assert.match(err.message, /column "missing": expected a number or a list of numbers, received no such column/);
  const strings = path.join(dir, 'duck-strings.parquet');
  await duck.run(`COPY (SELECT {'bytes': 42, 'path': 'x'} AS image, 'cat' AS label) TO '${strings}' (FORMAT parquet)`);
  err = await readError(strings);
  assert.match(err.message, /column "image": expected a binary column or a struct with bytes, received struct<bytes: int32, path: string>/);
  err = await readError(strings, { image: 'label' });
  assert.match(err.message, /column "label": expected a binary column or a struct with bytes, received string/);
});

test('rows without image bytes are data errors naming the row', async () => {
  const file = path.join(dir, 'duck-paths.parquet');
  await duck.run(`COPY (SELECT * FROM (VALUES ({'bytes': from_hex('ffd8ff'), 'path': 'a.jpg'}), ({'bytes': NULL, 'path': 'b.jpg'})) t(image)) TO '${file}' (FORMAT parquet)`);
  const err = await readError(file);
  assert.ok(err instanceof ParquetError && err.kind === 'data');
  assert.equal(err.message, `${file}: row 1: "image" has no bytes, only a path ("b.jpg"): images stored as paths are not read`);
});

test('encodings that carry sizes of their own (DuckDB\'s V2 files: DELTA_*) are refused, saying what is read', async () => {
  const file = path.join(dir, 'duck-v2.parquet');
  await duck.run(`COPY (SELECT jpeg AS image, i AS label FROM ${imagesTable(3)}) TO '${file}' (FORMAT parquet, PARQUET_VERSION V2)`);
  const err = await readError(file);
  assert.ok(err instanceof UsageError);
  assert.match(err.message, /row group 0, column "image": the page at byte \d+ is encoded DELTA_LENGTH_BYTE_ARRAY, which is not read \(PLAIN, dictionary and RLE pages are/);
});

// --- Files that lie -------------------------------------------------------------------

function metadataOf(bytes: Buffer): FileMetaData {
  return parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer);
}

/**
 * The file again, its column chunks replaced where `chunk` says (offsets and
 * sizes put right, page indexes dropped), then its metadata changed by
 * `edit`: a file whose only lies are the ones a test tells.
 */
function rebuild(bytes: Buffer, edit: (m: FileMetaData) => void, chunk?: (group: number, column: string, bytes: Uint8Array) => Uint8Array | undefined): Buffer {
  const metadata = metadataOf(bytes);
  const parts: Uint8Array[] = [bytes.subarray(0, 4)];
  let at = 4;
  metadata.row_groups.forEach((group, g) => {
    for (const c of group.columns) {
      const meta = c.meta_data!;
      const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
      const old = bytes.subarray(start, start + Number(meta.total_compressed_size));
      const now = chunk?.(g, meta.path_in_schema.join('.'), old) ?? old;
      if (meta.dictionary_page_offset) meta.dictionary_page_offset = BigInt(at);
      meta.data_page_offset = BigInt(at + Number(meta.data_page_offset) - start);
      meta.total_compressed_size = BigInt(now.length);
      c.file_offset = BigInt(at);
      for (const key of ['offset_index_offset', 'offset_index_length', 'column_index_offset', 'column_index_length'] as const) delete (c as unknown as Record<string, unknown>)[key];
      parts.push(now);
      at += now.length;
    }
  });
  edit(metadata);
  const footer = new ByteWriter();
  delete (metadata as { metadata_length?: number }).metadata_length;
  writeMetadata(footer, metadata as Parameters<typeof writeMetadata>[1]);
  footer.appendUint32(0x31524150);
  return Buffer.concat([...parts, footer.getBytes()]);
}

/** A column chunk with its first page's header changed by `edit` (and its data replaced, if `edit` gives new data). */
function editFirstPage(chunk: Uint8Array, edit: (header: ReturnType<typeof parquetHeader>, data: Uint8Array) => Uint8Array | void): Uint8Array {
  const reader = { view: new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength), offset: 0 };
  const header = parquetHeader(reader);
  const data = chunk.subarray(reader.offset, reader.offset + header.compressed_page_size);
  const rest = chunk.subarray(reader.offset + header.compressed_page_size);
  const newData = edit(header, data) ?? data;
  const w = new ByteWriter();
  writePageHeader(w, header as Parameters<typeof writePageHeader>[1]);
  return Buffer.concat([w.getBytes(), newData, rest]);
}

function write(name: string, bytes: Uint8Array): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

test('the rebuild the lies are told with keeps an honest file readable', async () => {
  const file = write('honest.parquet', rebuild(fs.readFileSync(shard), () => {}));
  const read = await readAll(file);
  assert.deepEqual(read.map((s) => s.exact && Buffer.from(payloadOf(s.sample)).toString('hex')), written.map((p) => p.toString('hex')));
});

test('a footer that places a column chunk past the file, or lies about its rows, is a data error naming the row group', async () => {
  const original = fs.readFileSync(shard);
  let file = write(
    'huge-chunk.parquet',
    rebuild(original, (m) => {
      m.row_groups[1]!.columns[0]!.meta_data!.total_compressed_size = 2n ** 40n;
    }),
  );
  let err = await readError(file);
  assert.ok(err instanceof ParquetError);
  assert.match(err.message, /: row group 1, column "image\.bytes": the footer places its 1099511627776 bytes at byte \d+, outside the file's data \(bytes 4 to \d+\)$/);

  file = write(
    'huge-offset.parquet',
    rebuild(original, (m) => {
      m.row_groups[0]!.columns[8]!.meta_data!.data_page_offset = 2n ** 62n;
    }),
  );
  err = await readError(file);
  assert.match(err.message, /row group 0, column "key": the footer places its \d+ bytes at byte 4611686018427387904, outside the file's data/);

  file = write(
    'huge-rows.parquet',
    rebuild(original, (m) => {
      m.row_groups[0]!.num_rows = 2n ** 40n;
      m.num_rows = 2n ** 40n + BigInt(written.length - ROW_GROUP_ROWS);
    }),
  );
  err = await readError(file);
  assert.ok(err instanceof LimitError);
  assert.match(err.message, /row group 0 has 1099511627776 rows, more than the 4194304 a row group read may have$/);

  file = write(
    'wrong-rows.parquet',
    rebuild(original, (m) => {
      m.num_rows = 5n;
    }),
  );
  err = await readError(file);
  assert.ok(err.message.endsWith(`the footer says the file has 5 rows, but its row groups add up to ${written.length}`), err.message);

  file = write(
    'wrong-type.parquet',
    rebuild(original, (m) => {
      m.row_groups[0]!.columns[0]!.meta_data!.type = 'INT64';
    }),
  );
  err = await readError(file);
  assert.match(err.message, /row group 0, column "image\.bytes": the chunk says its values are INT64, the schema BYTE_ARRAY$/);
});

test('a footer length past the file, and a footer of millions of empty structs, are refused before anything is decoded', async () => {
  const original = fs.readFileSync(shard);
  const lying = Buffer.from(original);
  lying.writeUInt32LE(0xfffffff0, lying.length - 8);
  let err = await readError(write('footer-length.parquet', lying));
  assert.match(err.message, /the footer says its metadata is 4294967280 bytes, more than the \d+ the file has for it \(cut short\?\)$/);

  // struct { 1: list<struct> of 5 M empty structs }: 5 MB that hyparquet would make 5 M objects of.
  const n = 5_000_000;
  const varint: number[] = [];
  for (let v = n; ; v = Math.floor(v / 128)) {
    if (v < 128) {
      varint.push(v);
      break;
    }
    varint.push((v & 0x7f) | 0x80);
  }
  const footer = Buffer.concat([Buffer.from([0x19, 0xfc, ...varint]), Buffer.alloc(n), Buffer.from([0])]);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(footer.length);
  const t = Date.now();
  err = await readError(write('footer-bomb.parquet', Buffer.concat([Buffer.from('PAR1'), footer, length, Buffer.from('PAR1')])));
  assert.ok(err instanceof LimitError);
  assert.match(err.message, /the footer holds more than 4194304 thrift values, more than a Parquet file read may have$/);
  assert.ok(Date.now() - t < 5000);
});

test('a page that says it is larger than its chunk, or holds more values than a row group may, is refused', async () => {
  const original = fs.readFileSync(shard);
  let file = write(
    'huge-page.parquet',
    rebuild(original, () => {}, (g, column, bytes) =>
      g === 0 && column === 'image.bytes'
        ? editFirstPage(bytes, (h) => {
            h.compressed_page_size = 2 ** 30;
          })
        : undefined,
    ),
  );
  let err = await readError(file);
  assert.ok(err instanceof ParquetError);
  assert.match(err.message, /row group 0, column "image\.bytes": the page at byte \d+ says it is 1073741824 bytes, but \d+ are left in the column chunk$/);

  file = write(
    'many-values.parquet',
    rebuild(original, () => {}, (g, column, bytes) =>
      g === 1 && column === 'key'
        ? editFirstPage(bytes, (h) => {
            h.data_page_header_v2!.num_values = 2 ** 30;
          })
        : undefined,
    ),
  );
  err = await readError(file);
  assert.ok(err instanceof LimitError);
  assert.match(err.message, /row group 1: its columns read hold more than the 4194304 values a row group read may have$/);
});

test('a compressed page that says it expands to 2 GB is refused without allocating it', async () => {
  const snappy = path.join(dir, 'duck-snappy.parquet');
  await duck.run(`COPY (SELECT {'bytes': jpeg, 'path': 'x.jpg'} AS image, i AS label FROM ${imagesTable(20)}) TO '${snappy}' (FORMAT parquet, COMPRESSION snappy)`);
  const file = write(
    'expands.parquet',
    rebuild(fs.readFileSync(snappy), () => {}, (_g, column, bytes) =>
      column === 'image.bytes'
        ? editFirstPage(bytes, (h) => {
            h.uncompressed_page_size = 2 ** 31 - 1;
          })
        : undefined,
    ),
  );
  const err = await readError(file);
  assert.ok(err instanceof LimitError);
  assert.match(err.message, /row group 0: its columns read, with their pages expanded, take more than the 1\.07 GB a row group read may have$/);
});

test('a run of levels longer than its page (2^30 repeats in 6 bytes) is refused before hyparquet expands it', async () => {
  const plain = path.join(dir, 'duck-v1.parquet');
  await duck.run(`COPY (SELECT jpeg AS img, i::INTEGER AS target FROM ${imagesTable(10)}) TO '${plain}' (FORMAT parquet, COMPRESSION uncompressed)`);
  const file = write(
    'rle-bomb.parquet',
    rebuild(fs.readFileSync(plain), () => {}, (_g, column, bytes) =>
      column === 'target'
        ? editFirstPage(bytes, (h, data) => {
            // V1 page: u32 length, the definition levels' runs, then the values. One run: 2^30 times 1.
            const oldLength = new DataView(data.buffer, data.byteOffset).getUint32(0, true);
            const runs = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x08, 0x01]);
            const length = Buffer.alloc(4);
            length.writeUInt32LE(runs.length);
            const now = Buffer.concat([length, runs, data.subarray(4 + oldLength)]);
            h.compressed_page_size = now.length;
            h.uncompressed_page_size = now.length;
            return now;
          })
        : undefined,
    ),
  );
  const err = await readError(file, { image: 'img', label: 'target' });
  assert.ok(err instanceof ParquetError);
  assert.match(err.message, /row group 0, column "target": the page at byte \d+ a repeated run of 1073741824 values in a page of 10$/);
});

test('a file cut short anywhere, or not Parquet at all, is a data error', async () => {
  const original = fs.readFileSync(shard);
  for (const length of [0, 3, 4, 11, 12, 100, original.length >> 1, original.length - 9, original.length - 1]) {
    const err = await readError(write(`cut-${length}.parquet`, original.subarray(0, length)));
    assert.ok(err instanceof ParquetError, `cut at ${length}: ${err.message}`);
    assert.match(err.message, /(too short for a Parquet file|does not end with PAR1: not a Parquet file, or cut short)/);
  }
  // The end of the file kept, a middle cut out: the footer places chunks where there is other data, or past the end.
  const spliced = Buffer.concat([original.subarray(0, 1000), original.subarray(original.length - 4000)]);
  const err = await readError(write('spliced.parquet', spliced));
  assert.ok(err instanceof ParquetError || err instanceof LimitError, err.message);
  const text = await readError(write('text.parquet', Buffer.from('PAR1 this is not a Parquet file, though it says so PAR1')));
  assert.ok(text instanceof ParquetError);
});

test('a file of ours with a column retyped is refused as not what mxrec writes', async () => {
  const original = fs.readFileSync(shard);
  const file = write(
    'retyped.parquet',
    rebuild(original, (m) => {
      const flag = m.schema.find((e) => e.name === 'flag')!;
      flag.converted_type = undefined;
    }),
  );
  const err = await readError(file);
  assert.ok(err instanceof ParquetError);
  assert.match(err.message, /column "flag": expected uint32 \(as mxrec writes it\), received int32$/);
});

// --- The dataset card -------------------------------------------------------------------

test('the dataset card: the config, the features with class names, the split, in YAML that parses', () => {
  const names = ['cat', 'it\'s "quoted"', 'line\nbreak', 'ünï'];
  const card = datasetCard({
    split: 'train',
    files: ['data/train-00000-of-00002.parquet', 'data/train-00001-of-00002.parquet'],
    classLabels: names,
    multiLabel: false,
    samples: 1234,
    bytes: 56789,
    source: 's3://bucket/pets_train.rec',
  });
  assert.ok(card.startsWith('---\n'));
  const front = YAML.parse(card.split('---\n')[1]!);
  assert.deepEqual(front.configs, [{ config_name: 'default', data_files: [{ split: 'train', path: 'data/train-*' }] }]);
  assert.deepEqual(front.dataset_info.features[0], { name: 'image', dtype: 'image' });
  assert.deepEqual(front.dataset_info.features[1], { name: 'label', dtype: { class_label: { names: { 0: names[0], 1: names[1], 2: names[2], 3: names[3] } } } });
  assert.deepEqual(front.dataset_info.features[2], { name: 'labels', sequence: 'float32' });
  assert.deepEqual(
    front.dataset_info.features.slice(3).map((f: { name: string; dtype: string }) => `${f.name}:${f.dtype}`),
    ['id:uint64', 'id2:uint64', 'flag:uint32', 'header_label:float32', 'key:string', 'payload:binary'],
  );
  assert.deepEqual(front.dataset_info.splits, [{ name: 'train', num_bytes: 56789, num_examples: 1234 }]);
  assert.match(card, /Exported from `s3:\/\/bucket\/pets_train\.rec` \(MXNet RecordIO\) by mxrec: 1234 samples in 2 Parquet files\./);

  const plain = YAML.parse(
    datasetCard({ split: 'validation', files: ['other.parquet'], classLabels: null, multiLabel: true, samples: 1, bytes: 2, source: 'x.rec' }).split('---\n')[1]!,
  );
  assert.deepEqual(plain.configs[0].data_files, [{ split: 'validation', path: ['other.parquet'] }]);
  assert.deepEqual(plain.dataset_info.features[1], { name: 'label', dtype: 'int64' });
});
