/*
 * worker_main.c — the delivery worker's entry point and main loop. It
 * connects to aws_lambda.database_name, publishes its latch (backends set
 * it when a transaction that enqueued commits), and then: claims due
 * entries after each wake, sends ready deliveries through core's multi
 * interface, records outcomes as soon as calls complete, and sleeps on its
 * latch (with a timeout only for a batch's linger, a scheduled retry or the
 * results purge) when nothing is in flight. Signals are PostgreSQL's
 * standard handlers (postmaster/interrupt.h): SIGTERM sets
 * ShutdownRequestPending and the worker exits cleanly, SIGHUP sets
 * ConfigReloadPending and it reloads the settings. A crash loses nothing:
 * entries leave the queue only when their outcome is recorded.
 */
#include "queue.h"

#include "access/xact.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/proc.h"
#include "storage/procsignal.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

awsq_worker awsq_w;

/* A full sweep (which also finds entries of transactions that committed
 * after higher ids were claimed) runs at most this often while busy. */
#define SWEEP_EVERY_MS 50.0
/* ... and at least this often when idle: COMMIT PREPARED of a transaction
 * that queued entries runs in a session without our commit callback, so
 * nothing wakes the worker for them (the chaos soak found such entries
 * waiting through a 120 s drain). One index probe a second. */
#define IDLE_SWEEP_MS 1000.0
#define PURGE_EVERY_MS 60000.0

double awsq_now_ms(void) { return (double)GetCurrentTimestamp() / 1000.0; }

static void forget_latch(int code, Datum arg) { awsq_set_worker_latch(NULL); }

