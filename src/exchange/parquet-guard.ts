/**
 * Reading a Parquet file that may lie, within bounded memory. hyparquet
 * decodes what it is given and trusts every size and count in it: a footer's
 * list of 2^30 structs, a page header saying a page expands to 4 GB, a run of
 * 2^31 repeated levels written into a JS array. So nothing reaches it
 * unchecked:
 *
 *   - the footer: its length against the file and MAX_PARQUET_FOOTER_BYTES,
 *     then its thrift walked without decoding (walkThrift), its values counted
 *     against MAX_PARQUET_FOOTER_VALUES, before hyparquet parses it;
 *   - each row group before it is read: its rows, and the byte range of every
 *     column chunk used, inside the file and within MAX_PARQUET_ROW_GROUP_BYTES;
 *   - each column chunk once read, page by page (checkPages): the page header
 *     walked as the footer was, its sizes inside the chunk, its value counts
 *     within MAX_PARQUET_ROW_GROUP_VALUES, what compressed pages expand to
 *     counted in the row group's bytes, and every run of the RLE/bit-packed
 *     streams hyparquet will expand (levels, dictionary indices, booleans)
 *     no longer than the page's values. Encodings that carry sizes of their
 *     own (DELTA_*, BYTE_STREAM_SPLIT, ALP) are refused: pyarrow, DuckDB,
 *     Polars and Spark write PLAIN, dictionary and RLE pages unless told
 *     otherwise.
 *
 * hyparquet then decodes the row group from the checked bytes, in memory
 * (readRowGroup), never from the file again.
 */
import zlib from 'node:zlib';
import { type AsyncBuffer, type ColumnChunk, type Compressors, type FileMetaData, type SchemaTree, parquetMetadata, parquetSchema, snappyUncompress } from 'hyparquet';
import { type ByteSource, readFully } from '../io/byte-source.js';
import {
  LimitError,
  MAX_PARQUET_FOOTER_BYTES,
  MAX_PARQUET_FOOTER_VALUES,
  MAX_PARQUET_PAGE_HEADER_VALUES,
  MAX_PARQUET_ROW_GROUP_BYTES,
  MAX_PARQUET_ROW_GROUP_VALUES,
} from '../io/limits.js';
import { formatBytes } from '../util/units.js';
import { MxrecError, UsageError, quoted } from '../util/errors.js';
import { ShardError } from '../format/errors.js';

