// What every libjpeg call site here shares: the error manager (libjpeg
// reports errors by calling error_exit, whose default prints and calls
// exit(); we jump back to the caller instead and keep the message), and the
// set-up of a decompressor from memory and a compressor to memory.
#pragma once

#include <csetjmp>
#include <cstdio>

#include <jpeglib.h>
#include <jerror.h>

#include "codec.h"

namespace mxrec {

inline Result fail(Status status, std::string message) {
  Result r;
  r.status = status;
  r.message = std::move(message);
  return r;
}

inline Result checkQuality(int quality) {
  if (quality < 1 || quality > 100)
    return fail(Status::BadArgument, "quality must be 1..100, got " + std::to_string(quality));
  return Result();
}

// The most scans a JPEG may have. A progressive file has about ten; each scan
// is a pass over the whole coefficient buffer, so a crafted file of thousands
// of tiny scans turns 333 KB into seconds of decoding. libjpeg-turbo's own
// tools stop there too (djpeg -maxscans, its fuzzers' limit of 500).
constexpr int kMaxScans = 500;

struct ErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  Result result;
  jpeg_progress_mgr progress{};

  jpeg_error_mgr* install() {
    jpeg_std_error(&pub);
    pub.error_exit = onError;
    pub.emit_message = onMessage;
    return &pub;
  }

  static ErrorManager* of(j_common_ptr cinfo) { return reinterpret_cast<ErrorManager*>(cinfo->err); }

  static void record(j_common_ptr cinfo, Status status) {
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    of(cinfo)->result.status = status;
    of(cinfo)->result.message = text;
  }

  [[noreturn]] static void onError(j_common_ptr cinfo) {
    const int code = cinfo->err->msg_code;
    // 12-bit and other legal-but-unusual files: let the general path try.
    const bool unsupported = code == JERR_BAD_PRECISION || code == JERR_CONVERSION_NOTIMPL;
    record(cinfo, unsupported ? Status::Unsupported : Status::Corrupt);
    std::longjmp(of(cinfo)->jump, 1);
  }

  // libjpeg calls the progress monitor as it reads the file; input_scan_number
  // counts the scans read so far.
  static void checkScans(j_common_ptr cinfo) {
    if (!cinfo->is_decompressor) return;
    const int scans = reinterpret_cast<j_decompress_ptr>(cinfo)->input_scan_number;
    if (scans <= kMaxScans) return;
    of(cinfo)->result.status = Status::TooLarge;
    of(cinfo)->result.message = "more than " + std::to_string(kMaxScans) + " scans (a progressive JPEG has about ten): not decoded";
    std::longjmp(of(cinfo)->jump, 1);
  }

  // Warnings (level -1) mean libjpeg patched over damage and went on. Data
  // that ends early or breaks inside the entropy-coded stream gives a grey or
  // smeared image, so those are errors; stray bytes between markers are not.
  static void onMessage(j_common_ptr cinfo, int level) {
    if (level >= 0) return;  // trace messages
    switch (cinfo->err->msg_code) {
      case JWRN_JPEG_EOF:
      case JWRN_HIT_MARKER:
      case JWRN_MUST_RESYNC:
      case JWRN_HUFF_BAD_CODE:
      case JWRN_NOT_SEQUENTIAL:
      case JWRN_BOGUS_PROGRESSION:
        record(cinfo, Status::Corrupt);
        std::longjmp(of(cinfo)->jump, 1);
      default:
        of(cinfo)->result.warnings++;
    }
  }
};

// The helpers below call libjpeg, so they must run under the caller's
// setjmp; they hold nothing that a longjmp would leak.

// Creates the decompressor over `data` and reads the header.
inline void openDecompress(j_decompress_ptr cinfo, const uint8_t* data, size_t size) {
  jpeg_create_decompress(cinfo);
  ErrorManager* err = ErrorManager::of(reinterpret_cast<j_common_ptr>(cinfo));
  err->progress.progress_monitor = ErrorManager::checkScans;
  cinfo->progress = &err->progress;
  jpeg_mem_src(cinfo, const_cast<unsigned char*>(data), static_cast<unsigned long>(size));
  jpeg_read_header(cinfo, TRUE);
}

// Output buffer for jpeg_mem_dest, which allocates and grows it; free(data)
// when done. libjpeg writes it through pointers, so it is valid after a longjmp.
struct JpegMemory {
  unsigned char* data = nullptr;
  unsigned long size = 0;
};

// Creates the compressor with libjpeg's defaults (baseline, 4:2:0 chroma,
// standard tables) at `quality`, writing to `mem`.
inline void openCompress(j_compress_ptr cinfo, JpegMemory* mem, int width, int height, int components,
                         J_COLOR_SPACE colorSpace, int quality) {
  jpeg_create_compress(cinfo);
  jpeg_mem_dest(cinfo, &mem->data, &mem->size);
  cinfo->image_width = static_cast<JDIMENSION>(width);
  cinfo->image_height = static_cast<JDIMENSION>(height);
  cinfo->input_components = components;
  cinfo->in_color_space = colorSpace;
  jpeg_set_defaults(cinfo);
  jpeg_set_quality(cinfo, quality, TRUE);
}

}  // namespace mxrec
