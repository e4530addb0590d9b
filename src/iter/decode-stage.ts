/**
 * The decoding stage: a buffer's samples decoded, cropped, resampled,
 * mirrored and normalised straight into the buffer's memory (CHW), split into
 * `threads` codec calls that run side by side on libuv's pool. A sample whose
 * crop reaches into the pad border is decoded into a scratch inset and
 * composed onto a fillValue canvas. Samples that fail to decode are damaged
 * records (Epoch.damaged); the others are listed as good.
 */
import { decodeIntoMany, type DecodeJob } from '../codec/codec.js';
import { planarFromInterleaved } from '../codec/planar.js';
import type { ImageError } from '../codec/types.js';
import type { BatchBuffer, Sample } from './batch-buffers.js';
import type { Epoch } from './epoch.js';
import type { IterSettings } from './options.js';

export interface DecodedBuffer {
  buffer: BatchBuffer;
  /** Sample numbers that decoded. */
  good: number[];
}

export class DecodeStage {
  /** Values in one sample's CHW image. */
  readonly plane: number;

  constructor(private readonly s: IterSettings) {
    this.plane = s.channels * s.height * s.width;
  }

  async decode(buffer: BatchBuffer, epoch: Epoch): Promise<DecodedBuffer> {
    const s = this.s;
    const t0 = performance.now();
    const work: Array<{ sample: number; job: DecodeJob }> = [];
    buffer.samples.forEach((sample, i) => {
      if (sample.plan.inset && sample.plan.inset.width === 0) this.compose(sample, null, buffer.data, i * this.plane);
      else work.push({ sample: i, job: this.job(sample, buffer.data, i * this.plane) });
    });
    const groups = Math.min(s.threads, work.length);
    const size = Math.ceil(work.length / Math.max(groups, 1));
    const calls: Promise<(ImageError | null)[]>[] = [];
    for (let g = 0; g < work.length; g += size) calls.push(decodeIntoMany(work.slice(g, g + size).map((w) => w.job)));
    const errors = (await Promise.all(calls)).flat();
    if (epoch.abandoned) return { buffer, good: [] }; // reset or closed meanwhile
    epoch.stats.decodeMs += performance.now() - t0;
    const failed = new Set<number>();
    work.forEach((w, k) => {
      const sample = buffer.samples[w.sample]!;
      const err = errors[k];
      if (err) {
        failed.add(w.sample);
        epoch.damaged(sample.rec, sample.id, `image: ${err.message}`);
      } else if (sample.plan.inset) {
        this.compose(sample, w.job.out as Uint8Array, buffer.data, w.sample * this.plane);
      }
    });
    const good: number[] = [];
    buffer.samples.forEach((_, i) => failed.has(i) || good.push(i));
    return { buffer, good };
  }

  private job(sample: Sample, out: Float32Array | Uint8Array, offset: number): DecodeJob {
    const s = this.s;
    const { plan } = sample;
    const geometry = { channels: s.channels, filter: plan.filter, ...(plan.crop ? { crop: plan.crop } : {}) };
    if (plan.inset) {
      // Decoded raw into a scratch image the size of the inset; compose() adds the border, mirrors and normalises.
      const { width, height } = plan.inset;
      return { input: sample.image, out: new Uint8Array(s.channels * width * height), offset: 0, options: { ...geometry, width, height } };
    }
    const options: DecodeJob['options'] = { ...geometry, width: s.width, height: s.height, mirror: plan.mirror };
    if (out instanceof Float32Array) Object.assign(options, { mean: s.mean, std: s.std, scale: s.scale });
    return { input: sample.image, out, offset, options };
  }

  /** Writes a sample whose crop reaches into the pad border: fillValue around the decoded inset (CHW). */
  private compose(sample: Sample, inset: Uint8Array | null, out: Float32Array | Uint8Array, offset: number): void {
    const s = this.s;
    const box = sample.plan.inset!;
    const C = s.channels;
    // An interleaved canvas, so the codec's own mirror-and-normalise step writes the output.
    const canvas = new Uint8Array(s.width * s.height * C).fill(s.fillValue);
    if (inset) {
      for (let c = 0; c < C; c++) {
        for (let y = 0; y < box.height; y++) {
          for (let x = 0; x < box.width; x++) {
            canvas[((box.y + y) * s.width + box.x + x) * C + c] = inset[(c * box.height + y) * box.width + x]!;
          }
        }
      }
    }
    planarFromInterleaved(canvas, s.width, s.height, C, out, offset, { mirror: sample.plan.mirror, mean: s.mean, std: s.std, scale: s.scale });
  }
}
