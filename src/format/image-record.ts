/**
 * MXNet's image record: the payload of each record in an image `.rec`.
 *
 *     flag   u32 LE   0: one label, in `label`; n > 0: n float32 labels follow the header
 *     label  f32 LE   the label when flag is 0 (MXNet's Python writes 0 here when flag > 0)
 *     id     u64 LE   the record id: the `.lst` index for im2rec
 *     id2    u64 LE   unused by im2rec (0)
 *     labels f32 LE × flag
 *     image  encoded bytes (JPEG, PNG, ...) to the end of the payload
 *
 * This is struct `IfQQ` in python/mxnet/recordio.py and `ImageRecordIO::Header`
 * in MXNet's C++. Ids are u64: they are read as a RecordId, a JS number below
 * 2^53 (where a double is exact, which covers nearly every dataset) and a
 * bigint from 2^53 to 2^64-1, so that no id is ever rounded.
 */
import { asBuffer } from '../util/as-buffer.js';
import { ImageRecordError } from './errors.js';
import { UsageError } from '../util/errors.js';

export const IMAGE_HEADER_SIZE = 24;

/** A u64 record id: a number below 2^53, a bigint from 2^53 (the readers never give a bigint that fits a number). */
export type RecordId = number | bigint;

const TWO_32 = 2 ** 32;
/** The high word of a u64 below 2^53 is below 2^21. */
const SAFE_HIGH = 2 ** 21;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A u64 as a RecordId: exact, and a number whenever a number holds it. */
export function toRecordId(value: bigint): RecordId {
  return value <= MAX_SAFE ? Number(value) : value;
}

const U64_LIMIT = 2n ** 64n;

/** A decimal u64 (digits only, as `.lst` and `.idx` files write ids) as a RecordId, or null if it is not one. */
export function parseRecordId(text: string): RecordId | null {
  if (!/^\d+$/.test(text)) return null;
  if (text.length <= 15) return Number(text);
  const value = BigInt(text);
  return value < U64_LIMIT ? toRecordId(value) : null;
}

/** Reads the u64 at `at` as a RecordId (no bigint unless it is one: this runs per record). */
function readRecordId(view: DataView, at: number): RecordId {
  const high = view.getUint32(at + 4, true);
  return high < SAFE_HIGH ? high * TWO_32 + view.getUint32(at, true) : view.getBigUint64(at, true);
}

export interface ImageHeader {
  /** Number of float32 labels after the header; 0 when the label is the scalar `label`. */
  flag: number;
  /** The scalar label (float32). */
  label: number;
  id: RecordId;
  id2: RecordId;
}

export interface ImageRecord {
  /** Count of packed labels (0: the header's scalar label is the label). */
  flag: number;
  /** The labels: the packed float32 values when flag > 0, else [header label]. */
  label: number[];
  /** The header's scalar label field as stored (im2rec.cc keeps the first label here even when packing). */
  headerLabel: number;
  id: RecordId;
  id2: RecordId;
  /** The encoded image; shares memory with the payload. */
  image: Buffer;
}

export interface ImageRecordInput {
  /** One label (stored in the header, flag 0) or several (packed after it, flag = count). */
  label: number | ArrayLike<number>;
  id?: RecordId;
  id2?: RecordId;
  /** The header's scalar label when labels are packed. Default 0, as MXNet's Python `pack`. */
  headerLabel?: number;
}

function u64(value: RecordId, field: string): bigint {
  if (typeof value === 'bigint' ? value >= 0n && value < U64_LIMIT : Number.isSafeInteger(value) && value >= 0) {
    return BigInt(value);
  }
  throw new UsageError(`expected ${field} as a non-negative integer below 2^64, received ${String(value)}`);
}

function u32(value: number, field: string): number {
  if (Number.isInteger(value) && value >= 0 && value <= 0xffffffff) return value;
  throw new UsageError(`expected ${field} as an integer in 0..2^32-1, received ${String(value)}`);
}

/** Packs the 24-byte header exactly as given (flag included). */
export function packHeader(header: { flag: number; label: number; id: RecordId; id2: RecordId }): Buffer {
  const out = Buffer.allocUnsafe(IMAGE_HEADER_SIZE);
  writeHeader(out, 0, header);
  return out;
}

function writeHeader(
  out: Buffer,
  at: number,
  header: { flag: number; label: number; id: RecordId; id2: RecordId },
): void {
  out.writeUInt32LE(u32(header.flag, 'flag'), at);
  out.writeFloatLE(header.label, at + 4);
  out.writeBigUInt64LE(u64(header.id, 'id'), at + 8);
  out.writeBigUInt64LE(u64(header.id2, 'id2'), at + 16);
}

