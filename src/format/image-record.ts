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
 * in MXNet's C++. Ids are returned as JS numbers: exact below 2^53, which covers
 * every real dataset.
 */
import { asBuffer } from '../io/as-buffer.js';
import { ImageRecordError } from './errors.js';

export const IMAGE_HEADER_SIZE = 24;

export interface ImageHeader {
  /** Number of float32 labels after the header; 0 when the label is the scalar `label`. */
  flag: number;
  /** The scalar label (float32). */
  label: number;
  id: number;
  id2: number;
}

export interface ImageRecord {
  /** Count of packed labels (0: the header's scalar label is the label). */
  flag: number;
  /** The labels: the packed float32 values when flag > 0, else [header label]. */
  label: number[];
  /** The header's scalar label field as stored (im2rec.cc keeps the first label here even when packing). */
  headerLabel: number;
  id: number;
  id2: number;
  /** The encoded image; shares memory with the payload. */
  image: Buffer;
}

export interface ImageRecordInput {
  /** One label (stored in the header, flag 0) or several (packed after it, flag = count). */
  label: number | ArrayLike<number>;
  id?: number | bigint;
  id2?: number | bigint;
  /** The header's scalar label when labels are packed. Default 0, as MXNet's Python `pack`. */
  headerLabel?: number;
}

function u64(value: number | bigint, field: string): bigint {
  if (typeof value === 'bigint' ? value >= 0n && value < 2n ** 64n : Number.isSafeInteger(value) && value >= 0) {
    return BigInt(value);
  }
  throw new RangeError(`expected ${field} as a non-negative integer below 2^64, received ${String(value)}`);
}

function u32(value: number, field: string): number {
  if (Number.isInteger(value) && value >= 0 && value <= 0xffffffff) return value;
  throw new RangeError(`expected ${field} as an integer in 0..2^32-1, received ${String(value)}`);
}

/** Packs the 24-byte header exactly as given (flag included). */
export function packHeader(header: { flag: number; label: number; id: number | bigint; id2: number | bigint }): Buffer {
  const out = Buffer.allocUnsafe(IMAGE_HEADER_SIZE);
  writeHeader(out, 0, header);
  return out;
}

function writeHeader(
  out: Buffer,
  at: number,
  header: { flag: number; label: number; id: number | bigint; id2: number | bigint },
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
    id: Number(view.getBigUint64(8, true)),
    id2: Number(view.getBigUint64(16, true)),
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
