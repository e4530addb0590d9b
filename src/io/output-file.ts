/**
 * An output, local or in a bucket, behind one surface: bytes are written in
 * order, the file appears under its name only when published, and abort()
 * leaves the name as it was. Local files are AtomicFile (temporary name, then
 * link or rename); s3:// objects are S3Upload (a multipart upload, then its
 * completion; a small body is held, then PUT whole). Writes are synchronous calls; ready() is the backpressure: a
 * writer awaits it when it is not null (never for a local file), so an upload
 * that falls behind holds the writer back instead of filling memory.
 */
import fs from 'node:fs';
import { AtomicFile } from './atomic-file.js';
import { S3Upload } from './remote/s3-upload.js';
import { removeS3Object } from './remote/s3.js';
import { isS3Url } from './url.js';

export interface OutputFile {
  /** Where the file appears (a path, or s3://bucket/key). */
  readonly path: string;
  /** Bytes written so far. */
  readonly size: number;
  writeSync(bytes: Uint8Array, offset?: number, length?: number): void;
  writevSync(pieces: readonly Uint8Array[]): void;
  /** null when more may be written now; else a promise to await first. */
  ready(): Promise<void> | null;
  /** No more bytes (flushed to disk for a local file unless fsync is false). */
  finish(options?: { fsync?: boolean }): void;
  /** Resolves once every byte is stored and only publish() is left (an upload); absent where finish() already stored them. */
  staged?(): Promise<void>;
  /** Gives the finished file its name; returns whether the name is new (so a failed group can take it back). */
  publish(): boolean | Promise<boolean>;
  /** Drops the output; the name is left as it was. */
  abort(): void | Promise<void>;
}

/** The output at `location`: a bucket upload for s3://, else a local temporary file. */
export async function createOutput(location: string, options: { overwrite?: boolean } = {}): Promise<OutputFile> {
  return isS3Url(location) ? S3Upload.create(location, options) : AtomicFile.create(location, options);
}

/** Takes a published output's name back. */
async function unpublish(file: OutputFile): Promise<void> {
  if (file instanceof S3Upload) await file.unpublish();
  else fs.rmSync(file.path, { force: true });
}

/** Removes a file or s3:// object if there is one (an earlier run's output that would now mislead). */
export async function removeOutput(location: string): Promise<void> {
  if (isS3Url(location)) await removeS3Object(location);
  else fs.rmSync(location, { force: true });
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
    await Promise.all(files.map((file) => file.staged?.()));
    for (const file of files) if (await file.publish()) published.push(file);
  } catch (err) {
    for (const file of published) await unpublish(file);
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
