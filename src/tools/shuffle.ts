/**
 * `rec shuffle`: the records of a `.rec` in a seeded random order, into a new
 * `.rec` + `.idx` (for readers without an .idx, which can only read in file
 * order). One scan finds where every record is; then each is read in turn.
 */
import { RecordReader } from '../format/reader.js';
import { Rng } from '../util/rng.js';
import { EventLoopTurns } from '../util/turns.js';
import { type RewriteFill, type RewriteOptions, type RewriteResult, keyOf, rewrite, siblingIndexOf } from './rewrite.js';

export interface ShuffleOptions extends RewriteOptions {
  seed?: number;
}

export async function shuffleRecordFile(input: string, out: string, options: ShuffleOptions = {}): Promise<RewriteResult> {
  const fill: RewriteFill = async ([target], progress) => {
    const reader = await RecordReader.openAsync(input);
    try {
      const spans: [number, number][] = [];
      await reader.scan({ reuseBuffers: true }).forEach((record) => {
        progress.checkStop();
        spans.push([record.offset, record.end - record.offset]);
      });
      new Rng(options.seed ?? 0).shuffle(spans);
      const index = await siblingIndexOf(input);
      // A local file is read synchronously (no promise per record); a URL, one ranged GET per record.
      const local = reader.source.syncReads;
      const turns = new EventLoopTurns(); // reads and writes of a local file are synchronous: see util/turns.ts
      for (const [offset, span] of spans) {
        progress.add(span);
        const record = local ? reader.readSpanSync(offset, span) : await reader.readSpan(offset, span);
        const pending = target!.write({ record, key: keyOf(record, index, input) });
        if (pending) await pending;
        const turn = turns.due();
        if (turn) await turn;
      }
    } finally {
      reader.close();
    }
  };
  return (await rewrite([out], [input], options, fill, `${input}: holds no records`))[0]!;
}
