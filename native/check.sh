#!/usr/bin/env bash
# Memory-safety checks for the codec core (native/src), outside Node:
#   native/check.sh asan [FILES...]   AddressSanitizer + UBSan over the files given
#                                     (default: the fuzzer's seeds and the bench's
#                                     photo corpus, if made) and their truncations
#   native/check.sh fuzz [SECONDS]    libFuzzer on the decoder (default 600 s),
#                                     corpus kept in .cache/fuzz-corpus
# Needs clang and libclang-rt-14-dev (Debian). What was run, and what it found:
# native/FUZZING.md.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC="native/src/jpeg_decode.cc native/src/jpeg_encode.cc native/src/resize.cc native/src/transcode.cc"
FLAGS="-std=c++17 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"
mkdir -p .cache
case "${1:-asan}" in
  asan)
    shift || true
    clang++ $FLAGS -o .cache/codec-asan native/fuzz/asan_main.cc native/fuzz/decode_fuzzer.cc $SRC -ljpeg
    if [ $# -eq 0 ]; then
      mapfile -t files < <(find native/fuzz/seeds bench/out/corpus bench/out/im2rec -type f 2>/dev/null | head -300)
      set -- "${files[@]}"
    fi
    ASAN_OPTIONS=detect_leaks=1 .cache/codec-asan "$@"
    ;;
  fuzz)
    secs="${2:-600}"
    clang++ $FLAGS -fsanitize=fuzzer -o .cache/codec-fuzz native/fuzz/decode_fuzzer.cc $SRC -ljpeg
    mkdir -p .cache/fuzz-corpus
    cp -n native/fuzz/seeds/* .cache/fuzz-corpus/ 2>/dev/null || true
    .cache/codec-fuzz -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 \
      .cache/fuzz-corpus
    ;;
  *)
    echo "usage: native/check.sh asan [FILES...] | fuzz [SECONDS]" >&2
    exit 2
    ;;
esac
