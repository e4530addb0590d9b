/**
 * Where a record's labels come from, in MXNet's order of preference:
 * 1. `pathImglist`: the list line whose index is the record's header id;
 * 2. the float32 labels packed after the header (their count must equal labelWidth);
 * 3. the header's scalar label (labelWidth must be 1).
 * A mismatch is a setup mistake, not damage: it is always an error, named
 * with the record, never skipped.
 */
import type { ImageRecord, RecordId } from '../format/image-record.js';
import { parseListLine } from '../format/list-file.js';
import { displayLocation } from '../io/display-name.js';
import type { RemoteOptions } from '../io/store.js';
import { type LineHandler, readLines, readLinesSync } from '../io/text-lines.js';
import { MAX_LIST_BYTES } from '../io/limits.js';
import { MxrecError } from '../util/errors.js';

export class LabelError extends MxrecError {
  override readonly name = 'LabelError';
  readonly kind = 'data';
}

/** Writes one record's labelWidth labels into `out` at `at`. */
export type Labeler = (rec: ImageRecord, out: Float32Array, at: number, where: string) => void;


/**
 * A `pathImglist`'s labels by record id, read a line at a time into typed
 * arrays (a few bytes per line and label), never held as text. The last
 * line of an id wins.
 */
export class ListLabels {
  private ids = new Float64Array(1024);
  private labels: Float32Array;
  private count = 0;
  private byId: Map<number, number> | null = null;
  /** Lines whose id is 2^53 or more (a bigint, NaN in `ids`): id → line position, the last winning. */
  private readonly bigIds = new Map<bigint, number>();

  private constructor(
    readonly name: string,
    private readonly labelWidth: number,
  ) {
    this.labels = new Float32Array(1024 * labelWidth);
  }

  static readSync(file: string, labelWidth: number): ListLabels {
    const list = new ListLabels(file, labelWidth);
    readLinesSync(file, list.lineHandler(), list.limits());
    return list;
  }

  static async read(location: string, labelWidth: number, remote?: RemoteOptions): Promise<ListLabels> {
    const list = new ListLabels(displayLocation(location), labelWidth);
    await readLines(location, list.lineHandler(), { ...list.limits(), remote });
    return list;
  }

  private limits() {
    return { maxBytes: MAX_LIST_BYTES, maxBytesOption: 'split the list' };
  }

  private lineHandler(): LineHandler {
    return (bytes, start, end, line) => {
      const text = bytes.toString('utf8', start, end);
      if (text.trim() === '') return;
      const item = parseListLine(text, { kind: 'whitespace', labelWidth: this.labelWidth, pathOptional: true }, this.name, line);
      if (this.count === this.ids.length) {
        const ids = new Float64Array(this.count * 2);
        ids.set(this.ids);
        this.ids = ids;
        const labels = new Float32Array(this.count * 2 * this.labelWidth);
        labels.set(this.labels);
        this.labels = labels;
      }
      if (typeof item.index === 'bigint') {
        this.ids[this.count] = NaN;
        this.bigIds.set(item.index, this.count);
      } else {
        this.ids[this.count] = item.index;
      }
      this.labels.set(item.labels, this.count * this.labelWidth);
      this.count += 1;
    };
  }

  /** The labels of the line for `id`, or null. */
  find(id: RecordId): Float32Array | null {
    if (!this.byId) {
      this.byId = new Map();
      for (let i = 0; i < this.count; i++) if (!Number.isNaN(this.ids[i])) this.byId.set(this.ids[i]!, i);
    }
    const at = typeof id === 'bigint' ? this.bigIds.get(id) : this.byId.get(id);
    return at === undefined ? null : this.labels.subarray(at * this.labelWidth, (at + 1) * this.labelWidth);
  }
}

export function makeLabeler(labelWidth: number, list: ListLabels | null): Labeler {
  if (list) {
    return (rec, out, at, where) => {
      const labels = list.find(rec.id);
      if (!labels) throw new LabelError(`${where}: pathImglist ${list.name} has no line for record id ${rec.id}`);
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
