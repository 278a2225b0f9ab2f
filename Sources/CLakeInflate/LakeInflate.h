#ifndef LAKEHOUSE_LAKEINFLATE_H
#define LAKEHOUSE_LAKEINFLATE_H
/* A thin, optional binding of Intel ISA-L's igzip inflate (raw deflate + gzip trailer check),
   header-only: the functions are compiled into the module that imports them, so there is no
   object of its own to link (the fuzz scripts link LakeCodecs' objects and need nothing more).
   lake_igzip_available() says whether ISA-L can be used; when it cannot, LakeCodecs inflates
   with zlib. */
#include <stddef.h>
#include <stdint.h>

/* Results of lake_igzip_inflate (ISA-L's own return codes, mirrored so that callers compile
   without ISA-L's headers). */
#define LAKE_IGZIP_OK 0
#define LAKE_IGZIP_INVALID_BLOCK (-1)
#define LAKE_IGZIP_INVALID_SYMBOL (-2)
#define LAKE_IGZIP_INVALID_LOOKBACK (-3)
#define LAKE_IGZIP_INCORRECT_CHECKSUM (-6)
#define LAKE_IGZIP_UNAVAILABLE (-100)

/* Streams are `void *` to Swift: the struct is complete only where ISA-L's header is, and the
   Swift code must not see a different type in the two builds. One is about 100 KB of state. */
typedef struct lake_igzip lake_igzip;

/* ISA-L is optional at build time and at run time, so a machine without libisal still builds
   and works (LakeCodecs falls back to zlib):
   - build time: compiled in only when <isa-l/igzip_lib.h> is present (Debian: libisal-dev), and
     LAKE_INFLATE_NO_ISAL is not defined (the switch that checks the fallback build);
   - run time: the library is not linked but opened with dlopen("libisal.so.2"), so a binary
     built with the header still links and runs where the library is missing.
   The header is used only for struct inflate_state's layout, stable within the .so.2 ABI. */
#if !defined(LAKE_INFLATE_NO_ISAL) && defined(__has_include)
#if __has_include(<isa-l/igzip_lib.h>)
#define LAKE_HAVE_ISAL 1
#endif
#endif

#if LAKE_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>

struct lake_igzip {
    struct inflate_state state;
    /* Copied from the loaded library at create time, so that inflating takes no lock. */
    void (*reset)(struct inflate_state *);
    int (*inflate)(struct inflate_state *);
};

/* The entry points, loaded once per process (the static locals live in whichever object file
   the importing module emits these inline functions into; loading twice is harmless). */
struct lake_isal_functions {
    int loaded;
    void (*inflate_init)(struct inflate_state *);
    void (*inflate_reset)(struct inflate_state *);
    int (*inflate)(struct inflate_state *);
};

static inline const struct lake_isal_functions *lake_isal(void) {
    static struct lake_isal_functions functions;
    static int tried;
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&lock);
    if (!tried) {
        tried = 1;
        /* RTLD_LOCAL: its symbols stay out of the process's global namespace. */
        void *handle = dlopen("libisal.so.2", RTLD_NOW | RTLD_LOCAL);
        if (handle) {
            functions.inflate_init = (void (*)(struct inflate_state *))dlsym(handle, "isal_inflate_init");
            functions.inflate_reset = (void (*)(struct inflate_state *))dlsym(handle, "isal_inflate_reset");
            functions.inflate = (int (*)(struct inflate_state *))dlsym(handle, "isal_inflate");
            functions.loaded = functions.inflate_init && functions.inflate_reset && functions.inflate;
            if (!functions.loaded) dlclose(handle); /* an incomplete library is not used at all */
        }
    }
    pthread_mutex_unlock(&lock);
    return &functions;
}

/* 1 when ISA-L was compiled in and libisal.so.2 loaded with every symbol used; 0 otherwise.
   Thread-safe; loads the library on the first call. */