/** A Parquet file that is damaged or inconsistent: the file, where in it, what was expected and what is there. */
export class ParquetError extends ShardError {
  override readonly name: string = 'ParquetError';
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

const MAGIC = 0x31524150; // "PAR1", little-endian
/** The most thrift structs nested in one another (real metadata nests 4 deep). */
const THRIFT_DEPTH = 32;

// --- Thrift, walked without decoding ---------------------------------------------

/** Why a thrift walk stopped: `limit` when there were more values than allowed, else damage. */
class ThriftProblem extends Error {
  constructor(
    message: string,
    readonly limit = false,
  ) {
    super(message);
  }
}

/**
 * Walks one compact-protocol struct from `start`, reading lengths and counts
 * exactly as hyparquet's thrift.js does (int32 varints, zigzag field ids), so
 * the structure walked is the one hyparquet will decode. Nothing is
 * allocated per value; past `maxValues` values it stops. With `collect`, the
 * integer and boolean fields of the struct and of the structs directly in it
 * are kept by path ('3', '5.1'): a page header's sizes and counts.
 */
function walkThrift(bytes: Uint8Array, start: number, end: number, maxValues: number, collect: boolean): { end: number; fields: Map<string, number> } {
  const fields = new Map<string, number>();
  let at = start;
  let values = 0;
  const byte = (): number => {
    if (at >= end) throw new ThriftProblem(`ends inside its thrift metadata, at byte ${at}`);
    return bytes[at++]!;
  };
  // hyparquet's readVarInt: 7 bits at a time into an int32.
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = byte();
      result |= (b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7;
    }
  };
  const zigzag = (n: number) => (n >>> 1) ^ -(n & 1);
  const count = () => {
    if (++values > maxValues) throw new ThriftProblem(`holds more than ${maxValues} thrift values`, true);
  };
  const skip = (n: number) => {
    if (n < 0 || n > end - at) throw new ThriftProblem(`a thrift field of ${n} bytes at byte ${at} runs past its end`);
    at += n;
  };
  const element = (type: number, path: string | null, depth: number): void => {
    count();
    switch (type) {
      case 3: // byte
        skip(1);
        return;
      case 4: // i16
      case 5: // i32
        if (path !== null) fields.set(path, zigzag(varint()));
        else varint();
        return;
      case 6: // i64: its bytes, as readZigZagBigInt reads them
        while (byte() & 0x80);
        return;
      case 7: // double
        skip(8);
        return;
      case 8: // binary
        skip(varint());
        return;
      case 9: {
        // list
        const head = byte();
        const itemType = head & 0x0f;
        let size = head >> 4;
        if (size === 15) size = varint();
        if (size < 0) throw new ThriftProblem(`a thrift list of ${size} items`);
        for (let i = 0; i < size; i++) {
          if (itemType === 1 || itemType === 2) {
            count();
            skip(1);
          } else element(itemType, null, depth + 1);
        }
        return;
      }
      case 12:
        struct(path, depth + 1);
        return;
      default:
        // Sets, maps and unknown types: hyparquet reads none (Parquet's metadata has none).
        throw new ThriftProblem(`thrift type ${type} at byte ${at}, which Parquet metadata does not use`);
    }
  };
  const struct = (path: string | null, depth: number): void => {
    if (depth > THRIFT_DEPTH) throw new ThriftProblem(`thrift structs nested more than ${THRIFT_DEPTH} deep`);
    let id = 0;
    for (;;) {
      const head = byte();
      const type = head & 0x0f;
      if (type === 0) return;
      const delta = head >> 4;
      id = delta ? id + delta : zigzag(varint());
      const fieldPath = collect && path !== null && depth < 2 ? (path ? `${path}.${id}` : `${id}`) : null;
      if (type === 1 || type === 2) {
        count();
        if (fieldPath !== null) fields.set(fieldPath, type === 1 ? 1 : 0);
      } else element(type, fieldPath, depth);
    }
  };
  struct(collect ? '' : null, 0);
  return { end: at, fields };
}

// --- The footer --------------------------------------------------------------

/** What reading a file needs of its footer. */
export interface Footer {
  metadata: FileMetaData;
  schema: SchemaTree;
  /** Where the footer starts: column chunks end before it. */
  dataEnd: number;
}

async function readAt(source: ByteSource, position: number, length: number, what: string): Promise<Buffer> {
  // Its own ArrayBuffer of exactly `length` bytes: hyparquet is handed ArrayBuffers, not views.
  const buffer = Buffer.allocUnsafeSlow(length);
  const n = await readFully(source, buffer, 0, length, position);
  if (n < length) throw new ParquetError(source.name, `ended at byte ${position + n} while reading ${what} (bytes ${position} to ${position + length}): changed while being read?`);
  return buffer;
}

