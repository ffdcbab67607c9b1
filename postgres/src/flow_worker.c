/*
 * flow_worker.c — the delivery worker's flow control, per function name
 * (as enqueued): functions paused by hand (aws_lambda.flow, read at each
 * claim), a circuit breaker (after aws_lambda.breaker_failures consecutive
 * failed deliveries no call for a cool-down that doubles from
 * breaker_cooldown_ms up to breaker_max_cooldown_ms, then one probe:
 * success closes it, failure opens it again), and a limit of calls in
 * flight: the cap of aws_lambda.set_concurrency (else worker_concurrency),
 * halved on throttling (429, never below 1) and raised by one per window
 * of successes (AIMD; one decrease per window of calls; just below the
 * limit last throttled, PLATEAU_WINDOWS windows pass before it is probed
 * again), with the function held back for Retry-After. A function that may
 * not send is excluded from claims, so its entries wait in the table
 * without burning attempts and the worker's hold stays free for the
 * others. The state is worker-local, published to shared memory for
 * aws_lambda.worker_flow() (queue_status).
 */
#include "queue.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include <string.h>

typedef struct flow_fn {
    char function[AWSQ_NAME_LEN]; /* hash key */
    awsq_breaker state;
    int failures;          /* consecutive failed deliveries */
    double since_ms;       /* breaker state entered */
    double open_until_ms;  /* OPEN: cool-down ends */
    double cooldown_ms;    /* the current cool-down */
    bool probing;          /* HALF_OPEN: the probe is in flight */
    char last_error[AWSQ_ERROR_LEN];
    bool paused;           /* aws_lambda.flow */
    int cap;               /* aws_lambda.flow.max_concurrency (0: none) */
    int limit;             /* lowered limit (AIMD; 0: not lowered) */
    double credit;         /* successes / limit since the last increase */
    int throttled_at;      /* the limit last throttled (0: none known) ... */
    int plateau;           /* ... and the windows spent just below it */
    int calls;             /* its calls in core's multi */
    int held;              /* entries the worker holds */
    double hold_until_ms;  /* Retry-After */
    uint64 sent;           /* calls started */
    uint64 decreased_at;   /* value of sent at the last decrease */
    bool excluded;         /* left out of the last claim */
} flow_fn;

static HTAB *fns;

/* Windows of successes spent just below the last throttled limit before
 * probing it again: against an endpoint that throttles above K in flight,
 * about 50 windows at K per 429. */
#define PLATEAU_WINDOWS 50