/** Reads the 24-byte header at the start of a payload. */
export function unpackHeader(payload: Uint8Array): ImageHeader {
  if (payload.byteLength < IMAGE_HEADER_SIZE) {
    throw new ImageRecordError(`record is ${payload.byteLength} bytes, too short for the 24-byte image header`);
  }
  const view = new DataView(payload.buffer, payload.byteOffset, IMAGE_HEADER_SIZE);
  return {
    flag: view.getUint32(0, true),
    label: view.getFloat32(4, true),
    id: readRecordId(view, 8),
    id2: readRecordId(view, 16),
  };
}

/**
 * Builds a record payload as MXNet's `recordio.pack` does: a single number is
 * stored in the header with flag 0; an array is stored as float32 values after
 * the header with flag = its length.
 */
export function packImageRecord(input: ImageRecordInput, image: Uint8Array): Buffer {
  const labels = typeof input.label === 'number' ? null : Array.from(input.label);
  const flag = labels ? labels.length : 0;
  const out = Buffer.allocUnsafe(IMAGE_HEADER_SIZE + 4 * flag + image.byteLength);
  writeHeader(out, 0, {
    flag,
    label: labels ? (input.headerLabel ?? 0) : (input.label as number),
    id: input.id ?? 0,
    id2: input.id2 ?? 0,
  });
  labels?.forEach((value, i) => out.writeFloatLE(value, IMAGE_HEADER_SIZE + 4 * i));
  out.set(image, IMAGE_HEADER_SIZE + 4 * flag);
  return out;
}

/** Splits a record payload into header, labels and image bytes. */
export function unpackImageRecord(payload: Uint8Array): ImageRecord {
  const header = unpackHeader(payload);
  const labelBytes = 4 * header.flag;
  if (IMAGE_HEADER_SIZE + labelBytes > payload.byteLength) {
    throw new ImageRecordError(
      `header flag says ${header.flag} float32 labels follow, but only ${payload.byteLength - IMAGE_HEADER_SIZE} bytes do`,
    );
  }
  const bytes = asBuffer(payload);
  const label: number[] = [];
  if (header.flag === 0) label.push(header.label);
  for (let i = 0; i < header.flag; i++) label.push(bytes.readFloatLE(IMAGE_HEADER_SIZE + 4 * i));
  return {
    flag: header.flag,
    label,
    headerLabel: header.label,
    id: header.id,
    id2: header.id2,
    image: bytes.subarray(IMAGE_HEADER_SIZE + labelBytes),
  };
}

/** As unpackImageRecord, but null for payloads that are not image records (protobuf records, say). */
export function tryUnpackImageRecord(payload: Uint8Array): ImageRecord | null {
  if (payload.byteLength < IMAGE_HEADER_SIZE) return null;
  if (IMAGE_HEADER_SIZE + 4 * asBuffer(payload).readUInt32LE(0) > payload.byteLength) return null;
  return unpackImageRecord(payload);
}

/**
 * The shortest decimal that reads back as the same float32, so a label
 * stored as 0.1f prints as 0.1 rather than 0.10000000149011612.
 */
export function float32ToNumber(value: number): number {
  if (!Number.isFinite(value) || Number.isInteger(value)) return value;
  for (let digits = 1; digits < 9; digits++) {
    const shorter = Number(value.toPrecision(digits));
    if (Math.fround(shorter) === value) return shorter;
  }
  return value;
}

/*
 * In-place edits of an image record's header, for rewrites that renumber or
 * relabel records they have just read (the read memory is theirs, written
 * out before the next read), so that no payload is copied.
 */

function headerView(payload: Uint8Array): DataView {
  return new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
}

/** Sets an image record's id (its header's u64 at byte 8). */
export function setRecordId(payload: Uint8Array, id: RecordId): void {
  headerView(payload).setBigUint64(8, u64(id, 'id'), true);
}

/**
 * Sets an image record's first label: the header's when flag is 0, else the
 * first packed label (and the header's scalar too when it held the same
 * value, as im2rec.cc writes it).
 */
export function setFirstLabel(payload: Uint8Array, label: number): void {
  const view = headerView(payload);
  if (view.getUint32(0, true) === 0) {
    view.setFloat32(4, label, true);
    return;
  }
  if (view.getFloat32(4, true) === view.getFloat32(IMAGE_HEADER_SIZE, true)) view.setFloat32(4, label, true);
  view.setFloat32(IMAGE_HEADER_SIZE, label, true);
}

/**
 * The record with one label (flag 0, its first), as a view of the same
 * memory: the header moves forward over the packed labels it drops (a
 * record of flag 0 is returned as it is).
 */
export function withOneLabel<T extends Uint8Array>(payload: T): T {
  const view = headerView(payload);
  const flag = view.getUint32(0, true);
  if (flag === 0) return payload;
  const first = view.getFloat32(IMAGE_HEADER_SIZE, true);
  const at = 4 * flag;
  payload.copyWithin(at + 8, 8, 24); // id and id2 to their new place (the copy allows the overlap)
  view.setUint32(at, 0, true);
  view.setFloat32(at + 4, first, true);
  return payload.subarray(at) as T;
}
