// Drives the codec core over files named on the command line (a corpus and
// hostile inputs) under AddressSanitizer/UBSan: decode at several sizes and
// crops, transcode, and re-decode what was encoded. Built by native/check.sh.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

#include "../src/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  int files = 0;
  for (int i = 1; i < argc; i++) {
    std::ifstream f(argv[i], std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    for (int knob = 0; knob < 256; knob += 9) {
      std::vector<uint8_t> in(1, static_cast<uint8_t>(knob));
      in.insert(in.end(), bytes.begin(), bytes.end());
      LLVMFuzzerTestOneInput(in.data(), in.size());
    }
    // Every truncation of small files.
    if (bytes.size() < 4096)
      for (size_t n = 0; n < bytes.size(); n += 1 + bytes.size() / 200) {
        std::vector<uint8_t> in(1, 0x18);
        in.insert(in.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
        LLVMFuzzerTestOneInput(in.data(), in.size());
      }
    files++;
  }
  std::printf("asan: %d files, no errors\n", files);
  return 0;
}