static flow_fn *get(const char *function, bool create) {
    char key[AWSQ_NAME_LEN];
    bool found;
    if (!fns) {
        HASHCTL info;
        memset(&info, 0, sizeof info);
        info.keysize = AWSQ_NAME_LEN;
        info.entrysize = sizeof(flow_fn);
        info.hcxt = TopMemoryContext;
        fns = hash_create("aws_lambda flow", 64, &info, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
    }
    memset(key, 0, sizeof key);
    strlcpy(key, function, sizeof key);
    flow_fn *f = hash_search(fns, key, create ? HASH_ENTER : HASH_FIND, &found);
    if (f && !found) {
        memset((char *)f + AWSQ_NAME_LEN, 0, sizeof *f - AWSQ_NAME_LEN);
        f->state = AWSQ_CLOSED;
    }
    return f;
}

/* The function's current limit of calls in flight. */
static int limit_of(const flow_fn *f) {
    int full = f->cap > 0 ? Min(f->cap, awsq_worker_concurrency) : awsq_worker_concurrency;
    return f->limit > 0 ? Min(f->limit, full) : full;
}

/* Holds enough entries for its limit: claim no more of them for now. */
static bool saturated(const flow_fn *f) {
    int lim = limit_of(f);
    return lim < awsq_worker_concurrency && f->held >= Max(4 * lim, 16);
}

static bool excluded_now(const flow_fn *f, double now_ms) {
    return f->paused || (f->state == AWSQ_OPEN && now_ms < f->open_until_ms) || saturated(f);
}

void awsq_flow_load(void) {
    static SPIPlanPtr plan;
    HASH_SEQ_STATUS it;
    flow_fn *f;
    Oid nsp = get_namespace_oid("aws_lambda", true);
    if (fns) {
        hash_seq_init(&it, fns);
        while ((f = hash_seq_search(&it)) != NULL) f->paused = false, f->cap = 0;
    }
    /* A 1.0 extension (before ALTER EXTENSION UPDATE) has no flow table. */
    if (!OidIsValid(nsp) || !OidIsValid(get_relname_relid("flow", nsp))) return;
    if (!plan)
        plan = awsq_keep_plan("SELECT function_name, paused, max_concurrency FROM aws_lambda.flow",
                              0, NULL);
    if (SPI_execute_plan(plan, NULL, NULL, true, 0) != SPI_OK_SELECT)
        elog(ERROR, "aws_lambda worker: reading aws_lambda.flow failed");
    for (uint64 i = 0; i < SPI_processed; i++) {
        HeapTuple t = SPI_tuptable->vals[i];
        TupleDesc d = SPI_tuptable->tupdesc;
        bool isnull;
        char *fn = SPI_getvalue(t, d, 1);
        if (!fn) continue;
        f = get(fn, true);
        f->paused = DatumGetBool(SPI_getbinval(t, d, 2, &isnull)) && !isnull;
        Datum cap = SPI_getbinval(t, d, 3, &isnull);
        f->cap = isnull ? 0 : DatumGetInt32(cap);
    }
}

Datum awsq_flow_excluded(bool *released) {
    double now = awsq_now_ms();
    int n = 0, size = 0;
    Datum *names;
    HASH_SEQ_STATUS it;
    flow_fn *f;
    *released = false;
    if (fns) size = (int)hash_get_num_entries(fns);
    names = palloc(sizeof(Datum) * (size + 1));
    if (fns) {
        hash_seq_init(&it, fns);
        while ((f = hash_seq_search(&it)) != NULL) {
            bool was = f->excluded;
            f->excluded = excluded_now(f, now);
            if (was && !f->excluded) *released = true;
            if (f->excluded) names[n++] = CStringGetTextDatum(f->function);
        }
    }
    return PointerGetDatum(construct_array(names, n, TEXTOID, -1, false, TYPALIGN_INT));
}

bool awsq_flow_claimable(const char *function) {
    flow_fn *f = get(function, false);
    return !f || !excluded_now(f, awsq_now_ms());
}

void awsq_flow_held(const char *function, int delta) {
    flow_fn *f = get(function, delta > 0);
    if (f) f->held = Max(f->held + delta, 0);
}

bool awsq_flow_may_send(const char *function, double now_ms, bool *blocked) {
    flow_fn *f = get(function, false);
    *blocked = false;
    if (!f) return true;
    if (f->paused) {
        *blocked = true;
        return false;
    }
    if (f->state == AWSQ_OPEN) {
        if (now_ms < f->open_until_ms) {
            *blocked = true;
            return false;
        }
        f->state = AWSQ_HALF_OPEN; /* cool-down over: one probe */
        f->since_ms = now_ms;
        f->probing = false;
    }
    if (f->state == AWSQ_HALF_OPEN && (f->probing || f->calls > 0)) return false;
    if (f->hold_until_ms > now_ms) return false;
    return f->calls < limit_of(f);
}

void awsq_flow_sent(awsq_delivery *d) {
    flow_fn *f = get(d->function, true);
    d->flow_seq = f->sent++;
    f->calls++;
    if (f->state == AWSQ_HALF_OPEN) f->probing = true;
}

static bool counts_as_failure(const awsq_delivery *d) {
    switch (d->status) {
    case SQLAMBDA_E_FUNCTION:
    case SQLAMBDA_E_TRANSPORT:
    case SQLAMBDA_E_TIMEOUT:
    case SQLAMBDA_E_RESPONSE: return true;
    case SQLAMBDA_E_SERVICE: return d->http_status != 429;
    default: return false; /* refused before sending, local setup, throttling, cancel */
    }
}

static void open_breaker(flow_fn *f, double now_ms, double cooldown_ms) {
    /* Left out of claims from now (its unsent entries let go): at the end
     * of the cool-down awsq_flow_next_ms asks for a sweep that finds them,
     * whether or not a claim ran meanwhile. */
    f->excluded = true;
    f->state = AWSQ_OPEN;
    f->since_ms = now_ms;
    f->cooldown_ms = Min(cooldown_ms, (double)awsq_breaker_max_cooldown_ms);
    f->open_until_ms = now_ms + f->cooldown_ms;
    f->probing = false;
}

void awsq_flow_done(const awsq_delivery *d, double retry_after_ms) {
    flow_fn *f = get(d->function, true);
    double now = awsq_now_ms();
    bool probe = f->state == AWSQ_HALF_OPEN && f->probing;
    if (f->calls > 0) f->calls--;
    if (probe) f->probing = false;
    if (d->status == SQLAMBDA_OK) {
        f->failures = 0;
        if (f->state != AWSQ_CLOSED) {
            f->state = AWSQ_CLOSED;
            f->since_ms = now;
            f->cooldown_ms = 0;
        }
        /* Additive increase: one more per window (limit successes), but
         * just below the limit last throttled it waits PLATEAU_WINDOWS
         * windows before probing it again (each probe costs a 429 and its
         * Retry-After); a probe that succeeds for a window forgets that
         * limit, and growth goes on. */
        if (f->limit > 0 && (f->credit += 1.0 / f->limit) >= 1.0) {
            f->credit = 0;
            if (f->throttled_at > 0 && f->limit >= f->throttled_at) {
                f->throttled_at = 0; /* a window at the old ceiling: it moved */
            } else if (f->throttled_at > 0 && f->limit + 1 >= f->throttled_at &&
                       ++f->plateau < PLATEAU_WINDOWS) {
                return;
            }
            f->plateau = 0;
            if (++f->limit >= awsq_worker_concurrency) f->limit = 0;
        }
        return;
    }
    if (d->status == SQLAMBDA_E_THROTTLED || (d->status == SQLAMBDA_E_SERVICE && d->http_status == 429)) {
        /* Multiplicative decrease, once per window: calls sent before the
         * last decrease were throttled at the old limit. */
        if (d->flow_seq >= f->decreased_at || f->decreased_at == 0) {
            f->throttled_at = limit_of(f);
            f->plateau = 0;
            f->limit = Max(limit_of(f) / 2, 1);
            f->credit = 0;
            f->decreased_at = f->sent;
        }
        if (retry_after_ms > 0) f->hold_until_ms = Max(f->hold_until_ms, now + retry_after_ms);
        return;
    }
    if (!counts_as_failure(d)) return;
    f->failures++;
    strlcpy(f->last_error, d->error ? d->error : sqlambda_status_name(d->status), AWSQ_ERROR_LEN);
    if (probe || f->state == AWSQ_HALF_OPEN)
        open_breaker(f, now, f->cooldown_ms * 2);
    else if (f->state == AWSQ_CLOSED && awsq_breaker_failures > 0 &&
             f->failures >= awsq_breaker_failures)
        open_breaker(f, now, awsq_breaker_cooldown_ms);
}

double awsq_flow_next_ms(double now_ms, bool *claim) {
    double at = 0;
    HASH_SEQ_STATUS it;
    flow_fn *f;
    *claim = false;
    if (!fns) return 0;
    hash_seq_init(&it, fns);
    while ((f = hash_seq_search(&it)) != NULL) {
        if (f->excluded && !excluded_now(f, now_ms)) *claim = true; /* may be claimed again */
        double t = 0;
        if (f->state == AWSQ_OPEN && f->open_until_ms > now_ms) t = f->open_until_ms;
        if (f->hold_until_ms > now_ms && (t == 0 || f->hold_until_ms > t)) t = f->hold_until_ms;
        if (t > 0 && (at == 0 || t < at)) at = t;
    }
    return at;
}

void awsq_flow_publish(void) {
    double now = awsq_now_ms();
    awsq_flow_pub *slots = palloc0(sizeof(awsq_flow_pub) * AWSQ_FLOW_SLOTS);
    int n = 0;
    HASH_SEQ_STATUS it;
    flow_fn *f;
    if (fns) {
        hash_seq_init(&it, fns);
        while ((f = hash_seq_search(&it)) != NULL) {
            bool quiet = f->state == AWSQ_CLOSED && f->failures == 0 && f->limit == 0 &&
                         f->calls == 0 && f->held == 0 && !f->paused && f->cap == 0 &&
                         !f->excluded && f->hold_until_ms <= now;
            if (quiet) { /* nothing to show or remember */
                hash_search(fns, f->function, HASH_REMOVE, NULL);
                continue;
            }
            if (n == AWSQ_FLOW_SLOTS) continue;
            awsq_flow_pub *p = &slots[n++];
            strlcpy(p->function, f->function, AWSQ_NAME_LEN);
            p->breaker = f->state;
            p->since = f->since_ms > 0 ? (TimestampTz)(f->since_ms * 1000.0) : 0;
            p->failures = f->failures;
            strlcpy(p->last_error, f->last_error, AWSQ_ERROR_LEN);
            p->limit = limit_of(f);
            p->calls = f->calls;
        }
    }
    awsq_publish_flow(n, slots);
    pfree(slots);
}
