// Node-API bindings for the codec core. Each operation exists twice: a
// synchronous call (for worker threads, which are already off the main
// thread) and a batch call that runs on libuv's thread pool and calls back
// once with one result per image, so a failed image never fails the batch.
#define NAPI_VERSION 8
#include <node_api.h>

#include <cstdio>  // jpeglib.h needs FILE
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include <jpeglib.h>
#include <sys/mman.h>

#include "codec.h"

using namespace mxrec;

namespace {

// ---- small N-API helpers ---------------------------------------------------

struct JsError {
  std::string code, message;
};

const char* statusCode(Status s) {
  switch (s) {
    case Status::Ok: return "OK";
    case Status::Corrupt: return "CORRUPT";
    case Status::Unsupported: return "UNSUPPORTED";
    case Status::TooLarge: return "TOO_LARGE";
    case Status::BadArgument: return "BAD_ARGUMENT";
  }
  return "CORRUPT";
}

napi_value throwError(napi_env env, const std::string& code, const std::string& message) {
  napi_throw_error(env, code.c_str(), message.c_str());
  return nullptr;
}

napi_value get(napi_env env, napi_value obj, const char* key) {
  napi_value v = nullptr;
  bool has = false;
  napi_valuetype t;
  // A getter that throws reads as absent; its exception stays pending for JS to see.
  if (napi_has_named_property(env, obj, key, &has) != napi_ok || !has || napi_get_named_property(env, obj, key, &v) != napi_ok ||
      napi_typeof(env, v, &t) != napi_ok)
    return nullptr;
  return (t == napi_undefined || t == napi_null) ? nullptr : v;
}

bool getNumber(napi_env env, napi_value obj, const char* key, double* out) {
  napi_value v = get(env, obj, key);
  if (!v) return false;
  return napi_get_value_double(env, v, out) == napi_ok;
}

int getInt(napi_env env, napi_value obj, const char* key, int fallback) {
  double d;
  return getNumber(env, obj, key, &d) ? static_cast<int>(d) : fallback;
}

bool getBool(napi_env env, napi_value obj, const char* key) {
  napi_value v = get(env, obj, key);
  bool b = false;
  if (v) napi_get_value_bool(env, v, &b);
  return b;
}

// Up to n numbers from an array property; returns how many were read.
int getNumbers(napi_env env, napi_value obj, const char* key, double* out, int n) {
  napi_value v = get(env, obj, key);
  bool isArray = false;
  if (!v || napi_is_array(env, v, &isArray) != napi_ok || !isArray) return 0;
  uint32_t len = 0;
  if (napi_get_array_length(env, v, &len) != napi_ok) return -1;
  int i = 0;
  for (; i < n && i < static_cast<int>(len); i++) {
    napi_value e;
    if (napi_get_element(env, v, static_cast<uint32_t>(i), &e) != napi_ok || napi_get_value_double(env, e, &out[i]) != napi_ok) return -1;
  }
  return i;
}

// Bytes of a Buffer, Uint8Array or any other TypedArray/DataView view.
bool getBytes(napi_env env, napi_value v, const uint8_t** data, size_t* size) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) == napi_ok && is) {
    napi_typedarray_type type;
    size_t length, offset;
    void* p;
    napi_value ab;
    if (napi_get_typedarray_info(env, v, &type, &length, &p, &ab, &offset) != napi_ok) return false;
    if (type != napi_uint8_array && type != napi_uint8_clamped_array && type != napi_int8_array) return false;
    *data = static_cast<const uint8_t*>(p);
    *size = length;
    return true;
  }
  return false;
}

// ---- job descriptions --------------------------------------------------------

struct Input {
  const uint8_t* data = nullptr;
  size_t size = 0;
  napi_ref ref = nullptr;  // keeps the JS buffer alive while a batch runs
};

bool readInput(napi_env env, napi_value v, Input* in, JsError* err) {
  if (!v || !getBytes(env, v, &in->data, &in->size)) {
    *err = {"BAD_ARGUMENT", "input must be a Buffer or Uint8Array"};
    return false;
  }
  return true;
}