/** Reads and checks a file's footer: PAR1 at both ends, a length that fits, thrift within the limits, a schema. */
export async function readFooter(source: ByteSource): Promise<Footer> {
  const file = source.name;
  const size = source.size;
  if (size < 12) throw new ParquetError(file, `is ${size} bytes: too short for a Parquet file (PAR1, the data, the footer, its length and PAR1)`);
  const head = await readAt(source, 0, 4, 'its first bytes');
  const tail = await readAt(source, size - 8, 8, 'its last bytes');
  if (tail.readUInt32LE(4) !== MAGIC) throw new ParquetError(file, 'does not end with PAR1: not a Parquet file, or cut short');
  if (head.readUInt32LE(0) !== MAGIC) throw new ParquetError(file, 'does not start with PAR1: not a Parquet file');
  const length = tail.readUInt32LE(0);
  if (length > size - 12) {
    throw new ParquetError(file, `the footer says its metadata is ${length} bytes, more than the ${size - 12} the file has for it (cut short?)`);
  }
  if (length > MAX_PARQUET_FOOTER_BYTES) {
    throw new LimitError(`${file}: the footer's metadata is ${formatBytes(length)}, more than the ${formatBytes(MAX_PARQUET_FOOTER_BYTES)} a Parquet file read may have`);
  }
  const bytes = await readAt(source, size - 8 - length, length + 8, 'the footer');
  try {
    walkThrift(bytes, 0, length, MAX_PARQUET_FOOTER_VALUES, false);
  } catch (err) {
    if (!(err instanceof ThriftProblem)) throw err;
    if (err.limit) throw new LimitError(`${file}: the footer ${err.message}, more than a Parquet file read may have`);
    throw new ParquetError(file, `the footer ${err.message}`);
  }
  let metadata: FileMetaData;
  let schema: SchemaTree;
  try {
    metadata = parquetMetadata(bytes.buffer as ArrayBuffer, { geoparquet: false });
    schema = parquetSchema(metadata);
  } catch (err) {
    throw new ParquetError(file, `the footer does not decode: ${(err as Error).message}`);
  }
  if (!Array.isArray(metadata.row_groups) || !schema?.children) throw new ParquetError(file, 'the footer has no schema or no list of row groups');
  let rows = 0;
  for (const [i, group] of metadata.row_groups.entries()) {
    const n = asCount(group?.num_rows);
    if (n === null) throw new ParquetError(file, `row group ${i}: the footer says it has ${String(group?.num_rows)} rows`);
    rows += n;
  }
  if (rows !== asCount(metadata.num_rows)) {
    throw new ParquetError(file, `the footer says the file has ${String(metadata.num_rows)} rows, but its row groups add up to ${rows}`);
  }
  return { metadata, schema, dataEnd: size - 8 - length };
}

/** A count or offset from thrift (a bigint, or a number from a file that wrote it as i32) as a safe non-negative number, else null. */
function asCount(value: unknown): number | null {
  const n = typeof value === 'bigint' ? (value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : NaN) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : null;
}

// --- Row groups ----------------------------------------------------------------

/** A column chunk of a row group, placed and typed. */
interface ChunkPlan {
  /** Its column's path, dotted, for messages. */
  name: string;
  start: number;
  end: number;
  codec: string;
  boolean: boolean;
  maxRepetition: number;
  maxDefinition: number;
}

/** A row group to read: its rows, and the chunks of the columns used. */
export interface RowGroupPlan {
  index: number;
  rows: number;
  chunks: ChunkPlan[];
}

/** The codecs read, and how: each checks the size it was promised before allocating it. */
function decompressors(): Compressors {
  const checked = (name: string, inflate: (input: Uint8Array, length: number) => Uint8Array) => (input: Uint8Array, length: number) => {
    const out = inflate(input, length);
    if (out.byteLength !== length) throw new Error(`a ${name} page expands to ${out.byteLength} bytes, not the ${length} its header says`);
    return out;
  };
  // zlib's maxOutputLength refuses more than the page header said (and 0 means no limit to it).
  const zlibOptions = (length: number) => ({ maxOutputLength: Math.max(length, 1) });
  const zstd = (zlib as { zstdDecompressSync?: (input: Uint8Array, options: object) => Buffer }).zstdDecompressSync;
  return {
    SNAPPY: checked('SNAPPY', (input, length) => {
      const out = new Uint8Array(length);
      snappyUncompress(input, out);
      return out;
    }),
    GZIP: checked('GZIP', (input, length) => zlib.gunzipSync(input, zlibOptions(length))),
    BROTLI: checked('BROTLI', (input, length) => zlib.brotliDecompressSync(input, zlibOptions(length))),
    ...(zstd ? { ZSTD: checked('ZSTD', (input, length) => zstd(input, zlibOptions(length))) } : {}),
  };
}

/** What hyparquet decompresses pages with (and checkPages too). */
export const DECOMPRESSORS: Compressors = decompressors();

/** The node of the schema at `path`, and the levels of its column; null when the schema has no such column. */
function columnAt(schema: SchemaTree, path: readonly string[]): { leaf: SchemaTree; maxRepetition: number; maxDefinition: number } | null {
  let node = schema;
  // As hyparquet counts them: repetition over the whole path (the root too), definition below the root.
  let maxRepetition = schema.element.repetition_type === 'REPEATED' ? 1 : 0;
  let maxDefinition = 0;
  for (const name of path) {
    const child = node.children.find((c) => c.element.name === name);
    if (!child) return null;
    node = child;
    if (node.element.repetition_type === 'REPEATED') maxRepetition++;
    if (node.element.repetition_type !== 'REQUIRED') maxDefinition++;
  }
  return node.children.length === 0 ? { leaf: node, maxRepetition, maxDefinition } : null;
}

