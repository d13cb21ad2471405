// A minimal check macro for the C++ unit tests (ctest runs one executable per test file).
#pragma once

#include <cmath>
#include <cstdio>

namespace cerebellum_test {
inline int& failures() {
  static int n = 0;
  return n;
}
}  // namespace cerebellum_test

#define CHECK(cond)                                                         \
  do {                                                                      \
    if (!(cond)) {                                                          \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++cerebellum_test::failures();                                        \
    }                                                                       \
  } while (0)

#define CHECK_NEAR(a, b, tol) CHECK(std::abs((a) - (b)) <= (tol))

#define CHECK_THROWS(expr)      \
  do {                          \
    bool thrown_ = false;       \
    try {                       \
      expr;                     \
    } catch (...) {             \
      thrown_ = true;           \
    }                           \
    CHECK(thrown_ && #expr);    \
  } while (0)

#define TEST_MAIN_RETURN()                                                          \
  (cerebellum_test::failures() ? (std::fprintf(stderr, "%d check(s) failed\n",      \
                                               cerebellum_test::failures()), 1)     \
                               : 0)
