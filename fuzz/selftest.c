/*
 * selftest.c — not a fuzz target of sqlambda: a program with planted bugs
 * that selftest.sh runs through run-target.sh to prove the harness reports
 * a heap over-read, a leak and undefined behaviour as "not ok" (so the real
 * targets' "ok" lines mean something). Input "CRASH", "LEAK" or "UB".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *p = malloc(size ? size : 1);
    if (!p) return 0;
    memcpy(p, data, size);
    volatile char sink = 0;
    if (size >= 5 && memcmp(p, "CRASH", 5) == 0) sink = p[size]; /* one byte past */
    if (size >= 4 && memcmp(p, "LEAK", 4) == 0) p = malloc(16); /* the first is lost */
    if (size >= 2 && memcmp(p, "UB", 2) == 0) {
        volatile int big = INT32_MAX;
        sink = (char)(big + (int)size); /* signed overflow */
    }
    (void)sink;
    free(p);
    return 0;
}
