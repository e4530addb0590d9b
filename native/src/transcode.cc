// JPEG -> resized JPEG. Colour JPEGs (YCbCr with subsampled or full chroma,
// the usual case) stay in YCbCr planes from the decoder to the encoder: no
// chroma upsampling, no colour conversion either way, and the chroma planes
// are resized at their own (quarter) size. Measured: the decoder alone spends
// ~20% less time in raw mode. Anything else decodes to RGB and re-encodes.
#include <algorithm>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstring>

#include <jpeglib.h>

#include "codec.h"
#include "jpeg_glue.h"
#include "jpeg_plan.h"

namespace mxrec {

namespace {

// One component as libjpeg's raw interface reads and writes it: rows padded
// to whole blocks, `stride` bytes apart.
struct Plane {
  std::vector<uint8_t> px;
  int width = 0, height = 0;  // meaningful samples
  size_t stride = 0;
  int rows = 0;               // allocated rows (whole iMCU rows)
};

bool rawEligible(const jpeg_decompress_struct& c, const DecodeSpec& spec) {
  if (spec.gray || spec.fast || c.jpeg_color_space != JCS_YCbCr || c.num_components != 3) return false;
  for (int ci = 1; ci < 3; ci++)
    if (c.comp_info[ci].h_samp_factor != 1 || c.comp_info[ci].v_samp_factor != 1) return false;
  return true;
}

// Repeats the last meaningful column and row into the padding, which the
// encoder reads as part of its edge blocks.
void padEdges(Plane* p) {
  for (int y = 0; y < p->height; y++) {
    uint8_t* row = p->px.data() + static_cast<size_t>(y) * p->stride;
    std::memset(row + p->width, row[p->width - 1], p->stride - static_cast<size_t>(p->width));
  }
  for (int y = p->height; y < p->rows; y++)
    std::memcpy(p->px.data() + static_cast<size_t>(y) * p->stride,
                p->px.data() + static_cast<size_t>(p->height - 1) * p->stride, p->stride);
}

// A plane of width x height samples in whole blocks of blockRows x blockCols,
// for the encoder; resizeTo fills the samples, padEdges the rest.
void allocate(int width, int height, int blockRows, int blockCols, Plane* p) {
  p->width = width;
  p->height = height;
  p->stride = static_cast<size_t>((width + blockCols - 1) / blockCols * blockCols);
  p->rows = (height + blockRows - 1) / blockRows * blockRows;
  p->px.resize(p->stride * p->rows);
}

// Encodes Y at width x height and Cb, Cr at half size (4:2:0, libjpeg's default).
Result encodePlanes(Plane planes[3], int width, int height, int quality, std::vector<uint8_t>* out) {
  jpeg_compress_struct cinfo;
  ErrorManager jerr;
  cinfo.err = jerr.install();
  JpegMemory mem;
  JSAMPROW rows[3][16];
  JSAMPARRAY arrays[3] = {rows[0], rows[1], rows[2]};
  if (setjmp(jerr.jump)) {
    jpeg_destroy_compress(&cinfo);
    std::free(mem.data);
    return jerr.result;
  }
  openCompress(&cinfo, &mem, width, height, 3, JCS_YCbCr, quality);
  cinfo.raw_data_in = TRUE;
  jpeg_start_compress(&cinfo, TRUE);
  for (int y = 0; y < height; y += 16) {
    for (int r = 0; r < 16; r++) {
      rows[0][r] = planes[0].px.data() + static_cast<size_t>(y + r) * planes[0].stride;
      if (r < 8) {
        rows[1][r] = planes[1].px.data() + static_cast<size_t>(y / 2 + r) * planes[1].stride;
        rows[2][r] = planes[2].px.data() + static_cast<size_t>(y / 2 + r) * planes[2].stride;
      }
    }
    jpeg_write_raw_data(&cinfo, arrays, 16);
  }
  jpeg_finish_compress(&cinfo);
  out->assign(mem.data, mem.data + mem.size);
  jpeg_destroy_compress(&cinfo);
  std::free(mem.data);
  return jerr.result;
}

}  // namespace

Result transcode(const uint8_t* data, size_t size, const DecodeSpec& spec, int quality, Encoded* out) {
  if (Result q = checkQuality(quality); !q.ok()) return q;  // before any decoding
  jpeg_decompress_struct cinfo;
  ErrorManager jerr;
  cinfo.err = jerr.install();
  Plane in[3];
  Plan plan;
  std::vector<JSAMPROW> rowPtrs;
  if (setjmp(jerr.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return jerr.result;
  }
  openDecompress(&cinfo, data, size);
  const bool raw = rawEligible(cinfo, spec);
  if (!raw) {  // the general path: RGB (or gray) pixels in between
    jpeg_destroy_decompress(&cinfo);
    Image img;
    Result r = decode(data, size, spec, &img);
    if (!r.ok()) return r;
    const int warnings = r.warnings;
    r = encode(img, quality, &out->data);
    r.warnings += warnings;
    out->width = img.width;
    out->height = img.height;
    out->channels = img.channels;
    return r;
  }
  {
    Result planned = planDecode(&cinfo, spec, &plan);
    if (!planned.ok()) {
      jpeg_destroy_decompress(&cinfo);
      return planned;
    }
  }
  cinfo.raw_data_out = TRUE;
  jpeg_start_decompress(&cinfo);

  // Per component: rows per iMCU row, and the padded width libjpeg writes.
  int iMcuRows[3];
  JSAMPROW* ptrs[3];
  rowPtrs.resize(3 * 64);
  for (int ci = 0; ci < 3; ci++) {
    const jpeg_component_info& c = cinfo.comp_info[ci];
    iMcuRows[ci] = c.v_samp_factor * c.DCT_scaled_size;
    const JDIMENSION blocks = std::max(c.width_in_blocks, cinfo.MCUs_per_row * static_cast<JDIMENSION>(c.h_samp_factor));
    in[ci].stride = static_cast<size_t>(blocks) * c.DCT_scaled_size;
    in[ci].rows = static_cast<int>(cinfo.total_iMCU_rows) * iMcuRows[ci];
    in[ci].width = static_cast<int>(c.downsampled_width);
    in[ci].height = static_cast<int>(c.downsampled_height);
    in[ci].px.resize(in[ci].stride * static_cast<size_t>(in[ci].rows));
    ptrs[ci] = rowPtrs.data() + ci * 64;
  }
  const JDIMENSION lumaRows = static_cast<JDIMENSION>(cinfo.max_v_samp_factor * cinfo.min_DCT_scaled_size);
  for (JDIMENSION row = 0; row < cinfo.total_iMCU_rows; row++) {
    for (int ci = 0; ci < 3; ci++)
      for (int r = 0; r < iMcuRows[ci] && r < 64; r++)
        ptrs[ci][r] = in[ci].px.data() + (static_cast<size_t>(row) * iMcuRows[ci] + r) * in[ci].stride;
    JSAMPARRAY arrays[3] = {ptrs[0], ptrs[1], ptrs[2]};
    if (jpeg_read_raw_data(&cinfo, arrays, lumaRows) == 0) break;
  }
  Result result = jerr.result;
  // Resize each plane from its own grid: component ci samples the source at
  // h_samp * DCT_scaled_size / (max_h * 8) per source pixel.
  Plane outPlanes[3];
  const int outW[3] = {plan.width, (plan.width + 1) / 2, (plan.width + 1) / 2};
  const int outH[3] = {plan.height, (plan.height + 1) / 2, (plan.height + 1) / 2};
  for (int ci = 0; ci < 3; ci++) {
    const jpeg_component_info& c = cinfo.comp_info[ci];
    const double fx = static_cast<double>(c.h_samp_factor * c.DCT_scaled_size) / (cinfo.max_h_samp_factor * 8);
    const double fy = static_cast<double>(c.v_samp_factor * c.DCT_scaled_size) / (cinfo.max_v_samp_factor * 8);
    // A chroma output sample spans two luma outputs; an odd-sized output's
    // last chroma sample reaches half a luma pixel past the edge.
    const double sx = ci == 0 ? 1.0 : 2.0 * outW[ci] / plan.width;
    const double sy = ci == 0 ? 1.0 : 2.0 * outH[ci] / plan.height;
    // Straight into the encoder's plane: no copy between.
    allocate(outW[ci], outH[ci], ci == 0 ? 16 : 8, ci == 0 ? 16 : 8, &outPlanes[ci]);
    resizeTo(in[ci].px.data(), in[ci].stride, in[ci].width, in[ci].height, 1, plan.crop.x * fx, plan.crop.y * fy,
             plan.crop.w * fx * sx, plan.crop.h * fy * sy, outW[ci], outH[ci], spec.filter, outPlanes[ci].px.data(),
             outPlanes[ci].stride);
    padEdges(&outPlanes[ci]);
  }
  jpeg_abort_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  if (!result.ok()) return result;
  Result encoded = encodePlanes(outPlanes, plan.width, plan.height, quality, &out->data);
  encoded.warnings += result.warnings;
  out->width = plan.width;
  out->height = plan.height;
  out->channels = 3;
  return encoded;
}

Result encodePixels(const uint8_t* pixels, int width, int height, int channels, const DecodeSpec& spec,
                    int quality, Encoded* out) {
  if (channels != 1 && channels != 3) return fail(Status::BadArgument, "pixels must have 1 or 3 channels");
  if (spec.gray != (channels == 1)) return fail(Status::BadArgument, "gray output needs 1-channel pixels, colour 3");
  if (width <= 0 || height <= 0) return fail(Status::BadArgument, "pixel width and height must be positive");
  Rect c = spec.crop.w == 0 ? Rect{0, 0, width, height} : spec.crop;
  if (c.x < 0 || c.y < 0 || c.w <= 0 || c.h <= 0 || c.x > width - c.w || c.y > height - c.h)
    return fail(Status::BadArgument, "crop " + std::to_string(c.x) + "," + std::to_string(c.y) + " " +
                                         std::to_string(c.w) + "x" + std::to_string(c.h) + " is outside the " +
                                         std::to_string(width) + "x" + std::to_string(height) + " image");
  const int tw = spec.width > 0 ? spec.width : c.w;
  const int th = spec.height > 0 ? spec.height : c.h;
  const size_t stride = static_cast<size_t>(width) * channels;
  const uint8_t* origin = pixels + static_cast<size_t>(c.y) * stride + static_cast<size_t>(c.x) * channels;
  Image img;
  if (tw == c.w && th == c.h) {
    img.width = c.w;
    img.height = c.h;
    img.channels = channels;
    const size_t row = static_cast<size_t>(c.w) * channels;
    img.pixels.resize(row * c.h);
    for (int y = 0; y < c.h; y++) std::memcpy(img.pixels.data() + y * row, origin + y * stride, row);
  } else {
    resizeView(origin, stride, c.w, c.h, channels, 0, 0, c.w, c.h, tw, th, spec.filter, &img);
  }
  Result r = encode(img, quality, &out->data);
  if (!r.ok()) return r;
  out->width = img.width;
  out->height = img.height;
  out->channels = img.channels;
  return r;
}

}  // namespace mxrec
