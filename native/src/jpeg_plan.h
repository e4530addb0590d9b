// Shared by the RGB decode and the raw-YUV transcode: what to decode, at
// which DCT scale. Call after jpeg_read_header and before start_decompress.
#pragma once

#include <cstdio>

#include <jpeglib.h>

#include "codec.h"

namespace mxrec {

struct Plan {
  Rect crop;              // validated, in source pixels
  int width = 0, height = 0;  // final size
  int scale = 8;          // DCT scale numerator over 8
};

// Validates the spec against the header (pixel cap, colour space, crop) and
// sets the decoder's scale. Calls no libjpeg function that can fail.
Result planDecode(j_decompress_ptr cinfo, const DecodeSpec& spec, Plan* plan);

}  // namespace mxrec
