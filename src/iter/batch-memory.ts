/**
 * Memory for batches. A batch is tens of MB, filled once and handed to the
 * caller; fresh memory from the kernel costs a page fault and a zeroed page
 * per 4 KiB, about 40% of the iterator's time when measured. The addon's
 * allocBatch maps it with transparent huge pages and takes back the memory
 * of batches V8 has collected, so steady-state epochs reuse warm pages while
 * the caller may still keep any batch as long as it likes (unlike
 * `reuseBuffers`, which recycles on the iterator's schedule).
 */
import { native } from '../codec/native.js';

export function batchMemory(bytes: number): ArrayBuffer {
  return native ? native.allocBatch(bytes) : new ArrayBuffer(bytes);
}
