/**
 * Thumbnails for `rec view`, through the image codec (the addon decodes JPEGs
 * at the smallest DCT scale that covers the thumbnail, so a sheet of big
 * photos is quick). Pixels as stored, no EXIF rotation: what training sees.
 */
import { imageInfo, transcodeMany } from '../../codec/codec.js';
import type { ViewItem } from './select.js';
import { VIEW_BATCH_BYTES as CHUNK_BYTES } from '../../io/limits.js';

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

/** Items from `start`: up to CHUNK of them and CHUNK_BYTES of their images, at least one. */
function chunkAt(items: readonly ViewItem[], start: number): ViewItem[] {
  let end = start + 1;
  let bytes = items[start]!.size;
  while (end < items.length && end - start < CHUNK && bytes + items[end]!.size <= CHUNK_BYTES) bytes += items[end++]!.size;
  return items.slice(start, end);
}

/**
 * Thumbnails of `items`, whose images `load` gives (kept, or read again), a
 * chunk at a time; `alone` says the image is its chunk's only one (its
 * bytes need last only until the next load). `signal` is checked at every chunk.
 */
export async function makeThumbnails(
  items: readonly ViewItem[],
  size: number,
  load: (item: ViewItem, alone: boolean) => Promise<Uint8Array>,
  onDone?: (n: number) => void,
  signal?: AbortSignal,
): Promise<Thumbnail[]> {
  const out: Thumbnail[] = [];
  for (let start = 0; start < items.length; ) {
    signal?.throwIfAborted();
    const chunk = chunkAt(items, start);
    start += chunk.length;
    const images: Uint8Array[] = [];
    for (const item of chunk) images.push(await load(item, chunk.length === 1));
    const infos = await Promise.all(images.map((image) => imageInfo(image).catch((err: Error) => err)));
    const todo = chunk.flatMap((item, i) => (infos[i] instanceof Error ? [] : [{ item, i }]));
    const encoded = await transcodeMany(
      todo.map((t) => images[t.i]!),
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
