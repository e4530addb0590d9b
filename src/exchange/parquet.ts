/**
 * Parquet shards as Hugging Face `datasets` lays out an image dataset
 * (parquet-layout.ts: the columns and the metadata), written and read a row
 * group at a time.
 *
 * Libraries: hyparquet-writer writes, hyparquet reads. Both are pure
 * JavaScript with no install script and no native code (nothing to build or
 * download), and do what this needs: ParquetWriter writes one row group per
 * call through a Writer of ours (the bytes go straight to the OutputFile),
 * OPTIONAL structs and lists, INT64 with UINT_64 for ids up to 2^64-1
 * (bigints, exact), UNCOMPRESSED pages (JPEG does not compress); hyparquet
 * reads a chosen row group's chosen columns from any AsyncBuffer, here the
 * checked bytes of parquet-guard.ts. DuckDB (@duckdb/node-api, a dev
 * dependency) is the independent reader the tests check our files with.
 *
 * A record is one row. Image records fill image/label/labels/id/id2/flag/
 * header_label and key; a payload that is not an image record fills key and
 * payload only. Files written here have every column (and the `flag` and `id`
 * that mark them) and read back as the exact samples written; other files are
 * read for an image column and a label column (ImportFields).
 */
import { type AsyncBuffer, type SchemaTree, parquetReadObjects, parquetSchema } from 'hyparquet';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { type RecordId, toRecordId } from '../format/image-record.js';
import { ImageRecordError } from '../format/errors.js';
import type { ByteSource } from '../io/byte-source.js';
import type { OutputFile } from '../io/store.js';
import { MxrecError, UsageError, quoted } from '../util/errors.js';
import { COLUMNS, SCHEMA, huggingfaceMetadata } from './parquet-layout.js';
import { DECOMPRESSORS, type Footer, ParquetError, type RowGroupPlan, planRowGroup, readFooter, readRowGroup } from './parquet-guard.js';
import { type Sample, type SampleHeader, classOf, imageExtension, keyProblem } from './sample.js';
import type { ImportFields, ImportedSample, ShardContext, ShardFormat, ShardWriter } from './shard-format.js';

export { datasetCard, type DatasetCardOptions } from './parquet-layout.js';
export { ParquetError } from './parquet-guard.js';

/** Rows per row group, as `datasets` writes image datasets (its PARQUET_ROW_GROUP_SIZE_FOR_IMAGE_DATASETS): what the Hub's viewer fetches at once. */
export const ROW_GROUP_ROWS = 100;
/** A row group is written sooner once the image and payload bytes it holds reach this: what a shard writer buffers at most, besides the sample that crossed it. */
export const ROW_GROUP_BYTES = 128 << 20;

// --- Writing -------------------------------------------------------------------

/** Bytes gathered before a write to the output: the small values (page headers, levels, numbers) go in batches. */
const SINK_BUFFER = 1 << 20;
/** Byte runs from this size (an image page) are written to the output as they are, not copied into the batch. */
const DIRECT_WRITE = 64 << 10;

/**
 * hyparquet-writer's Writer over an OutputFile: small values are gathered in
 * one buffer, pages of images go out directly. Nothing is ever written back
 * (the format never patches an earlier byte), so what is drained is done.
 */
class OutputSink extends ByteWriter {
  constructor(private readonly out: OutputFile) {
    super(SINK_BUFFER);
  }

  override ensure(size: number): void {
    if (this.index + size <= this.buffer.byteLength) return;
    this.drain();
    if (size > this.buffer.byteLength) {
      this.buffer = new ArrayBuffer(size);
      this.view = new DataView(this.buffer);
    }
  }

  override appendBytes(value: Uint8Array): void {
    if (value.byteLength < DIRECT_WRITE) {
      super.appendBytes(value);
      return;
    }
    this.drain();
    this.out.writeSync(value);
    this.offset += value.byteLength;
  }

  flush(): void {
    this.drain();
  }

  override finish(): void {
    this.drain();
  }

  private drain(): void {
    if (this.index === 0) return;
    this.out.writeSync(new Uint8Array(this.buffer, 0, this.index));
    this.index = 0;
  }
}

