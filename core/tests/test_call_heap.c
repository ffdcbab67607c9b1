/*
 * test_call_heap.c — the backoff heap of the event loop (call_heap.c):
 * calls come out in retry_at order whatever order they went in, ties in
 * the order they were scheduled, interleaved pushes and pops included.
 */
#include "client_internal.h"
#include "tap.h"
#include <stdlib.h>

#define N 5000

int main(void) {
    static sqlambda_call calls[N];
    call_heap h = {0};
    srand(16);
    ok(sqlambda_heap_top(&h) == NULL && sqlambda_heap_pop(&h) == NULL, "empty heap: no top, no pop");
    int pushed = 1;
    for (int i = 0; i < N; i++) {
        calls[i].retry_at = (double)(rand() % 700); /* many equal keys */
        pushed &= sqlambda_heap_push(&h, &calls[i]) == 0;
    }
    ok(pushed && h.n == N, "%d calls pushed in random order", N);
    int sorted = 1, stable = 1;
    sqlambda_call *prev = NULL;
    for (int i = 0; i < N; i++) {
        sqlambda_call *c = sqlambda_heap_pop(&h);
        if (!c) { sorted = 0; break; }
        if (prev && c->retry_at < prev->retry_at) sorted = 0;
        if (prev && c->retry_at == prev->retry_at && c < prev) stable = 0; /* pushed in index order */
        prev = c;
    }
    ok(sorted, "popped in retry_at order");
    ok(stable, "equal retry_at: popped in the order scheduled");
    ok(h.n == 0 && sqlambda_heap_pop(&h) == NULL, "empty again");

    /* like the event loop: retries scheduled while due ones fire */
    double now = 0;
    int fired = 0, late = 0, order = 1;
    double last = -1;
    for (int i = 0; i < N; i++) {
        calls[i].retry_at = now + (double)(rand() % 20000);
        sqlambda_heap_push(&h, &calls[i]);
        now += 5;
        sqlambda_call *c;
        while ((c = sqlambda_heap_top(&h)) && c->retry_at <= now) {
            sqlambda_heap_pop(&h);
            if (c->retry_at < last) order = 0;
            if (now - c->retry_at > 5) late++;
            last = c->retry_at;
            fired++;
        }
    }
    sqlambda_call *c;
    while ((c = sqlambda_heap_pop(&h))) {
        if (c->retry_at < last) order = 0;
        last = c->retry_at;
        fired++;
    }
    ok(fired == N && order && !late, "interleaved: every retry fires once, in order, when due (%d fired, %d late)", fired, late);
    sqlambda_heap_free(&h);
    return tap_done();
}
