{
  "targets": [
    {
      "target_name": "mxrec_io",
      "sources": ["native/src/read_queue.cc", "native/src/aligned_magic.cc", "native/src/batch_memory.cc", "native/src/writeback.cc", "native/src/malloc_tuning.cc"],
      "cflags!": ["-fno-exceptions", "-O2"],
      "cflags_cc!": ["-fno-exceptions", "-O2"],
      "cflags_cc": ["-std=c++17", "-O3", "-Wall", "-Wextra"],
      "libraries": ["-lpthread"]
    },
    {
      "target_name": "mxrec_jpeg",
      "sources": [
        "native/src/addon.cc",
        "native/src/jpeg_decode.cc",
        "native/src/jpeg_encode.cc",
        "native/src/resize.cc",
        "native/src/transcode.cc"
      ],
      "libraries": ["-ljpeg"],
      "cflags!": ["-fno-exceptions", "-O2"],
      "cflags_cc!": ["-fno-exceptions", "-O2"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-Wall", "-Wextra"],
      "defines": ["NAPI_DISABLE_CPP_EXCEPTIONS"]
    }
  ]
}