/**
 * Checks a row group before any of it is read: its rows, and each chunk of
 * the columns named in `columns` (top-level names) placed inside the file's
 * data, with a codec that is read, their bytes together within the limit.
 */
export function planRowGroup(file: string, footer: Footer, index: number, columns: ReadonlySet<string>): RowGroupPlan {
  const group = footer.metadata.row_groups[index]!;
  const where = `row group ${index}`;
  const rows = asCount(group.num_rows)!; // checked in readFooter
  if (rows > MAX_PARQUET_ROW_GROUP_VALUES) {
    throw new LimitError(`${file}: ${where} has ${rows} rows, more than the ${MAX_PARQUET_ROW_GROUP_VALUES} a row group read may have`);
  }
  if (!Array.isArray(group.columns)) throw new ParquetError(file, `${where}: the footer lists no column chunks`);
  const chunks: ChunkPlan[] = [];
  let bytes = 0;
  for (const chunk of group.columns as (ColumnChunk | undefined)[]) {
    const meta = chunk?.meta_data;
    const path = meta?.path_in_schema;
    if (!Array.isArray(path) || !columns.has(path[0]!)) continue;
    const name = path.join('.');
    const at = `${where}, column ${quoted(name)}`;
    if (chunk!.file_path) throw new ParquetError(file, `${at}: its data is in another file (${quoted(String(chunk!.file_path))}), which is not read`);
    const column = columnAt(footer.schema, path);
    if (!column) throw new ParquetError(file, `${at}: the schema has no such column`);
    if (meta!.type !== column.leaf.element.type) {
      throw new ParquetError(file, `${at}: the chunk says its values are ${String(meta!.type)}, the schema ${String(column.leaf.element.type)}`);
    }
    const codec = String(meta!.codec);
    if (codec !== 'UNCOMPRESSED' && !DECOMPRESSORS[meta!.codec]) {
      throw new UsageError(
        `${file}: ${at}: compressed with ${codec}, which is not read (UNCOMPRESSED, SNAPPY, GZIP, BROTLI${DECOMPRESSORS.ZSTD ? ', ZSTD' : '; ZSTD with Node 22.15 or later'} are)`,
      );
    }
    // hyparquet starts a chunk at its dictionary page when it has one (an offset of 0 is no offset: some writers put one).
    const start = asCount(meta!.dictionary_page_offset || meta!.data_page_offset);
    const size = asCount(meta!.total_compressed_size);
    if (start === null || size === null || start < 4 || start + size > footer.dataEnd) {
      throw new ParquetError(
        file,
        `${at}: the footer places its ${String(meta!.total_compressed_size)} bytes at byte ${String(meta!.dictionary_page_offset || meta!.data_page_offset)}, ` +
          `outside the file's data (bytes 4 to ${footer.dataEnd})`,
      );
    }
    bytes += size;
    if (bytes > MAX_PARQUET_ROW_GROUP_BYTES) {
      throw new LimitError(`${file}: ${where}: its columns read take more than the ${formatBytes(MAX_PARQUET_ROW_GROUP_BYTES)} a row group read may have`);
    }
    chunks.push({ name, start, end: start + size, codec, boolean: meta!.type === 'BOOLEAN', ...column });
  }
  return { index, rows, chunks };
}

/** What a row group's pages hold so far: bytes (read and expanded) and values. */
interface Budget {
  bytes: number;
  values: number;
}

// Encodings, by their number in parquet.thrift.
const PLAIN = 0;
const PLAIN_DICTIONARY = 2;
const RLE = 3;
const RLE_DICTIONARY = 8;
const ENCODING_NAMES = ['PLAIN', 'GROUP_VAR_INT', 'PLAIN_DICTIONARY', 'RLE', 'BIT_PACKED', 'DELTA_BINARY_PACKED', 'DELTA_LENGTH_BYTE_ARRAY', 'DELTA_BYTE_ARRAY', 'RLE_DICTIONARY', 'BYTE_STREAM_SPLIT', 'ALP'];

