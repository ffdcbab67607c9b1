/*
 * event_queue.c — asynchronous (Event) invocations: a queue served by a few
 * threads. A function error (including timeout and a crashed worker) is
 * retried twice, as Lambda does, after --event-retry-delay-ms and then twice
 * that (Lambda: about 1 and 2 minutes). An event throttled by reserved
 * concurrency goes back in the queue for 200 ms (not counted as an
 * attempt), so it never holds a thread. Queued events that have not
 * started are dropped at shutdown. The queue is bounded (--max-queued-events):
 * a new event beyond it is refused and the client gets Lambda's 429; so is
 * one whose payload does not fit the body budget (body_budget.c: queued
 * payloads count until their event is done).
 */
#include "serve.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct event_item {
    fn_version *fv;
    char *payload;
    size_t len;
    char *client_context;
    char *invoked_arn;
    char request_id[37];
    int attempt; /* 0, 1, 2 */
    double due_ms;
    struct event_item *next;
} event_item;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;
static event_item *queue;
static int stop;
static pthread_t *threads;
static int nthreads;
static long nqueued, max_queued; /* items in queue (retries included) */

static void item_free(event_item *e) {
    body_budget_release(e->len);
    free(e->payload);
    free(e->client_context);
    free(e->invoked_arn);
    free(e);
}

static void push_locked(event_item *e) { /* keeps the queue ordered by due time */
    event_item **pp = &queue;
    while (*pp && (*pp)->due_ms <= e->due_ms) pp = &(*pp)->next;
    e->next = *pp;
    *pp = e;
    nqueued++;
    pthread_cond_broadcast(&cv);
}

static void *event_thread(void *arg) {
    (void)arg;
    pthread_mutex_lock(&mu);
    for (;;) {
        if (stop) break;
        if (!queue) {
            pthread_cond_wait(&cv, &mu);
            continue;
        }
        double left = queue->due_ms - sqlambda_now_ms();
        if (left > 0) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            long long ns = ts.tv_nsec + (long long)(left * 1e6);
            ts.tv_sec += ns / 1000000000LL;
            ts.tv_nsec = ns % 1000000000LL;
            pthread_cond_timedwait(&cv, &mu, &ts);
            continue;
        }
        event_item *e = queue;
        queue = e->next;
        nqueued--;
        pthread_mutex_unlock(&mu);
        invocation inv = {0};
        memcpy(inv.request_id, e->request_id, sizeof inv.request_id);
        inv.payload = e->payload;
        inv.payload_len = e->len;
        inv.client_context = e->client_context;
        inv.invoked_arn = e->invoked_arn;
        enum run_status rs = pool_run(e->fv, &inv, 0);
        if (rs == RUN_THROTTLED) { /* reserved concurrency in use: try again soon, not an attempt */
            pthread_mutex_lock(&mu);
            e->due_ms = sqlambda_now_ms() + (g.event_retry_delay_ms < 200 ? (double)g.event_retry_delay_ms : 200.0);
            push_locked(e);
            continue;
        }
        int failed = rs != RUN_DONE || inv.outcome != OUT_OK;
        serve_debug("event %s for %s, attempt %d: %s", e->request_id, e->fv->fn->name, e->attempt + 1,
                    rs == RUN_STOPPING ? "dropped (stopping)" : failed ? "function error" : "ok");
        sqlambda_buf_free(&inv.body);
        sqlambda_buf_free(&inv.stream); /* a function that streamed its answer */
        free(inv.log_tail_b64);
        pthread_mutex_lock(&mu);
        if (rs != RUN_STOPPING && failed && e->attempt < 2 && !stop) {
            e->attempt++;
            e->due_ms = sqlambda_now_ms() + (double)g.event_retry_delay_ms * e->attempt;
            push_locked(e);
        } else {
            if (failed && rs != RUN_STOPPING)
                serve_log("event %s for %s failed after 3 attempts; discarded", e->request_id,
                          e->fv->fn->name);
            item_free(e);
        }
    }
    pthread_mutex_unlock(&mu);
    return NULL;
}

int event_queue_start(int n, long max) {
    max_queued = max;
    nqueued = 0;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&cv, &ca);
    pthread_condattr_destroy(&ca);
    stop = 0;
    threads = xcalloc((size_t)n, sizeof *threads);
    for (nthreads = 0; nthreads < n; nthreads++)
        if (pthread_create(&threads[nthreads], NULL, event_thread, NULL) != 0) return -1;
    return 0;
}

int event_queue_push(fn_version *fv, const char *payload, size_t len, const char *client_context,
                     const char *invoked_arn, const char *request_id) {
    pthread_mutex_lock(&mu);
    int full = nqueued >= max_queued;
    pthread_mutex_unlock(&mu);
    if (full || body_budget_reserve(len) != 0) return -1;
    event_item *e = xcalloc(1, sizeof *e);
    e->fv = fv;
    e->payload = xstrndup(payload, len);
    e->len = len;
    e->client_context = client_context ? xstrdup(client_context) : NULL;
    e->invoked_arn = xstrdup(invoked_arn);
    memcpy(e->request_id, request_id, sizeof e->request_id);
    e->due_ms = sqlambda_now_ms();
    pthread_mutex_lock(&mu);
    if (stop) { /* raced with shutdown: nothing will run it */
        pthread_mutex_unlock(&mu);
        serve_log("event %s for %s dropped: shutting down", e->request_id, fv->fn->name);
        item_free(e);
        return 0;
    }
    if (nqueued >= max_queued) { /* filled up meanwhile */
        pthread_mutex_unlock(&mu);
        item_free(e);
        return -1;
    }
    push_locked(e);
    pthread_mutex_unlock(&mu);
    return 0;
}

void event_queue_stop(void) {
    pthread_mutex_lock(&mu);
    stop = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < nthreads; i++) pthread_join(threads[i], NULL);
    free(threads);
    threads = NULL;
    nthreads = 0;
    int dropped = 0;
    while (queue) {
        event_item *e = queue;
        queue = e->next;
        item_free(e);
        dropped++;
        nqueued--;
    }
    if (dropped) serve_log("dropped %d queued Event invocation(s) at shutdown", dropped);
}
