/* Inflate-only kernel: a whole gzip file (every member) decoded in memory by zlib, ISA-L's igzip
   and libdeflate, best of REPEAT; prints one JSON line per library. Built and run by
   Benchmarks/inflate.sh: cc -O2 inflate_kernel.c -lz [-DHAVE_ISAL -lisal] [-DHAVE_LIBDEFLATE -ldeflate].
   libdeflate decodes whole members only (no streaming), with its own member loop here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif
#ifdef HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static size_t run_zlib(const unsigned char *in, size_t n, unsigned char *out, size_t cap) {
    z_stream s;
    memset(&s, 0, sizeof s);
    inflateInit2(&s, 31);
    s.next_in = (unsigned char *)in; s.avail_in = (unsigned)n;
    s.next_out = out; s.avail_out = (unsigned)cap;
    for (;;) {
        int code = inflate(&s, Z_NO_FLUSH);
        if (code == Z_STREAM_END) {
            if (s.avail_in == 0) break;
            inflateReset(&s);
        } else if (code != Z_OK) { fprintf(stderr, "zlib error %d\n", code); exit(1); }
    }
    size_t total = cap - s.avail_out;
    inflateEnd(&s);
    return total;
}

#ifdef HAVE_ISAL
static size_t run_isal(const unsigned char *in, size_t n, unsigned char *out, size_t cap) {
    static struct inflate_state s;
    isal_inflate_init(&s);
    s.crc_flag = ISAL_GZIP;
    s.next_in = (unsigned char *)in; s.avail_in = (uint32_t)n;
    s.next_out = out; s.avail_out = (uint32_t)cap;
    size_t total = 0;
    for (;;) {
        unsigned char *start = s.next_out;
        if (isal_inflate(&s) != ISAL_DECOMP_OK) { fprintf(stderr, "isal error\n"); exit(1); }
        total += s.next_out - start;
        if (s.block_state != ISAL_BLOCK_FINISH || s.avail_in == 0) break;
        unsigned char *next_in = s.next_in, *next_out = s.next_out;
        uint32_t avail_in = s.avail_in, avail_out = s.avail_out;
        isal_inflate_reset(&s);
        s.next_in = next_in; s.avail_in = avail_in; s.next_out = next_out; s.avail_out = avail_out;
    }
    return total;
}
#endif

#ifdef HAVE_LIBDEFLATE
static size_t run_libdeflate(const unsigned char *in, size_t n, unsigned char *out, size_t cap) {
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    size_t total = 0, used = 0;
    while (used < n) {
        size_t in_used = 0, produced = 0;
        if (libdeflate_gzip_decompress_ex(d, in + used, n - used, out + total, cap - total, &in_used, &produced) != LIBDEFLATE_SUCCESS) {
            fprintf(stderr, "libdeflate error\n"); exit(1);
        }
        used += in_used; total += produced;
    }
    libdeflate_free_decompressor(d);
    return total;
}
#endif

static void bench(const char *name, size_t (*fn)(const unsigned char *, size_t, unsigned char *, size_t),
                  const unsigned char *in, size_t n, unsigned char *out, size_t cap, int repeat) {
    double best = 1e30;
    size_t total = 0;
    for (int i = 0; i < repeat; i++) {
        double t = now();
        total = fn(in, n, out, cap);
        t = now() - t;
        if (t < best) best = t;
    }
    printf("{\"library\":\"%s\",\"seconds\":%.6f,\"bytes\":%zu,\"crc32\":%lu}\n", name, best, total, crc32(0, out, (unsigned)total));
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: inflate_kernel FILE.gz REPEAT\n"); return 2; }
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 1; }
    fseek(f, 0, SEEK_END);
    size_t n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *in = malloc(n);
    if (fread(in, 1, n, f) != n) { perror("read"); return 1; }
    fclose(f);
    size_t cap = n * 20 + (1 << 20);
    unsigned char *out = malloc(cap);
    int repeat = atoi(argv[2]);
    bench("zlib", run_zlib, in, n, out, cap, repeat);
#ifdef HAVE_ISAL
    bench("isa-l", run_isal, in, n, out, cap, repeat);
#endif
#ifdef HAVE_LIBDEFLATE
    bench("libdeflate", run_libdeflate, in, n, out, cap, repeat);
#endif
    return 0;
}
