// What the fuzz targets use to report a broken invariant: print what and where, then abort, so
// that libFuzzer saves the input as a crash artifact. (assert() would vanish under NDEBUG.)
#pragma once

#include <cstdio>
#include <cstdlib>

#define TIDEMARK_FUZZ_CHECK(condition, ...)                                              \
  do {                                                                                   \
    if (!(condition)) {                                                                  \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition); \
      std::fprintf(stderr, __VA_ARGS__);                                                 \
      std::fprintf(stderr, "\n");                                                        \
      std::abort();                                                                      \
    }                                                                                    \
  } while (false)
