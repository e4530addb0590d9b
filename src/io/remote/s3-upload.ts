/**
 * Writing an s3:// object as a stream: the bytes go into a multipart upload
 * as they are written, a part at a time, so memory stays at a few parts
 * whatever the size. Nothing appears under the name until publish(): S3 makes
 * a multipart upload an object in one step, when it is completed (as rename()
 * does a file), and a body smaller than a part is held here and sent then,
 * whole, by one PUT. So the outputs of a group are all uploaded before any of
 * them is published (publishTogether, output-file.ts), and a failed or
 * interrupted run leaves nothing under the names; abort() also cancels the
 * upload, so its parts are not kept (and billed). A process killed outright
 * leaves an incomplete upload behind, which never becomes an object: a bucket
 * lifecycle rule (AbortIncompleteMultipartUpload) clears those.
 *
 * The upload is driven here, not by @aws-sdk/lib-storage's Upload: that one
 * completes the upload (or sends its one PUT) as soon as the body ends, so a
 * `.rec` appeared before its `.idx` was known to be stored, and stayed when
 * the `.idx` then failed.
 *
 * Without `overwrite`, the publishing request carries `If-None-Match: *`, so
 * S3 refuses it if the object appeared while the run was writing (claiming
 * the output checked before that it did not exist).
 *
 * Test servers: s3rver has no AbortMultipartUpload; the abort's request is
 * then answered with an error, which is ignored (the upload never completes
 * either way). See docs/guides/object-storage.md.
 */
import type { CompletedPart } from '@aws-sdk/client-s3';
import { HttpError } from './http-source.js';
import { LimitError, MAX_PARTS, PARTS_IN_FLIGHT, PART_SIZE } from '../limits.js';
import { OutputExistsError } from '../output-errors.js';
import { type Sdk, parseS3Url, removeS3Object, s3CallError, sdkFor } from './s3.js';
import { UsageError } from '../../util/errors.js';

export class S3Upload {
  private written = 0;
  private failure: unknown = null;
  private ended = false;
  private published = false;
  /** The part being filled (allocated when first written to: a small object touches only the pages it uses). */
  private part: Buffer | null = null;
  private filled = 0;
  /** Full parts waiting for a place in flight. */
  private readonly queue: Buffer[] = [];
  private inFlight = 0;
  /** Parts handed to the upload so far (0: the body is still smaller than a part, and held here). */
  private partCount = 0;
  /** Parts sent so far (they go in order). */
  private sent = 0;
  private readonly uploaded: CompletedPart[] = [];
  private uploadId: Promise<string> | null = null;
  /** Stops the part requests in flight when the upload is abandoned. */
  private readonly stop = new AbortController();
  private waiters: (() => void)[] = [];

  private constructor(
    /** s3://bucket/key, as messages show it. */
    readonly path: string,
    private readonly bucket: string,
    private readonly key: string,
    private readonly sdk: Sdk,
    private readonly overwrite: boolean,
  ) {}

  /** Prepares the upload of `location` (s3://bucket/key); nothing appears there until publish(). */
  static async create(location: string, options: { overwrite?: boolean } = {}): Promise<S3Upload> {
    const { bucket, key, name } = parseS3Url(location);
    return new S3Upload(name, bucket, key, await sdkFor(name), options.overwrite ?? false);
  }

  get size(): number {
    return this.written;
  }

  private check(): void {
    if (this.failure !== null) throw this.translate(this.failure);
    if (this.ended) throw new UsageError(`${this.path}: write or finish() after finish()`);
  }

  writeSync(bytes: Uint8Array, offset = 0, length = bytes.byteLength - offset): void {
    this.writevSync([bytes.subarray(offset, offset + length)]);
  }

  /** Copies the bytes into the part being filled (the caller may reuse them); ready() says when to wait for the upload. */
  writevSync(pieces: readonly Uint8Array[]): void {
    this.check();
    const bytes = pieces.reduce((sum, piece) => sum + piece.byteLength, 0);
    if (this.written + bytes > PART_SIZE * MAX_PARTS) {
      throw new LimitError(`${this.path}: expected an s3:// object of at most ${(PART_SIZE * MAX_PARTS) >> 20} MiB (${MAX_PARTS} parts of ${PART_SIZE >> 20} MiB), received more`);
    }
    for (const piece of pieces) {
      for (let at = 0; at < piece.byteLength; ) {
        this.part ??= Buffer.allocUnsafeSlow(PART_SIZE);
        const n = Math.min(piece.byteLength - at, PART_SIZE - this.filled);
        this.part.set(piece.subarray(at, at + n), this.filled);
        this.filled += n;
        at += n;
        if (this.filled === PART_SIZE) this.sendPart();
      }
    }
    this.written += bytes;
  }

  /** null when more may be written now; else resolves once every full part has a place in flight (rejects if the upload failed). */
  ready(): Promise<void> | null {
    if (this.failure !== null) return Promise.reject(this.translate(this.failure));
    return this.queue.length === 0 ? null : this.until(() => this.queue.length === 0);
  }

  /** No more bytes: the last part goes up (a body smaller than a part stays here for publish()). */
  finish(): void {
    this.check();
    this.ended = true;
    if (this.partCount > 0 && this.filled > 0) this.sendPart();
  }