type Columns = Record<(typeof COLUMNS)[number], unknown[]>;
const emptyColumns = (): Columns => Object.fromEntries(COLUMNS.map((name) => [name, []])) as unknown as Columns;

const U64_LIMIT = 2n ** 64n;

function u64(value: RecordId, field: string, key: string): bigint {
  const n = typeof value === 'bigint' ? value : Number.isSafeInteger(value) ? BigInt(value) : -1n;
  if (n < 0n || n >= U64_LIMIT) throw new UsageError(`sample ${quoted(key)}: expected ${field} as an integer in 0..2^64-1, received ${String(value)}`);
  return n;
}

class ParquetShardWriter implements ShardWriter {
  private columns = emptyColumns();
  private rows = 0;
  private bytes = 0;
  private count = 0;
  private ended = false;
  private readonly sink: OutputSink;
  private readonly writer: ParquetWriter;

  constructor(
    private readonly out: OutputFile,
    context: ShardContext,
  ) {
    this.sink = new OutputSink(out);
    this.writer = new ParquetWriter({
      writer: this.sink,
      schema: SCHEMA as ConstructorParameters<typeof ParquetWriter>[0]['schema'],
      codec: 'UNCOMPRESSED',
      statistics: false,
      kvMetadata: [{ key: 'huggingface', value: huggingfaceMetadata(context.classLabels ?? null) }],
      createdBy: 'mxrec',
    });
  }

  get samples(): number {
    return this.count;
  }

  add(sample: Sample): Promise<void> | null {
    if (this.ended) throw new UsageError(`${this.out.path}: add() after end()`);
    const { key, header, bytes } = sample;
    const c = this.columns;
    // The bytes are the caller's only during the call: the row group keeps copies.
    const copy = new Uint8Array(bytes); // a copy (Buffer.prototype.slice would be a view of the caller's memory)
    if (header) {
      const labels = header.labels ?? [];
      if (labels.length !== header.flag) throw new ImageRecordError(`sample ${quoted(key)}: flag is ${header.flag} but ${labels.length} labels are given`);
      const label = classOf(header);
      c.image.push(copy.byteLength ? { bytes: copy, path: `${key}.${imageExtension(copy)}` } : null);
      c.label.push(label === null ? null : BigInt(label));
      c.labels.push(header.flag > 0 ? [...labels] : null);
      c.id.push(u64(header.id, 'id', key));
      c.id2.push(u64(header.id2, 'id2', key));
      c.flag.push(header.flag);
      c.header_label.push(header.label);
      c.payload.push(null);
    } else {
      for (const name of ['image', 'label', 'labels', 'id', 'id2', 'flag', 'header_label'] as const) c[name].push(null);
      c.payload.push(copy);
    }
    c.key.push(key);
    this.count++;
    this.rows++;
    this.bytes += copy.byteLength;
    if (this.rows >= ROW_GROUP_ROWS || this.bytes >= ROW_GROUP_BYTES) this.writeRowGroup();
    return this.out.ready();
  }

  private writeRowGroup(): void {
    // PLAIN everywhere: no dictionary to build over image bytes, and every reader reads it.
    const columnData = COLUMNS.map((name) => ({ name, data: this.columns[name], encoding: 'PLAIN' as const }));
    void this.writer.write({ columnData, rowGroupSize: this.rows });
    this.columns = emptyColumns();
    this.rows = 0;
    this.bytes = 0;
  }

  end(): Promise<void> | void {
    if (this.ended) return;
    this.ended = true;
    if (this.rows > 0) this.writeRowGroup();
    void this.writer.finish();
    return this.out.ready() ?? undefined;
  }
}

// --- Reading -------------------------------------------------------------------