/** A page at `at` of a chunk that is not as it should be. */
class PageProblem extends Error {}

/**
 * Walks an RLE/bit-packed hybrid stream as hyparquet's readRleBitPackedHybrid
 * does (runs until `values` are seen), refusing a repeated run longer than
 * the page's values, which hyparquet would write, element by element, into
 * an array of the page's size. Returns where the walk stopped (at the end of
 * the bytes, hyparquet throws, which is reported as a decoding error).
 */
function checkRuns(bytes: Uint8Array, start: number, bitWidth: number, values: number): number {
  let at = start;
  let seen = 0;
  while (seen < values) {
    let header = 0;
    let shift = 0;
    let b: number;
    do {
      if (at >= bytes.length) return at;
      b = bytes[at++]!;
      header |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    if (header & 1) {
      // Bit-packed: groups of 8 values, written only while there is room; it reads the bytes they take.
      const count = (header >> 1) << 3;
      if (count < 0) throw new PageProblem(`a bit-packed run of ${count} values`);
      at += Math.max(1, Math.ceil((count * bitWidth) / 8));
      seen += count;
    } else {
      const count = header >>> 1;
      if (count > values) throw new PageProblem(`a repeated run of ${count} values in a page of ${values}`);
      at += (bitWidth + 7) >> 3;
      seen += count;
    }
  }
  return at;
}

/** A u32 length then a hybrid stream (V1 levels, RLE booleans): returns where the next stream starts. */
function checkPrefixedRuns(bytes: Uint8Array, at: number, bitWidth: number, values: number): number {
  if (at + 4 > bytes.length) throw new PageProblem('ends before the length of its levels');
  const length = new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0, true);
  checkRuns(bytes, at + 4, bitWidth, values);
  return at + 4 + length;
}

const bitWidth = (max: number) => 32 - Math.clz32(max);

/** The values of a page, after its levels, in `encoding`: only the hybrid streams need a look. */
function checkValues(data: Uint8Array, at: number, encoding: number, chunk: ChunkPlan, values: number, v2: boolean): void {
  if (encoding === PLAIN) return;
  if (encoding === RLE && chunk.boolean) {
    checkPrefixedRuns(data, at, 1, values);
    return;
  }
  // hyparquet reads RLE on V1 pages of other types as it reads dictionary indices; on V2 pages, as booleans.
  if (encoding === RLE && v2) {
    checkPrefixedRuns(data, at, 1, values);
    return;
  }
  if (encoding === PLAIN_DICTIONARY || encoding === RLE_DICTIONARY || encoding === RLE) {
    if (at >= data.length) return;
    const width = data[at]!;
    if (width > 32) throw new PageProblem(`dictionary indices of ${width} bits`);
    if (width) checkRuns(data, at + 1, width, values);
    return;
  }
  const name = ENCODING_NAMES[encoding];
  if (!name) throw new PageProblem(`says its values are in encoding ${encoding}, which Parquet does not have`);
  throw new UnreadEncoding(name);
}

/** An encoding the checks do not know, so hyparquet is not given it. */
class UnreadEncoding extends Error {}

/**
 * Checks the pages of one column chunk's bytes (the header of each, its size,
 * counts and encoding, its hybrid streams), counting what the row group will
 * hold. Throws a ParquetError (or LimitError, UsageError) naming the page.
 */
