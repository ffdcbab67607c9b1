/* tap.h — minimal TAP output for core's C tests: ok/not ok lines, counted
 * by scripts/tally. A test binary exits non-zero if any check failed. */
#ifndef SQLAMBDA_TAP_H
#define SQLAMBDA_TAP_H
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int tap_ok(int cond, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    if (!cond) tap_failed++;
    fflush(stdout);
    return cond;
}
#define ok(cond, ...) tap_ok((cond) ? 1 : 0, __VA_ARGS__)
#define is_str(got, want, name)                                                              \
    do {                                                                                     \
        const char *g_ = (got), *w_ = (want);                                                \
        if (!tap_ok(g_ && w_ ? strcmp(g_, w_) == 0 : g_ == w_, "%s", name))                   \
            printf("#   got:  %s\n#   want: %s\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
    } while (0)
#define is_int(got, want, name)                                                   \
    do {                                                                          \
        long long g_ = (long long)(got), w_ = (long long)(want);                  \
        if (!tap_ok(g_ == w_, "%s", name)) printf("#   got: %lld want: %lld\n", g_, w_); \
    } while (0)
static inline void diag(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    printf("# ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
}
#define tap_done() (printf("1..%d\n", tap_n), tap_failed ? 1 : 0)
#endif
