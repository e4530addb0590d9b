/**
 * `rec export`: a `.rec` out as a dataset other loaders read (WebDataset tar
 * shards, Hugging Face's Parquet layout), record for record, bytes as stored.
 *
 * The shards are planned before any is written, from the `.idx` (or, without
 * one, a scan for where records start): runs of records whose bytes, with the
 * format's framing, stay within `shardSize` and `samplesPerShard`. So every
 * shard's name is known at the start (Parquet's `train-00002-of-00017`
 * needs the count), and parts split the plan, not the bytes: part I of N
 * writes its run of shards under the same names one run would have given
 * them, and the last part to finish writes the shard index and the manifest
 * for all (each part leaves a part manifest for it to read).
 *
 * Outputs follow the rules of every writing command (output-claim.ts): the
 * shards and manifests are claimed up front, written under temporary names,
 * and published together when all are complete, the manifest last; nothing
 * appears for a run that fails or is stopped. Memory is one read block and
 * one shard's framing (a Parquet row group), whatever the dataset's size.
 */
import { RecordIndex } from '../format/index-file.js';
import { tryUnpackImageRecord } from '../format/image-record.js';
import { RecordReader } from '../format/reader.js';
import { displayLocation } from '../io/display-name.js';
import { isNotFound, readWhole, siblingIndex, storeOf } from '../io/locations.js';
import { claimOutputs } from '../io/output-claim.js';
import { NothingWrittenError, OutputExistsError } from '../io/output-errors.js';
import { ShardError } from '../format/errors.js';
import { UsageError } from '../util/errors.js';
import { createOutput, publishTogether, writeWholeFiles } from '../io/output-file.js';
import type { OutputFile } from '../io/store.js';
import { parseJson, stringifyJson } from '../util/json.js';
import { type OptionsOf, type Resolved, abortSignal, callback, checkOptions, custom, integer, oneOf } from '../util/schema.js';
import { partCountOption, partIndexOption, resolveParts } from '../util/scheduler.js';
import { classNamesOption } from '../tools/common-options.js';
import { InputProgress, REWRITE_OPTIONS } from '../tools/rewrite.js';
import { HashedOutput, Hasher } from './hashed-output.js';
import { type ExportManifest, type ManifestOutput, MANIFEST_KIND, type SourceRange, checkManifestShape } from './manifest.js';
import { hashRange } from './hash-range.js';
import { sampleOf } from './sample.js';
import type { ShardContext, ShardFormat } from './shard-format.js';
import { EXPORT_FORMATS, type ExportLayout, exportLayout } from './layouts.js';
import { MAX_MANIFEST_BYTES } from '../io/limits.js';
import { parseByteSize } from '../util/units.js';

