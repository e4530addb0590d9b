/**
 * `rec import`: WebDataset shards or Parquet files into one `.rec` + `.idx`.
 * What mxrec exported comes back byte for byte (each sample's header is in
 * it: sample.ts); another tool's samples become records as im2rec makes
 * them: the image bytes as they are, the label, and ids 0, 1, 2, ... in the
 * order read (the keys too).
 *
 * The sources are shards, a shard index (mxrec's manifest or a wids index:
 * its shards, by names relative to it, never URLs or paths elsewhere), a
 * folder (its shards, by name), or a prefix (the shards whose names start
 * with it). The output is written as every rewrite is (tools/rewrite.ts):
 * claimed first, whole or not at all.
 */
import { ImageRecordError, ShardError } from '../format/errors.js';
import { IMAGE_HEADER_SIZE, packImageRecord } from '../format/image-record.js';
import type { RecordIORecord } from '../format/reader.js';
import { displayLocation } from '../io/display-name.js';
import { isNotFound, openLocation, readWhole, storeOf } from '../io/locations.js';
import { MAX_MANIFEST_BYTES } from '../io/limits.js';
import { UsageError, quoted } from '../util/errors.js';
import { parseJson } from '../util/json.js';
import { type OptionsOf, abortSignal, callback, checkOptions, oneOf, string } from '../util/schema.js';
import { REWRITE_OPTIONS, type RewriteResult, rewrite } from '../tools/rewrite.js';
import { EXPORT_FORMATS, type ExportFormatName, shardFormat } from './layouts.js';
import { checkManifestShape, isManifest } from './manifest.js';
import { payloadOf } from './sample.js';
import type { ImportedSample } from './shard-format.js';

/** importRecords' options. */
export const IMPORT_OPTIONS = {
  from: oneOf(EXPORT_FORMATS, { doc: "the sources' format (default: from their names, .tar or .parquet)" }),
  imageField: string({ doc: "another tool's image: a WebDataset member extension (jpg, png, ...) or a Parquet column (default: the first image member; Parquet's `image`)" }),
  labelField: string({ doc: "another tool's label: a WebDataset member extension or a Parquet column (default: .cls, else the JSON's label; Parquet's `label`, else `labels`)" }),
  // Written as every rewrite is (tools/rewrite.ts), with its output options.
  overwrite: REWRITE_OPTIONS.overwrite,
  fsync: REWRITE_OPTIONS.fsync,
  onProgress: callback<(done: number, total: number) => void>('told now and then the bytes of the sources read so far, and their total'),
  signal: abortSignal("abort to stop: checked at every sample; the output is dropped and the promise rejects with the signal's reason"),
};
export type ImportOptions = OptionsOf<typeof IMPORT_OPTIONS>;

export interface ImportResult extends RewriteResult {
  /** The shards read, in order. */
  shards: string[];
  /** Records rebuilt exactly from mxrec's export; the rest were made from another tool's samples. */
  exact: number;
}

const EXTENSION_FORMAT: Readonly<Record<string, ExportFormatName>> = { '.tar': 'webdataset', '.parquet': 'parquet' };

function formatByName(location: string): ExportFormatName | null {
  const dot = location.lastIndexOf('.');
  return dot < 0 ? null : (EXTENSION_FORMAT[location.slice(dot).toLowerCase()] ?? null);
}

/** A shard name from an index, under the index's folder, or a usage error: names from data stay under their folder. */
function shardUnder(folder: string, name: unknown, index: string): string {
  // No escapes either: a URL's %2e%2e is a '..' once the server decodes it.
  if (typeof name !== 'string' || name === '' || name.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(name) || name.split('/').includes('..') || /[\\\0\r\n%]/.test(name)) {
    throw new ShardError(`${displayLocation(index)}: expected shard names relative to the index's folder, received ${quoted(String(name))}`);
  }
  return `${folder}${name}`;
}

/** The shards a shard index names (mxrec's manifest, or a wids index), in order. */
async function shardsOfIndex(location: string): Promise<string[]> {
  const text = (await readWhole(location, MAX_MANIFEST_BYTES, 'a shard index')).toString('utf8');
  let value: unknown;
  try {
    value = parseJson(text);
  } catch (err) {
    throw new ShardError(`${displayLocation(location)}: expected a shard index (JSON), ${(err as Error).message}`);
  }
  const folder = location.slice(0, location.lastIndexOf('/') + 1);
  if (isManifest(value)) return checkManifestShape(value, displayLocation(location)).outputs.map((o) => shardUnder(folder, o.path, location));
  const list = (value as { shardlist?: unknown } | null)?.shardlist;
  if (!Array.isArray(list)) throw new ShardError(`${displayLocation(location)}: expected an mxrec manifest or a wids index (a "shardlist"), received neither`);
  return list.map((entry: unknown) => shardUnder(folder, (entry as { url?: unknown } | null)?.url, location));
}

