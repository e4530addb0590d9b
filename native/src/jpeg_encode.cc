// JPEG encoding to memory, with libjpeg's defaults (baseline, 4:2:0 chroma,
// standard tables): what cv2.imencode and MXNet's im2rec write.
#include <csetjmp>
#include <cstdio>
#include <cstdlib>

#include <jpeglib.h>

#include "codec.h"
#include "jpeg_errors.h"

namespace mxrec {

Result encode(const Image& image, int quality, std::vector<uint8_t>* out) {
  if (quality < 1 || quality > 100)
    return fail(Status::BadArgument, "quality must be 1..100, got " + std::to_string(quality));
  if (image.channels != 1 && image.channels != 3)
    return fail(Status::BadArgument, "JPEG output needs 1 or 3 channels, got " + std::to_string(image.channels));
  jpeg_compress_struct cinfo;
  ErrorManager jerr;
  cinfo.err = jerr.install();
  struct Memory {
    unsigned char* data = nullptr;
    unsigned long size = 0;
  } mem;  // written by libjpeg through pointers, so valid after a longjmp
  if (setjmp(jerr.jump)) {
    jpeg_destroy_compress(&cinfo);
    std::free(mem.data);
    return jerr.result;
  }
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, &mem.data, &mem.size);
  cinfo.image_width = static_cast<JDIMENSION>(image.width);
  cinfo.image_height = static_cast<JDIMENSION>(image.height);
  cinfo.input_components = image.channels;
  cinfo.in_color_space = image.channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  const size_t stride = static_cast<size_t>(image.width) * image.channels;
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(image.pixels.data() + cinfo.next_scanline * stride);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  out->assign(mem.data, mem.data + mem.size);
  jpeg_destroy_compress(&cinfo);
  std::free(mem.data);
  return jerr.result;
}

}  // namespace mxrec