bool readDecodeSpec(napi_env env, napi_value spec, DecodeSpec* s, JsError* err) {
  if (!spec) return true;
  s->gray = getBool(env, spec, "gray");
  double crop[4];
  int n = getNumbers(env, spec, "crop", crop, 4);
  if (n != 0 && n != 4) {
    *err = {"BAD_ARGUMENT", "crop must be [x, y, width, height]"};
    return false;
  }
  if (n == 4) {
    // A fractional crop (decodeInto only) decodes its whole-pixel bounding box
    // and resamples exactly the window asked for.
    const double x0 = std::floor(crop[0]), y0 = std::floor(crop[1]);
    const double x1 = std::ceil(crop[0] + crop[2]), y1 = std::ceil(crop[1] + crop[3]);
    s->crop = Rect{static_cast<int>(x0), static_cast<int>(y0), static_cast<int>(x1 - x0), static_cast<int>(y1 - y0)};
    if (x0 != crop[0] || y0 != crop[1] || x1 - x0 != crop[2] || y1 - y0 != crop[3])
      s->window = Window{crop[0], crop[1], crop[2], crop[3]};
  }
  s->width = getInt(env, spec, "width", 0);
  s->height = getInt(env, spec, "height", 0);
  const int filter = getInt(env, spec, "filter", 1);
  if (filter < 0 || filter > 4) {
    *err = {"BAD_ARGUMENT", "filter must be 0..4 (nearest, linear, cubic, area, lanczos)"};
    return false;
  }
  s->filter = static_cast<Filter>(filter);
  double maxPixels = 0;
  if (getNumber(env, spec, "maxPixels", &maxPixels) && maxPixels > 0)
    s->maxPixels = static_cast<uint64_t>(maxPixels);
  if (s->width < 0 || s->height < 0) {
    *err = {"BAD_ARGUMENT", "width and height must be positive"};
    return false;
  }
  return true;
}

// Where decodeInto writes: a Float32Array or Uint8Array, from an element offset.
struct Destination {
  void* base = nullptr;
  bool isFloat = false;
  size_t length = 0, offset = 0;
  napi_ref ref = nullptr;
  Normalize norm;
};

bool readDestination(napi_env env, napi_value out, napi_value offset, napi_value spec,
                     const DecodeSpec& ds, Destination* d, JsError* err) {
  bool is = false;
  napi_typedarray_type type;
  napi_value ab;
  size_t byteOffset;
  if (!out || napi_is_typedarray(env, out, &is) != napi_ok || !is ||
      napi_get_typedarray_info(env, out, &type, &d->length, &d->base, &ab, &byteOffset) != napi_ok ||
      (type != napi_float32_array && type != napi_uint8_array)) {
    *err = {"BAD_ARGUMENT", "out must be a Float32Array or Uint8Array"};
    return false;
  }
  d->isFloat = type == napi_float32_array;
  double off = 0;
  if (offset) napi_get_value_double(env, offset, &off);
  if (off < 0) {
    *err = {"BAD_ARGUMENT", "offset must be >= 0"};
    return false;
  }
  d->offset = static_cast<size_t>(off);
  if (ds.width <= 0 || ds.height <= 0) {
    *err = {"BAD_ARGUMENT", "decodeInto needs the output width and height"};
    return false;
  }
  const size_t need = static_cast<size_t>(ds.width) * ds.height * (ds.gray ? 1 : 3);
  if (d->offset + need > d->length) {
    *err = {"BAD_ARGUMENT", "out has " + std::to_string(d->length) + " elements; writing " +
                                std::to_string(need) + " at offset " + std::to_string(d->offset) +
                                " needs " + std::to_string(d->offset + need)};
    return false;
  }
  if (spec) {
    double v[4];
    int n = getNumbers(env, spec, "mean", v, 4);
    for (int i = 0; i < n; i++) d->norm.mean[i] = static_cast<float>(v[i]);
    n = getNumbers(env, spec, "std", v, 4);
    for (int i = 0; i < n; i++) {
      if (v[i] == 0) {
        *err = {"BAD_ARGUMENT", "std must not be 0"};
        return false;
      }
      d->norm.std[i] = static_cast<float>(v[i]);
    }
    double scale;
    if (getNumber(env, spec, "scale", &scale)) d->norm.scale = static_cast<float>(scale);
    d->norm.mirror = getBool(env, spec, "mirror");
  }
  return true;
}

// ---- the work itself (runs on any thread) -------------------------------------

struct TranscodeJob {
  Input input;
  DecodeSpec spec;
  int quality = 95;
  // Set when `input` holds decoded pixels (spec.pixels = [width, height, channels]), not a JPEG.
  int pixels[3] = {0, 0, 0};
  Result result;
  Encoded encoded;

  void run() {
    if (pixels[2] == 0) {
      result = transcode(input.data, input.size, spec, quality, &encoded);
    } else if (static_cast<uint64_t>(pixels[0]) * pixels[1] * pixels[2] != input.size) {
      result.status = Status::BadArgument;
      result.message = "pixels: width x height x channels does not match the input's length";
    } else {
      result = encodePixels(input.data, pixels[0], pixels[1], pixels[2], spec, quality, &encoded);
    }
  }
};

struct DecodeJob {
  Input input;
  DecodeSpec spec;
  Destination dest;
  Result result;

  void run() {
    Image img;
    result = decode(input.data, input.size, spec, &img);
    if (!result.ok()) return;
    if (dest.isFloat)
      toPlanarFloat(img, dest.norm, static_cast<float*>(dest.base) + dest.offset);
    else
      toPlanarU8(img, dest.norm.mirror, static_cast<uint8_t*>(dest.base) + dest.offset);
  }
};