/** exportRecordFile's options. */
export const EXPORT_OPTIONS = {
  to: oneOf(EXPORT_FORMATS, { doc: 'the format: WebDataset tar shards (PREFIX-000000.tar, ...) or Parquet as Hugging Face lays out images (PREFIX/data/train-00000-of-0000N.parquet)', required: true }),
  shardSize: custom({
    doc: "a shard's size at most: bytes, or with a unit (500M, 1G, 2GiB); a record larger than this is a shard of its own. Default 1G",
    parse: (v: unknown, invalid: (expected: string) => never): number => (Number.isSafeInteger(v) && (v as number) >= 1 ? (v as number) : invalid('a whole number of bytes >= 1 (500M, 1G)')),
    fromText: parseByteSize,
    metavar: '<bytes>',
    expected: 'integer >= 1',
    flag: '--shard-size',
    default: 1_000_000_000,
  }),
  samplesPerShard: integer({ doc: 'close a shard at this many samples too', min: 1 }),
  split: custom({
    doc: "Parquet: the split's name in file names and the dataset card (letters, digits and _, as Hugging Face names splits)",
    parse: (v: unknown, invalid: (expected: string) => never): string => (typeof v === 'string' && /^\w+(\.\w+)*$/.test(v) ? v : invalid('a split name: letters, digits, _ (train, validation, test)')),
    expected: 'string',
    flag: '--split',
    metavar: '<name>',
    default: 'train',
  }),
  names: classNamesOption('class names by label (a label map, synset.txt, one per line): in each WebDataset sample\'s JSON, and as Parquet\'s ClassLabel names'),
  parts: partCountOption({ doc: 'export as this many parts, each its run of shards (a cluster exports in parallel)', flag: '--parts', auto: false }),
  part: partIndexOption({ doc: "which part this run writes: 0..parts-1, or 'auto' (from the scheduler: JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID, AWS_BATCH_JOB_ARRAY_INDEX)", flag: '--part' }),
  overwrite: REWRITE_OPTIONS.overwrite,
  fsync: REWRITE_OPTIONS.fsync,
  onProgress: callback<(done: number, total: number) => void>('told now and then the bytes of the source read so far, and the bytes this run reads'),
  signal: abortSignal("abort to stop: checked at every record; nothing is published and the promise rejects with the signal's reason"),
};
export type ExportOptions = OptionsOf<typeof EXPORT_OPTIONS>;

export interface ExportResult {
  /** The manifest of the whole export, once every part is done; null while parts are missing. */
  manifest: string | null;
  /** This run's part manifest (with parts), else null. */
  partManifest: string | null;
  /** The shards this run wrote, with their sizes, sample counts and SHA-256. */
  outputs: ManifestOutput[];
  /** Shards in the whole export. */
  shards: number;
  samples: number;
  bytes: number;
}

/** A run of records that becomes one shard: source bytes [from, to). */
export interface ShardPlan {
  from: number;
  to: number;
}

/**
 * Where records start, in file order: the .idx's offsets (sorted, as a .idx
 * may list them in any order), else a scan of the file. Only starts inside
 * the file count.
 */
async function recordStarts(reader: RecordReader, index: RecordIndex | null, progress: InputProgress): Promise<Float64Array<ArrayBufferLike>> {
  if (index) {
    const starts = new Float64Array(index.length);
    for (let i = 0; i < index.length; i++) starts[i] = index.offsetAt(i);
    return starts.sort();
  }
  let starts: Float64Array<ArrayBufferLike> = new Float64Array(1 << 16);
  let n = 0;
  await reader.scan({ reuseBuffers: true }).forEach((record) => {
    progress.checkStop();
    if (n === starts.length) starts = growTo(starts, 2 * n);
    starts[n++] = record.offset;
  });
  return starts.subarray(0, n);
}

function growTo(array: Float64Array, length: number): Float64Array {
  const next = new Float64Array(length);
  next.set(array);
  return next;
}

/** Runs of records within the limits; the first starts at 0 and the last ends at the file's end. */
export function planShards(starts: Float64Array<ArrayBufferLike>, size: number, limits: { shardSize: number; samplesPerShard: number; overhead: number }): ShardPlan[] {
  const plan: ShardPlan[] = [];
  let from = 0;
  let bytes = 0;
  let samples = 0;
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i]!;
    if (start >= size || (i > 0 && start === starts[i - 1])) continue;
    const next = i + 1 < starts.length ? Math.min(starts[i + 1]!, size) : size;
    const cost = next - start + limits.overhead;
    if (samples > 0 && (bytes + cost > limits.shardSize || samples >= limits.samplesPerShard)) {
      plan.push({ from, to: start });
      [from, bytes, samples] = [start, 0, 0];
    }
    bytes += cost;
    samples += 1;
  }
  if (samples > 0 || plan.length === 0) plan.push({ from, to: size });
  return plan;
}

/** This part's shards of the plan: a contiguous run, as even as whole shards allow. */
export function partShards(shards: number, parts: number, part: number): { first: number; end: number } {
  return { first: Math.floor((shards * part) / parts), end: Math.floor((shards * (part + 1)) / parts) };
}