/** A column's type in words, as messages say it: int64, string, binary, struct<bytes: binary, path: string>, list<float32>. */
function describe(node: SchemaTree, depth = 0): string {
  const e = node.element;
  if (node.children.length === 0) {
    const logical = e.logical_type?.type;
    if (e.type === 'BYTE_ARRAY') return e.converted_type === 'UTF8' || logical === 'STRING' ? 'string' : e.converted_type === 'JSON' || logical === 'JSON' ? 'json' : 'binary';
    if (e.type === 'INT32' || e.type === 'INT64') {
      if (e.converted_type === 'DATE' || logical === 'DATE') return 'date';
      if (e.converted_type?.startsWith('TIMESTAMP') || logical === 'TIMESTAMP') return 'timestamp';
      if (e.converted_type === 'DECIMAL' || logical === 'DECIMAL') return 'decimal';
      const unsigned = e.converted_type?.startsWith('UINT') || (logical === 'INTEGER' && e.logical_type?.isSigned === false);
      return `${unsigned ? 'uint' : 'int'}${e.type === 'INT32' ? 32 : 64}`;
    }
    return ({ FLOAT: 'float32', DOUBLE: 'float64', BOOLEAN: 'bool', INT96: 'timestamp', FIXED_LEN_BYTE_ARRAY: 'fixed_size_binary' } as Record<string, string>)[e.type ?? ''] ?? String(e.type);
  }
  if (depth > 4) return '…';
  const list = listItem(node);
  if (list) return `list<${describe(list, depth + 1)}>`;
  if (e.converted_type === 'MAP' || e.logical_type?.type === 'MAP') return 'map';
  return `struct<${node.children.map((c) => `${c.element.name}: ${describe(c, depth + 1)}`).join(', ')}>`;
}

/** The element of a LIST column (its three levels), else null. */
function listItem(node: SchemaTree): SchemaTree | null {
  if (node.element.converted_type !== 'LIST' && node.element.logical_type?.type !== 'LIST') return null;
  const repeated = node.children.length === 1 ? node.children[0]! : null;
  if (!repeated || repeated.element.repetition_type !== 'REPEATED') return null;
  return repeated.children.length === 1 ? repeated.children[0]! : repeated.children.length === 0 ? repeated : null;
}

const isBinary = (node: SchemaTree) => node.children.length === 0 && describe(node) === 'binary';
const isNumber = (node: SchemaTree) => node.children.length === 0 && /^(u?int(32|64)|float(32|64)|bool)$/.test(describe(node));

/** How a file's rows are read. */
type Layout = { kind: 'exact' } | { kind: 'foreign'; image: string; imageIsStruct: boolean; label: string | null };

/** The columns a file has, for messages (the first 20). */
function columnList(schema: SchemaTree): string {
  const names = schema.children.map((c) => quoted(c.element.name, 40));
  return names.length > 20 ? `${names.slice(0, 20).join(', ')} and ${names.length - 20} more` : names.join(', ') || 'none';
}

/**
 * What a file is: one of ours (all our columns, typed as written: the file
 * mxrec wrote, or one rewritten by pyarrow or `datasets`), or another tool's,
 * read for the columns `fields` names.
 */
function layoutOf(file: string, schema: SchemaTree, fields: ImportFields): Layout {
  const top = new Map(schema.children.map((c) => [c.element.name, c]));
  if (COLUMNS.every((name) => top.has(name))) {
    for (const name of COLUMNS) {
      const want = describe(OURS.get(name)!);
      const got = describe(top.get(name)!);
      if (want !== got) throw new ParquetError(file, `column ${quoted(name)}: expected ${want} (as mxrec writes it), received ${got}`);
    }
    return { kind: 'exact' };
  }
  const problem = (column: string, expected: string, received: string) =>
    new UsageError(`${file}: column ${quoted(column)}: expected ${expected}, received ${received}; the file has columns ${columnList(schema)}`);

  const imageName = fields.image ?? 'image';
  const image = top.get(imageName);
  const imageExpected = 'a binary column or a struct with bytes';
  if (!image) throw problem(imageName, imageExpected, 'no such column');
  const bytesField = image.children.find((c) => c.element.name === 'bytes');
  const imageIsStruct = image.children.length > 0 && !listItem(image) && !!bytesField && isBinary(bytesField);
  if (!imageIsStruct && !isBinary(image)) throw problem(imageName, imageExpected, describe(image));

  const labelName: string | null = fields.label ?? (top.has('label') ? 'label' : top.has('labels') ? 'labels' : null);
  if (labelName !== null) {
    const label = top.get(labelName);
    const labelExpected = 'a number or a list of numbers';
    if (!label) throw problem(labelName, labelExpected, 'no such column');
    const item = listItem(label);
    if (!(isNumber(label) || (item && isNumber(item)))) throw problem(labelName, labelExpected, describe(label));
  }
  return { kind: 'foreign', image: imageName, imageIsStruct, label: labelName };
}

