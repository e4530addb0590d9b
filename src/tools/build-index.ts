/**
 * `rec index`: rebuild a `.idx` by scanning the `.rec`, keyed as im2rec keys
 * it (the header id), or by record ordinal for payloads without an image
 * header. Users otherwise need MXNet installed for this.
 */
import { claimOutputs } from '../io/output-claim.js';
import { NothingWrittenError } from '../io/output-errors.js';
import { RecordIndex } from '../format/index-file.js';
import { type RecordId, tryUnpackImageRecord } from '../format/image-record.js';
import { RecordReader } from '../format/reader.js';
import { MxrecError } from '../util/errors.js';

export type IndexKeys = 'id' | 'ordinal';

export interface BuildIndexResult {
  out: string;
  records: number;
  /** Keys that appear more than once (the last record wins on lookup). */
  duplicateKeys: number;
}

export class NoImageHeaderError extends MxrecError {
  override readonly name = 'NoImageHeaderError';
  readonly kind = 'data';
}

export interface BuildIndexOptions {
  /** What each entry's key is. Default 'id'. */
  keys?: IndexKeys;
  /** Replace an existing `.idx` (the CLI's --force). Default false: OutputExistsError. */
  overwrite?: boolean;
  /** Abort to stop: checked at every record, nothing is written and the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

export async function buildIndex(recPath: string, outPath: string, options: BuildIndexOptions = {}): Promise<BuildIndexResult> {
  const keys = options.keys ?? 'id';
  const claim = await claimOutputs([outPath], [], { inputs: [recPath], overwrite: options.overwrite });
  const index = new RecordIndex([], outPath);
  try {
    const reader = await RecordReader.openAsync(recPath);
    try {
      let ordinal = 0;
      await reader.scan({ reuseBuffers: true }).forEach((record) => {
        options.signal?.throwIfAborted();
        let key: RecordId = ordinal++;
        if (keys === 'id') {
          const image = tryUnpackImageRecord(record.payload);
          if (!image) {
            throw new NoImageHeaderError(`${recPath}: byte ${record.offset}: record has no image header to take a key from (use --keys ordinal)`);
          }
          key = image.id;
        }
        index.add(key, record.offset);
      });
    } finally {
      reader.close();
    }
    if (index.length === 0) throw new NothingWrittenError(`${recPath}: holds no records; nothing written`);
    options.signal?.throwIfAborted();
    await index.write(outPath, { overwrite: options.overwrite });
  } finally {
    claim.release();
  }
  return { out: outPath, records: index.length, duplicateKeys: index.length - index.size };
}
