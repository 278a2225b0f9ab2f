#ifndef LAKEHOUSE_CZSTD_SHIM_H
#define LAKEHOUSE_CZSTD_SHIM_H
#include <zstd.h>
#include <zstd_errors.h>
#endif
