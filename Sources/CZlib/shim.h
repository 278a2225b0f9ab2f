#ifndef LAKEHOUSE_CZLIB_SHIM_H
#define LAKEHOUSE_CZLIB_SHIM_H
#include <zlib.h>

/* zlib's init functions are macros that Swift cannot import; these wrappers pass the
   version and stream size the way the macros do. */
static inline int lakehouse_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2_(strm, windowBits, ZLIB_VERSION, (int)sizeof(z_stream));
}
static inline int lakehouse_deflateInit2(z_streamp strm, int level, int windowBits) {
    return deflateInit2_(strm, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY,
                         ZLIB_VERSION, (int)sizeof(z_stream));
}
#endif
