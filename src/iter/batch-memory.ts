/**
 * Memory for batches. A batch is tens of MB, filled once and handed to the
 * caller; fresh memory from the kernel costs a page fault and a zeroed page
 * per 4 KiB, about 40% of the iterator's time when measured. The mxrec_io
 * addon's allocBatch (native/src/batch_memory.cc) maps it with transparent
 * huge pages and takes back the memory of batches V8 has collected, so
 * steady-state epochs reuse warm pages while the caller may still keep any
 * batch as long as it likes (unlike `reuseBuffers`, which recycles on the
 * iterator's schedule). It is the small addon that needs no codec library,
 * so the iterator's memory does not depend on which codec runs. The lifetime
 * rules: ARCHITECTURE.md, "Batch memory".
 */
import { loadAddon } from '../native/load-addon.js';

const io = loadAddon<{ allocBatch(bytes: number): ArrayBuffer }>('mxrec_io').addon;

export function batchMemory(bytes: number): ArrayBuffer {
  return io ? io.allocBatch(bytes) : new ArrayBuffer(bytes);
}
