/**
 * `rec index`: rebuild a `.idx` by scanning the `.rec`, keyed as im2rec keys
 * it (the header id), or by record ordinal for payloads without an image
 * header. Users otherwise need MXNet installed for this.
 */
import { assertNotAnInput } from '../io/atomic-file.js';
import { RecordIndex } from '../format/index-file.js';
import { tryUnpackImageRecord } from '../format/image-record.js';
import { RecordReader } from '../format/reader.js';

export type IndexKeys = 'id' | 'ordinal';

export interface BuildIndexResult {
  out: string;
  records: number;
  /** Keys that appear more than once (the last record wins on lookup). */
  duplicateKeys: number;
}

export class NoImageHeaderError extends Error {
  override readonly name = 'NoImageHeaderError';
}

export function buildIndex(recPath: string, outPath: string, keys: IndexKeys = 'id'): BuildIndexResult {
  assertNotAnInput(outPath, [recPath]);
  const index = new RecordIndex([], outPath);
  const reader = RecordReader.open(recPath);
  try {
    let ordinal = 0;
    for (const record of reader.scan({ reuseBuffers: true })) {
      let key: number = ordinal++;
      if (keys === 'id') {
        const image = tryUnpackImageRecord(record.payload);
        if (!image) {
          throw new NoImageHeaderError(
            `${recPath}: byte ${record.offset}: record has no image header to take a key from (use --keys ordinal)`,
          );
        }
        key = image.id;
      }
      index.add(key, record.offset);
    }
  } finally {
    reader.close();
  }
  index.writeSync(outPath);
  return { out: outPath, records: index.entries.length, duplicateKeys: index.entries.length - index.size };
}
