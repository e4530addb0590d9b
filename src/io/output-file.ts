/**
 * An output, local or in a bucket, behind one surface: bytes are written in
 * order, the file appears under its name only when published, and abort()
 * leaves the name as it was. Local files are AtomicFile (temporary name, then
 * link or rename); s3:// objects are S3Upload (a multipart upload, then its
 * completion; a small body is held, then PUT whole). Writes are synchronous calls; ready() is the
 * backpressure: a writer awaits it when it is not null (never for a local file), so an upload
 * that falls behind holds the writer back instead of filling memory.
 *
 * Outputs are made and published one way, written once as steps
 * (util/steps.ts): asynchronously for any store, and synchronously, by the
 * same steps, for the synchronous API where the store allows it (local files:
 * createOutputSync, publishTogetherSync).
 */
import { storeOf } from './locations.js';
import type { OutputFile, OutputOptions } from './store.js';
import { LocalOnlyError } from './url.js';
import { type Steps, runAsync, runSync, settle, step } from '../util/steps.js';

export type { OutputFile };

/** How steps make an output: createOutput, or createOutputSync for the synchronous API. */
export type MakeOutput = (location: string, options?: OutputOptions) => OutputFile | Promise<OutputFile>;

/** The output at `location` (a local temporary file, a bucket upload): nothing appears there until it is published. */
export function createOutput(location: string, options: OutputOptions = {}): Promise<OutputFile> {
  return storeOf(location).create(location, options);
}

/** createOutput() where the store makes outputs synchronously (a local file; else a LocalOnlyError). */
export function createOutputSync(location: string, options: OutputOptions = {}): OutputFile {
  const store = storeOf(location);
  if (!store.createSync) throw new LocalOnlyError(location, 'write');
  return store.createSync(location, options);
}

/** Removes a file or object if there is one (an earlier run's output that would now mislead). */
export function removeOutput(location: string): Promise<void> {
  return storeOf(location).remove(location);
}

/**
 * Publishing outputs as one step: all are finished and stored first (every
 * upload's last part up), so one that cannot be written never leaves the
 * others published; then they are published in the order given; if one
 * cannot be, the names made for those before it are taken back and the rest
 * dropped. Put the file readers look for last (the `.rec` after its `.idx`).
 */
export function* publishing(files: readonly OutputFile[], options: { fsync?: boolean } = {}): Steps<void> {
  const published: OutputFile[] = [];
  try {
    for (const file of files) file.finish(options);
    const staging = files.map((file) => file.staged()).filter((staged) => staged !== null);
    if (staging.length > 0) yield* step(Promise.all(staging));
    for (const file of files) if (yield* step(file.publish())) published.push(file);
  } catch (err) {
    for (const file of published) yield* settle(file.unpublish());
    for (const file of files) if (!published.includes(file)) yield* settle(file.abort());
    throw err;
  }
}

/** Publishes outputs of any store as one step (publishing). */
export function publishTogether(files: readonly OutputFile[], options: { fsync?: boolean } = {}): Promise<void> {
  return runAsync(publishing(files, options));
}

/**
 * publishTogether() in this call, for outputs that never wait (local files,
 * the synchronous API's). One that would (an upload) is a LocalOnlyError
 * naming the last output, and all are dropped.
 */
export function publishTogetherSync(files: readonly OutputFile[], options: { fsync?: boolean } = {}): void {
  runSync(publishing(files, options), () => new LocalOnlyError(files[files.length - 1]!.path, 'write'));
}

/**
 * Writes whole files (a list, a report, a sheet and its gallery), local or in
 * any store, and publishes them together; refuses existing ones without
 * `overwrite`. Nothing appears unless all do.
 */
export async function writeWholeFiles(
  files: readonly { location: string; data: string | Uint8Array }[],
  options: { fsync?: boolean; overwrite?: boolean } = {},
): Promise<void> {
  const made: OutputFile[] = [];
  try {
    for (const { location, data } of files) {
      const file = await createOutput(location, { overwrite: options.overwrite });
      made.push(file);
      file.writeSync(typeof data === 'string' ? Buffer.from(data) : data);
    }
  } catch (err) {
    for (const file of made) await file.abort();
    throw err;
  }
  await publishTogether(made, options);
}
