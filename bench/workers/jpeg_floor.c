/*
 * The part of a JPEG transcode no codec built on libjpeg-turbo can skip: the
 * entropy (Huffman) decoding of each input and the entropy encoding of each
 * output. mxrec and OpenCV both run libjpeg-turbo's, so OpenCV's time over this
 * one is the most any libjpeg-turbo transcode can lead OpenCV by.
 *
 *   decode   each input decoded at 1/8 scale, as YCbCr without fancy
 *            upsampling: every coefficient entropy-decoded, and of the rest
 *            only each block's DC term (a 64th of the pixels) goes on. A
 *            progressive image's coefficients are held whole first, as in
 *            any decode of it.
 *   encode   jpeg_write_coefficients of each output's coefficients (read
 *            first, untimed) with the standard Huffman tables cv2.imencode and
 *            mxrec write with: the entropy coding of the output alone.
 *
 * argv: inputs.tsv (path, tab, ...) outputs.txt (one path a line; /dev/null for
 * none) trials.
 * Prints {"images", "decodeSeconds", "encodeSeconds"}, medians over the trials.
 * Built by bench/codec.ts with the system's cc and libjpeg (as the addon is).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jpeglib.h>

typedef struct {
  unsigned char *data;
  unsigned long size;
} Bytes;

static Bytes *readList(const char *listFile, size_t *count) {
  FILE *list = fopen(listFile, "r");
  if (!list) {
    perror(listFile);
    exit(2);
  }
  size_t n = 0, cap = 256;
  Bytes *files = malloc(cap * sizeof(Bytes));
  char line[8192];
  while (fgets(line, sizeof line, list)) {
    line[strcspn(line, "\t\n")] = 0;
    if (!line[0]) continue;
    FILE *f = fopen(line, "rb");
    if (!f) {
      perror(line);
      exit(2);
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (n == cap) files = realloc(files, (cap *= 2) * sizeof(Bytes));
    files[n].data = malloc(size);
    files[n].size = fread(files[n].data, 1, size, f);
    fclose(f);
    n++;
  }
  fclose(list);
  *count = n;
  return files;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static int compareDoubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Starts decompressing `in`: its header read. */
static void openJpeg(struct jpeg_decompress_struct *d, struct jpeg_error_mgr *err, const Bytes *in) {
  d->err = jpeg_std_error(err);
  jpeg_create_decompress(d);
  jpeg_mem_src(d, in->data, in->size);
  jpeg_read_header(d, TRUE);
}

/* Decodes `in` at 1/8 scale: its entropy decoding, and little else. */
static void decodeEighth(const Bytes *in) {
  struct jpeg_decompress_struct d;
  struct jpeg_error_mgr err;
  openJpeg(&d, &err, in);
  d.scale_num = 1;
  d.scale_denom = 8;
  d.out_color_space = d.jpeg_color_space == JCS_GRAYSCALE ? JCS_GRAYSCALE : JCS_YCbCr;
  d.do_fancy_upsampling = FALSE;
  jpeg_start_decompress(&d);
  JSAMPARRAY row = (*d.mem->alloc_sarray)((j_common_ptr)&d, JPOOL_IMAGE, d.output_width * d.output_components, 1);
  while (d.output_scanline < d.output_height) jpeg_read_scanlines(&d, row, 1);
  jpeg_finish_decompress(&d);
  jpeg_destroy_decompress(&d);
}

/* Reads `in`'s coefficients (untimed), then entropy-encodes them again: returns the seconds that took. */
static double encodeCoefficients(const Bytes *in) {
  struct jpeg_decompress_struct d;
  struct jpeg_error_mgr err;
  openJpeg(&d, &err, in);
  jvirt_barray_ptr *coefs = jpeg_read_coefficients(&d);
  struct jpeg_compress_struct c;
  struct jpeg_error_mgr cerr;
  c.err = jpeg_std_error(&cerr);
  jpeg_create_compress(&c);
  unsigned char *buffer = NULL;
  unsigned long size = 0;
  jpeg_mem_dest(&c, &buffer, &size);
  jpeg_copy_critical_parameters(&d, &c);
  c.optimize_coding = FALSE;
  double start = now();
  jpeg_write_coefficients(&c, coefs);
  jpeg_finish_compress(&c);
  double took = now() - start;
  jpeg_destroy_compress(&c);
  free(buffer);
  jpeg_finish_decompress(&d);
  jpeg_destroy_decompress(&d);
  return took;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: jpeg_floor inputs.tsv outputs.txt trials\n");
    return 2;
  }
  size_t inputs, outputs;
  Bytes *in = readList(argv[1], &inputs);
  Bytes *out = readList(argv[2], &outputs);
  int trials = atoi(argv[3]);
  double *decode = calloc(trials, sizeof(double)), *encode = calloc(trials, sizeof(double));
  for (int t = 0; t < trials; t++) {
    double start = now();
    for (size_t i = 0; i < inputs; i++) decodeEighth(&in[i]);
    decode[t] = now() - start;
    for (size_t i = 0; i < outputs; i++) encode[t] += encodeCoefficients(&out[i]);
  }
  qsort(decode, trials, sizeof(double), compareDoubles);
  qsort(encode, trials, sizeof(double), compareDoubles);
  printf("{\"images\": %zu, \"outputs\": %zu, \"decodeSeconds\": %.6f, \"encodeSeconds\": %.6f}\n", inputs, outputs, decode[trials / 2],
         encode[trials / 2]);
  return 0;
}
