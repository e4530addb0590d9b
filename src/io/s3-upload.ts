/**
 * Writing an s3:// object as a stream: the bytes go into a multipart upload
 * (@aws-sdk/lib-storage's Upload) as they are written, a part at a time, so
 * memory stays at a few parts whatever the size. The object appears only when
 * the upload is completed (S3 publishes a multipart upload in one step, as
 * rename() does a file), so an interrupted or failed run leaves nothing under
 * the name; abort() also cancels the upload, so its parts are not kept (and
 * billed). A process killed outright leaves an incomplete upload behind, which
 * never becomes an object: a bucket lifecycle rule
 * (AbortIncompleteMultipartUpload) clears those.
 *
 * Without `overwrite`, the completing request carries `If-None-Match: *`, so
 * S3 refuses it if the object appeared while the run was writing (claiming
 * the output checked before that it did not exist).
 *
 * Test servers: s3rver has no AbortMultipartUpload; the abort's request is
 * then answered with an error, which is ignored (the upload never completes
 * either way). See docs/guides/object-storage.md.
 */
import { PassThrough } from 'node:stream';
import type { Upload } from '@aws-sdk/lib-storage';
import { OutputExistsError } from './output-errors.js';
import { HttpError } from './http-source.js';
import { parseS3Url, removeS3Object, s3CallError, sdkFor } from './s3.js';

/** Bytes per uploaded part (S3's least is 5 MiB, except for the last). */
export const PART_SIZE = 8 << 20;
/** Parts in flight at once for one object. */
const PARTS_IN_FLIGHT = 2;
/**
 * Memory one streamed object may hold: the parts in flight, the one being
 * filled and the stream's buffer. Bounds how many a run may write at once.
 */
export const UPLOAD_MEMORY = PART_SIZE * (PARTS_IN_FLIGHT + 2);

export class S3Upload {
  private written = 0;
  private failure: unknown = null;
  private ended = false;

  private constructor(
    /** s3://bucket/key, as messages show it. */
    readonly path: string,
    private readonly upload: Upload,
    private readonly body: PassThrough,
    private readonly done: Promise<unknown>,
    private readonly overwrite: boolean,
  ) {
    done.catch((err) => {
      this.failure ??= err;
      body.destroy(); // a writer waiting for room learns of it at once
    });
  }

  /** Starts the upload of `location` (s3://bucket/key); nothing appears there until publish(). */
  static async create(location: string, options: { overwrite?: boolean } = {}): Promise<S3Upload> {
    const { bucket, key, name } = parseS3Url(location);
    const overwrite = options.overwrite ?? false;
    const sdk = await sdkFor(name);
    const { Upload } = await import('@aws-sdk/lib-storage');
    const body = new PassThrough({ highWaterMark: PART_SIZE });
    const upload = new Upload({
      client: sdk.client,
      params: { Bucket: bucket, Key: key, Body: body, ...(overwrite ? {} : { IfNoneMatch: '*' }) },
      partSize: PART_SIZE,
      queueSize: PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    return new S3Upload(name, upload, body, upload.done(), overwrite);
  }

  get size(): number {
    return this.written;
  }

  private check(): void {
    if (this.failure !== null) throw this.translate(this.failure);
    if (this.ended) throw new Error(`${this.path}: write after finish`);
  }

  writeSync(bytes: Uint8Array, offset = 0, length = bytes.byteLength - offset): void {
    this.writevSync([bytes.subarray(offset, offset + length)]);
  }

  /** Queues the bytes (copied: the caller may reuse them); ready() says when to wait for the upload. */
  writevSync(pieces: readonly Uint8Array[]): void {
    this.check();
    for (const piece of pieces) {
      if (piece.byteLength === 0) continue;
      this.body.write(Buffer.from(piece));
      this.written += piece.byteLength;
    }
  }

  /** null when more may be written now; else resolves once the upload has taken enough (rejects if it failed). */
  ready(): Promise<void> | null {
    if (this.failure !== null) return Promise.reject(this.translate(this.failure));
    if (!this.body.writableNeedDrain) return null;
    return new Promise<void>((resolve, reject) => {
      const settle = () => {
        this.body.off('drain', settle);
        this.body.off('close', settle);
        if (this.failure !== null) reject(this.translate(this.failure));
        else resolve();
      };
      this.body.on('drain', settle);
      this.body.on('close', settle);
    });
  }

  /** No more bytes: the last part goes up. */
  finish(): void {
    this.check();
    this.ended = true;
    this.body.end();
  }

  /** Waits for the upload to complete: the object then exists under its name. Returns whether a new object was made. */
  async publish(): Promise<boolean> {
    if (!this.ended) this.finish();
    try {
      await this.done;
    } catch (err) {
      throw this.translate(err);
    }
    return !this.overwrite;
  }

  /** Cancels the upload: no object appears, and its parts are dropped (where the store can). */
  async abort(): Promise<void> {
    this.failure ??= new Error('aborted');
    this.body.destroy();
    await this.upload.abort();
    await this.done.catch(() => {});
    const uploadId = (this.upload as unknown as { uploadId?: string }).uploadId;
    if (uploadId) {
      // lib-storage sends this too when its loop ends; once more is harmless, and covers a loop cut off.
      const { client, s3 } = await sdkFor(this.path);
      const { bucket, key } = parseS3Url(this.path);
      await client.send(new s3.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => {});
    }
  }

  /** Removes the published object again (a group of outputs that could not all be published). */
  async unpublish(): Promise<void> {
    await removeS3Object(this.path).catch(() => {}); // the error that made the group fail matters more
  }

  private translate(err: unknown): Error {
    if (err instanceof HttpError || err instanceof OutputExistsError) return err;
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'PreconditionFailed' || e.$metadata?.httpStatusCode === 412) {
      return new OutputExistsError(this.path, 'appeared while this run was writing it');
    }
    return s3CallError(this.path, err, 'cannot write');
  }
}
