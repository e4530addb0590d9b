// Separable resampling in 8-bit fixed point, written so that GCC vectorises
// the inner loops (-O3): one horizontal pass over only the rows the vertical
// pass will read, then a vertical pass that accumulates whole rows.
//
// The filters mean what OpenCV's interpolation flags mean (MXNet's
// inter_method is passed straight to cv::resize): nearest, linear, cubic and
// lanczos are fixed-width interpolators with half-pixel centres and
// replicated edges; area averages the pixels each output covers when
// shrinking and interpolates linearly when enlarging. Large reductions never
// reach this code unfiltered: the JPEG decoder's DCT scaling does them.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "codec.h"

// The hot pixel loops are built twice: for the baseline x86-64 (SSE2) and for
// AVX2. SSE2 has no byte shuffle, so de-interleaving RGB and widening bytes to
// floats stay scalar there; with AVX2 the same loops vectorise (measured: a
// full-size decode to planar RGB went from 1,180 to 1,480 images/s on one
// core). Each loop's body is written once (NAME##Body, always inlined) and
// MXREC_PIXEL_LOOP instantiates it at both targets plus NAME(), which calls
// the one simdPath() chose. The choice is ours, not an ifunc's, so that
// MXREC_SIMD=baseline can force the baseline on an AVX2 machine: the test
// that both paths give the same bytes needs it, and so does anyone who
// suspects a SIMD bug. Elsewhere (not x86-64, not GCC/Clang) only the
// baseline is compiled. The target is "avx2" alone, not "fma": contracting a
// multiply and an add into one rounding would change the float planes' bytes.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define MXREC_HAVE_AVX2 1
#else
#define MXREC_HAVE_AVX2 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#define MXREC_PIXEL_BODY inline __attribute__((always_inline))
#else
#define MXREC_PIXEL_BODY inline
#endif

#if MXREC_HAVE_AVX2
#define MXREC_PIXEL_LOOP(name, params, args)                                     \
  void name##Baseline params { name##Body args; }                                \
  __attribute__((target("avx2"))) void name##Avx2 params { name##Body args; }  \
  void name params {                                                             \
    if (useAvx2())                                                               \
      name##Avx2 args;                                                           \
    else                                                                         \
      name##Baseline args;                                                       \
  }