static inline int lake_igzip_available(void) { return lake_isal()->loaded; }

/* A new stream positioned at the start of a gzip member's deflate data (after its header), or
   NULL when ISA-L is unavailable or memory ran out. */
static inline void *lake_igzip_create(void) {
    const struct lake_isal_functions *isal = lake_isal();
    if (!isal->loaded) return NULL;
    lake_igzip *stream = (lake_igzip *)malloc(sizeof(lake_igzip));
    if (!stream) return NULL;
    isal->inflate_init(&stream->state);
    stream->reset = isal->inflate_reset;
    stream->inflate = isal->inflate;
    /* Raw deflate, then the gzip trailer read and checked by ISA-L; the header is parsed by the
       caller (zlib's rules and messages). */
    stream->state.crc_flag = ISAL_GZIP_NO_HDR_VER;
    return stream;
}

static inline void lake_igzip_destroy(void *stream) { free(stream); }

/* Starts the next member's deflate data: history, totals and the CRC start over. */
static inline void lake_igzip_reset(void *handle) {
    lake_igzip *stream = (lake_igzip *)handle;
    stream->reset(&stream->state);
    stream->state.crc_flag = ISAL_GZIP_NO_HDR_VER;
}

/* Inflates from `input` into `output` as far as either allows. On return `*consumed` and
   `*produced` say how far it got and `*member_ended` is 1 once the member's 8-byte trailer was
   read and its CRC-32 and length matched (input after the trailer is not consumed). Returns
   LAKE_IGZIP_OK or one of the error codes above. */
static inline int lake_igzip_inflate(void *handle, const uint8_t *input, size_t input_count,
                                     uint8_t *output, size_t output_count,
                                     size_t *consumed, size_t *produced, int *member_ended) {
    lake_igzip *stream = (lake_igzip *)handle;
    struct inflate_state *s = &stream->state;
    uint32_t in = input_count > UINT32_MAX ? UINT32_MAX : (uint32_t)input_count;
    uint32_t out = output_count > UINT32_MAX ? UINT32_MAX : (uint32_t)output_count;
    s->next_in = (uint8_t *)input;
    s->avail_in = in;
    s->next_out = output;
    s->avail_out = out;
    int code = stream->inflate(s);
    *consumed = in - s->avail_in;
    *produced = out - s->avail_out;
    *member_ended = s->block_state == ISAL_BLOCK_FINISH;
    return code;
}

/* 1 when the input ended inside a member's trailer after its CRC-32 and that CRC does not match
   the data: zlib reports this as corrupt as soon as it has the CRC's 4 bytes, while ISA-L waits
   for all 8 trailer bytes (and would call the stream merely truncated). */
static inline int lake_igzip_trailer_crc_mismatch(void *handle) {
    struct inflate_state *s = &((lake_igzip *)handle)->state;
    if (s->block_state != ISAL_CHECKSUM_CHECK || s->tmp_in_size < 4) return 0;
    const uint8_t *t = s->tmp_in_buffer;
    uint32_t crc = (uint32_t)t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 | (uint32_t)t[3] << 24;
    return crc != s->crc;
}

#else

static inline int lake_igzip_available(void) { return 0; }
static inline void *lake_igzip_create(void) { return NULL; }
static inline void lake_igzip_destroy(void *stream) { (void)stream; }
static inline void lake_igzip_reset(void *stream) { (void)stream; }
static inline int lake_igzip_trailer_crc_mismatch(void *handle) { (void)handle; return 0; }
static inline int lake_igzip_inflate(void *handle, const uint8_t *input, size_t input_count,
                       uint8_t *output, size_t output_count,
                       size_t *consumed, size_t *produced, int *member_ended) {
    (void)handle; (void)input; (void)input_count; (void)output; (void)output_count;
    *consumed = 0;
    *produced = 0;
    *member_ended = 0;
    return LAKE_IGZIP_UNAVAILABLE;
}

#endif
#endif
