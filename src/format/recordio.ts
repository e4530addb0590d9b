/**
 * MXNet / dmlc-core RecordIO: the whole binary format, in one place.
 *
 * A `.rec` file is a sequence of chunks. Every chunk starts at a multiple of 4:
 *
 *     magic    u32 LE   0xced7230a               (bytes 0a 23 d7 ce)
 *     lrecord  u32 LE   cflag << 29 | length     (length < 2^29)
 *     data     `length` bytes
 *     padding  zero bytes up to the next multiple of 4
 *
 * A record (one payload) is normally a single chunk with cflag 0.
 *
 * dmlc's writer guarantees that the magic word appears at a 4-byte-aligned file
 * position only where a chunk starts. That is what lets a reader drop into the
 * middle of a file and find the next record (how dmlc splits a file into parts
 * for distributed training). So when the payload itself holds the magic at an
 * aligned offset `i` (only whole words are checked: i < floor(length/4)*4), the
 * writer cuts the payload there and leaves those 4 bytes out:
 *
 *     cflag 1   first part        cflag 2   middle part
 *     cflag 3   last part         cflag 0   a whole record
 *
 * Parts before the last end just before an aligned magic, so their lengths are
 * multiples of 4 and they carry no padding; any part may be empty (magic at
 * offset 0, or two in a row). The reader joins the parts and puts the magic
 * back between each pair. Only the last chunk of a record is padded.
 *
 * The top 3 bits of the magic are 6, so a valid `lrecord` (cflag <= 3) can
 * never be mistaken for the magic. A part starts a record if its cflag is 0
 * or 1; that is the test dmlc uses when it scans for a record start.
 *
 * This module holds the constants and pure framing helpers; reading and writing
 * bytes from files lives in ../io, the record reader/writer in reader.ts and
 * writer.ts.
 */

import { asBuffer } from '../util/as-buffer.js';
import { MAX_CHUNK_LENGTH } from '../io/limits.js';
import { UsageError } from '../util/errors.js';
import { loadAddon } from '../native/load-addon.js';

const io = loadAddon<{ countAlignedMagic(bytes: Uint8Array): number }>('mxrec_io').addon;

export const MAGIC = 0xced7230a;
/** The magic as it appears in a file (little-endian). */
export const MAGIC_BYTES: Buffer = Buffer.from([0x0a, 0x23, 0xd7, 0xce]);
/** Size of a chunk header: magic + lrecord. */
export const CHUNK_HEADER_SIZE = 8;
// The largest length a chunk can declare (29 bits), declared with the other ceilings.
export { MAX_CHUNK_LENGTH } from '../io/limits.js';

/** The continuation flag of a chunk (top 3 bits of lrecord). */
export const CFlag = { Whole: 0, First: 1, Middle: 2, Last: 3 } as const;

export function encodeLRecord(cflag: number, length: number): number {
  return ((cflag << 29) | length) >>> 0;
}

export function decodeCFlag(lrecord: number): number {
  return (lrecord >>> 29) & 7;
}

export function decodeLength(lrecord: number): number {
  return lrecord & MAX_CHUNK_LENGTH;
}

/**
 * Rounds up to the 4-byte alignment every chunk keeps: lengths, and file
 * offsets past 2 GiB too (`(n + 3) & ~3` works on 32 bits; `-n & 3` keeps
 * only the low bits, which a 32-bit view of any safe integer has right).
 */
export function align4(n: number): number {
  return n + (-n & 3);
}

/** True when a chunk with this cflag begins a record (dmlc's record-start test). */
export function startsRecord(cflag: number): boolean {
  return cflag === CFlag.Whole || cflag === CFlag.First;
}

/**
 * The offsets where dmlc's writer cuts `payload`: every 4-byte-aligned offset
 * i with i + 4 <= floor(length/4)*4 that holds the magic. Almost always empty:
 * the addon's word count says so first (the substring search below stops at
 * every 0x0a byte, and was an eighth of a repair's time, writing 1 GB).
 */
export function findCuts(payload: Uint8Array): number[] {
  return io && io.countAlignedMagic(payload) === 0 ? [] : searchCuts(payload);
}

/** findCuts by the native substring search, about one memchr pass. */
function searchCuts(payload: Uint8Array): number[] {
  const buf = asBuffer(payload);
  const limit = buf.length & ~3;
  const cuts: number[] = [];
  let i = buf.indexOf(MAGIC_BYTES, 0);
  while (i !== -1 && i + 4 <= limit) {
    if ((i & 3) === 0) {
      cuts.push(i);
      i = buf.indexOf(MAGIC_BYTES, i + 4);
    } else {
      i = buf.indexOf(MAGIC_BYTES, i + 1);
    }
  }
  return cuts;
}

/**
 * searchCuts(payload).length: how many aligned magic words a payload holds. The
 * addon compares words; the substring search stops at every 0x0a byte and was
 * a third of a verify of small records.
 */
export const countCuts: (payload: Uint8Array) => number = io ? (payload) => io.countAlignedMagic(payload) : (payload) => searchCuts(payload).length;

