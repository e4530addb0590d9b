/**
 * `rec dump`: one JSON object per record. Records that are not image records
 * (SageMaker's protobuf payloads use the same framing) get `"header": null`.
 */
import crypto from 'node:crypto';
import type { RecordIORecord } from '../format/cursor.js';
import { float32ToNumber, type RecordId, tryUnpackImageRecord } from '../format/image-record.js';
import { stringifyJson } from '../util/json.js';

export interface ImageDumpRow {
  index: number;
  offset: number;
  /** Payload bytes (header, labels and image). */
  length: number;
  flag: number;
  label: number[];
  /** Bigints from 2^53, printed as exact JSON integers. */
  id: RecordId;
  id2: RecordId;
  /** SHA-256 of the image bytes after the header and labels. */
  sha256: string;
}

export interface OpaqueDumpRow {
  index: number;
  offset: number;
  length: number;
  header: null;
}

export type DumpRow = ImageDumpRow | OpaqueDumpRow;

export function dumpRow(record: RecordIORecord, index: number): DumpRow {
  const image = tryUnpackImageRecord(record.payload);
  const base = { index, offset: record.offset, length: record.payload.length };
  if (!image) return { ...base, header: null };
  return {
    ...base,
    flag: image.flag,
    label: image.label,
    id: image.id,
    id2: image.id2,
    sha256: crypto.createHash('sha256').update(image.image).digest('hex'),
  };
}

/**
 * The row as one line of JSON: labels as shortest float32 decimals, and NaN
 * and the infinities, which JSON has no numbers for, as the strings "NaN",
 * "Infinity" and "-Infinity" (JSON.stringify would make them null); ids
 * from 2^53 as exact integers.
 */
export function formatDumpRow(row: DumpRow): string {
  if ('header' in row) return JSON.stringify(row);
  return stringifyJson({ ...row, label: row.label.map((v) => (Number.isFinite(v) ? float32ToNumber(v) : String(v))) });
}
