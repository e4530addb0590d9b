// libjpeg reports errors by calling error_exit, whose default prints and
// calls exit(). We jump back to the caller instead and keep the message.
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

struct ErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  Result result;

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

}  // namespace mxrec