// Every job runs through here, sync or batched: an allocation that fails
// (sizes are capped by maxPixels, but memory may still run out) becomes that
// image's error instead of terminating the process.
template <typename Job>
void runJob(Job& job) {
  try {
    job.run();
  } catch (const std::bad_alloc&) {
    job.result.status = Status::TooLarge;
    job.result.message = "out of memory";
  }
}

napi_value makeInt(napi_env env, int v) {
  napi_value r;
  napi_create_int32(env, v, &r);
  return r;
}

void setProp(napi_env env, napi_value obj, const char* key, napi_value v) {
  napi_set_named_property(env, obj, key, v);
}

napi_value makeString(napi_env env, const std::string& s) {
  napi_value r;
  napi_create_string_utf8(env, s.data(), s.size(), &r);
  return r;
}

napi_value errorObject(napi_env env, const Result& r) {
  napi_value o;
  napi_create_object(env, &o);
  setProp(env, o, "error", makeString(env, r.message));
  setProp(env, o, "code", makeString(env, statusCode(r.status)));
  return o;
}

napi_value transcodeResult(napi_env env, TranscodeJob& job) {
  if (!job.result.ok()) return errorObject(env, job.result);
  napi_value o, buf;
  napi_create_object(env, &o);
  const std::vector<uint8_t>& jpeg = job.encoded.data;
  void* dst;
  napi_create_buffer(env, jpeg.size(), &dst, &buf);
  if (!jpeg.empty()) std::memcpy(dst, jpeg.data(), jpeg.size());
  setProp(env, o, "data", buf);
  setProp(env, o, "width", makeInt(env, job.encoded.width));
  setProp(env, o, "height", makeInt(env, job.encoded.height));
  setProp(env, o, "channels", makeInt(env, job.encoded.channels));
  setProp(env, o, "warnings", makeInt(env, job.result.warnings));
  return o;
}

napi_value decodeResult(napi_env env, DecodeJob& job) {
  if (!job.result.ok()) return errorObject(env, job.result);
  napi_value o;
  napi_create_object(env, &o);
  setProp(env, o, "warnings", makeInt(env, job.result.warnings));
  return o;
}

// ---- header (synchronous: it reads a few hundred bytes) ----------------------------

napi_value args(napi_env env, napi_callback_info info, size_t n, napi_value* argv) {
  size_t argc = n;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) argc = 0;
  for (size_t i = argc; i < n; i++) argv[i] = nullptr;
  return nullptr;
}

napi_value Header(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  args(env, info, 1, argv);
  Input in;
  JsError err;
  if (!readInput(env, argv[0], &in, &err)) return throwError(env, err.code, err.message);
  mxrec::Header h;
  Result r = readHeader(in.data, in.size, &h);
  if (!r.ok()) return throwError(env, statusCode(r.status), r.message);
  napi_value o, b;
  napi_create_object(env, &o);
  setProp(env, o, "width", makeInt(env, h.width));
  setProp(env, o, "height", makeInt(env, h.height));
  setProp(env, o, "channels", makeInt(env, h.channels));
  napi_get_boolean(env, h.progressive, &b);
  setProp(env, o, "progressive", b);
  return o;
}

bool parseTranscode(napi_env env, napi_value input, napi_value spec, TranscodeJob* job, JsError* err) {
  if (!readInput(env, input, &job->input, err) || !readDecodeSpec(env, spec, &job->spec, err)) return false;
  if (spec) job->quality = getInt(env, spec, "quality", 95);
  double px[3];
  int n = spec ? getNumbers(env, spec, "pixels", px, 3) : 0;
  if (n != 0 && n != 3) {
    *err = {"BAD_ARGUMENT", "pixels must be [width, height, channels]"};
    return false;
  }
  for (int i = 0; i < n; i++) job->pixels[i] = static_cast<int>(px[i]);
  return true;
}

bool parseDecode(napi_env env, napi_value input, napi_value spec, napi_value out, napi_value offset,
                 DecodeJob* job, JsError* err) {
  return readInput(env, input, &job->input, err) && readDecodeSpec(env, spec, &job->spec, err) &&
         readDestination(env, out, offset, spec, job->spec, &job->dest, err);
}

// ---- batches on libuv's pool --------------------------------------------------------

template <typename Job>
struct Batch {
  std::vector<Job> jobs;
  std::vector<napi_ref> refs;  // inputs and outputs kept alive until the callback
  napi_ref callback = nullptr;
  napi_async_work work = nullptr;
  napi_value (*toJs)(napi_env, Job&) = nullptr;

