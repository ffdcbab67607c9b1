/*
 * call_heap.c — calls waiting to retry, as a binary min-heap on retry_at
 * (ties: the one scheduled first fires first). The event loop asks for the
 * earliest one per wait and pops the due ones: O(log n) per retry, never a
 * scan of every call in backoff.
 */
#include "client_internal.h"
#include <stdlib.h>

static int before(const sqlambda_call *a, const sqlambda_call *b) {
    if (a->retry_at != b->retry_at) return a->retry_at < b->retry_at;
    return a->retry_seq < b->retry_seq;
}

static void swap(call_heap *h, size_t i, size_t j) {
    sqlambda_call *t = h->a[i];
    h->a[i] = h->a[j];
    h->a[j] = t;
}

int sqlambda_heap_push(call_heap *h, sqlambda_call *call) {
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 16;
        sqlambda_call **a = realloc(h->a, cap * sizeof *a);
        if (!a) return -1;
        h->a = a;
        h->cap = cap;
    }
    call->retry_seq = h->seq++;
    size_t i = h->n++;
    h->a[i] = call;
    while (i > 0 && before(h->a[i], h->a[(i - 1) / 2])) {
        swap(h, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
    return 0;
}

sqlambda_call *sqlambda_heap_top(const call_heap *h) { return h->n ? h->a[0] : NULL; }

sqlambda_call *sqlambda_heap_pop(call_heap *h) {
    if (!h->n) return NULL;
    sqlambda_call *top = h->a[0];
    h->a[0] = h->a[--h->n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && before(h->a[l], h->a[m])) m = l;
        if (r < h->n && before(h->a[r], h->a[m])) m = r;
        if (m == i) break;
        swap(h, i, m);
        i = m;
    }
    return top;
}

void sqlambda_heap_free(call_heap *h) {
    free(h->a);
    h->a = NULL;
    h->n = h->cap = 0;
}
