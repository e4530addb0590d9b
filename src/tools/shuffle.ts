/**
 * `rec shuffle`: the records of a `.rec` in a seeded random order, into a new
 * `.rec` + `.idx` (for readers without an .idx, which can only read in file
 * order). One scan finds where every record is; then each is read in turn.
 */
import { RecordReader, ReusedReads } from '../format/reader.js';
import { Rng } from '../util/rng.js';
import { EventLoopTurns } from '../util/turns.js';
import { type InputProgress, type KeyedRecord, REWRITE_OPTIONS, type RewriteFill, type RewriteResult, RecordKeys, rewrite } from './rewrite.js';
import { type OptionsOf, checkOptions, integer } from '../util/schema.js';

/** shuffleRecordFile's options: the rewrite's, and the seed of the order. */
export const SHUFFLE_OPTIONS = { ...REWRITE_OPTIONS, seed: integer({ doc: 'seed of the order', default: 0 }) };
export type ShuffleOptions = OptionsOf<typeof SHUFFLE_OPTIONS>;

/**
 * Visits every record of a file (path or URL) with its key, in a random
 * order from `seed`; a promise `visit` returns is awaited before the next
 * record is read into the memory of the one before.
 */
export async function forEachShuffled(input: string, progress: InputProgress, seed: number, visit: (keyed: KeyedRecord) => Promise<void> | null): Promise<void> {
  const keys = await RecordKeys.of(input);
  const reader = await RecordReader.openAsync(input);
  try {
    // Where each record starts, in file order (8 bytes a record; it ends where the next starts), its .idx
    // entry checked on the way; then the records in a seeded order (4 bytes a record).
    let starts = new Float64Array(1024);
    let n = 0;
    await reader.scan({ reuseBuffers: true }).forEach((record) => {
      progress.checkStop();
      keys.inFileOrder(record);
      if (n === starts.length) {
        const grown = new Float64Array(2 * n);
        grown.set(starts);
        starts = grown;
      }
      starts[n++] = record.offset;
    });
    keys.finish();
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    new Rng(seed).shuffle(order);
    // A local file is read synchronously (no promise per record); a URL, one ranged GET per record.
    const local = reader.source.syncReads;
    const turns = new EventLoopTurns(); // reads and writes of a local file are synchronous: see util/turns.ts
    const reads = new ReusedReads(reader);
    for (const i of order) {
      const offset = starts[i]!;
      const span = (i + 1 < n ? starts[i + 1]! : reader.size) - offset;
      progress.add(span);
      const record = local ? reads.readSpanSync(offset, span) : await reads.readSpan(offset, span);
      const pending = visit({ record, key: keys.anyOrder(record) });
      if (pending) await pending;
      const turn = turns.due();
      if (turn) await turn;
    }
  } finally {
    reader.close();
  }
}

export async function shuffleRecordFile(input: string, out: string, given: ShuffleOptions = {}): Promise<RewriteResult> {
  const options = checkOptions(SHUFFLE_OPTIONS, given);
  const fill: RewriteFill = ([target], progress) => forEachShuffled(input, progress, options.seed, (keyed) => target!.write(keyed));
  return (await rewrite([out], [input], options, fill, `${input}: holds no records`))[0]!;
}
