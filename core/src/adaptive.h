/*
 * adaptive.h — retry_mode adaptive's client-side rate limiter, as botocore
 * builds it (botocore/retries/adaptive.py ClientRateLimiter and RateClocker,
 * bucket.py TokenBucket, throttling.py CubicCalculator): a token bucket whose
 * fill rate follows CUBIC (cut to 0.7x the measured rate on a throttling
 * answer, then grown back), enabled at the first throttling answer. Pure
 * math on times passed in (seconds, any monotonic origin): no clock, no
 * I/O, no lock (a client is used by one thread at a time). Internal: not
 * installed, no exported symbols; tool_adaptive drives it for
 * t_adaptive_botocore.py, which checks it against botocore's classes.
 */
#ifndef SQLAMBDA_ADAPTIVE_H
#define SQLAMBDA_ADAPTIVE_H

#define SQLAMBDA_ADAPTIVE_BETA 0.7          /* CUBIC: rate kept on a throttle */
#define SQLAMBDA_ADAPTIVE_SCALE 0.4         /* CUBIC: growth constant */
#define SQLAMBDA_ADAPTIVE_SMOOTHING 0.8     /* measured rate: weight of the newest bucket */
#define SQLAMBDA_ADAPTIVE_BUCKET_S 0.5      /* measured rate: time bucket */
#define SQLAMBDA_ADAPTIVE_MIN_FILL_RATE 0.5 /* tokens per second, at least */
#define SQLAMBDA_ADAPTIVE_MAX_RATE_SCALE 2.0 /* fill rate <= 2x the measured rate */
/* A wait is never shorter than this (seconds): a token short by a rounding
 * error would otherwise ask for a wait too short to move the clock
 * (botocore's blocking loop relies on real time moving on). Small enough
 * that such a wait changes nothing measurable (t_adaptive_botocore.py's
 * fake clock moves by at least as much). */
#define SQLAMBDA_ADAPTIVE_MIN_WAIT 1e-9

typedef struct sqlambda_rate_limiter {
    int enabled;          /* a throttling answer was seen: sends take tokens */
    /* CUBIC (CubicCalculator) */
    double w_max, k, last_fail;
    /* measured rate of answers (RateClocker) */
    double measured_rate, last_bucket, count;
    /* token bucket (TokenBucket) */
    double fill_rate, max_capacity, capacity, last_refill;
} sqlambda_rate_limiter;

/* A limiter as a client starts with it, at time now (seconds). */
void sqlambda_rl_init(sqlambda_rate_limiter *rl, double now);
/* Before sending an attempt at time now: 0 when it may go (a token was
 * taken, or the limiter is not enabled yet), else the seconds until a
 * token will be there (>= SQLAMBDA_ADAPTIVE_MIN_WAIT; ask again then: the
 * rate may have changed). */
double sqlambda_rl_acquire(sqlambda_rate_limiter *rl, double now);
/* After each attempt's outcome (an answer, or a transport failure) at time
 * now: throttled for a throttling answer. Returns the new fill rate
 * (tokens per second; what botocore's max_rate reads back). */
double sqlambda_rl_on_response(sqlambda_rate_limiter *rl, double now, int throttled);

#endif