static void init_state(void) {
    HASHCTL info;
    memset(&awsq_w, 0, sizeof awsq_w);
    awsq_w.cxt = AllocSetContextCreate(TopMemoryContext, "aws_lambda delivery",
                                       ALLOCSET_DEFAULT_SIZES);
    memset(&info, 0, sizeof info);
    info.keysize = sizeof(int64);
    info.entrysize = sizeof(int64);
    info.hcxt = awsq_w.cxt;
    awsq_w.held = hash_create("aws_lambda held ids", 1024, &info,
                              HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
    info.entrysize = sizeof(awsq_key_count);
    awsq_w.keys = hash_create("aws_lambda held order keys", 256, &info,
                              HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
    awsq_w.fn_names = MemoryContextAllocZero(awsq_w.cxt, sizeof(char[AWSQ_INFLIGHT_SLOTS][AWSQ_NAME_LEN]));
    awsq_w.fn_counts = MemoryContextAllocZero(awsq_w.cxt, sizeof(int) * AWSQ_INFLIGHT_SLOTS);
}

static double earliest(double a, double b) {
    if (a == 0) return b;
    if (b == 0) return a;
    return Min(a, b);
}

/* Waits on the latch alone until it is set or until at_ms (0: no limit). */
static void sleep_until(double at_ms) {
    long timeout = -1;
    int flags = WL_LATCH_SET | WL_EXIT_ON_PM_DEATH;
    if (at_ms > 0) {
        double left = at_ms - awsq_now_ms();
        timeout = left <= 0 ? 0 : (long)(left + 0.999);
        flags |= WL_TIMEOUT;
    }
    int rc = WaitLatch(MyLatch, flags, timeout, PG_WAIT_EXTENSION);
    if (rc & WL_LATCH_SET) {
        ResetLatch(MyLatch);
        awsq_w.wake = true;
    }
}

void awsq_worker_main(Datum arg) {
    bool ext_ready = false;
    /* PostgreSQL's standard handlers, as autoprewarm's worker uses: they set
     * ShutdownRequestPending / ConfigReloadPending and the latch. */
    pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGUSR1, procsignal_sigusr1_handler);
    BackgroundWorkerUnblockSignals();
    BackgroundWorkerInitializeConnection(awsq_database_name, NULL, 0);
    pgstat_report_appname("aws_lambda delivery worker");
    /* Every query of the worker reads the queue by id; kept generic plans
     * must not switch to sequential scans planned while the queue was small. */
    SetConfigOption("enable_seqscan", "off", PGC_USERSET, PGC_S_SESSION);

    init_state();
    awsq_send_init();
    on_shmem_exit(forget_latch, (Datum)0);
    awsq_set_worker_latch(MyLatch);
    elog(LOG, "aws_lambda delivery worker started (database \"%s\")", awsq_database_name);

    awsq_w.wake = true; /* first pass: everything queued is due */
    bool sweep_owed = true, more_ready = false, reload_client = false;
    while (!ShutdownRequestPending) {
        CHECK_FOR_INTERRUPTS();
        if (ConfigReloadPending) {
            ConfigReloadPending = false;
            ProcessConfigFile(PGC_SIGHUP);
            reload_client = true;
        }
        if (reload_client && awsq_send_reload()) reload_client = false;
        if (!ext_ready) {
            /* Nothing to do until the extension exists here. A commit that
             * enqueues (which needs it) sets the latch; an extension that
             * arrives without one (pg_restore of a dump with queued
             * entries) is found by looking again every second. */
            if (awsq_claim(true, 1) < 0) {
                awsq_w.wake = false;
                sleep_until(awsq_now_ms() + 1000);
                continue;
            }
            ext_ready = true;
            awsq_w.max_seen = 0; /* a re-created extension restarts its ids */
            awsq_w.next_retry_ms = awsq_first_retry_ms();
            awsq_purge_results();
        }

        /* Claim after a wake, when a retry is due, or when a sweep is owed. */
        double now = awsq_now_ms();
        if (awsq_w.nheld < AWSQ_HOLD_MAX && now - awsq_w.last_sweep_ms >= IDLE_SWEEP_MS)
            sweep_owed = true;
        bool retry_due = awsq_w.next_retry_ms > 0 && awsq_w.next_retry_ms <= now;
        bool sweep = retry_due || (sweep_owed && now - awsq_w.last_sweep_ms >= SWEEP_EVERY_MS) ||
                     (more_ready && awsq_w.nheld <= AWSQ_HOLD_MAX / 2 &&
                      awsq_w.held_bytes <= AWSQ_HOLD_BYTES / 2);
        bool flow_claim;
        double flow_at = awsq_flow_next_ms(now, &flow_claim);
        /* A function flow control left out of claims may be claimed again. */
        if (flow_claim) sweep = true;
        bool claim_now = awsq_w.wake && now - awsq_w.last_claim_ms >= AWSQ_CLAIM_EVERY_MS;
        if ((claim_now || sweep) && awsq_w.nheld < AWSQ_HOLD_MAX) {
            int limit = AWSQ_HOLD_MAX - awsq_w.nheld;
            awsq_w.wake = false;
            int n = awsq_claim(sweep, limit);
            if (n < 0) {
                ext_ready = false;
                continue;
            }
            /* Capacity-limited: more may be due; sweep again once half the
             * held entries are done. */
            more_ready = n == limit || awsq_w.claim_truncated;
            if (sweep) {
                sweep_owed = false;
            } else if (n == 0) {
                /* Nothing above the highest claimed id: the commit that woke
                 * us holds lower ids. */
                limit = AWSQ_HOLD_MAX - awsq_w.nheld;
                more_ready = awsq_claim(true, limit) == limit || awsq_w.claim_truncated;
                sweep_owed = false;
            } else {
                /* Others may have committed lower ids meanwhile. */
                sweep_owed = true;
            }
            if (retry_due) awsq_w.next_retry_ms = awsq_first_retry_ms();
            awsq_publish();
        }

        double linger_at = awsq_flush_batches(awsq_now_ms(), false);
        if (!reload_client) awsq_send_ready(); /* a reload waits for calls in flight */
        double purge_every = Min(PURGE_EVERY_MS, awsq_result_ttl_s * 1000.0);
        double purge_at = awsq_w.results_written ? awsq_w.last_purge_ms + purge_every : 0;
        if (purge_at > 0 && purge_at <= awsq_now_ms()) {
            awsq_purge_results(); /* results not yet expired: purge again later */
            purge_at = awsq_w.results_written ? awsq_w.last_purge_ms + purge_every : 0;
        }
        double timer = earliest(earliest(linger_at, awsq_w.next_retry_ms), purge_at);
        timer = earliest(timer, flow_at); /* a breaker's probe, the end of a Retry-After */
        if (sweep_owed) timer = earliest(timer, awsq_w.last_sweep_ms + SWEEP_EVERY_MS);
        else if (awsq_w.nheld < AWSQ_HOLD_MAX)
            timer = earliest(timer, awsq_w.last_sweep_ms + IDLE_SWEEP_MS);
        if (awsq_w.wake && awsq_w.nheld < AWSQ_HOLD_MAX)
            timer = earliest(timer, awsq_w.last_claim_ms + AWSQ_CLAIM_EVERY_MS);

        if (awsq_send_pending() > 0) {
            long timeout = -1;
            if (timer > 0) {
                double left = timer - awsq_now_ms();
                timeout = left <= 0 ? 0 : (long)(left + 0.999);
            }
            awsq_send_run(timeout);
            if (awsq_w.done) {
                awsq_record_done();
                if (!reload_client) awsq_send_ready(); /* a reload waits for calls in flight */
                awsq_publish();
            }
        } else if (!(awsq_w.wake && awsq_w.nheld < AWSQ_HOLD_MAX) || timer > awsq_now_ms()) {
            sleep_until(timer);
        }
    }
    elog(LOG, "aws_lambda delivery worker shutting down (%d entries held stay queued)",
         awsq_w.nheld);
    /* Exit code 1: the postmaster restarts the worker after bgw_restart_time
     * unless the server itself is shutting down (code 0 would unregister it
     * for good after a pg_terminate_backend). */
    proc_exit(1);
}
