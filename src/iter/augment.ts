/**
 * What ImageRecordIter does to one image, decided from its size alone before
 * any pixel is decoded, so the decoder reads only the region it keeps.
 *
 * MXNet's default augmenter works in stages on decoded pixels: resize the
 * shorter edge to `resize`, add a `pad` border of `fillValue`, then crop:
 *   - randomResizedCrop: up to 10 tries at a random area share and (log-uniform)
 *     aspect ratio; the first that fits is resized to the data shape;
 *   - otherwise (or when all tries fail) the data shape's size is cut out,
 *     centred or, with randCrop, at a random place; an image smaller than the
 *     data shape is first scaled up, aspect kept, until it covers it;
 * then mirrors (always with `mirror`, half the time with `randMirror`).
 *
 * Here all of that becomes one window in source pixels (fractional edges
 * allowed) that the codec resamples straight to the data shape: resampling a
 * window is the same as resizing everything and then cropping. A window that
 * reaches into the pad border also says where the image lands in the output
 * (`inset`); the rest is `fillValue`.
 */
import { shorterEdgeSize } from '../codec/codec.js';
import { interMethodFilter } from '../codec/inter-method.js';
import type { Crop, Filter } from '../codec/types.js';
import type { IterSettings } from './options.js';
import type { Rng } from '../util/rng.js';

export interface SamplePlan {
  /** Source window to resample to the data shape; null when only border shows. */
  crop: Crop | null;
  filter: Filter;
  mirror: boolean;
  /** Set when the window reaches into the pad border: the image's place in the output, in output pixels. */
  inset?: Crop;
}

type Settings = Pick<
  IterSettings,
  | 'width' | 'height' | 'resize' | 'pad' | 'randCrop' | 'randomResizedCrop' | 'minRandomArea' | 'maxRandomArea'
  | 'minAspectRatio' | 'maxAspectRatio' | 'interMethod' | 'mirror' | 'randMirror'
>;

const TRIES = 10;

/** The crop in the resized, padded image ("stage" pixels). */
function stageCrop(stageW: number, stageH: number, s: Settings, rng: Rng): Crop {
  const outW = s.width;
  const outH = s.height;
  if (s.randomResizedCrop && (s.minRandomArea !== 1 || s.maxRandomArea !== 1 || s.maxAspectRatio !== 0)) {
    const area = stageW * stageH;
    const logMin = Math.log(s.minAspectRatio);
    const logMax = Math.log(s.maxAspectRatio > 0 ? s.maxAspectRatio : 1);
    for (let i = 0; i < TRIES; i++) {
      const target = area * rng.between(s.minRandomArea, s.maxRandomArea);
      const ratio = Math.exp(rng.between(logMin, logMax));
      const w = Math.round(Math.sqrt(target * ratio));
      const h = Math.round(Math.sqrt(target / ratio));
      if (w >= 1 && h >= 1 && w <= stageW && h <= stageH) {
        return { x: rng.int(0, stageW - w), y: rng.int(0, stageH - h), width: w, height: h };
      }
    }
  }
  if (stageW < outW || stageH < outH) {
    // Scale up until the data shape fits, aspect kept: a window of the data shape's aspect.
    const k = Math.max(outW / stageW, outH / stageH);
    const w = Math.min(stageW, outW / k);
    const h = Math.min(stageH, outH / k);
    const x = s.randCrop ? rng.between(0, stageW - w) : (stageW - w) / 2;
    const y = s.randCrop ? rng.between(0, stageH - h) : (stageH - h) / 2;
    return { x, y, width: w, height: h };
  }
  const x = s.randCrop ? rng.int(0, stageW - outW) : Math.floor((stageW - outW) / 2);
  const y = s.randCrop ? rng.int(0, stageH - outH) : Math.floor((stageH - outH) / 2);
  return { x, y, width: outW, height: outH };
}

export function planSample(width: number, height: number, s: Settings, rng: Rng): SamplePlan {
  const resized = s.resize > 0 ? shorterEdgeSize(width, height, s.resize) : { width, height };
  const p = s.pad;
  const c = stageCrop(resized.width + 2 * p, resized.height + 2 * p, s, rng);
  // Source pixels per stage pixel.
  const fx = width / resized.width;
  const fy = height / resized.height;
  const filter = interMethodFilter(
    s.interMethod,
    { width: c.width * fx, height: c.height * fy },
    { width: s.width, height: s.height },
    () => rng.int(0, 4),
  );
  const mirror = s.mirror || (s.randMirror && rng.uniform() < 0.5);

  // The part of the crop that shows the image, in stage pixels.
  const x0 = Math.max(c.x, p);
  const y0 = Math.max(c.y, p);
  const x1 = Math.min(c.x + c.width, p + resized.width);
  const y1 = Math.min(c.y + c.height, p + resized.height);
  const toSource = (sx0: number, sy0: number, sx1: number, sy1: number): Crop => {
    const x = (sx0 - p) * fx;
    const y = (sy0 - p) * fy;
    // Clamped: float rounding must not push the window past the image's edge.
    return { x, y, width: Math.min((sx1 - p) * fx, width) - x, height: Math.min((sy1 - p) * fy, height) - y };
  };
  if (x0 === c.x && y0 === c.y && x1 === c.x + c.width && y1 === c.y + c.height) {
    return { crop: toSource(x0, y0, x1, y1), filter, mirror };
  }
  // Into the border: where the image lands in the output, in whole output pixels.
  const ox = s.width / c.width;
  const oy = s.height / c.height;
  const ix0 = Math.round((x0 - c.x) * ox);
  const iy0 = Math.round((y0 - c.y) * oy);
  const ix1 = Math.round((x1 - c.x) * ox);
  const iy1 = Math.round((y1 - c.y) * oy);
  if (ix1 <= ix0 || iy1 <= iy0) return { crop: null, filter, mirror, inset: { x: 0, y: 0, width: 0, height: 0 } };
  return { crop: toSource(x0, y0, x1, y1), filter, mirror, inset: { x: ix0, y: iy0, width: ix1 - ix0, height: iy1 - iy0 } };
}