/** Our columns as a schema tree, to compare a file's with. */
const OURS = new Map(parquetSchema({ schema: SCHEMA }).children.map((c) => [c.element.name, c]));

type Row = Record<string, unknown>;

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

/** Throws a data error about a row: `FILE: row N: detail`. */
type Fail = (detail: string) => never;

function u64Of(value: unknown, field: string, fail: Fail): RecordId {
  if (typeof value === 'bigint' && value >= 0n && value < U64_LIMIT) return toRecordId(value);
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  return fail(`expected ${field} as an integer in 0..2^64-1, received ${String(value)}`);
}

/** One of our rows back as the sample written. */
function exactSample(row: Row, fail: Fail): Sample {
  const key = row.key;
  if (typeof key !== 'string') fail('no key (the key column is empty)');
  const bad = keyProblem(key as string);
  if (bad) fail(bad);
  const header = ['image', 'label', 'labels', 'id', 'id2', 'flag', 'header_label'].filter((name) => row[name] != null);
  if (row.payload != null) {
    if (!isBytes(row.payload)) fail('expected payload as bytes');
    if (header.length) fail(`both a payload and image header fields (${header.join(', ')})`);
    return { key: key as string, header: null, bytes: row.payload as Uint8Array };
  }
  const flag = row.flag;
  if (typeof flag !== 'number' || !Number.isInteger(flag) || flag < 0 || flag > 0xffffffff) {
    return fail(`expected flag as an integer in 0..2^32-1 (or a payload), received ${String(flag)}`);
  }
  if (typeof row.header_label !== 'number') return fail(`expected header_label as a number, received ${String(row.header_label)}`);
  let labels: number[] | null = null;
  if (flag > 0) {
    const list = row.labels;
    if (!Array.isArray(list) || list.length !== flag || !list.every((v) => typeof v === 'number')) {
      return fail(`expected labels as ${flag} numbers (flag is ${flag}), received ${Array.isArray(list) ? `${list.length} values` : String(list)}`);
    }
    labels = list as number[];
  } else if (row.labels != null) {
    fail('labels given, but flag is 0');
  }
  const image = row.image as { bytes?: unknown } | null | undefined;
  let bytes: Uint8Array = new Uint8Array(0);
  if (image != null) {
    if (!isBytes(image.bytes)) return fail('expected image.bytes as bytes');
    bytes = image.bytes;
  }
  const sampleHeader: SampleHeader = {
    flag,
    label: row.header_label,
    labels,
    id: u64Of(row.id, 'id', fail),
    id2: u64Of(row.id2, 'id2', fail),
  };
  return { key: key as string, header: sampleHeader, bytes };
}

function labelOf(value: unknown, fail: Fail): number | number[] | null {
  const number = (v: unknown): number => {
    if (typeof v === 'number') return v;
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
    return fail(`expected the label as a number, received ${String(v)}`);
  };
  if (value == null) return null;
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return Array.from(value as ArrayLike<unknown>, number);
  return number(value);
}

/** Another tool's row: its image bytes and label. */
function foreignSample(row: Row, layout: Extract<Layout, { kind: 'foreign' }>, where: string, fail: Fail): ImportedSample {
  const cell = row[layout.image];
  let image: unknown = cell;
  if (layout.imageIsStruct && cell != null) {
    const struct = cell as { bytes?: unknown; path?: unknown };
    image = struct.bytes;
    if (image == null && typeof struct.path === 'string') {
      fail(`${quoted(layout.image)} has no bytes, only a path (${quoted(struct.path)}): images stored as paths are not read`);
    }
  }
  if (!isBytes(image)) return fail(`${quoted(layout.image)} is empty (null)`);
  return { exact: false, image, label: layout.label === null ? null : labelOf(row[layout.label], fail), where };
}

