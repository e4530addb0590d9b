// A thin command-line wrapper around dmlc-core's RecordIO (Debian libdmlc-dev),
// the reference implementation mxrec is checked against. Records cross stdin
// and stdout as frames: u32 little-endian length, then the bytes.
//
//   dmlc-harness write OUT.rec         frames on stdin  -> RecordIOWriter -> OUT.rec
//   dmlc-harness read IN.rec           RecordIOReader over IN.rec -> frames on stdout
//   dmlc-harness split URI N I [TYPE]  InputSplit(URI, part I of N, TYPE = "recordio" or "text") -> frames on stdout
//   dmlc-harness isplit URI IDX N I    InputSplit(URI, IDX, part I of N, "indexed_recordio"), unshuffled: what
//                                      MXNet's ImageRecordIter reads with path_imgidx -> frames on stdout
//   dmlc-harness scan IN.rec           benchmark: read every record, print a JSON line
//   dmlc-harness write-bench POOL.rec OUT.rec COUNT
//                                      benchmark: write COUNT records cycling through POOL's
//                                      records (held in memory), print a JSON line
#include <dmlc/io.h>
#include <dmlc/recordio.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

bool ReadFrame(std::FILE *in, std::string *out) {
  uint32_t len;
  size_t n = std::fread(&len, 1, sizeof(len), in);
  if (n == 0) return false;
  if (n != sizeof(len)) {
    std::fprintf(stderr, "dmlc-harness: truncated frame header on stdin\n");
    std::exit(2);
  }
  out->resize(len);
  if (len != 0 && std::fread(&(*out)[0], 1, len, in) != len) {
    std::fprintf(stderr, "dmlc-harness: truncated frame on stdin\n");
    std::exit(2);
  }
  return true;
}

void WriteFrame(const void *data, size_t size) {
  uint32_t len = static_cast<uint32_t>(size);
  std::fwrite(&len, 1, sizeof(len), stdout);
  if (size != 0) std::fwrite(data, 1, size, stdout);
}

// Peak resident set size in KiB, from /proc (VmHWM).
long PeakRssKiB() {
  std::FILE *f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long kib = -1;
  while (std::fgets(line, sizeof(line), f)) {
    if (std::strncmp(line, "VmHWM:", 6) == 0) kib = std::strtol(line + 6, nullptr, 10);
  }
  std::fclose(f);
  return kib;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

int Write(const char *out) {
  std::unique_ptr<dmlc::Stream> fo(dmlc::Stream::Create(out, "w"));
  dmlc::RecordIOWriter writer(fo.get());
  std::string rec;
  while (ReadFrame(stdin, &rec)) writer.WriteRecord(rec);
  return 0;
}

int Read(const char *in) {
  std::unique_ptr<dmlc::Stream> fi(dmlc::Stream::Create(in, "r"));
  dmlc::RecordIOReader reader(fi.get());
  std::string rec;
  while (reader.NextRecord(&rec)) WriteFrame(rec.data(), rec.size());
  return 0;
}

int Split(const char *uri, unsigned nparts, unsigned part, const char *type) {
  std::unique_ptr<dmlc::InputSplit> split(dmlc::InputSplit::Create(uri, part, nparts, type));
  dmlc::InputSplit::Blob blob;
  while (split->NextRecord(&blob)) WriteFrame(blob.dptr, blob.size);
  return 0;
}

int IndexedSplit(const char *uri, const char *index, unsigned nparts, unsigned part) {
  std::unique_ptr<dmlc::InputSplit> split(dmlc::InputSplit::Create(uri, index, part, nparts, "indexed_recordio"));
  dmlc::InputSplit::Blob blob;
  while (split->NextRecord(&blob)) WriteFrame(blob.dptr, blob.size);
  return 0;
}

int Scan(const char *in) {
  auto start = std::chrono::steady_clock::now();
  std::unique_ptr<dmlc::Stream> fi(dmlc::Stream::Create(in, "r"));
  dmlc::RecordIOReader reader(fi.get());
  std::string rec;
  uint64_t records = 0, bytes = 0, checksum = 0;
  while (reader.NextRecord(&rec)) {
    records += 1;
    bytes += rec.size();
    if (!rec.empty()) checksum += static_cast<unsigned char>(rec[rec.size() / 2]);
  }
  std::printf("{\"records\":%llu,\"payloadBytes\":%llu,\"checksum\":%llu,\"seconds\":%.6f,\"peakRssKiB\":%ld}\n",
              static_cast<unsigned long long>(records), static_cast<unsigned long long>(bytes),
              static_cast<unsigned long long>(checksum), Seconds(start), PeakRssKiB());
  return 0;
}

int WriteBench(const char *pool_path, const char *out, uint64_t count) {
  std::vector<std::string> pool;
  {
    std::unique_ptr<dmlc::Stream> fi(dmlc::Stream::Create(pool_path, "r"));
    dmlc::RecordIOReader reader(fi.get());
    std::string rec;
    while (reader.NextRecord(&rec)) pool.push_back(rec);
  }
  if (pool.empty()) {
    std::fprintf(stderr, "dmlc-harness: empty pool %s\n", pool_path);
    return 2;
  }
  auto start = std::chrono::steady_clock::now();
  uint64_t bytes = 0;
  {
    std::unique_ptr<dmlc::Stream> fo(dmlc::Stream::Create(out, "w"));
    dmlc::RecordIOWriter writer(fo.get());
    for (uint64_t i = 0; i < count; ++i) {
      const std::string &rec = pool[i % pool.size()];
      writer.WriteRecord(rec);
      bytes += rec.size();
    }
  }  // the stream closes (fclose) here, inside the timing
  std::printf("{\"records\":%llu,\"payloadBytes\":%llu,\"seconds\":%.6f,\"peakRssKiB\":%ld}\n",
              static_cast<unsigned long long>(count), static_cast<unsigned long long>(bytes), Seconds(start),
              PeakRssKiB());
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  static char outbuf[1 << 20];
  std::setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
  std::string cmd = argc > 1 ? argv[1] : "";
  int rc;
  if (cmd == "write" && argc == 3) {
    rc = Write(argv[2]);
  } else if (cmd == "read" && argc == 3) {
    rc = Read(argv[2]);
  } else if (cmd == "split" && (argc == 5 || argc == 6)) {
    rc = Split(argv[2], std::strtoul(argv[3], nullptr, 10), std::strtoul(argv[4], nullptr, 10),
               argc == 6 ? argv[5] : "recordio");
  } else if (cmd == "isplit" && argc == 6) {
    rc = IndexedSplit(argv[2], argv[3], std::strtoul(argv[4], nullptr, 10), std::strtoul(argv[5], nullptr, 10));
  } else if (cmd == "scan" && argc == 3) {
    rc = Scan(argv[2]);
  } else if (cmd == "write-bench" && argc == 5) {
    rc = WriteBench(argv[2], argv[3], std::strtoull(argv[4], nullptr, 10));
  } else {
    std::fprintf(stderr, "usage: dmlc-harness write OUT | read IN | split URI N I [TYPE] | isplit URI IDX N I | scan IN | write-bench POOL OUT COUNT\n");
    return 2;
  }
  std::fflush(stdout);
  return rc;
}
