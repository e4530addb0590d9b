import type { DecodeIntoOptions } from './types.js';

/**
 * HWC bytes -> CHW at `offset` in `out`, mirrored and normalised as
 * native/src/resize.cc's toPlanarFloat does: (x - mean[c]) * scale / std[c].
 */
export function planarFromInterleaved(
  src: Uint8Array,
  width: number,
  height: number,
  channels: number,
  out: Float32Array | Uint8Array,
  offset: number,
  options: Pick<DecodeIntoOptions, 'mirror' | 'mean' | 'std' | 'scale'>,
): void {
  const plane = width * height;
  const isFloat = out instanceof Float32Array;
  for (let c = 0; c < channels; c++) {
    const a = (options.scale ?? 1) / (options.std?.[c] ?? 1);
    const mean = options.mean?.[c] ?? 0;
    const base = offset + c * plane;
    for (let y = 0; y < height; y++) {
      const row = y * width * channels + c;
      for (let x = 0; x < width; x++) {
        const sx = options.mirror ? width - 1 - x : x;
        const v = src[row + sx * channels]!;
        out[base + y * width + x] = isFloat ? (v - mean) * a : v;
      }
    }
  }
}