/** What the source's label map gives the shard writers. */
function contextOf(options: Resolved<typeof EXPORT_OPTIONS>): ShardContext {
  const names = options.names;
  if (!names) return {};
  const dense: string[] = [];
  for (let label = 0; label < names.size; label++) {
    const name = names.nameOf(label);
    if (name === undefined) break;
    dense.push(name);
  }
  return { nameOf: (label) => names.nameOf(label), classLabels: dense.length === names.size ? dense : null };
}

export async function exportRecordFile(rec: string, prefix: string, given: ExportOptions): Promise<ExportResult> {
  const options = checkOptions(EXPORT_OPTIONS, given);
  const parts = resolveParts(options.parts, options.part, { count: 'parts', index: 'part' }) ?? { count: 1, index: 0 };
  const layout = await exportLayout(options.to, prefix, options.split);
  // One reader for the whole run: it plans (without an .idx) and reads every shard's records.
  const reader = await RecordReader.openAsync(rec);
  try {
    return await exportWith(reader, rec, layout, parts, options);
  } finally {
    reader.close();
  }
}

async function exportWith(
  reader: RecordReader,
  rec: string,
  layout: ExportLayout,
  parts: { count: number; index: number },
  options: Resolved<typeof EXPORT_OPTIONS>,
): Promise<ExportResult> {
  const format = layout.format;
  const size = reader.size;
  const indexLocation = await siblingIndex(rec);
  const index = indexLocation === null ? null : await RecordIndex.read(indexLocation);
  const plan = planShards(await recordStarts(reader, index, InputProgress.sized(0, undefined, options.signal)), size, {
    shardSize: options.shardSize,
    samplesPerShard: options.samplesPerShard ?? Infinity,
    overhead: format.overheadPerSample,
  });
  const { first, end } = partShards(plan.length, parts.count, parts.index);
  const names = plan.map((_, i) => layout.shardName(i, plan.length));
  const mine = names.slice(first, end);
  const partManifest = parts.count > 1 ? layout.partManifest(parts.index, parts.count) : null;
  const finals = [layout.manifest, ...layout.extras];
  // The folders the export goes in are made (Parquet's PREFIX/data/ is part of the layout).
  for (const location of [layout.manifest, ...mine.slice(0, 1)]) storeOf(location).makeFolderFor(location);
  await refuseStaleShards(layout, names);
  // The files only the last part writes are checked by every part: one left by an earlier export
  // would otherwise stay, describing shards that are not these.
  const claim = await claimOutputs([partManifest ?? layout.manifest], [...mine, ...(partManifest ? finals : finals.slice(1))], {
    inputs: [rec, ...(indexLocation ? [indexLocation] : [])],
    overwrite: options.overwrite,
    oneAtATime: true,
  });
  try {
    const ranges = plan.slice(first, end);
    const total = ranges.reduce((sum, r) => sum + r.to - r.from, 0);
    const progress = InputProgress.sized(total, options.onProgress, options.signal);
    const written = await writeShards(reader, rec, index, ranges, mine, format, contextOf(options), options, progress);
    const outputs = written.outputs.map((o) => ({ ...o, path: layout.relative(o.path) }));
    const manifest: ExportManifest = {
      kind: MANIFEST_KIND,
      version: 1,
      format: options.to,
      // One run read the whole source; a part, its range (the merged manifest lists every part's).
      source: { location: displayLocation(rec), bytes: size, ...(parts.count === 1 ? { sha256: written.source!.sha256 } : { ranges: written.source ? [written.source] : [] }) },
      shards: plan.length,
      parts: parts.count,
      outputs,
    };
    const samples = outputs.reduce((sum, o) => sum + o.samples, 0);
    const bytes = outputs.reduce((sum, o) => sum + o.bytes, 0);
    if (partManifest) {
      await publishWith(written.files, [{ location: partManifest, data: `${stringifyJson({ ...manifest, part: parts.index }, 2)}\n` }], options);
      const whole = await finishParts(layout, parts.count, options);
      return { manifest: whole, partManifest, outputs, shards: plan.length, samples, bytes };
    }
    await publishWith(written.files, layout.finalFiles(manifest, contextOf(options)), options);
    return { manifest: layout.manifest, partManifest: null, outputs, shards: plan.length, samples, bytes };
  } finally {
    claim.release();
  }
}

