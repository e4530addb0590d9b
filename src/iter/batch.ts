/** What ImageRecordIter hands out: one batch of images and labels. */
import type { RecordId } from '../format/image-record.js';

/** What a batch's pixels are: normalised float32 (the default), or the raw bytes. */
export type Dtype = 'float32' | 'uint8';

/** The array a batch's pixels come in, by dtype. */
export type BatchData<D extends Dtype> = D extends 'uint8' ? Uint8Array : Float32Array;

export interface Batch<D extends Dtype = Dtype> {
  /** NCHW, RGB(A) channel order; float32 normalised, or raw uint8 with dtype 'uint8'. */
  data: BatchData<D>;
  /** `[N, C, H, W]`: N is batchSize, or fewer in a short final batch (roundBatch false). */
  shape: [number, number, number, number];
  /** N x labelWidth labels, row-major. */
  label: Float32Array;
  labelShape: [number] | [number, number];
  /** How many samples short of batchSize the data is: wrapped samples (roundBatch) or missing ones. */
  pad: number;
  /** The records' header ids (MXNet leaves these zero): numbers, or bigints from 2^53. */
  index: RecordId[];
}
