// allocBatch(bytes): memory for the iterator's batches, in the mxrec_io addon
// (which needs no codec library) so that the iterator's memory does not
// depend on whether the JPEG addon built.
//
// A training batch is tens of MB that the iterator fills once and hands to the
// caller. Fresh memory for each one costs the kernel a page fault per 4 KiB
// and zeroing every page: ~40% of the iterator's time, measured. So batch
// memory is mapped here, with transparent huge pages asked for (512x fewer
// faults), and when V8 collects a batch its memory goes back to a small pool
// instead of to the kernel: the next batch reuses pages that are already
// there. Only memory nothing in JS can reach is reused, so callers may keep
// batches as long as they like.
#define NAPI_VERSION 8
#include <node_api.h>
#include <sys/mman.h>

#include <cmath>
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include "batch_memory.h"

namespace {

napi_value fail(napi_env env, const char* code, const char* message) {
  napi_throw_error(env, code, message);
  return nullptr;
}

constexpr size_t kHugePage = size_t(2) << 20;
constexpr size_t kPoolCap = size_t(128) << 20;  // bytes kept for reuse, at most: a few batches

struct Mapping {
  void* data;
  size_t bytes;
};
std::mutex poolMutex;  // worker threads load the addon too
std::vector<Mapping> pool;
size_t pooled = 0;

void releaseBatch(napi_env, void* data, void* hint) {
  const size_t bytes = reinterpret_cast<size_t>(hint);
  {
    std::lock_guard<std::mutex> lock(poolMutex);
    if (pooled + bytes <= kPoolCap) {
      pool.push_back({data, bytes});
      pooled += bytes;
      return;
    }
  }
  munmap(data, bytes);
}

void* mapBatch(size_t bytes) {
  {
    std::lock_guard<std::mutex> lock(poolMutex);
    for (size_t i = 0; i < pool.size(); i++) {
      if (pool[i].bytes != bytes) continue;
      void* data = pool[i].data;
      pool[i] = pool.back();
      pool.pop_back();
      pooled -= bytes;
      return data;
    }
  }
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
#ifdef MADV_HUGEPAGE
  madvise(p, bytes, MADV_HUGEPAGE);  // advice only: without THP this is ordinary memory
#endif
  return p;
}

// allocBatch(bytes) -> ArrayBuffer. Its contents are unspecified (possibly an
// earlier batch): the caller overwrites all of it.
napi_value AllocBatch(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1] = {nullptr};
  double requested = 0;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 1 ||
      napi_get_value_double(env, argv[0], &requested) != napi_ok || !(requested > 0) ||
      requested > double(size_t(1) << 40) || requested != std::floor(requested))
    return fail(env, "BAD_ARGUMENT", "allocBatch(bytes): expected a positive whole number of bytes");
  // Whole huge pages, so the last one can be huge too and pooled sizes match.
  const size_t bytes = (size_t(requested) + kHugePage - 1) / kHugePage * kHugePage;
  void* p = mapBatch(bytes);
  if (!p) return fail(env, "TOO_LARGE", ("allocBatch: cannot map " + std::to_string(bytes) + " bytes").c_str());
  napi_value buffer;
  if (napi_create_external_arraybuffer(env, p, size_t(requested), releaseBatch, reinterpret_cast<void*>(bytes),
                                       &buffer) != napi_ok) {
    munmap(p, bytes);
    return fail(env, "UNSUPPORTED", "allocBatch: external array buffers are not allowed in this runtime");
  }
  // No napi_adjust_external_memory: V8 already counts an ArrayBuffer's length
  // as external memory. Reporting it again doubled the full GCs it drives
  // (measured: 160 against 88 in 6 epochs, and 7% fewer images/s).
  return buffer;
}

}  // namespace

void RegisterBatchMemory(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "allocBatch", NAPI_AUTO_LENGTH, AllocBatch, nullptr, &fn);
  napi_set_named_property(env, exports, "allocBatch", fn);
}