/**
 * Refuses to export beside shards of an earlier export under the same prefix
 * that this one would not replace (it plans fewer, or Parquet's -of-N
 * differs): an import by prefix or folder would read them as part of this
 * dataset. Even with `overwrite`: removing files is the user's call.
 */
async function refuseStaleShards(layout: ExportLayout, names: readonly string[]): Promise<void> {
  const ours = new Set(names);
  const stale: string[] = [];
  const store = storeOf(layout.manifest);
  try {
    for await (const name of store.list(layout.shardFolder === '' ? '.' : layout.shardFolder, { recursive: false })) {
      const location = `${layout.shardFolder}${name}`;
      if (layout.shardPattern.test(name) && !ours.has(location)) stale.push(location);
    }
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (stale.length === 0) return;
  stale.sort();
  throw new UsageError(
    `${displayLocation(stale[0]!)}${stale.length > 1 ? ` and ${stale.length - 1} more` : ''}: shards of an earlier export under this prefix, which this export (${names.length} shards) would not replace; remove them, or export to another prefix`,
  );
}

/** Publishes the shards with whole files written last (the manifest last of all): all or none. */
async function publishWith(shards: OutputFile[], files: readonly { location: string; data: string }[], options: Resolved<typeof EXPORT_OPTIONS>): Promise<void> {
  const made: OutputFile[] = [];
  try {
    for (const { location, data } of files) {
      const file = await createOutput(location, { overwrite: options.overwrite });
      made.push(file);
      file.writeSync(Buffer.from(data));
    }
    options.signal?.throwIfAborted();
  } catch (err) {
    await Promise.all([...shards, ...made].map((f) => f.abort()));
    throw err;
  }
  await publishTogether([...shards, ...made], { fsync: options.fsync });
}

interface Written {
  files: OutputFile[];
  outputs: ManifestOutput[];
  /** The bytes of the source this run exported, and their SHA-256 (null: none, a part without shards). */
  source: SourceRange | null;
}

/** Writes each planned shard (unpublished); on a failure, drops them all. */
async function writeShards(
  reader: RecordReader,
  rec: string,
  index: RecordIndex | null,
  ranges: readonly ShardPlan[],
  names: readonly string[],
  format: ShardFormat,
  context: ShardContext,
  options: Resolved<typeof EXPORT_OPTIONS>,
  progress: InputProgress,
): Promise<Written> {
  const files: OutputFile[] = [];
  const outputs: ManifestOutput[] = [];
  // A part of more parts than there are shards has none: it leaves its (empty) part manifest, for the last part to merge.
  if (ranges.length === 0) return { files, outputs, source: null };
  const range = { from: ranges[0]!.from, to: ranges.at(-1)!.to };
  const sourceHash = hashRange(rec, range.from, range.to);
  const hasher = new Hasher();
  try {
    for (let i = 0; i < ranges.length; i++) {
      const { from, to } = ranges[i]!;
      const out = new HashedOutput(await createOutput(names[i]!, { overwrite: options.overwrite }), hasher);
      files.push(out);
      const writer = format.writer(out, context);
      await reader.scan({ from, to, reuseBuffers: true }).forEach((record) => {
        progress.add(record.end - record.offset);
        const key = index?.keyAtOffset(record.offset) ?? headerKey(record.payload, record.offset);
        return writer.add(sampleOf(record.payload, key), record.offset) ?? undefined;
      });
      await writer.end();
      out.finish({ fsync: options.fsync }); // now, not at publishing: a finished local shard holds no descriptor
      outputs.push({ path: names[i]!, bytes: out.size, samples: writer.samples, sha256: await out.digest(), source: { from, to } });
    }
    progress.finish();
    if (outputs.every((o) => o.samples === 0)) throw new NothingWrittenError(`${displayLocation(rec)}: holds no records; nothing written`);
    return { files, outputs, source: { ...range, sha256: await sourceHash.digest } };
  } catch (err) {
    sourceHash.stop();
    await Promise.all(files.map((f) => f.abort()));
    throw err;
  } finally {
    hasher.close();
  }
}

/** A record's key where the .idx has none: its header id, else its offset. */
function headerKey(payload: Uint8Array, offset: number): string {
  const image = tryUnpackImageRecord(payload);
  return image ? String(image.id) : `r${offset}`;
}

/**
 * The part manifests describe one export: the same source (location and
 * size), format and plan, their shards the plan's in order, and their
 * source ranges covering the source end to end. A part run again on
 * another source, or with another shard size, is refused here rather than
 * merged into a dataset that mixes two.
 */
function checkPartsAgree(manifests: readonly ExportManifest[], shown: (part: number) => string): void {
  const first = manifests[0]!;
  manifests.forEach((m, part) => {
    const same = m.format === first.format && m.source.location === first.source.location && m.source.bytes === first.source.bytes && m.shards === first.shards && m.parts === first.parts;
    if (!same || m.part !== part) {
      throw new ShardError(
        `${shown(part)}: describes another export than ${shown(0)} (${m.format} of ${m.source.location}, ${m.source.bytes} bytes, ${m.shards} shards, part ${String(m.part)} of ${m.parts}); export every part with the same source and options`,
      );
    }
  });
  const outputs = manifests.flatMap((m) => m.outputs);
  const ranges = manifests.flatMap((m) => m.source.ranges ?? []).sort((a, b) => a.from - b.from);
  let at = 0;
  for (const range of ranges) {
    if (range.from !== at) break;
    at = range.to;
  }
  if (outputs.length !== first.shards || at !== first.source.bytes) {
    throw new ShardError(`${shown(0)}: the part manifests list ${outputs.length} of ${first.shards} shards and cover the source to byte ${at} of ${first.source.bytes}: they are not one export's parts`);
  }
}

/**
 * With parts: once every part's manifest is there, the whole export's
 * manifest and index are written (by whichever part sees that first; a part
 * that finds them written by another, the same, leaves them). Returns the
 * manifest's location, or null while parts are missing.
 */
async function finishParts(layout: ExportLayout, count: number, options: Resolved<typeof EXPORT_OPTIONS>): Promise<string | null> {
  const manifests: ExportManifest[] = [];
  for (let part = 0; part < count; part++) {
    const location = layout.partManifest(part, count);
    if (!(await storeOf(location).exists(location))) return null;
    const parsed = parseJson((await readWhole(location, MAX_MANIFEST_BYTES, 'a part manifest')).toString('utf8'));
    manifests.push(checkManifestShape(parsed, displayLocation(location)));
  }
  checkPartsAgree(manifests, (part) => displayLocation(layout.partManifest(part, count)));
  const whole: ExportManifest = {
    ...manifests[0]!,
    source: { ...manifests[0]!.source, ranges: manifests.flatMap((m) => m.source.ranges ?? []) },
    outputs: manifests.flatMap((m) => m.outputs),
  };
  delete (whole as { part?: number }).part;
  try {
    await writeWholeFiles(layout.finalFiles(whole, contextOf(options)), { overwrite: options.overwrite, fsync: options.fsync });
  } catch (err) {
    // Another part saw every part done at the same moment and wrote them first: the same files.
    if (!(err instanceof OutputExistsError)) throw err;
  }
  return layout.manifest;
}
