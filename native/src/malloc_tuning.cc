// keepFreedMemory(): glibc's malloc set to keep the memory it is given back
// (the commands call it first thing, from bin/launch.cjs, before libuv's
// pool threads start). Why: a codec thread's large blocks (a progressive
// JPEG's coefficients, tens of MB; decoded photos) come from glibc's
// per-thread arenas, whose heaps are at most 64 MB: larger or fragmented
// requests are mapped fresh and unmapped when freed, so every photo faults
// its memory in again (4,000 to 7,000 faults each on the VMs measured, over
// 10 us apiece). With one arena (the main one, which grows without that
// limit), blocks served from it up to 256 MB and free memory kept up to
// 1 GB, the next photo reuses the pages the last one had: a pack of 28
// progressive wallpapers took 5.5 s instead of 6.7. What the user set in
// MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_ or MALLOC_TRIM_THRESHOLD_ stays,
// and with any glibc.malloc tunable in GLIBC_TUNABLES nothing is changed.
// The cost: memory freed stays in the process (up to 1 GB), so RSS stays
// near its high mark and free gaps in the one heap count in it; the bounds
// tests (1.5 GB) hold with it. One arena means one lock for every thread's
// malloc; the codec mallocs a few times per image, so at 2 cores the pack
// was 3% faster, not slower (not measured past 2 cores).
#define NAPI_VERSION 8
#include <node_api.h>

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "malloc_tuning.h"

namespace {

napi_value KeepFreedMemory(napi_env env, napi_callback_info) {
  bool tuned = false;
#if defined(__GLIBC__)
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables && std::strstr(tunables, "glibc.malloc.")) goto done;
  if (!std::getenv("MALLOC_ARENA_MAX")) tuned = mallopt(M_ARENA_MAX, 1) == 1 || tuned;
  if (!std::getenv("MALLOC_MMAP_THRESHOLD_")) tuned = mallopt(M_MMAP_THRESHOLD, 256 << 20) == 1 || tuned;
  if (!std::getenv("MALLOC_TRIM_THRESHOLD_")) tuned = mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1 || tuned;
done:
#endif
  napi_value result;
  napi_get_boolean(env, tuned, &result);
  return result;
}

}  // namespace

void RegisterMallocTuning(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "keepFreedMemory", NAPI_AUTO_LENGTH, KeepFreedMemory, nullptr, &fn);
  napi_set_named_property(env, exports, "keepFreedMemory", fn);
}