/** A row group read ahead of the one in use, when both hold at most this many bytes. */
const READ_AHEAD_BYTES = 128 << 20;

const plannedBytes = (plan: RowGroupPlan) => plan.chunks.reduce((sum, c) => sum + c.end - c.start, 0);

async function* readParquet(source: ByteSource, fields: ImportFields): AsyncIterable<ImportedSample> {
  const file = source.name;
  const footer: Footer = await readFooter(source);
  const layout = layoutOf(file, footer.schema, fields);
  const columns = layout.kind === 'exact' ? [...COLUMNS] : [layout.image, ...(layout.label === null ? [] : [layout.label])];
  const wanted = new Set(columns);
  let first = 0;
  const groups = footer.metadata.row_groups.length;
  let ahead: { index: number; read: Promise<AsyncBuffer> } | null = null;
  for (let index = 0; index < groups; index++) {
    const plan = planRowGroup(file, footer, index, wanted);
    if (plan.rows === 0) continue;
    const buffer: AsyncBuffer = ahead?.index === index ? await ahead.read : await readRowGroup(source, plan);
    ahead = null;
    // The next row group is read while this one is decoded and its rows used (the reads waited for
    // alone left the import idle 40% of its time), when both are small enough to be held together.
    if (index + 1 < groups && plannedBytes(plan) <= READ_AHEAD_BYTES) {
      const next = planRowGroup(file, footer, index + 1, wanted);
      if (plannedBytes(next) <= READ_AHEAD_BYTES) {
        ahead = { index: index + 1, read: readRowGroup(source, next) };
        ahead.read.catch(() => {}); // awaited at its turn, or dropped with an earlier failure
      }
    }
    let rows: Row[];
    try {
      rows = await parquetReadObjects({
        file: buffer,
        metadata: footer.metadata,
        columns,
        rowStart: first,
        rowEnd: first + plan.rows,
        utf8: false,
        compressors: DECOMPRESSORS,
      });
    } catch (err) {
      if (err instanceof MxrecError) throw err;
      throw new ParquetError(file, `row group ${index} does not decode: ${(err as Error).message}`);
    }
    if (rows.length !== plan.rows) throw new ParquetError(file, `row group ${index}: the footer says ${plan.rows} rows, ${rows.length} decode`);
    for (let i = 0; i < rows.length; i++) {
      const row = first + i;
      const fail: Fail = (detail) => {
        throw new ParquetError(file, `row ${row}: ${detail}`);
      };
      yield layout.kind === 'exact' ? { exact: true, sample: exactSample(rows[i]!, fail) } : foreignSample(rows[i]!, layout, `${file}: row ${row}`, fail);
    }
    first += plan.rows;
  }
}

/**
 * Parquet shards (`.parquet`): Hugging Face's image layout, a row group of
 * ROW_GROUP_ROWS rows (or ROW_GROUP_BYTES of images) at a time.
 *
 * Writing: add() buffers the row group's rows (copies of their bytes) and
 * writes each full row group to the output; end() writes the last one and the
 * footer (the output is then finished and published by the caller). A
 * writer holds one row group: up to ROW_GROUP_BYTES plus one sample, and
 * while the group is written, one page more (1 MiB, or one image).
 *
 * Reading: a row group at a time, each checked before it is decoded
 * (parquet-guard.ts); rows are numbered from 0 in the file (`FILE: row N`).
 */
export const PARQUET: ShardFormat = {
  name: 'parquet',
  extension: '.parquet',
  // Per row: the key twice (key, image.path), label, id, id2, flag and header_label, lengths and levels
  // (about 60 bytes besides the key), against the 24-byte header the payload loses; plus page headers
  // and the footer's share of a row group (about 20).
  overheadPerSample: 128,
  writer: (out, context) => new ParquetShardWriter(out, context),
  read: readParquet,
};
