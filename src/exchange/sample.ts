/**
 * A record as a sample of an exported dataset, and back: what every export
 * format (WebDataset shards, Parquet files) writes and every import reads, so
 * that export then import gives the same payload, byte for byte.
 *
 *     record payload (image record)     sample
 *     ───────────────────────────────   ──────────────────────────────────────
 *     flag      u32                     header.flag
 *     label     f32 (header's)          header.label
 *     id, id2   u64                     header.id, header.id2
 *     labels    f32 × flag              header.labels (null when flag is 0)
 *     image     bytes to the end        bytes (its format sniffed: .jpg, .png, ...)
 *
 * A payload that is not an image record (no room for the header, or a flag
 * whose labels run past the end: protobuf records, say) is a sample with a
 * null header whose bytes are the whole payload. The record's key (its .idx
 * key, else its header id) travels with it.
 *
 * Float32 values leave as the shortest decimal that reads back as the same
 * float32 (0.1f as 0.1); JSON has no NaN, infinities or -0, so those are the
 * strings "NaN", "Infinity", "-Infinity" and "-0" there (a NaN's payload bits
 * are not kept: labels are numbers, not bit patterns). Ids are u64, exact
 * beyond 2^53 (bigint; JSON integers of any size, Parquet UINT_64).
 */
import { FILE_EXTENSION, sniffFormat } from '../codec/sniff.js';
import { IMAGE_HEADER_SIZE, type RecordId, float32ToNumber, toRecordId, tryUnpackImageRecord } from '../format/image-record.js';
import { ImageRecordError } from '../format/errors.js';
import { quoted } from '../util/errors.js';

/** An image record's header, as exported. */
export interface SampleHeader {
  /** How many float32 labels follow the header (0: the header's label is the label). */
  flag: number;
  /** The header's float32 label field as stored (the label when flag is 0; MXNet's Python writes 0 there otherwise, im2rec.cc the first label). */
  label: number;
  /** The packed labels (flag > 0), else null. */
  labels: number[] | null;
  id: RecordId;
  id2: RecordId;
}

export interface Sample {
  /** The record's key: its .idx key, else its header id. */
  key: string;
  /** The image header; null for a payload that is not an image record (exported whole). */
  header: SampleHeader | null;
  /** The image bytes (may be empty: insightface's header and identity records), or the whole payload when header is null. */
  bytes: Uint8Array;
}

/** The sample a record payload is; `bytes` shares the payload's memory. */
export function sampleOf(payload: Uint8Array, key: string): Sample {
  const record = tryUnpackImageRecord(payload);
  if (!record) return { key, header: null, bytes: payload };
  return {
    key,
    header: { flag: record.flag, label: record.headerLabel, labels: record.flag > 0 ? record.label : null, id: record.id, id2: record.id2 },
    bytes: record.image,
  };
}

/**
 * The record payload a sample is: the exact inverse of sampleOf. Built in
 * `scratch` when it is large enough (a view of it is returned, valid until
 * the scratch is used again), else in new memory: an import reuses one
 * buffer for every record instead of a new one each (whose page faults cost
 * more than the copy).
 */
export function payloadOf(sample: Sample, scratch?: Buffer): Buffer {
  const { header, bytes } = sample;
  if (!header) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const labels = header.labels ?? [];
  if (labels.length !== header.flag) {
    throw new ImageRecordError(`sample ${quoted(sample.key)}: flag is ${header.flag} but ${labels.length} labels are given`);
  }
  const size = IMAGE_HEADER_SIZE + 4 * labels.length + bytes.byteLength;
  const out = scratch && scratch.length >= size ? scratch.subarray(0, size) : Buffer.allocUnsafe(size);
  out.writeUInt32LE(header.flag, 0);
  out.writeFloatLE(header.label, 4);
  out.writeBigUInt64LE(BigInt(header.id), 8);
  out.writeBigUInt64LE(BigInt(header.id2), 16);
  labels.forEach((value, i) => out.writeFloatLE(value, IMAGE_HEADER_SIZE + 4 * i));
  out.set(bytes, IMAGE_HEADER_SIZE + 4 * labels.length);
  return out;
}