/**
 * Whether a file name is a shard of the prefix `start`: the prefix, then a
 * separator or a digit (train-000000.tar, train_3.tar, train.0.tar; not
 * trainval-000000.tar). Any name is, under a folder given whole ('').
 */
function isShardOf(name: string, start: string): boolean {
  return start === '' || (name.startsWith(start) && /^[-_.0-9]/.test(name.slice(start.length)));
}

/** The shards under a folder (any depth), or beside a prefix, sorted by name. */
async function shardsByName(location: string, from: ExportFormatName | undefined): Promise<string[]> {
  const store = storeOf(location);
  const folderGiven = store.isFolder(location);
  const folder = folderGiven ? location.replace(/\/*$/, '/') : location.slice(0, location.lastIndexOf('/') + 1);
  const start = folderGiven ? '' : location.slice(folder.length);
  const names: string[] = [];
  try {
    for await (const name of store.list(folder === '' ? '.' : folder, { recursive: folderGiven })) {
      const format = formatByName(name);
      if (format && (from === undefined || format === from) && isShardOf(name, start)) names.push(name);
    }
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  return names.sort().map((name) => (folder === '' ? name : `${folder}${name}`));
}

/** Each source as shards, with the format they are in. */
export async function resolveShards(sources: readonly string[], from: ExportFormatName | undefined): Promise<{ shards: string[]; format: ExportFormatName }> {
  const shards: string[] = [];
  for (const source of sources) {
    const store = storeOf(source);
    if (formatByName(source)) shards.push(source);
    else if (/\.json$/i.test(source)) shards.push(...(await shardsOfIndex(source)));
    else if (from && !store.isFolder(source) && (await store.exists(source))) shards.push(source); // named otherwise, read as --from says
    else {
      const found = await shardsByName(source, from);
      if (found.length === 0) throw new UsageError(`${displayLocation(source)}: expected a shard (.tar, .parquet), a shard index (.json), a folder or a prefix of shards, found no shard there`);
      shards.push(...found);
    }
  }
  const formats = new Set<ExportFormatName | null | undefined>(shards.map((s) => from ?? formatByName(s)));
  if (formats.has(null) || formats.has(undefined)) throw new UsageError(`expected shards named .tar or .parquet, or --from; received ${shards.map(displayLocation).join(', ')}`);
  if (formats.size > 1) throw new UsageError(`expected shards of one format, received both .tar and .parquet (${shards.map(displayLocation).join(', ')})`);
  const format = from ?? [...formats][0]!;
  return { shards, format };
}

/**
 * Records from imported samples, in order: exact ones rebuilt in one reused
 * buffer (RecordWriter.write copies or writes a payload at once, so one
 * buffer serves every record), others made as im2rec makes them with the
 * next id, which is their key too.
 */
class RecordMaker {
  private next = 0;
  exact = 0;
  private scratch = Buffer.allocUnsafeSlow(1 << 20);

  make(imported: ImportedSample): { payload: Buffer; key: string } {
    const id = this.next++;
    if (!imported.exact) return { payload: packImageRecord({ label: imported.label ?? 0, id }, imported.image), key: String(id) };
    const { sample } = imported;
    const size = sample.bytes.byteLength + IMAGE_HEADER_SIZE + 4 * (sample.header?.flag ?? 0);
    if (sample.header && size > this.scratch.length && size <= REUSED_RECORD_BYTES) this.scratch = Buffer.allocUnsafeSlow(2 * size);
    this.exact += 1;
    return { payload: payloadOf(sample, this.scratch), key: sample.key };
  }
}

/** Records up to this size are built in the reused buffer; a larger one in memory of its own, let go after it is written. */
const REUSED_RECORD_BYTES = 64 << 20;

export async function importRecords(sources: readonly string[], out: string, given: ImportOptions = {}): Promise<ImportResult> {
  const options = checkOptions(IMPORT_OPTIONS, given);
  if (sources.length === 0) throw new UsageError('expected at least one source: shards, a shard index, a folder or a prefix');
  const { shards, format } = await resolveShards(sources, options.from);
  const fields = { image: options.imageField, label: options.labelField };
  const reader = await shardFormat(format);
  const maker = new RecordMaker();
  const [result] = await rewrite(
    [out],
    shards,
    { ...options, renumber: false },
    async ([target], progress) => {
      for (const shard of shards) {
        const source = await openLocation(shard);
        try {
          for await (const imported of reader.read(source, fields)) {
            const { payload, key } = maker.make(imported);
            progress.add(payload.byteLength);
            const record: RecordIORecord = { offset: 0, end: payload.byteLength, payload, parts: 1, file: shard };
            const wait = target!.write({ record, key });
            if (wait) await wait;
          }
        } catch (err) {
          // A sample whose header cannot be a record's: said with the shard it is in.
          if (err instanceof ImageRecordError) throw new ImageRecordError(`${displayLocation(shard)}: ${err.message}`);
          throw err;
        } finally {
          source.close();
        }
      }
    },
    `${shards.map(displayLocation).join(', ')}: no samples to import`,
  );
  return { ...result!, shards, exact: maker.exact };
}
