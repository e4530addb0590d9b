// The codec core: plain C++ over libjpeg(-turbo), with no Node-API in it, so
// that the addon, the AddressSanitizer harness and the fuzzer all link the
// same code. Every entry point reports failure through its return value and
// an error string; none of them throws, aborts or exits on bad input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mxrec {

// A region of the source image, in source pixels. w == 0 means "all of it".
struct Rect {
  int x = 0, y = 0, w = 0, h = 0;
};

enum class Filter : int { Nearest = 0, Linear = 1, Cubic = 2, Area = 3, Lanczos = 4 };

// Why an image failed. Unsupported means "valid, but not ours": the caller
// hands it to the general-purpose path (sharp) instead of reporting it.
enum class Status : int { Ok = 0, Corrupt = 1, Unsupported = 2, TooLarge = 3, BadArgument = 4 };

struct Header {
  int width = 0, height = 0;
  int channels = 0;        // components in the file: 1 (gray), 3 (YCbCr/RGB), 4 (CMYK/YCCK)
  bool progressive = false;
};

// Interleaved 8-bit pixels, rows packed (stride = width * channels).
struct Image {
  std::vector<uint8_t> pixels;
  int width = 0, height = 0, channels = 0;
};

// A crop with sub-pixel edges, for decode(): resizing a fractional window of
// the source gives the same samples as resizing the whole image and then
// cropping whole pixels of the result (the iterator's resize-then-crop).
struct Window {
  double x = 0, y = 0, w = 0, h = 0;
};

struct DecodeSpec {
  bool gray = false;          // 1-channel output (luma straight from the file)
  Rect crop;                  // in source pixels; w == 0: whole image
  // decode() only: when w > 0, the exact window to resample; `crop` must be
  // its whole-pixel bounding box (what gets decoded).
  Window window;
  int width = 0, height = 0;  // final size; 0: the crop's size (no resize)
  Filter filter = Filter::Linear;
  uint64_t maxPixels = 0;     // cap on declared width*height; 0: no cap
  // libjpeg's speed options (TurboJPEG's TJFLAG_FASTUPSAMPLE/FASTDCT): chroma
  // upsampled by pixel replication and the integer fast IDCT. Off by default.
  bool fast = false;
};

struct Result {
  Status status = Status::Ok;
  std::string message;
  int warnings = 0;  // recoverable libjpeg warnings seen (e.g. stray bytes)
  bool ok() const { return status == Status::Ok; }
};

// Reads the header only (no entropy decoding).
Result readHeader(const uint8_t* data, size_t size, Header* header);

// Decodes `spec.crop` of the image and resizes it to spec.width x spec.height.
// Uses libjpeg's DCT scaling to decode at the smallest size that still covers
// the target and region decoding so rows/columns outside the crop are skipped.
Result decode(const uint8_t* data, size_t size, const DecodeSpec& spec, Image* out);

// Encodes interleaved RGB (3) or gray (1) pixels as a baseline JPEG with
// 4:2:0 chroma (what libjpeg, OpenCV and MXNet's im2rec write by default).
Result encode(const Image& image, int quality, std::vector<uint8_t>* out);

// Decode as `spec` says, then encode at `quality` (im2rec's work per image).
struct Encoded {
  std::vector<uint8_t> data;
  int width = 0, height = 0, channels = 0;
};
Result transcode(const uint8_t* data, size_t size, const DecodeSpec& spec, int quality, Encoded* out);

// The second half of transcode, for pixels another decoder produced:
// interleaved 8-bit gray (1) or RGB (3), rows packed. Crops `spec.crop`,
// resizes to spec.width x spec.height (0: the crop's size) with spec.filter,
// and encodes at `quality`. spec.gray must match the channel count.
Result encodePixels(const uint8_t* pixels, int width, int height, int channels, const DecodeSpec& spec,
                    int quality, Encoded* out);
// Separable resampling of a window of `src` (in src pixels, fractional
// allowed) to width x height. Taps outside the window repeat its edge pixels,
// as if the window had been cut out first.
void resize(const Image& src, double wx, double wy, double ww, double wh,
            int width, int height, Filter filter, Image* out);
// The same over any 8-bit pixel rectangle: `stride` bytes from row to row.
void resizeView(const uint8_t* pixels, size_t stride, int srcW, int srcH, int channels,
                double wx, double wy, double ww, double wh, int width, int height,
                Filter filter, Image* out);
// The same into `dst`, rows `dstStride` bytes apart (an encoder's padded plane).
void resizeTo(const uint8_t* pixels, size_t stride, int srcW, int srcH, int channels, double wx, double wy,
              double ww, double wh, int width, int height, Filter filter, uint8_t* dst, size_t dstStride);

// Writes `img` (interleaved) as planar CHW into dst, optionally mirrored,
// with (x - mean[c]) * scale / std[c] per channel. Channel order is kept.
struct Normalize {
  float mean[4] = {0, 0, 0, 0};
  float std[4] = {1, 1, 1, 1};
  float scale = 1;
  bool mirror = false;
};
void toPlanarFloat(const Image& img, const Normalize& n, float* dst);
void toPlanarU8(const Image& img, bool mirror, uint8_t* dst);

// Which build of the pixel loops runs: "avx2" when the CPU has it and the
// environment's MXREC_SIMD is not "baseline", else "baseline". Decided on the
// first call, once per process.
const char* simdPath();

}  // namespace mxrec
