/**
 * The planning stage: records in, buffers of planned samples out. For each
 * record: the image header, the labels (labels.ts) and the image's size
 * from its header bytes, then the crop window, filter and mirror
 * (augment.ts). Nothing is decoded here, so this runs on the main thread,
 * cheaply and in record order, which makes every random draw depend only on
 * (seed, epoch).
 */
import { imageInfo, imageInfoSync } from '../codec/codec.js';
import { ImageError, type ImageInfo } from '../codec/types.js';
import { ImageRecordError } from '../format/errors.js';
import { isLayoutRecord } from '../format/face-layout.js';
import { type ImageRecord, unpackImageRecord } from '../format/image-record.js';
import type { Rng } from '../util/rng.js';
import { planSample } from './augment.js';
import type { BatchBuffer, BufferPool } from './batch-buffers.js';
import { type Epoch, recordName } from './epoch.js';
import type { Labeler } from './labels.js';
import type { IterSettings } from './options.js';
import type { SourceRecord } from './record-source.js';

/** The epoch's records as buffers of up to batchSize planned samples, labels filled in. */
export async function* plannedBuffers(
  records: AsyncIterator<SourceRecord>,
  s: IterSettings,
  labeler: Labeler,
  pool: BufferPool,
  rng: Rng,
  epoch: Epoch,
): AsyncGenerator<BatchBuffer> {
  const counters = epoch.stats;
  for (let ended = false; !ended && !epoch.abandoned; ) {
    const buffer = pool.take();
    while (buffer.samples.length < s.batchSize) {
      let t = performance.now();
      const step = await records.next();
      const t1 = performance.now();
      counters.readMs += t1 - t;
      if (step.done || epoch.abandoned) {
        ended = true;
        break;
      }
      const rec = step.value;
      t = t1;
      let image: ImageRecord;
      try {
        image = unpackImageRecord(rec.payload);
      } catch (err) {
        if (!(err instanceof ImageRecordError)) throw err;
        epoch.damaged(rec, undefined, `not an image record: ${err.message}`);
        continue;
      }
      // insightface's record 0 and identity records hold key ranges, not images: no sample, and no damage.
      if (isLayoutRecord(image)) continue;
      let info: ImageInfo | null;
      try {
        info = imageInfoSync(image.image) ?? (await imageInfo(image.image));
      } catch (err) {
        if (!(err instanceof ImageError)) throw err;
        epoch.damaged(rec, image.id, `image: ${err.message}`);
        continue;
      }
      labeler(image, buffer.label, buffer.samples.length * s.labelWidth, recordName(rec, image.id));
      buffer.samples.push({ rec, image: image.image, id: image.id, plan: planSample(info.width, info.height, s, rng) });
      counters.prepareMs += performance.now() - t;
    }
    if (buffer.samples.length > 0 && !epoch.abandoned) yield buffer;
    else pool.recycle(buffer);
  }
}