  /** Resolves once every byte is stored and only publishing is left; rejects if the upload failed. */
  staged(): Promise<void> {
    if (!this.ended) this.finish();
    return this.until(() => this.queue.length === 0 && this.inFlight === 0);
  }

  /** Makes the object: completes the upload, or PUTs the held body. Returns whether a new object was made. */
  async publish(): Promise<boolean> {
    await this.staged();
    const { client, s3 } = this.sdk;
    const target = { Bucket: this.bucket, Key: this.key, ...(this.overwrite ? {} : { IfNoneMatch: '*' }) };
    try {
      if (this.partCount === 0) {
        await client.send(new s3.PutObjectCommand({ ...target, Body: this.part?.subarray(0, this.filled) ?? Buffer.alloc(0) }));
      } else {
        const Parts = [...this.uploaded].sort((a, b) => a.PartNumber! - b.PartNumber!);
        await client.send(new s3.CompleteMultipartUploadCommand({ ...target, UploadId: await this.uploadId!, MultipartUpload: { Parts } }));
      }
    } catch (err) {
      this.failure ??= err;
      throw this.translate(err);
    }
    this.published = true;
    this.part = null;
    return !this.overwrite;
  }

  /** Cancels the upload: no object appears, and its parts are dropped (where the store can). */
  async abort(): Promise<void> {
    if (this.published) return;
    this.failure ??= new Error('aborted');
    this.ended = true;
    this.queue.length = 0;
    this.part = null;
    this.stop.abort(); // the parts in flight end now
    this.wake();
    while (this.inFlight > 0) await this.changed();
    const uploadId = await this.uploadId?.catch(() => undefined);
    if (uploadId) {
      const { client, s3 } = this.sdk;
      await client.send(new s3.AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: uploadId })).catch(() => {});
    }
  }

  /** Removes the published object again (a group of outputs that could not all be published). */
  async unpublish(): Promise<void> {
    await removeS3Object(this.path).catch(() => {}); // the error that made the group fail matters more
  }

  /** The full part goes into the queue, and up when there is a place. */
  private sendPart(): void {
    this.queue.push(this.part!.subarray(0, this.filled));
    this.part = null;
    this.filled = 0;
    this.partCount += 1;
    this.pump();
  }

  private pump(): void {
    while (this.failure === null && this.inFlight < PARTS_IN_FLIGHT && this.queue.length > 0) {
      const body = this.queue.shift()!;
      this.sent += 1;
      this.inFlight += 1;
      this.uploadPart(this.sent, body)
        .then((part) => void this.uploaded.push(part), (err: unknown) => this.fail(err))
        .finally(() => {
          this.inFlight -= 1;
          this.pump();
          this.wake();
        });
    }
  }

  /** Starts the multipart upload, once (with a checksum per part where the SDK computes them, as lib-storage does). */
  private start(): Promise<string> {
    this.uploadId ??= (async () => {
      const { client, s3 } = this.sdk;
      const checksums = (await client.config.requestChecksumCalculation()) === 'WHEN_SUPPORTED';
      // Not stopped by abort(): its UploadId is needed to cancel the upload.
      const res = await client.send(new s3.CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, ...(checksums ? { ChecksumAlgorithm: 'CRC32' } : {}) }));
      if (!res.UploadId) throw new HttpError(this.path, 'cannot write: the store started a multipart upload without an UploadId');
      return res.UploadId;
    })();
    return this.uploadId;
  }

  private async uploadPart(PartNumber: number, Body: Buffer): Promise<CompletedPart> {
    const UploadId = await this.start();
    const { client, s3 } = this.sdk;
    const res = await client.send(new s3.UploadPartCommand({ Bucket: this.bucket, Key: this.key, UploadId, PartNumber, Body }), { abortSignal: this.stop.signal });
    if (!res.ETag) throw new HttpError(this.path, `cannot write: the store's answer to part ${PartNumber} has no ETag`);
    // The part's checksum, if the SDK sent one, goes into the completion too.
    const { ETag, ChecksumCRC32, ChecksumCRC32C, ChecksumCRC64NVME, ChecksumSHA1, ChecksumSHA256 } = res;
    return { PartNumber, ETag, ChecksumCRC32, ChecksumCRC32C, ChecksumCRC64NVME, ChecksumSHA1, ChecksumSHA256 };
  }

  private fail(err: unknown): void {
    this.failure ??= err;
    this.queue.length = 0;
    this.part = null;
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Waits until `done()`, or throws the upload's failure. */
  private async until(done: () => boolean): Promise<void> {
    for (;;) {
      if (this.failure !== null) throw this.translate(this.failure);
      if (done()) return;
      await this.changed();
    }
  }

  private translate(err: unknown): Error {
    if (err instanceof HttpError || err instanceof OutputExistsError || err instanceof LimitError) return err;
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'PreconditionFailed' || e.$metadata?.httpStatusCode === 412) {
      return new OutputExistsError(this.path, 'appeared while this run was writing it');
    }
    return s3CallError(this.path, err, 'cannot write');
  }
}
