/*
 * body_budget.c — one cap on the request bytes serve holds in memory for
 * clients, all connections and queued Event invocations together (issue
 * 11): the Invoke API reserves a body before reading it (invoke_api.c),
 * the Event queue holds its copy of the payload against it until the event
 * is done (event_queue.c). A reservation that does not fit is refused and
 * the client gets 429, so no set of clients makes serve buffer more.
 */
#include "serve.h"

static size_t held; /* bytes reserved (atomic) */

int body_budget_reserve(size_t n) {
    size_t cur = __atomic_load_n(&held, __ATOMIC_RELAXED);
    do {
        if (n > BODY_BUDGET || cur > BODY_BUDGET - n) return -1;
    } while (!__atomic_compare_exchange_n(&held, &cur, cur + n, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
    return 0;
}

void body_budget_release(size_t n) {
    if (n) __atomic_sub_fetch(&held, n, __ATOMIC_RELAXED);
}