/**
 * Bytes a payload of `length` takes on disk when cut at `cuts`. Parts before
 * the last need no padding (their lengths are multiples of 4), the last does.
 */
export function encodedSize(length: number, cuts: readonly number[]): number {
  const lastStart = cuts.length === 0 ? 0 : cuts[cuts.length - 1]! + 4;
  const lastLength = length - lastStart;
  const earlierParts = lastStart - 4 * cuts.length;
  return CHUNK_HEADER_SIZE * (cuts.length + 1) + earlierParts + align4(lastLength);
}

/** Describes each chunk of a framed payload: [cflag, dataStart, dataEnd] in payload coordinates. */
export function planChunks(length: number, cuts: readonly number[]): Array<[number, number, number]> {
  if (cuts.length === 0) return [[CFlag.Whole, 0, length]];
  const chunks: Array<[number, number, number]> = [];
  let start = 0;
  for (const cut of cuts) {
    chunks.push([chunks.length === 0 ? CFlag.First : CFlag.Middle, start, cut]);
    start = cut + 4;
  }
  chunks.push([CFlag.Last, start, length]);
  return chunks;
}

/**
 * Frames `payload` exactly as dmlc::RecordIOWriter::WriteRecord does and writes
 * the bytes into `target` at `at`. `target` must have room for
 * encodedSize(payload.length, cuts) bytes. Returns the bytes written.
 */
export function encodeRecordInto(payload: Uint8Array, cuts: readonly number[], target: Buffer, at: number): number {
  const src = asBuffer(payload);
  let pos = at;
  for (const [cflag, start, end] of planChunks(src.length, cuts)) {
    const length = end - start;
    writeChunkHeader(target, pos, cflag, length);
    pos += CHUNK_HEADER_SIZE;
    src.copy(target, pos, start, end);
    pos += length;
    const padded = align4(length);
    if (padded !== length) {
      target.fill(0, pos, pos + padded - length);
      pos += padded - length;
    }
  }
  return pos - at;
}

function writeChunkHeader(target: Buffer, at: number, cflag: number, length: number): void {
  if (length > MAX_CHUNK_LENGTH) {
    throw new UsageError(`record part too large for RecordIO: expected at most ${MAX_CHUNK_LENGTH} bytes per part, received ${length}`);
  }
  target.writeUInt32LE(MAGIC, at);
  target.writeUInt32LE(encodeLRecord(cflag, length), at + 4);
}

const ZERO_PADDING = Buffer.alloc(3);

/**
 * The framed record as a list of buffers to write in order (chunk headers,
 * slices of the payload itself, padding): the same bytes as encodeRecordInto
 * without copying the payload, for writing large records with writev.
 */
export function framePieces(payload: Uint8Array, cuts: readonly number[]): Buffer[] {
  const src = asBuffer(payload);
  const chunks = planChunks(src.length, cuts);
  const headers = Buffer.allocUnsafe(CHUNK_HEADER_SIZE * chunks.length);
  const pieces: Buffer[] = [];
  chunks.forEach(([cflag, start, end], i) => {
    writeChunkHeader(headers, CHUNK_HEADER_SIZE * i, cflag, end - start);
    pieces.push(headers.subarray(CHUNK_HEADER_SIZE * i, CHUNK_HEADER_SIZE * (i + 1)));
    if (end > start) pieces.push(src.subarray(start, end));
    const padding = align4(end - start) - (end - start);
    if (padding > 0) pieces.push(ZERO_PADDING.subarray(0, padding));
  });
  return pieces;
}

/**
 * framePieces for a payload held in pieces (a record's header, then its image
 * where the codec left it), without joining them: one whole chunk, when no
 * piece holds the magic at an aligned offset and every piece but the last is
 * whole words (so each piece's aligned words are the joined payload's); null
 * otherwise, and the caller joins them (a cut needs findCuts on the whole).
 */
export function framePiecesOf(pieces: readonly Uint8Array[]): Buffer[] | null {
  const last = pieces.length - 1;
  if (pieces.some((piece, i) => (i < last && piece.byteLength % 4 !== 0) || findCuts(piece).length > 0)) return null;
  const length = pieces.reduce((n, piece) => n + piece.byteLength, 0);
  const header = Buffer.allocUnsafe(CHUNK_HEADER_SIZE);
  writeChunkHeader(header, 0, CFlag.Whole, length);
  const framed = [header, ...pieces.filter((piece) => piece.byteLength > 0).map(asBuffer)];
  if (align4(length) !== length) framed.push(ZERO_PADDING.subarray(0, align4(length) - length));
  return framed;
}

/** Frames one payload as a standalone Buffer (a one-record `.rec` file). */
export function encodeRecord(payload: Uint8Array): Buffer {
  const cuts = findCuts(payload);
  const out = Buffer.allocUnsafe(encodedSize(payload.length, cuts));
  encodeRecordInto(payload, cuts, out, 0);
  return out;
}
