/**
 * Thumbnails for `rec view`, through the image codec (the addon decodes JPEGs
 * at the smallest DCT scale that covers the thumbnail, so a sheet of big
 * photos is quick). Pixels as stored, no EXIF rotation: what training sees.
 */
import { imageInfo, transcodeMany } from '../../codec/codec.js';
import type { ViewItem } from './select.js';

export interface Thumbnail {
  /** JPEG bytes, or null when the image could not be decoded (see `error`). */
  jpeg: Uint8Array | null;
  width: number;
  height: number;
  /** The stored image's size and bands, when its header could be read. */
  source: { width: number; height: number; channels: number } | null;
  error: string | null;
}

/** Fits width x height inside a size x size box, keeping the aspect ratio (small images are enlarged). */
export function fitInside(width: number, height: number, size: number): { width: number; height: number } {
  const scale = size / Math.max(width, height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** Images converted per codec call: bounds the decoded memory in flight. */
const CHUNK = 32;

export async function makeThumbnails(items: readonly ViewItem[], size: number, onDone?: (n: number) => void, signal?: AbortSignal): Promise<Thumbnail[]> {
  const out: Thumbnail[] = [];
  for (let start = 0; start < items.length; start += CHUNK) {
    signal?.throwIfAborted();
    const chunk = items.slice(start, start + CHUNK);
    const infos = await Promise.all(chunk.map((item) => imageInfo(item.image).catch((err: Error) => err)));
    const todo = chunk.flatMap((item, i) => (infos[i] instanceof Error ? [] : [{ item, i }]));
    const encoded = await transcodeMany(
      todo.map((t) => t.item.image),
      todo.map(({ i }) => {
        const info = infos[i] as { width: number; height: number };
        return { ...fitInside(info.width, info.height, size), color: 'rgb' as const, quality: 85, filter: 'area' as const };
      }),
    );
    const byIndex = new Map(todo.map((t, k) => [t.i, encoded[k]!]));
    chunk.forEach((_, i) => {
      const info = infos[i]!;
      const source = info instanceof Error ? null : { width: info.width, height: info.height, channels: info.channels };
      const result = info instanceof Error ? info : byIndex.get(i)!;
      if (result instanceof Error) out.push({ jpeg: null, width: size, height: size, source, error: result.message });
      else out.push({ jpeg: result.data, width: result.width, height: result.height, source, error: null });
    });
    onDone?.(out.length);
  }
  return out;
}
