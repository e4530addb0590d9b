// countAlignedMagic(bytes): how many 4-byte-aligned offsets of `bytes` hold
// RecordIO's magic word (0xced7230a, little-endian). `rec verify` asks this of
// every payload: dmlc's writer splits a record at each such offset, so a whole
// record that still holds one was not written by a dmlc-compatible writer. In
// JavaScript the check is a substring search, which stops at every 0x0a byte
// (one in 256 of image data); this loop compares words and vectorizes.
#define NAPI_VERSION 8
#include <node_api.h>

#include <cstdint>
#include <cstring>

#include "aligned_magic.h"

namespace {

constexpr uint32_t kMagic = 0xced7230a;

// Counts with plain compares so that the compiler can vectorize the loop (-O3).
size_t CountWords(const uint8_t* data, size_t words) {
  size_t count = 0;
  for (size_t i = 0; i < words; i++) {
    uint32_t word;
    std::memcpy(&word, data + 4 * i, 4);  // unaligned-safe; a plain load on x86 and arm64
    count += word == kMagic;
  }
  return count;
}

napi_value CountAlignedMagic(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  bool isTyped = false;
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 1 ||
      napi_is_typedarray(env, argv[0], &isTyped) != napi_ok || !isTyped ||
      napi_get_typedarray_info(env, argv[0], &type, &length, &data, nullptr, nullptr) != napi_ok || type != napi_uint8_array) {
    napi_throw_error(env, "BAD_ARGUMENT", "countAlignedMagic(bytes): expected a Uint8Array");
    return nullptr;
  }
  napi_value result;
  napi_create_double(env, static_cast<double>(length < 4 ? 0 : CountWords(static_cast<const uint8_t*>(data), length / 4)), &result);
  return result;
}

}  // namespace

void RegisterAlignedMagic(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "countAlignedMagic", NAPI_AUTO_LENGTH, CountAlignedMagic, nullptr, &fn);
  napi_set_named_property(env, exports, "countAlignedMagic", fn);
}
