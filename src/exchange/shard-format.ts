/**
 * What an export format is to the export and import pipelines (export.ts,
 * import.ts): a way to write samples into one shard and to read them back.
 * The pipelines plan the shards, open and publish the outputs, keep the
 * manifest and the index; a format only frames samples (webdataset.ts: tar
 * members; parquet.ts: Hugging Face's image rows).
 */
import type { ByteSource } from '../io/byte-source.js';
import type { OutputFile } from '../io/store.js';
import type { RecordId } from '../format/image-record.js';
import type { Sample, SampleHeader } from './sample.js';

/** What a shard writer knows of the dataset. */
export interface ShardContext {
  /** The class name of a label, where a label map was given. */
  nameOf?: (label: number) => string | undefined;
  /** Names of labels 0..n-1, in order, when the label map names exactly those (Hugging Face's ClassLabel). */
  classLabels?: readonly string[] | null;
}

/** Writes samples, in order, into one output. */
export interface ShardWriter {
  /**
   * Adds a sample: the record at byte `offset` of the source (unique in the
   * dataset: a name of last resort). Its bytes are valid only during the
   * call (copy what is kept). A promise returned is awaited before the next
   * call (the output fell behind).
   */
  add(sample: Sample, offset: number): Promise<void> | null;
  /** Writes what ends the shard (a tar's end blocks, a Parquet footer); the pipeline then publishes the output. */
  end(): Promise<void> | void;
  /** Samples added so far. */
  readonly samples: number;
}

/**
 * A sample as an import reads it. `exact`: written by mxrec's export, its
 * header known field by field, so the payload is rebuilt byte for byte
 * (payloadOf). Otherwise (another tool's shard) the record is made as im2rec
 * makes one: `label` (none: 0) and the next id.
 */
export type ImportedSample =
  | { exact: true; sample: Sample }
  | { exact: false; image: Uint8Array; label: number | number[] | null; where: string };

/** How an import picks fields of another tool's shards (flags, when their names differ from the usual). */
export interface ImportFields {
  /** The image: a WebDataset member extension (jpg, png, ...) or a Parquet column. Default: the first image member; Parquet's `image`. */
  image?: string;
  /** The label: a member extension (cls, json's `label`) or a Parquet column. Default: cls / json label; Parquet's `label` or `labels`. */
  label?: string;
}

export interface ShardFormat {
  readonly name: 'webdataset' | 'parquet';
  /** The shard file extension, with its dot. */
  readonly extension: string;
  /** About how many bytes a shard holds per sample beyond the record's payload (framing), to plan shard sizes. */
  readonly overheadPerSample: number;
  writer(out: OutputFile, context: ShardContext): ShardWriter;
  /**
   * The samples of one shard in order; a sample's bytes are valid until the
   * next is read (copy what is kept). Throws a data error naming the shard and
   * the byte or row on a malformed one.
   */
  read(source: ByteSource, fields: ImportFields): AsyncIterable<ImportedSample>;
}

export type { Sample, SampleHeader, RecordId };
