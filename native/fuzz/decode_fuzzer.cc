// libFuzzer target: every decoder entry point on arbitrary bytes. The first
// input byte picks the geometry, so crops, DCT scales, filters and the
// raw-YUV transcode all get exercised. Built and run by native/check.sh.
#include <cstddef>
#include <cstdint>

#include "../src/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t knob = data[0];
  data++;
  size--;
  mxrec::Header h;
  if (!mxrec::readHeader(data, size, &h).ok()) return 0;
  mxrec::DecodeSpec spec;
  spec.maxPixels = 4096 * 4096;  // keep each run fast; the cap itself is under test too
  spec.gray = knob & 1;
  spec.filter = static_cast<mxrec::Filter>((knob >> 1) % 5);
  if (knob & 8) {  // a crop inside the declared size
    spec.crop = mxrec::Rect{h.width / 4, h.height / 5, h.width / 2 + 1, h.height / 2 + 1};
    if (spec.crop.x + spec.crop.w > h.width || spec.crop.y + spec.crop.h > h.height) spec.crop = mxrec::Rect{};
  }
  if (knob & 16) {
    spec.width = 1 + (knob >> 5) * 37;
    spec.height = 1 + (knob >> 5) * 23;
  }
  mxrec::Image img;
  mxrec::decode(data, size, spec, &img);
  mxrec::Encoded enc;
  mxrec::transcode(data, size, spec, 90, &enc);
  return 0;
}