#else
#define MXREC_PIXEL_LOOP(name, params, args) \
  void name params { name##Body args; }
#endif

namespace mxrec {

namespace {

bool chooseAvx2() {
#if MXREC_HAVE_AVX2
  const char* env = std::getenv("MXREC_SIMD");
  if (env != nullptr && std::strcmp(env, "baseline") == 0) return false;
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") != 0;
#else
  return false;
#endif
}

// Once per process, on first use: the addon asks at load, on the main thread,
// before any pool thread resizes (getenv is not safe against a concurrent setenv).
bool useAvx2() {
  static const bool avx2 = chooseAvx2();
  return avx2;
}

}  // namespace

const char* simdPath() { return useAvx2() ? "avx2" : "baseline"; }

namespace {

// Weights are 16-bit (Q14) so that pixel * weight products vectorise as
// 16-bit multiplies; 14 bits is ample for 8-bit output.
constexpr int kBits = 14;
constexpr int32_t kOne = 1 << kBits;
using Weight = int16_t;

double kernel(Filter f, double x) {
  x = std::fabs(x);
  switch (f) {
    case Filter::Linear:
      return x < 1 ? 1 - x : 0;
    case Filter::Area:
      return x < 0.5 ? 1 : (x == 0.5 ? 0.5 : 0);
    case Filter::Cubic: {  // Keys, a = -0.75 (OpenCV's INTER_CUBIC)
      const double a = -0.75;
      if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
      if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
      return 0;
    }
    case Filter::Lanczos: {  // 4 lobes (OpenCV's INTER_LANCZOS4)
      if (x == 0) return 1;
      if (x >= 4) return 0;
      const double px = M_PI * x;
      return 4 * std::sin(px) * std::sin(px / 4) / (px * px);
    }
    case Filter::Nearest:
      break;
  }
  return 0;
}

double support(Filter f) {
  switch (f) {
    case Filter::Linear: return 1;
    case Filter::Area: return 0.5;
    case Filter::Cubic: return 2;
    case Filter::Lanczos: return 4;
    case Filter::Nearest: return 0.5;
  }
  return 1;
}

// For each output index: the first input index and `taps` weights, the same
// count for every output so that the inner loops have a fixed length (zero
// weights pad the short ones). Indices are clamped to the window [lo, hi),
// which is how edges replicate.
struct Taps {
  std::vector<int> start;
  std::vector<Weight> weights;  // outLen * taps
  int taps = 0;
};

Taps computeTaps(double w0, double wlen, int lo, int hi, int outLen, Filter f) {
  Taps t;
  const int span = hi - lo;
  const double scale = wlen / outLen;
  t.start.resize(static_cast<size_t>(outLen));
  if (f == Filter::Nearest) {  // OpenCV: src = floor(dst * scale), no half-pixel shift
    t.taps = 1;
    t.weights.assign(static_cast<size_t>(outLen), kOne);
    for (int i = 0; i < outLen; i++)
      t.start[static_cast<size_t>(i)] = std::clamp(static_cast<int>(std::floor(w0 + i * scale)), lo, hi - 1);
    return t;
  }
  if (f == Filter::Area && scale < 1) f = Filter::Linear;  // as OpenCV enlarges with INTER_AREA
  const double fscale = f == Filter::Area ? scale : 1.0;
  const double radius = support(f) * fscale;
  const int width = static_cast<int>(std::ceil(radius)) * 2 + 2;  // room for every tap of one output
  // Pass 1: real-valued weights on clamped indices, and the widest span used.
  std::vector<double> w(static_cast<size_t>(outLen) * width, 0.0);
  std::vector<int> bases(static_cast<size_t>(outLen)), first(static_cast<size_t>(outLen));
  int taps = 1;
  for (int i = 0; i < outLen; i++) {
    const double center = w0 + (i + 0.5) * scale;
    const int x0 = static_cast<int>(std::floor(center - radius));
    const int x1 = static_cast<int>(std::ceil(center + radius));
    const int base = std::clamp(x0, lo, hi - 1);
    double* wi = &w[static_cast<size_t>(i) * width];
    double total = 0;
    for (int x = x0; x <= x1; x++) {
      const double k = kernel(f, (x + 0.5 - center) / fscale);
      if (k == 0) continue;
      const int idx = std::clamp(x, lo, hi - 1) - base;
      if (idx < 0 || idx >= width) continue;  // cannot happen; keeps writes in bounds
      wi[idx] += k;
      total += k;
    }
    if (total == 0) {  // a window thinner than a pixel: take the nearest one
      wi[0] = 1;
      total = 1;
    }
    int a = 0, b = width - 1;
    while (a < b && wi[a] == 0) a++;
    while (b > a && wi[b] == 0) b--;
    for (int k = 0; k < width; k++) wi[k] /= total;
    bases[static_cast<size_t>(i)] = base;
    first[static_cast<size_t>(i)] = base + a;
    taps = std::max(taps, b - a + 1);
  }
  // Pass 2: fixed-point weights, `taps` per output, start kept inside [lo, hi - taps].
  t.taps = std::min(taps, span);
  t.weights.assign(static_cast<size_t>(outLen) * t.taps, 0);
  std::vector<int32_t> q(static_cast<size_t>(t.taps));
  for (int i = 0; i < outLen; i++) {
    const int base = bases[static_cast<size_t>(i)];
    const int s = std::clamp(first[static_cast<size_t>(i)], lo, hi - t.taps);
    const double* wi = &w[static_cast<size_t>(i) * width];
    std::fill(q.begin(), q.end(), 0);
    for (int k = 0; k < width; k++) {
      if (wi[k] == 0) continue;
      const int idx = base + k - s;
      if (idx < 0 || idx >= t.taps) continue;  // cannot happen; keeps writes in bounds
      q[static_cast<size_t>(idx)] += static_cast<int32_t>(std::lround(wi[k] * kOne));
    }
    int32_t sum = 0;
    size_t biggest = 0;
    for (size_t k = 0; k < q.size(); k++) {
      sum += q[k];
      if (std::abs(q[k]) > std::abs(q[biggest])) biggest = k;
    }
    q[biggest] += kOne - sum;  // weights sum to exactly one: flat stays flat
    Weight* out = &t.weights[static_cast<size_t>(i) * t.taps];
    for (size_t k = 0; k < q.size(); k++) out[k] = static_cast<Weight>(q[k]);
    t.start[static_cast<size_t>(i)] = s;
  }
  return t;
}

inline uint8_t clip8(int32_t acc) {
  acc = (acc + (1 << (kBits - 1))) >> kBits;
  return static_cast<uint8_t>(acc < 0 ? 0 : (acc > 255 ? 255 : acc));
}

// Vertical first: it runs on whole rows and vectorises, and it leaves fewer
// rows for the horizontal pass when shrinking.
void vertical(const uint8_t* src, size_t srcStride, int rowLen, const Taps& t, int rowBase, int outH,
              uint8_t* dst, size_t dstStride) {
  std::vector<int32_t> acc(static_cast<size_t>(rowLen));
  for (int y = 0; y < outH; y++) {
    const Weight* w = &t.weights[static_cast<size_t>(y) * t.taps];
    const uint8_t* first = src + static_cast<size_t>(t.start[static_cast<size_t>(y)] - rowBase) * srcStride;
    int32_t* a = acc.data();
    std::fill(acc.begin(), acc.end(), 0);
    for (int k = 0; k < t.taps; k++) {
      const uint8_t* row = first + static_cast<size_t>(k) * srcStride;
      const int16_t wk = w[k];
      if (wk == 0) continue;
      for (int i = 0; i < rowLen; i++) a[i] += static_cast<int16_t>(row[i]) * wk;
    }
    uint8_t* d = dst + static_cast<size_t>(y) * dstStride;
    for (int i = 0; i < rowLen; i++) d[i] = clip8(a[i]);
  }
}

// T (taps) and C (channels) as template parameters give fully unrolled
// loops; T = 0 reads the tap count at run time (wide kernels).
template <int C, int T>
void horizontalTaps(const uint8_t* src, int srcW, int rows, const Taps& t, int colBase, int outW,
                     uint8_t* dst, size_t dstStride) {
  const int taps = T > 0 ? T : t.taps;
  for (int y = 0; y < rows; y++) {
    const uint8_t* s = src + static_cast<size_t>(y) * srcW * C;
    uint8_t* d = dst + static_cast<size_t>(y) * dstStride;
    for (int x = 0; x < outW; x++) {
      const Weight* w = &t.weights[static_cast<size_t>(x) * taps];
      const uint8_t* p = s + static_cast<size_t>(t.start[static_cast<size_t>(x)] - colBase) * C;
      int32_t acc[C] = {};
      for (int k = 0; k < taps; k++)
        for (int c = 0; c < C; c++) acc[c] += p[k * C + c] * w[k];
      for (int c = 0; c < C; c++) d[x * C + c] = clip8(acc[c]);
    }
  }
}

template <int C>
void horizontal(const uint8_t* src, int srcW, int rows, const Taps& t, int colBase, int outW, uint8_t* dst,
                size_t dstStride) {
  switch (t.taps) {
    case 1: return horizontalTaps<C, 1>(src, srcW, rows, t, colBase, outW, dst, dstStride);
    case 2: return horizontalTaps<C, 2>(src, srcW, rows, t, colBase, outW, dst, dstStride);
    case 3: return horizontalTaps<C, 3>(src, srcW, rows, t, colBase, outW, dst, dstStride);
    case 4: return horizontalTaps<C, 4>(src, srcW, rows, t, colBase, outW, dst, dstStride);
    case 5: return horizontalTaps<C, 5>(src, srcW, rows, t, colBase, outW, dst, dstStride);
    case 6: return horizontalTaps<C, 6>(src, srcW, rows, t, colBase, outW, dst, dstStride);
    default: return horizontalTaps<C, 0>(src, srcW, rows, t, colBase, outW, dst, dstStride);
  }
}

// ---- the fast path: filters without negative lobes ------------------------------
// Linear, area and nearest weights are >= 0, so with 8-bit weights summing to
// 256 every partial sum fits in 16 bits (255 * 256 < 65536): the loops below
// become 16-bit vector multiply-adds, 8 or 16 lanes at a time. The rounding
// of the weights costs at most about one level of 255.

struct Taps8 {
  std::vector<int> offset;             // per output element: byte offset of its first tap
  std::vector<std::vector<uint16_t>> weight;  // per tap k: one weight per output element
  int taps = 0;
};

// Expands per-output taps to per-element arrays (one entry per channel) so
// that the horizontal pass is a gather followed by plain vector arithmetic.
Taps8 toTaps8(const Taps& t, int outLen, int C, int base) {
  Taps8 r;
  r.taps = t.taps;
  const size_t n = static_cast<size_t>(outLen) * C;
  r.offset.resize(n);
  r.weight.assign(static_cast<size_t>(t.taps), std::vector<uint16_t>(n));
  for (int i = 0; i < outLen; i++) {
    // Q14 -> Q8, re-balanced so that the weights still sum to exactly 256.
    int q[64] = {};
    int sum = 0, biggest = 0;
    for (int k = 0; k < t.taps && k < 64; k++) {
      q[k] = (t.weights[static_cast<size_t>(i) * t.taps + k] + 32) >> 6;
      sum += q[k];
      if (q[k] > q[biggest]) biggest = k;
    }
    q[biggest] += 256 - sum;
    for (int c = 0; c < C; c++) {
      const size_t e = static_cast<size_t>(i) * C + c;
      r.offset[e] = (t.start[static_cast<size_t>(i)] - base) * C + c;
      for (int k = 0; k < t.taps; k++) r.weight[static_cast<size_t>(k)][e] = static_cast<uint16_t>(q[k]);
    }
  }
  return r;
}

bool nonNegative(const Taps& t) {
  if (t.taps > 64) return false;
  for (Weight w : t.weights)
    if (w < 0) return false;
  return true;
}

MXREC_PIXEL_BODY void vertical8Body(const uint8_t* src, size_t srcStride, int rowLen, const Taps& t,
                                    const Taps8& q, int outH, uint8_t* dst, size_t dstStride) {
  std::vector<uint16_t> acc(static_cast<size_t>(rowLen));
  for (int y = 0; y < outH; y++) {
    const uint8_t* first = src + static_cast<size_t>(t.start[static_cast<size_t>(y)]) * srcStride;
    uint8_t* d = dst + static_cast<size_t>(y) * dstStride;
    const uint16_t w0 = q.weight[0][static_cast<size_t>(y)];
    if (q.taps == 2) {  // the common case (linear): one pass, no accumulator
      const uint8_t* r0 = first;
      const uint8_t* r1 = first + srcStride;
      const uint16_t w1 = q.weight[1][static_cast<size_t>(y)];
      for (int i = 0; i < rowLen; i++)
        d[i] = static_cast<uint8_t>((r0[i] * w0 + r1[i] * w1 + 128) >> 8);
      continue;
    }
    uint16_t* a = acc.data();
    for (int i = 0; i < rowLen; i++) a[i] = static_cast<uint16_t>(first[i] * w0 + 128);
    for (int k = 1; k < q.taps; k++) {
      const uint8_t* row = first + static_cast<size_t>(k) * srcStride;
      const uint16_t wk = q.weight[static_cast<size_t>(k)][static_cast<size_t>(y)];
      for (int i = 0; i < rowLen; i++) a[i] = static_cast<uint16_t>(a[i] + row[i] * wk);
    }
    for (int i = 0; i < rowLen; i++) d[i] = static_cast<uint8_t>(a[i] >> 8);
  }
}
MXREC_PIXEL_LOOP(vertical8,
                 (const uint8_t* src, size_t srcStride, int rowLen, const Taps& t, const Taps8& q, int outH,
                  uint8_t* dst, size_t dstStride),
                 (src, srcStride, rowLen, t, q, outH, dst, dstStride))

// Two neighbouring bytes, the first in the low half: one 16-bit load where
// that is the machine's order (GCC does not merge the two byte loads itself).
inline uint16_t loadPair(const uint8_t* p) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
#else
  return static_cast<uint16_t>(p[0] | p[1] << 8);
#endif
}

// One plane (C = 1), two taps: linear and area shrinking by less than 2, the
// transcode's every plane. Both taps are neighbours, so one 16-bit load
// gathers them (half the scalar loads of the general loop, which cost four
// fifths of it); the arithmetic is the general loop's, so are the bytes.
// Only horizontal8 calls it: inlined there, it is built at both targets too.
MXREC_PIXEL_BODY void horizontalPairsBody(const uint8_t* src, int srcW, int rows, const Taps8& q, int outW,
                                          uint8_t* dst, size_t dstStride) {
  const size_t n = static_cast<size_t>(outW);
  std::vector<uint16_t> pairs(n);
  uint16_t* p = pairs.data();
  const uint16_t* w0 = q.weight[0].data();
  const uint16_t* w1 = q.weight[1].data();
  const int* offset = q.offset.data();
  for (int y = 0; y < rows; y++) {
    const uint8_t* s = src + static_cast<size_t>(y) * srcW;
    uint8_t* d = dst + static_cast<size_t>(y) * dstStride;
    for (size_t x = 0; x < n; x++) p[x] = loadPair(s + offset[x]);
    for (size_t x = 0; x < n; x++)
      d[x] = static_cast<uint8_t>(static_cast<uint16_t>((p[x] & 0xff) * w0[x] + (p[x] >> 8) * w1[x] + 128) >> 8);
  }
}

// `src` rows must be readable 4 bytes past their last pixel (the caller pads).
MXREC_PIXEL_BODY void horizontal8Body(const uint8_t* src, int srcW, int C, int rows, const Taps8& q, int outW,
                                      uint8_t* dst, size_t dstStride) {
  if (C == 1 && q.taps == 2) return horizontalPairsBody(src, srcW, rows, q, outW, dst, dstStride);
  const size_t n = static_cast<size_t>(outW) * C;
  std::vector<uint8_t> gathered(n + 4);  // + 4: the last 4-byte copy may overhang
  std::vector<uint16_t> acc(n);
  uint8_t* g = gathered.data();
  uint16_t* a = acc.data();
  for (int y = 0; y < rows; y++) {
    const uint8_t* s = src + static_cast<size_t>(y) * srcW * C;
    uint8_t* d = dst + static_cast<size_t>(y) * dstStride;
    for (int k = 0; k < q.taps; k++) {
      // Gather tap k of every output pixel: one 4-byte copy per pixel (all
      // of its channels at once) is the only scalar loop in the resize.
      const uint8_t* sk = s + k * C;
      for (int x = 0; x < outW; x++) std::memcpy(g + x * C, sk + q.offset[static_cast<size_t>(x) * C], 4);
      const uint16_t* w = q.weight[static_cast<size_t>(k)].data();
      if (k == 0)
        for (size_t e = 0; e < n; e++) a[e] = static_cast<uint16_t>(g[e] * w[e] + 128);
      else
        for (size_t e = 0; e < n; e++) a[e] = static_cast<uint16_t>(a[e] + g[e] * w[e]);
    }
    for (size_t e = 0; e < n; e++) d[e] = static_cast<uint8_t>(a[e] >> 8);
  }
}
MXREC_PIXEL_LOOP(horizontal8,
                 (const uint8_t* src, int srcW, int C, int rows, const Taps8& q, int outW, uint8_t* dst,
                  size_t dstStride),
                 (src, srcW, C, rows, q, outW, dst, dstStride))

}  // namespace

namespace {
// True when resampling along this axis would copy: one tap of weight 1 on
// consecutive pixels.
bool isIdentity(const Taps& t, int base) {
  if (t.taps != 1) return false;
  for (size_t i = 0; i < t.start.size(); i++)
    if (t.start[i] != base + static_cast<int>(i)) return false;
  return true;
}
}  // namespace

namespace {

// The taps of one axis (and their 8-bit form, when the fast path wants it),
// kept for the next image: working them out cost as much as the horizontal
// pass, and images of one size (most of a dataset's, and a JPEG's two chroma
// planes always) ask for the same ones again. A few per thread, so pool
// threads share nothing.
struct AxisKey {
  double w0, wlen;
  int lo, hi, outLen;
  Filter filter;
  bool operator==(const AxisKey& o) const {
    return w0 == o.w0 && wlen == o.wlen && lo == o.lo && hi == o.hi && outLen == o.outLen && filter == o.filter;
  }
};

struct AxisPlan {
  AxisKey key;
  Taps taps;
  bool fast8 = false;  // nonNegative(taps)
  // toTaps8 for (channels, base); made when first asked for.
  int taps8Channels = 0, taps8Base = 0;
  std::unique_ptr<Taps8> taps8;

  const Taps8& eight(int channels, int base) {
    if (!taps8 || taps8Channels != channels || taps8Base != base) {
      taps8 = std::make_unique<Taps8>(toTaps8(taps, key.outLen, channels, base));
      taps8Channels = channels;
      taps8Base = base;
    }
    return *taps8;
  }
};

constexpr size_t kPlansKept = 8;
// Plans for outputs wider or taller than this are made for the one call and
// not kept: a plan takes ~32 bytes per output sample, and what a thread
// keeps after its job must stay small.
constexpr int kLongestKept = 4096;

std::shared_ptr<AxisPlan> axisPlan(const AxisKey& key) {
  thread_local std::vector<std::shared_ptr<AxisPlan>> kept;  // most recently used last
  for (size_t i = kept.size(); i-- > 0;) {
    if (kept[i]->key == key) {
      std::rotate(kept.begin() + static_cast<std::ptrdiff_t>(i), kept.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                  kept.end());
      return kept.back();
    }
  }
  auto plan = std::make_shared<AxisPlan>();
  plan->key = key;
  plan->taps = computeTaps(key.w0, key.wlen, key.lo, key.hi, key.outLen, key.filter);
  plan->fast8 = nonNegative(plan->taps);
  if (key.outLen <= kLongestKept) {
    if (kept.size() == kPlansKept) kept.erase(kept.begin());
    kept.push_back(plan);
  }
  return plan;
}

}  // namespace

void resizeTo(const uint8_t* pixels, size_t stride, int srcW, int srcH, int C, double wx, double wy, double ww,
              double wh, int width, int height, Filter filter, uint8_t* dst, size_t dstStride) {
  // Taps stay inside the window's pixels, so a crop resizes as if cut out first.
  const int xlo = std::max(0, static_cast<int>(std::floor(wx)));
  const int xhi = std::min(srcW, std::max(xlo + 1, static_cast<int>(std::ceil(wx + ww))));
  const int ylo = std::max(0, static_cast<int>(std::floor(wy)));
  const int yhi = std::min(srcH, std::max(ylo + 1, static_cast<int>(std::ceil(wy + wh))));
  // Held for the call: a plan may be dropped from the thread's cache meanwhile.
  const std::shared_ptr<AxisPlan> px = axisPlan({wx, ww, xlo, xhi, width, filter});
  const std::shared_ptr<AxisPlan> py = axisPlan({wy, wh, ylo, yhi, height, filter});
  const Taps& tx = px->taps;
  const Taps& ty = py->taps;

  const int cols = xhi - xlo;
  const uint8_t* window = pixels + static_cast<size_t>(xlo) * C;
  // Only the vertical pass does anything (its rows are exactly the output's).
  const bool copyRows = cols == width && isIdentity(tx, xlo);
  // Not zeroed (the vertical pass writes every row whole), but for the 4
  // bytes past the end that horizontal8's last gather reads and drops.
  const size_t tmpSize = copyRows ? 0 : static_cast<size_t>(height) * cols * C;
  std::unique_ptr<uint8_t[]> tmp(copyRows ? nullptr : new uint8_t[tmpSize + 4]);
  if (tmp) std::memset(tmp.get() + tmpSize, 0, 4);
  uint8_t* mid = copyRows ? dst : tmp.get();
  const size_t midStride = copyRows ? dstStride : static_cast<size_t>(cols) * C;
  if (px->fast8 && py->fast8) {
    vertical8(window, stride, cols * C, ty, py->eight(1, 0), height, mid, midStride);
    if (!copyRows) horizontal8(tmp.get(), cols, C, height, px->eight(C, xlo), width, dst, dstStride);
    return;
  }
  vertical(window, stride, cols * C, ty, 0, height, mid, midStride);
  if (copyRows) return;
  switch (C) {
    case 1: horizontal<1>(tmp.get(), cols, height, tx, xlo, width, dst, dstStride); break;
    case 3: horizontal<3>(tmp.get(), cols, height, tx, xlo, width, dst, dstStride); break;
    default: horizontal<4>(tmp.get(), cols, height, tx, xlo, width, dst, dstStride); break;
  }
}

void resizeView(const uint8_t* pixels, size_t stride, int srcW, int srcH, int C, double wx, double wy,
                double ww, double wh, int width, int height, Filter filter, Image* out) {
  out->width = width;
  out->height = height;
  out->channels = C;
  out->pixels.resize(static_cast<size_t>(width) * height * C);
  resizeTo(pixels, stride, srcW, srcH, C, wx, wy, ww, wh, width, height, filter, out->pixels.data(),
           static_cast<size_t>(width) * C);
}

void resize(const Image& src, double wx, double wy, double ww, double wh, int width, int height,
            Filter filter, Image* out) {
  resizeView(src.pixels.data(), static_cast<size_t>(src.width) * src.channels, src.width, src.height,
             src.channels, wx, wy, ww, wh, width, height, filter, out);
}

namespace {

// One pass over each interleaved row, writing every plane, with the mirror
// test outside the pixel loop, so that the de-interleave vectorises (the
// per-channel, per-pixel version cost a quarter of a full-size decode).
MXREC_PIXEL_BODY void planarRowU8x3Body(const uint8_t* __restrict row, int W, bool mirror, uint8_t* __restrict r,
                                        uint8_t* __restrict g, uint8_t* __restrict b) {
  if (mirror) {
    for (int x = 0; x < W; x++) {
      const uint8_t* p = row + static_cast<size_t>(W - 1 - x) * 3;
      r[x] = p[0];
      g[x] = p[1];
      b[x] = p[2];
    }
  } else {
    for (int x = 0; x < W; x++) {
      r[x] = row[3 * x];
      g[x] = row[3 * x + 1];
      b[x] = row[3 * x + 2];
    }
  }
}
MXREC_PIXEL_LOOP(planarRowU8x3,
                 (const uint8_t* __restrict row, int W, bool mirror, uint8_t* __restrict r, uint8_t* __restrict g,
                  uint8_t* __restrict b),
                 (row, W, mirror, r, g, b))

// The same for float output: (x - mean) * a per channel, a = scale / std.
// Computed, not looked up in a table: a lookup is a gather, which does not vectorise.
MXREC_PIXEL_BODY void planarRowF32x3Body(const uint8_t* __restrict row, int W, bool mirror, const float* mean,
                                         const float* a, float* __restrict r, float* __restrict g,
                                         float* __restrict b) {
  const float m0 = mean[0], m1 = mean[1], m2 = mean[2], a0 = a[0], a1 = a[1], a2 = a[2];
  if (mirror) {
    for (int x = 0; x < W; x++) {
      const uint8_t* p = row + static_cast<size_t>(W - 1 - x) * 3;
      r[x] = (static_cast<float>(p[0]) - m0) * a0;
      g[x] = (static_cast<float>(p[1]) - m1) * a1;
      b[x] = (static_cast<float>(p[2]) - m2) * a2;
    }
  } else {
    for (int x = 0; x < W; x++) {
      r[x] = (static_cast<float>(row[3 * x]) - m0) * a0;
      g[x] = (static_cast<float>(row[3 * x + 1]) - m1) * a1;
      b[x] = (static_cast<float>(row[3 * x + 2]) - m2) * a2;
    }
  }
}
MXREC_PIXEL_LOOP(planarRowF32x3,
                 (const uint8_t* __restrict row, int W, bool mirror, const float* mean, const float* a,
                  float* __restrict r, float* __restrict g, float* __restrict b),
                 (row, W, mirror, mean, a, r, g, b))

}  // namespace

void toPlanarFloat(const Image& img, const Normalize& n, float* dst) {
  const int C = img.channels, W = img.width, H = img.height;
  const size_t plane = static_cast<size_t>(W) * H;
  float a[4];
  for (int c = 0; c < C; c++) a[c] = n.scale / n.std[c];
  for (int y = 0; y < H; y++) {
    const uint8_t* row = img.pixels.data() + static_cast<size_t>(y) * W * C;
    float* o = dst + static_cast<size_t>(y) * W;
    if (C == 3) {
      planarRowF32x3(row, W, n.mirror, n.mean, a, o, o + plane, o + 2 * plane);
      continue;
    }
    for (int c = 0; c < C; c++)
      for (int x = 0; x < W; x++)
        o[plane * c + x] = (static_cast<float>(row[(n.mirror ? W - 1 - x : x) * C + c]) - n.mean[c]) * a[c];
  }
}

void toPlanarU8(const Image& img, bool mirror, uint8_t* dst) {
  const int C = img.channels, W = img.width, H = img.height;
  const size_t plane = static_cast<size_t>(W) * H;
  for (int y = 0; y < H; y++) {
    const uint8_t* row = img.pixels.data() + static_cast<size_t>(y) * W * C;
    uint8_t* o = dst + static_cast<size_t>(y) * W;
    if (C == 3) {
      planarRowU8x3(row, W, mirror, o, o + plane, o + 2 * plane);
      continue;
    }
    for (int c = 0; c < C; c++)
      for (int x = 0; x < W; x++) o[plane * c + x] = row[(mirror ? W - 1 - x : x) * C + c];
  }
}

}  // namespace mxrec
