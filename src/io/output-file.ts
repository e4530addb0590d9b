/**
 * An output, local or in a bucket, behind one surface: bytes are written in
 * order, the file appears under its name only when published, and abort()
 * leaves the name as it was. Local files are AtomicFile (temporary name, then
 * link or rename); s3:// objects are S3Upload (a multipart upload, then its
 * completion; a small body is held, then PUT whole). Writes are synchronous calls; ready() is the backpressure: a
 * writer awaits it when it is not null (never for a local file), so an upload
 * that falls behind holds the writer back instead of filling memory.
 */
import { storeOf } from './locations.js';
import type { OutputFile } from './store.js';

export type { OutputFile };

/** The output at `location` (a local temporary file, a bucket upload): nothing appears there until it is published. */
export function createOutput(location: string, options: { overwrite?: boolean } = {}): Promise<OutputFile> {
  return storeOf(location).create(location, options);
}

/** Removes a file or object if there is one (an earlier run's output that would now mislead). */
export function removeOutput(location: string): Promise<void> {
  return storeOf(location).remove(location);
}

/**
 * Publishes outputs as one step, as commitTogether() does local files: all
 * are finished and stored first (every upload's last part up), so one that
 * cannot be written never leaves the others published; then they are
 * published in the order given; if one cannot be, the names made for those
 * before it are taken back and the rest dropped. Put the file readers look
 * for last (the `.rec` after its `.idx`).
 */
export async function commitOutputs(files: readonly OutputFile[], options: { fsync?: boolean } = {}): Promise<void> {
  const published: OutputFile[] = [];
  try {
    for (const file of files) file.finish(options);
    await Promise.all(files.map((file) => file.staged()));
    for (const file of files) if (await file.publish()) published.push(file);
  } catch (err) {
    for (const file of published) await file.unpublish();
    for (const file of files) if (!published.includes(file)) await file.abort();
    throw err;
  }
}

/** Writes a whole file (a list, a report), local or s3://; refuses an existing one without `overwrite`. */
export async function writeWholeFile(location: string, data: string | Uint8Array, options: { fsync?: boolean; overwrite?: boolean } = {}): Promise<void> {
  const file = await createOutput(location, { overwrite: options.overwrite });
  try {
    file.writeSync(typeof data === 'string' ? Buffer.from(data) : data);
  } catch (err) {
    await file.abort();
    throw err;
  }
  await commitOutputs([file], options);
}