  void keep(napi_env env, napi_value v) {
    napi_ref r;
    if (v && napi_create_reference(env, v, 1, &r) == napi_ok) refs.push_back(r);
  }

  static void execute(napi_env, void* data) {
    for (Job& job : static_cast<Batch*>(data)->jobs) runJob(job);
  }

  static void complete(napi_env env, napi_status status, void* data) {
    std::unique_ptr<Batch> self(static_cast<Batch*>(data));
    napi_value results, cb, global, argv[2];
    napi_get_null(env, &argv[0]);
    napi_create_array_with_length(env, self->jobs.size(), &results);
    if (status == napi_ok) {
      for (size_t i = 0; i < self->jobs.size(); i++)
        napi_set_element(env, results, static_cast<uint32_t>(i), self->toJs(env, self->jobs[i]));
    } else {
      napi_value msg;
      napi_create_string_utf8(env, "batch cancelled", NAPI_AUTO_LENGTH, &msg);
      napi_create_error(env, nullptr, msg, &argv[0]);
    }
    argv[1] = results;
    napi_get_reference_value(env, self->callback, &cb);
    napi_get_global(env, &global);
    for (napi_ref r : self->refs) napi_delete_reference(env, r);
    napi_delete_reference(env, self->callback);
    napi_delete_async_work(env, self->work);
    napi_call_function(env, global, cb, 2, argv, nullptr);
  }
};

// A batch argument error (not an image error) throws synchronously.
template <typename Job, typename Parse>
napi_value startBatch(napi_env env, napi_callback_info info, const char* name, Parse parse,
                      napi_value (*toJs)(napi_env, Job&)) {
  napi_value argv[2];
  args(env, info, 2, argv);
  bool isArray = false;
  napi_valuetype cbType = napi_undefined;
  if (argv[1]) napi_typeof(env, argv[1], &cbType);
  if (!argv[0] || napi_is_array(env, argv[0], &isArray) != napi_ok || !isArray || cbType != napi_function)
    return throwError(env, "BAD_ARGUMENT", std::string(name) + "(jobs: object[], callback: function)");
  uint32_t n = 0;
  if (napi_get_array_length(env, argv[0], &n) != napi_ok)
    return throwError(env, "BAD_ARGUMENT", std::string(name) + ": cannot read the jobs array");
  auto batch = std::make_unique<Batch<Job>>();
  batch->jobs.resize(n);
  batch->toJs = toJs;
  for (uint32_t i = 0; i < n; i++) {
    napi_value item = nullptr;
    JsError err{"BAD_ARGUMENT", "cannot read the job"};
    if (napi_get_element(env, argv[0], i, &item) != napi_ok || !parse(env, item, &batch->jobs[i], &err)) {
      for (napi_ref r : batch->refs) napi_delete_reference(env, r);
      return throwError(env, err.code, "job " + std::to_string(i) + ": " + err.message);
    }
    batch->keep(env, get(env, item, "input"));
    batch->keep(env, get(env, item, "out"));
  }
  napi_create_reference(env, argv[1], 1, &batch->callback);
  napi_value resource;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource);
  napi_create_async_work(env, nullptr, resource, Batch<Job>::execute, Batch<Job>::complete,
                         batch.get(), &batch->work);
  napi_queue_async_work(env, batch->work);
  batch.release();
  return nullptr;
}

napi_value TranscodeBatch(napi_env env, napi_callback_info info) {
  return startBatch<TranscodeJob>(
      env, info, "transcodeBatch",
      [](napi_env env, napi_value item, TranscodeJob* job, JsError* err) {
        return parseTranscode(env, get(env, item, "input"), get(env, item, "spec"), job, err);
      },
      transcodeResult);
}

napi_value DecodeIntoBatch(napi_env env, napi_callback_info info) {
  return startBatch<DecodeJob>(
      env, info, "decodeIntoBatch",
      [](napi_env env, napi_value item, DecodeJob* job, JsError* err) {
        return parseDecode(env, get(env, item, "input"), get(env, item, "spec"), get(env, item, "out"),
                           get(env, item, "offset"), job, err);
      },
      decodeResult);
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"header", nullptr, Header, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"transcodeBatch", nullptr, TranscodeBatch, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"decodeIntoBatch", nullptr, DecodeIntoBatch, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  // 2001005 -> "2.1.5": the libjpeg-turbo this was compiled against.
  const int v = LIBJPEG_TURBO_VERSION_NUMBER;
  const std::string text = std::to_string(v / 1000000) + "." + std::to_string(v / 1000 % 1000) + "." +
                           std::to_string(v % 1000);
  napi_value version = makeString(env, text);
  napi_set_named_property(env, exports, "libjpegTurbo", version);
  // Asked here, on the main thread, so that the choice is made before any pool thread resizes.
  napi_set_named_property(env, exports, "simd", makeString(env, simdPath()));
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
