/**
 * Where a record's labels come from, in MXNet's order of preference:
 * 1. `pathImglist`: the list line whose index is the record's header id;
 * 2. the float32 labels packed after the header (their count must equal labelWidth);
 * 3. the header's scalar label (labelWidth must be 1).
 * A mismatch is a setup mistake, not damage: it is always an error, named
 * with the record, never skipped.
 */
import type { ImageRecord } from '../format/image-record.js';
import { parseList } from '../im2rec/list-file.js';
import { displayLocation } from '../io/display-name.js';

export class LabelError extends Error {
  override readonly name = 'LabelError';
}

/** Writes one record's labelWidth labels into `out` at `at`. */
export type Labeler = (rec: ImageRecord, out: Float32Array, at: number, where: string) => void;

/** `listText`: the list file's contents, read by the caller (it may be a URL). */
export function makeLabeler(labelWidth: number, listFile: string | null, listText: string | null): Labeler {
  if (listFile && listText !== null) {
    const name = displayLocation(listFile);
    const items = parseList(listText, { kind: 'whitespace', labelWidth, pathOptional: true }, name);
    const byId = new Map<number, number[]>();
    for (const item of items) byId.set(item.index, item.labels);
    return (rec, out, at, where) => {
      const labels = byId.get(rec.id);
      if (!labels) throw new LabelError(`${where}: pathImglist ${name} has no line for record id ${rec.id}`);
      out.set(labels, at);
    };
  }
  return (rec, out, at, where) => {
    if (rec.flag > 0) {
      if (rec.flag !== labelWidth) {
        throw new LabelError(`${where}: the record packs ${rec.flag} labels, expected labelWidth (${labelWidth}) of them`);
      }
    } else if (labelWidth !== 1) {
      throw new LabelError(`${where}: the record has one label (in its header), expected labelWidth (${labelWidth}) packed labels`);
    }
    out.set(rec.label, at);
  };
}
