// JPEG encoding to memory, with libjpeg's defaults (baseline, 4:2:0 chroma,
// standard tables): what cv2.imencode and MXNet's im2rec write.
#include <csetjmp>
#include <cstdio>
#include <cstdlib>

#include <jpeglib.h>

#include "codec.h"
#include "jpeg_glue.h"

namespace mxrec {

Result encode(const Image& image, int quality, std::vector<uint8_t>* out) {
  if (Result q = checkQuality(quality); !q.ok()) return q;
  if (image.channels != 1 && image.channels != 3)
    return fail(Status::BadArgument, "JPEG output needs 1 or 3 channels, got " + std::to_string(image.channels));
  jpeg_compress_struct cinfo;
  ErrorManager jerr;
  cinfo.err = jerr.install();
  JpegMemory mem;
  if (setjmp(jerr.jump)) {
    jpeg_destroy_compress(&cinfo);
    std::free(mem.data);
    return jerr.result;
  }
  openCompress(&cinfo, &mem, image.width, image.height, image.channels,
               image.channels == 1 ? JCS_GRAYSCALE : JCS_RGB, quality);
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