/** The extension image bytes are saved under, from the bytes themselves (never from a name). */
export function imageExtension(bytes: Uint8Array): string {
  return FILE_EXTENSION[sniffFormat(bytes)];
}

/** Extensions read back as an image (WebDataset members, file names in Parquet's image.path). */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([...Object.values(FILE_EXTENSION).filter((e) => e !== 'bin'), 'jpeg', 'tiff', 'heif', 'ppm', 'pgm', 'pbm', 'pnm']);

/** The sample's single label as an integer class (a .cls member, an int64 label column), or null when it has none. */
export function classOf(header: SampleHeader | null): number | null {
  if (!header || header.flag !== 0) return null;
  return Number.isSafeInteger(header.label) ? header.label : null;
}

/** A float32 as JSON can carry it without loss. */
export function float32ToJson(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (Object.is(value, -0)) return '-0';
  return float32ToNumber(value);
}

const SPECIAL: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };

/** A float32 back from float32ToJson's form (or any number that is one), or null when it is neither. */
export function float32FromJson(value: unknown): number | null {
  if (typeof value === 'string') return value in SPECIAL ? SPECIAL[value]! : null;
  if (typeof value === 'number') return Math.fround(value);
  return null;
}

/** A u64 from JSON (a number, or a bigint from util/json.ts parseJson), or null when it is not one. */
export function u64FromJson(value: unknown): RecordId | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null;
  if (typeof value === 'bigint') return value >= 0n && value < 2n ** 64n ? toRecordId(value) : null;
  return null;
}

/**
 * The header as JSON fields: flag, label (the label, or the header's label
 * field beside packed ones), labels (flag > 0), id, id2. `className` is added
 * as `class` when known.
 */
export function headerToJson(header: SampleHeader, className?: string): Record<string, unknown> {
  const json: Record<string, unknown> = { flag: header.flag, label: float32ToJson(header.label) };
  if (header.labels) json.labels = header.labels.map(float32ToJson);
  json.id = header.id;
  json.id2 = header.id2;
  if (className !== undefined) json.class = className;
  return json;
}

/**
 * A header back from headerToJson's fields, or null when `json` does not
 * have them (another tool's metadata). Fields that are there but wrong
 * throw, naming `where`.
 */
export function headerFromJson(json: Record<string, unknown>, where: string): SampleHeader | null {
  if (!('flag' in json) || !('id' in json)) return null;
  const bad = (field: string, expected: string): never => {
    throw new ImageRecordError(`${where}: expected ${field} as ${expected}, received ${quoted(String(json[field]))}`);
  };
  const flag = json.flag;
  if (typeof flag !== 'number' || !Number.isInteger(flag) || flag < 0 || flag > 0xffffffff) bad('flag', 'an integer in 0..2^32-1');
  const label = json.label === undefined ? 0 : float32FromJson(json.label);
  if (label === null) bad('label', 'a number');
  let labels: number[] | null = null;
  if (flag as number > 0) {
    if (!Array.isArray(json.labels) || json.labels.length !== flag) bad('labels', `a list of ${flag as number} numbers (flag is ${flag as number})`);
    labels = (json.labels as unknown[]).map((v) => float32FromJson(v) ?? bad('labels', 'numbers'));
  }
  const id = u64FromJson(json.id) ?? bad('id', 'an integer in 0..2^64-1');
  const id2 = json.id2 === undefined ? 0 : (u64FromJson(json.id2) ?? bad('id2', 'an integer in 0..2^64-1'));
  return { flag: flag as number, label: label as number, labels, id, id2 };
}

/** Why a key read from a shard cannot be a record's `.idx` key (empty, or with whitespace), or null. */
export function keyProblem(key: string): string | null {
  return key === '' || /\s/.test(key) ? `expected a record key without whitespace, received ${quoted(key)}` : null;
}

/**
 * A sample key as WebDataset wants one: ASCII letters, digits, `_` and `-`,
 * not starting with `_` (webdataset keeps `__key__` and friends for itself),
 * no dot (the key ends at the first dot), short enough for a plain tar name
 * with its extension.
 */
export function isSafeSampleKey(key: string): boolean {
  return /^[A-Za-z0-9-][A-Za-z0-9_-]{0,79}$/.test(key);
}
