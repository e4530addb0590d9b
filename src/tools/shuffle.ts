/**
 * `rec shuffle`: the records of a `.rec` in a seeded random order, into a new
 * `.rec` + `.idx` (for readers without an .idx, which can only read in file
 * order). One scan finds where every record is; then each is read in turn.
 */
import { RecordReader } from '../format/reader.js';
import { Rng } from '../util/rng.js';
import { type RewriteFill, type RewriteOptions, type RewriteResult, keyOf, rewrite, siblingIndexOf } from './rewrite.js';

export interface ShuffleOptions extends RewriteOptions {
  seed?: number;
}

export function shuffleRecordFile(input: string, out: string, options: ShuffleOptions = {}): RewriteResult {
  const fill: RewriteFill = ([target], progress) => {
    const reader = RecordReader.open(input);
    try {
      const spans: [number, number][] = [];
      for (const record of reader.scan({ reuseBuffers: true })) spans.push([record.offset, record.end - record.offset]);
      new Rng(options.seed ?? 0).shuffle(spans);
      const index = siblingIndexOf(input);
      for (const [offset, span] of spans) {
        progress.add(span);
        const record = reader.readSpanSync(offset, span);
        target!.write({ record, key: keyOf(record, index, input) });
      }
    } finally {
      reader.close();
    }
  };
  return rewrite([out], [input], options, fill, `${input}: holds no records`)[0]!;
}