function checkPages(file: string, bytes: Uint8Array, chunk: ChunkPlan, group: number, budget: Budget): void {
  const where = `row group ${group}, column ${quoted(chunk.name)}`;
  const compressed = chunk.codec !== 'UNCOMPRESSED';
  const inflate = DECOMPRESSORS[chunk.codec as keyof Compressors];
  let at = 0;
  // hyparquet reads pages while 2 bytes or more are left.
  while (at < bytes.length - 1) {
    const pageAt = chunk.start + at;
    try {
      let header: { end: number; fields: Map<string, number> };
      try {
        header = walkThrift(bytes, at, bytes.length, MAX_PARQUET_PAGE_HEADER_VALUES, true);
      } catch (err) {
        if (err instanceof ThriftProblem) throw new PageProblem(`its header ${err.message}`);
        throw err;
      }
      const f = header.fields;
      const type = f.get('1');
      const expanded = f.get('2') ?? -1;
      const size = f.get('3') ?? -1;
      if (size < 0 || size > bytes.length - header.end) {
        throw new PageProblem(`says it is ${size} bytes, but ${bytes.length - header.end} are left in the column chunk`);
      }
      if (expanded < 0) throw new PageProblem(`says it expands to ${expanded} bytes`);
      const page = bytes.subarray(header.end, header.end + size);
      const addValues = (n: number | undefined) => {
        if (n === undefined || n < 0) throw new PageProblem(`says it holds ${String(n)} values`);
        budget.values += n;
        if (budget.values > MAX_PARQUET_ROW_GROUP_VALUES) {
          throw new LimitError(`${file}: row group ${group}: its columns read hold more than the ${MAX_PARQUET_ROW_GROUP_VALUES} values a row group read may have`);
        }
        return n;
      };
      const expand = (input: Uint8Array, length: number): Uint8Array => {
        budget.bytes += length;
        if (budget.bytes > MAX_PARQUET_ROW_GROUP_BYTES) {
          throw new LimitError(`${file}: row group ${group}: its columns read, with their pages expanded, take more than the ${formatBytes(MAX_PARQUET_ROW_GROUP_BYTES)} a row group read may have`);
        }
        return inflate!(input, length);
      };
      if (type === 0) {
        // DATA_PAGE: levels (each a u32 length and runs), then the values; all compressed together.
        const values = addValues(f.get('5.1'));
        const data = compressed ? expand(page, expanded) : page;
        let next = 0;
        if (chunk.maxRepetition) next = checkPrefixedRuns(data, next, bitWidth(chunk.maxRepetition), values);
        if (chunk.maxDefinition) next = checkPrefixedRuns(data, next, bitWidth(chunk.maxDefinition), values);
        checkValues(data, next, f.get('5.2') ?? -1, chunk, values, false);
      } else if (type === 2) {
        // DICTIONARY_PAGE: PLAIN values, as many as it says.
        addValues(f.get('7.1'));
        if (compressed) expand(page, expanded);
      } else if (type === 3) {
        // DATA_PAGE_V2: levels uncompressed, lengths in the header; then the values, compressed unless it says not.
        const values = addValues(f.get('8.1'));
        const nulls = f.get('8.2') ?? -1;
        const repetition = f.get('8.6') ?? 0;
        const definition = f.get('8.5') ?? 0;
        if (nulls < 0 || nulls > values) throw new PageProblem(`says ${nulls} of its ${values} values are null`);
        if (repetition < 0 || definition < 0 || repetition + definition > size) {
          throw new PageProblem(`says its levels take ${repetition} + ${definition} of its ${size} bytes`);
        }
        if (chunk.maxRepetition) checkRuns(page, 0, bitWidth(chunk.maxRepetition), values);
        if (chunk.maxDefinition) checkRuns(page, repetition, bitWidth(chunk.maxDefinition), values);
        const rest = page.subarray(repetition + definition);
        const restExpanded = expanded - repetition - definition;
        if (restExpanded < 0) throw new PageProblem(`says it expands to ${expanded} bytes, fewer than its levels take`);
        const data = compressed && f.get('8.7') !== 0 && restExpanded ? expand(rest, restExpanded) : rest;
        checkValues(data, 0, f.get('8.4') ?? -1, chunk, values, true);
      } else {
        throw new PageProblem(`is of page type ${String(type)}, which is not read (data and dictionary pages are)`);
      }
      at = header.end + size;
    } catch (err) {
      if (err instanceof PageProblem) throw new ParquetError(file, `${where}: the page at byte ${pageAt} ${err.message}`);
      if (err instanceof UnreadEncoding) {
        throw new UsageError(`${file}: ${where}: the page at byte ${pageAt} is encoded ${err.message}, which is not read (PLAIN, dictionary and RLE pages are: what pyarrow, DuckDB, Polars and Spark write by default)`);
      }
      if (err instanceof MxrecError) throw err;
      throw new ParquetError(file, `${where}: the page at byte ${pageAt} does not decode: ${(err as Error).message}`);
    }
  }
}

