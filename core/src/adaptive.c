/*
 * adaptive.c — retry_mode adaptive's client-side rate limiter (see
 * adaptive.h): botocore's ClientRateLimiter, RateClocker, TokenBucket and
 * CubicCalculator, operation for operation, so that t_adaptive_botocore.py
 * finds the same numbers (to 1e-6) for the same events.
 */
#include "adaptive.h"
#include <math.h>

/* The cube root of x >= 0 by Newton's method from above (the iterates
 * decrease until they stop changing): libm's cbrt/pow would add -lm to
 * every program and plugin that links core, for two calls. Within an ulp
 * or two of botocore's x ** (1 / 3.0). */
static double cube_root(double x) {
    if (!(x > 0)) return 0;
    double y = x > 1 ? x : 1;
    for (int i = 0; i < 200; i++) {
        double next = (2 * y + x / (y * y)) / 3;
        if (!(next < y)) break;
        y = next;
    }
    return y;
}

/* CubicCalculator._calculate_zero_point */
static double zero_point(double w_max) {
    return cube_root(w_max * (1 - SQLAMBDA_ADAPTIVE_BETA) / SQLAMBDA_ADAPTIVE_SCALE);
}

/* TokenBucket._refill: the tokens earned since the last refill. */
static void refill(sqlambda_rate_limiter *rl, double now) {
    double c = rl->capacity + (now - rl->last_refill) * rl->fill_rate;
    rl->capacity = c < rl->max_capacity ? c : rl->max_capacity;
    rl->last_refill = now;
}

/* TokenBucket.max_rate's setter: refill at the old rate first. */
static void set_max_rate(sqlambda_rate_limiter *rl, double now, double rate) {
    refill(rl, now);
    rl->fill_rate = rate > SQLAMBDA_ADAPTIVE_MIN_FILL_RATE ? rate : SQLAMBDA_ADAPTIVE_MIN_FILL_RATE;
    rl->max_capacity = rate >= 1 ? rate : 1;
    if (rl->capacity > rl->max_capacity) rl->capacity = rl->max_capacity;
}

void sqlambda_rl_init(sqlambda_rate_limiter *rl, double now) {
    rl->enabled = 0;
    rl->w_max = 0; /* CubicCalculator(starting_max_rate=0, start_time=now) */
    rl->k = zero_point(0);
    rl->last_fail = now;
    rl->measured_rate = 0; /* RateClocker: buckets counted from the whole second */
    rl->last_bucket = floor(now);
    rl->count = 0;
    rl->capacity = 0; /* TokenBucket(max_rate=1): the first refill only sets the time */
    rl->last_refill = now;
    rl->fill_rate = 1;
    rl->max_capacity = 1;
}

double sqlambda_rl_acquire(sqlambda_rate_limiter *rl, double now) {
    if (!rl->enabled) return 0;
    refill(rl, now);
    if (rl->capacity >= 1) {
        rl->capacity -= 1;
        return 0;
    }
    double wait = (1 - rl->capacity) / rl->fill_rate;
    return wait > SQLAMBDA_ADAPTIVE_MIN_WAIT ? wait : SQLAMBDA_ADAPTIVE_MIN_WAIT;
}

/* RateClocker.record: answers per second, smoothed per 0.5 s bucket. */
static double record(sqlambda_rate_limiter *rl, double now) {
    double scale = 1 / SQLAMBDA_ADAPTIVE_BUCKET_S;
    double bucket = floor(now * scale) / scale;
    rl->count += 1;
    if (bucket > rl->last_bucket) {
        double current = rl->count / (bucket - rl->last_bucket);
        rl->measured_rate = current * SQLAMBDA_ADAPTIVE_SMOOTHING +
                            rl->measured_rate * (1 - SQLAMBDA_ADAPTIVE_SMOOTHING);
        rl->count = 0;
        rl->last_bucket = bucket;
    }
    return rl->measured_rate;
}

double sqlambda_rl_on_response(sqlambda_rate_limiter *rl, double now, int throttled) {
    double measured = record(rl, now), rate;
    if (!throttled) {
        double dt = now - rl->last_fail; /* CubicCalculator.success_received */
        double d = dt - rl->k;
        rate = SQLAMBDA_ADAPTIVE_SCALE * (d * d * d) + rl->w_max;
    } else {
        /* the rate sent at: the measured one, and not above the bucket's */
        double current = measured;
        if (rl->enabled && rl->fill_rate < current) current = rl->fill_rate;
        rl->w_max = current; /* CubicCalculator.error_received */
        rl->k = zero_point(current);
        rl->last_fail = now;
        rate = current * SQLAMBDA_ADAPTIVE_BETA;
        rl->enabled = 1;
    }
    double cap = SQLAMBDA_ADAPTIVE_MAX_RATE_SCALE * measured;
    set_max_rate(rl, now, rate < cap ? rate : cap);
    return rl->fill_rate;
}
