// JPEG decoding over libjpeg's API: header, DCT-scaled region decode, resize.
#include <csetjmp>
#include <cstdio>  // jpeglib.h needs FILE
#include <cmath>
#include <cstring>
#include <algorithm>

#include <jpeglib.h>
#include <jerror.h>

#include "codec.h"
#include "jpeg_glue.h"
#include "jpeg_plan.h"

namespace mxrec {

namespace {

// libjpeg's scale factors are M/8. Only 1/8, 2/8 and 4/8 have SIMD inverse
// DCTs in libjpeg-turbo; the others are scalar and slower than decoding at
// full size (measured: 6/8 takes 3x as long as 8/8), so only those are used.
int pickScale(int cropW, int cropH, int targetW, int targetH) {
  for (int m = 1; m < 8; m *= 2) {
    if (static_cast<int64_t>(cropW) * m >= static_cast<int64_t>(targetW) * 8 &&
        static_cast<int64_t>(cropH) * m >= static_cast<int64_t>(targetH) * 8)
      return m;
  }
  return 8;
}

bool supportedColorSpace(J_COLOR_SPACE cs) {
  return cs == JCS_GRAYSCALE || cs == JCS_YCbCr || cs == JCS_RGB;
}

}  // namespace

Result readHeader(const uint8_t* data, size_t size, Header* header) {
  jpeg_decompress_struct cinfo;
  ErrorManager jerr;
  cinfo.err = jerr.install();
  if (setjmp(jerr.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return jerr.result;
  }
  openDecompress(&cinfo, data, size);
  header->width = static_cast<int>(cinfo.image_width);
  header->height = static_cast<int>(cinfo.image_height);
  header->channels = cinfo.num_components;
  header->progressive = cinfo.progressive_mode != 0;
  Result result = jerr.result;
  jpeg_destroy_decompress(&cinfo);
  return result;
}

Result planDecode(j_decompress_ptr cinfo, const DecodeSpec& spec, Plan* plan) {
  const int W = static_cast<int>(cinfo->image_width), H = static_cast<int>(cinfo->image_height);
  if (spec.maxPixels && static_cast<uint64_t>(W) * static_cast<uint64_t>(H) > spec.maxPixels)
    return fail(Status::TooLarge, "image of " + std::to_string(W) + "x" + std::to_string(H) +
                                      " pixels is over the limit of " + std::to_string(spec.maxPixels) +
                                      " pixels");
  if (!supportedColorSpace(cinfo->jpeg_color_space)) return fail(Status::Unsupported, "CMYK/YCCK JPEG");
  Rect crop = spec.crop;
  if (crop.w == 0 && crop.h == 0) crop = Rect{0, 0, W, H};
  if (crop.x < 0 || crop.y < 0 || crop.w <= 0 || crop.h <= 0 ||
      static_cast<int64_t>(crop.x) + crop.w > W || static_cast<int64_t>(crop.y) + crop.h > H)
    return fail(Status::BadArgument, "crop " + std::to_string(crop.x) + "," + std::to_string(crop.y) + " " +
                                         std::to_string(crop.w) + "x" + std::to_string(crop.h) +
                                         " is outside the " + std::to_string(W) + "x" + std::to_string(H) +
                                         " image");
  plan->crop = crop;
  plan->width = spec.width > 0 ? spec.width : crop.w;
  plan->height = spec.height > 0 ? spec.height : crop.h;
  plan->scale = pickScale(crop.w, crop.h, plan->width, plan->height);
  cinfo->scale_num = static_cast<unsigned>(plan->scale);
  cinfo->scale_denom = 8;
  if (spec.fast) {
    cinfo->do_fancy_upsampling = FALSE;
    cinfo->dct_method = JDCT_IFAST;
  }
  return Result();
}

Result decode(const uint8_t* data, size_t size, const DecodeSpec& spec, Image* out) {
  jpeg_decompress_struct cinfo;
  ErrorManager jerr;
  cinfo.err = jerr.install();
  Image scaled;  // outlives a longjmp: it lives in this frame, set up before setjmp
  std::vector<JSAMPROW> rows;
  if (setjmp(jerr.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return jerr.result;
  }
  openDecompress(&cinfo, data, size);

  Plan plan;
  Result planned = planDecode(&cinfo, spec, &plan);
  if (!planned.ok()) {
    jpeg_destroy_decompress(&cinfo);
    return planned;
  }
  const Rect crop = plan.crop;
  const int targetW = plan.width, targetH = plan.height, m = plan.scale;
  cinfo.out_color_space = spec.gray ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_calc_output_dimensions(&cinfo);

  // The crop window in the scaled image (exactly m/8 of source pixels).
  const double f = m / 8.0;
  const Window win = spec.window.w > 0 ? spec.window : Window{double(crop.x), double(crop.y), double(crop.w), double(crop.h)};
  const double wx = win.x * f, wy = win.y * f, ww = win.w * f, wh = win.h * f;
  const int outW = static_cast<int>(cinfo.output_width), outH = static_cast<int>(cinfo.output_height);
  int x0 = std::max(0, static_cast<int>(std::floor(wx)));
  int x1 = std::min(outW, static_cast<int>(std::ceil(wx + ww)));
  int y0 = std::max(0, static_cast<int>(std::floor(wy)));
  int y1 = std::min(outH, static_cast<int>(std::ceil(wy + wh)));
  if (x1 <= x0) x1 = std::min(outW, x0 + 1);
  if (y1 <= y0) y1 = std::min(outH, y0 + 1);

  // Chroma is upsampled with its neighbours ("fancy" upsampling), and a region's
  // edges count as the image's edges: decode a few columns more on each side
  // so the kept columns get their true neighbouring chroma, as in a full decode.
  const int margin = 2 * cinfo.max_h_samp_factor;
  const int decodeX0 = std::max(0, x0 - margin), decodeX1 = std::min(outW, x1 + margin);

  jpeg_start_decompress(&cinfo);
  JDIMENSION xoff = static_cast<JDIMENSION>(decodeX0), cw = static_cast<JDIMENSION>(decodeX1 - decodeX0);
  // Only whole iMCU columns can be skipped: libjpeg moves xoff left and
  // widens cw to the nearest boundary, so the window shifts by x0 - xoff.
  if (cw < cinfo.output_width) jpeg_crop_scanline(&cinfo, &xoff, &cw);
  const int channels = cinfo.output_components;
  scaled.width = static_cast<int>(cw);
  scaled.height = y1 - y0;
  scaled.channels = channels;
  scaled.pixels.resize(static_cast<size_t>(scaled.width) * scaled.height * channels);
  rows.resize(static_cast<size_t>(scaled.height));
  for (int r = 0; r < scaled.height; r++)
    rows[static_cast<size_t>(r)] = scaled.pixels.data() + static_cast<size_t>(r) * scaled.width * channels;
  if (y0 > 0) jpeg_skip_scanlines(&cinfo, static_cast<JDIMENSION>(y0));
  JDIMENSION done = 0;
  while (done < static_cast<JDIMENSION>(scaled.height)) {
    JDIMENSION got = jpeg_read_scanlines(&cinfo, rows.data() + done,
                                         static_cast<JDIMENSION>(scaled.height) - done);
    if (got == 0) break;  // suspension cannot happen with a memory source
    done += got;
  }
  // Rows below the crop are never decoded: abort instead of finishing.
  jpeg_abort_decompress(&cinfo);
  Result result = jerr.result;
  jpeg_destroy_decompress(&cinfo);
  if (!result.ok()) return result;

  const double sx = wx - xoff, sy = wy - y0;
  const bool whole = sx == std::floor(sx) && sy == 0 && ww == targetW && wh == targetH;
  if (whole && sx == 0 && targetW == scaled.width && targetH == scaled.height) {
    *out = std::move(scaled);
  } else if (whole) {
    // No resampling: cut the window's rows out of the decoded strip.
    out->width = targetW;
    out->height = targetH;
    out->channels = channels;
    out->pixels.resize(static_cast<size_t>(targetW) * targetH * channels);
    const size_t rowBytes = static_cast<size_t>(targetW) * channels;
    for (int r = 0; r < targetH; r++)
      std::memcpy(out->pixels.data() + r * rowBytes,
                  scaled.pixels.data() + (static_cast<size_t>(r) * scaled.width + static_cast<size_t>(sx)) * channels, rowBytes);
  } else {
    resize(scaled, sx, sy, ww, wh, targetW, targetH, spec.filter, out);
  }
  return result;
}

}  // namespace mxrec