/** Chunks from this size are read alone, into a buffer of their own that hyparquet gets without a copy. */
const LARGE_CHUNK = 1 << 20;
/** Smaller chunks are read together, in one request, when no more than this lies between them (a URL or a bucket answers each request at a cost). */
const READ_GAP = 64 << 10;
/** A read of small chunks together stops growing past this. */
const SMALL_READ = 8 << 20;

/** The bytes of `view` as an ArrayBuffer of their own: the view's buffer when it is all of it, else a copy. */
function ownBuffer(view: Uint8Array): ArrayBuffer {
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength) return view.buffer as ArrayBuffer;
  return view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength) as ArrayBuffer;
}

/**
 * Reads a planned row group's chunks (a large one alone, small neighbours in
 * one request) and checks their pages, then serves them to hyparquet from
 * memory. hyparquet asks for each chunk, or for neighbouring small chunks at
 * once (2 MiB at most, gaps of unread columns included): those are put
 * together from the chunks, the gaps read from the file (their bytes are
 * never decoded).
 */
export async function readRowGroup(source: ByteSource, plan: RowGroupPlan): Promise<AsyncBuffer> {
  const budget: Budget = { bytes: 0, values: 0 };
  const reads: { start: number; end: number; chunks: ChunkPlan[] }[] = [];
  for (const chunk of [...plan.chunks].sort((a, b) => a.start - b.start)) {
    const last = reads.at(-1);
    const small = chunk.end - chunk.start < LARGE_CHUNK;
    if (small && last && last.chunks[0]!.end - last.chunks[0]!.start < LARGE_CHUNK && chunk.start - last.end <= READ_GAP && chunk.end - last.start <= SMALL_READ) {
      last.end = Math.max(last.end, chunk.end);
      last.chunks.push(chunk);
    } else {
      reads.push({ start: chunk.start, end: chunk.end, chunks: [chunk] });
    }
  }
  const chunks: { start: number; end: number; bytes: Uint8Array }[] = [];
  for (const read of reads) {
    const names = read.chunks.map((c) => quoted(c.name)).join(', ');
    const bytes = await readAt(source, read.start, read.end - read.start, `row group ${plan.index}, column${read.chunks.length > 1 ? 's' : ''} ${names}`);
    budget.bytes += bytes.length;
    for (const chunk of read.chunks) {
      const view = bytes.subarray(chunk.start - read.start, chunk.end - read.start);
      checkPages(source.name, view, chunk, plan.index, budget);
      chunks.push({ start: chunk.start, end: chunk.end, bytes: view });
    }
  }
  return {
    byteLength: source.size,
    async slice(start: number, end = source.size): Promise<ArrayBuffer> {
      const within = chunks.find((c) => c.start <= start && end <= c.end);
      if (within) return ownBuffer(within.bytes.subarray(start - within.start, end - within.start));
      const covered = chunks.filter((c) => c.start < end && start < c.end);
      if (covered.length === 0 || end - start > MERGED_RANGE) {
        // invariant: hyparquet reads only the chunks it was planned (planRowGroup's), or small ranges of them.
        throw new Error(`parquet: asked for bytes ${start} to ${end} of ${source.name}, outside the row group's chunks`);
      }
      const out = Buffer.allocUnsafeSlow(end - start);
      let at = start;
      for (const c of covered.sort((a, b) => a.start - b.start)) {
        if (c.start > at) out.set(await readAt(source, at, c.start - at, 'the bytes between two column chunks'), at - start);
        const from = Math.max(c.start, at);
        const to = Math.min(c.end, end);
        if (to > from) out.set(c.bytes.subarray(from - c.start, to - c.start), from - start);
        at = Math.max(at, to);
      }
      if (at < end) out.set(await readAt(source, at, end - at, 'the bytes after a column chunk'), at - start);
      return out.buffer as ArrayBuffer;
    },
  };
}

/** The largest range of several chunks hyparquet asks for at once (its plan.js joins chunks up to 2 MiB). */
const MERGED_RANGE = 4 << 20;
