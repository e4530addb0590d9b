/**
 * `rec merge`: joins `.rec` files (the parts im2rec packed on several
 * machines, say) into one `.rec` + `.idx`, records in the order given. Keys
 * come from each input's `.idx` when it has one, else from the image header
 * id (what im2rec keys by). Every record is read and written again, so a
 * damaged input stops the merge instead of being copied; the output appears
 * only when complete.
 */
import fs from 'node:fs';
import { RecordIndex, indexPathFor } from '../format/index-file.js';
import { tryUnpackImageRecord } from '../format/image-record.js';
import { RecordReader } from '../format/reader.js';
import { RecordWriter } from '../format/writer.js';
import { assertNotAnInput } from '../io/atomic-file.js';
import { NoImageHeaderError } from './build-index.js';

export interface MergeResult {
  out: string;
  indexPath: string;
  records: number;
  bytes: number;
  /** Keys that appear more than once (the last record wins on lookup). */
  duplicateKeys: number;
}

export function mergeRecordFiles(inputs: readonly string[], out: string, options: { fsync?: boolean } = {}): MergeResult {
  if (inputs.length === 0) throw new RangeError('expected at least one input .rec');
  const indexPath = indexPathFor(out);
  const guarded = inputs.flatMap((f) => [f, indexPathFor(f)]);
  assertNotAnInput(out, guarded);
  assertNotAnInput(indexPath, guarded);
  const writer = RecordWriter.create(out, { indexPath, fsync: options.fsync });
  const seen = new Set<string>();
  let duplicateKeys = 0;
  try {
    for (const input of inputs) {
      const idxPath = indexPathFor(input);
      // offset → key from the input's own index, when it has one.
      const keyAt = fs.existsSync(idxPath) ? new Map(RecordIndex.readSync(idxPath).entries.map((e) => [e.offset, e.key])) : null;
      const reader = RecordReader.open(input);
      try {
        for (const record of reader.scan({ reuseBuffers: true })) {
          let key = keyAt?.get(record.offset);
          if (key === undefined) {
            const image = tryUnpackImageRecord(record.payload);
            if (!image) throw new NoImageHeaderError(`${input}: byte ${record.offset}: no .idx entry and no image header to take a key from`);
            key = String(image.id);
          }
          if (seen.has(key)) duplicateKeys++;
          seen.add(key);
          writer.write(record.payload, key);
        }
      } finally {
        reader.close();
      }
    }
  } catch (err) {
    writer.abort();
    throw err;
  }
  writer.close();
  return { out, indexPath, records: writer.count, bytes: writer.position, duplicateKeys };
}
