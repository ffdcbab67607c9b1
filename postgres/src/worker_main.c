/*
 * worker_main.c — the delivery worker's entry point and main loop. The
 * launcher (worker_launcher.c) starts one per database with the extension,
 * passing its shared slot; the worker connects to that database, publishes
 * its latch there (backends set it when a transaction that enqueued
 * commits), and then: claims due
 * entries after each wake, sends ready deliveries through core's multi
 * interface, records outcomes as soon as calls complete, and sleeps on its
 * latch (with a timeout only for a batch's linger, a scheduled retry or the
 * results purge) when nothing is in flight. Signals are PostgreSQL's
 * standard handlers (postmaster/interrupt.h): SIGTERM sets
 * ShutdownRequestPending and the worker exits cleanly, SIGHUP sets
 * ConfigReloadPending and it reloads the settings. A crash loses nothing:
 * entries leave the queue only when their outcome is recorded. It ends
 * for good (exit code 0, its slot freed) when the extension is not or no
 * longer in its database, or when the launcher stops it (DROP DATABASE);
 * any other exit is restarted by the postmaster. Between rounds it makes
 * the on_result calls recorded outcomes left (worker_callback.c). What it is
 * doing shows in pg_stat_activity (claiming, calling N, recording, calling
 * back, idle).
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
#include "access/htup_details.h"
#include "catalog/pg_database.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "utils/syscache.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include <string.h>

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
/* on_result calls run for about this long between delivery rounds (each
 * at most aws_lambda.callback_timeout_ms). */
#define CALLBACK_SLICE_MS 50.0

double awsq_now_ms(void) { return (double)GetCurrentTimestamp() / 1000.0; }

static int my_slot = -1;
static awsq_slot_ticket ticket;
static bool attached;

static void detach(int code, Datum arg) {
    if (!attached) return;
    attached = false;
    awsq_worker_attach(my_slot, NULL);
}

/* Ends for good: the slot is given back and the postmaster forgets us.
 * no_extension: a CREATE EXTENSION that committed after our look found our
 * slot taken and asked for nothing; look once more after giving the slot
 * back (its commit is visible before it asks), and ask for a worker if so. */
static void pg_attribute_noreturn() end_for_good(const char *why, bool no_extension) {
    elog(LOG, "aws_lambda delivery worker stopping: %s", why);
    detach(0, (Datum)0);
    awsq_slot_move(my_slot, ticket.generation,
                   AWSQ_IN(AWSQ_SLOT_STARTED) | AWSQ_IN(AWSQ_SLOT_STOP), AWSQ_SLOT_FREE, NULL);
    if (no_extension) {
        StartTransactionCommand();
        bool now_there = OidIsValid(get_extension_oid("aws_lambda", true));
        CommitTransactionCommand();
        if (now_there) awsq_request_worker(MyDatabaseId);
    }
    proc_exit(0);
}

/* pg_stat_activity's query column: what the worker does, when it changes. */
static void report(const char *what, int n) {
    static char last[64];
    char now[64];
    if (n >= 0) snprintf(now, sizeof now, "%s %d", what, n);
    else snprintf(now, sizeof now, "%s", what);
    if (strcmp(now, last) == 0) return;
    memcpy(last, now, sizeof last);
    pgstat_report_activity(strcmp(what, "idle") == 0 ? STATE_IDLE : STATE_RUNNING, now);
}

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
    /* While connecting, SIGTERM ends the worker at once (die): a lock on
     * the database held by an open transaction (ALTER DATABASE ... RENAME
     * in a transaction block) blocks the connection, and the launcher's
     * give-up after aws_lambda.worker_start_timeout_ms must free the slot
     * then, not when the lock goes (t_databases.sh). Once connected,
     * PostgreSQL's standard handlers, as autoprewarm's worker uses: they set
     * ShutdownRequestPending / ConfigReloadPending and the latch. */
    pqsignal(SIGTERM, die);
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGUSR1, procsignal_sigusr1_handler);
    BackgroundWorkerUnblockSignals();
    my_slot = DatumGetInt32(arg);
    memcpy(&ticket, MyBgworkerEntry->bgw_extra, sizeof ticket);
    /* Stopped before it ran (DROP DATABASE), or a registration that
     * outlived a crash restart: nothing to do, never again. */
    Oid db = awsq_slot_claim(my_slot, ticket);
    if (!OidIsValid(db)) proc_exit(0);
    BackgroundWorkerInitializeConnectionByOid(db, InvalidOid, 0);
    pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
    pgstat_report_appname("aws_lambda delivery worker");
    /* Every query of the worker reads the queue by id; kept generic plans
     * must not switch to sequential scans planned while the queue was small.
     * Without JIT: a query that has only a sequential scan (of
     * aws_lambda.batching, aws_lambda.flow, results) then costs more than
     * jit_above_cost, and LLVM compiled it every time it ran, at every claim
     * (perf: most of a busy worker's time). on_result callbacks may SET it
     * again for themselves. */
    SetConfigOption("enable_seqscan", "off", PGC_USERSET, PGC_S_SESSION);
    SetConfigOption("jit", "off", PGC_USERSET, PGC_S_SESSION);

    init_state();
    awsq_send_init();
    on_shmem_exit(detach, (Datum)0);
    awsq_worker_attach(my_slot, MyLatch);
    attached = true;
    /* Whoever owns this database decides its settings (ALTER DATABASE ...
     * SET): the worker's queries resolve nothing through its search_path. */
    SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);
    StartTransactionCommand();
    HeapTuple tup = SearchSysCache1(DATABASEOID, ObjectIdGetDatum(MyDatabaseId));
    if (!HeapTupleIsValid(tup)) elog(ERROR, "cache lookup failed for database %u", MyDatabaseId);
    Form_pg_database dbform = (Form_pg_database)GETSTRUCT(tup);
    char *dbname = MemoryContextStrdup(TopMemoryContext, NameStr(dbform->datname));
    bool servable = !dbform->datistemplate && dbform->datallowconn;
    ReleaseSysCache(tup);
    CommitTransactionCommand();
    /* A template must stay free for CREATE DATABASE to copy it. */
    if (!servable)
        end_for_good(psprintf("database \"%s\" is a template or does not allow connections",
                              dbname), false);
    elog(LOG, "aws_lambda delivery worker started (database \"%s\")", dbname);

    awsq_w.wake = true; /* first pass: everything queued is due */
    bool sweep_owed = true, more_ready = false, reload_client = false;
    while (!ShutdownRequestPending) {
        CHECK_FOR_INTERRUPTS();
        /* The table statistics of the transactions so far (the queue's
         * deleted and updated rows): a backend sends them when it goes
         * idle, a background worker must itself, at most once a second
         * (pgstat's own limit), or autovacuum never sees the queue's dead
         * rows and every claim scans more of them (worker_spi does the
         * same). The loop comes round at least once a second (the idle
         * sweep), so they are sent within about two. Never inside a
         * transaction: each round commits its own. */
        pgstat_report_stat(false);
        if (ConfigReloadPending) {
            ConfigReloadPending = false;
            ProcessConfigFile(PGC_SIGHUP);
            reload_client = true;
        }
        if (reload_client && awsq_send_reload()) reload_client = false;
        if (awsq_worker_stop_requested())
            end_for_good("the launcher stopped it (its database is being dropped or changed)",
                         false);
        if (!ext_ready) {
            /* Nothing to do where the extension is not (a probe of the
             * launcher, or DROP EXTENSION): CREATE EXTENSION asks for a
             * worker again when it commits. Calls still in flight are
             * dropped: their entries went with the extension's tables. */
            report("claiming", -1);
            if (awsq_claim(true, 1) < 0)
                end_for_good(psprintf("the aws_lambda extension is not installed in database \"%s\"",
                                      dbname), true);
            ext_ready = true;
            awsq_w.max_seen = 0; /* a re-created extension restarts its ids */
            awsq_w.next_retry_ms = awsq_first_retry_ms();
            awsq_purge_results();
            awsq_w.callbacks_pending = true; /* calls left by an earlier worker */
        }

        /* Claim after a wake, when a retry is due, or when a sweep is owed. */
        double now = awsq_now_ms();
        if (awsq_w.owe_sweep) sweep_owed = true, awsq_w.owe_sweep = false;
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
            report("claiming", -1);
            int n = awsq_claim(sweep, limit);
            if (n < 0) {
                ext_ready = false;
                continue;
            }
            /* Capacity-limited: more may be due; sweep again once half the
             * held entries are done. */
            more_ready = n == limit || awsq_w.claim_truncated;
            if (sweep) sweep_owed = false;
            /* Due entries passed over (their key or id held, their function
             * filled up during the claim): a sweep looks again. Lower ids
             * committed later come with their own wake (awsq_wake_worker). */
            if (awsq_w.claim_skipped) sweep_owed = true;
            if (retry_due) awsq_w.next_retry_ms = awsq_first_retry_ms();
            awsq_publish();
        }

        /* on_result calls, a slice at a time: deliveries go on between. */
        if (awsq_w.callbacks_pending) {
            report("calling back", -1);
            awsq_callbacks_run(CALLBACK_SLICE_MS);
        }
        double linger_at = awsq_flush_batches(awsq_now_ms(), false);
        if (!reload_client) awsq_send_ready(); /* a reload waits for calls in flight */
        double purge_every = Min(PURGE_EVERY_MS, awsq_result_ttl_s * 1000.0);
        double purge_at = awsq_w.results_written ? awsq_w.last_purge_ms + purge_every : 0;
        if (purge_at > 0 && purge_at <= awsq_now_ms()) {
            awsq_purge_results(); /* results not yet expired: purge again later */
            purge_at = awsq_w.results_written ? awsq_w.last_purge_ms + purge_every : 0;
        }
        double timer = earliest(linger_at, purge_at);
        timer = earliest(timer, flow_at); /* a breaker's probe, the end of a Retry-After */
        /* A due retry and a sweep are claims: no timer for them while the
         * worker holds all it may (they would come due and not run, and the
         * loop would spin on a zero timeout until calls completed: at 256
         * calls in flight over 10,240 entries, the worker's CPU per call
         * doubled); the next completion brings the loop round again. */
        if (awsq_w.nheld < AWSQ_HOLD_MAX) {
            timer = earliest(timer, awsq_w.next_retry_ms);
            if (sweep_owed) timer = earliest(timer, awsq_w.last_sweep_ms + SWEEP_EVERY_MS);
            else timer = earliest(timer, awsq_w.last_sweep_ms + IDLE_SWEEP_MS);
        }
        if (awsq_w.wake && awsq_w.nheld < AWSQ_HOLD_MAX)
            timer = earliest(timer, awsq_w.last_claim_ms + AWSQ_CLAIM_EVERY_MS);
        if (awsq_w.callbacks_pending) timer = awsq_now_ms(); /* the next slice, no sleep */

        int pending = (int)awsq_send_pending();
        if (pending > 0) {
            report("calling", pending);
            long timeout = -1;
            if (timer > 0) {
                double left = timer - awsq_now_ms();
                timeout = left <= 0 ? 0 : (long)(left + 0.999);
            }
            awsq_send_run(timeout);
            if (awsq_w.done) {
                report("recording", -1);
                awsq_record_done();
                if (!reload_client) awsq_send_ready(); /* a reload waits for calls in flight */
                awsq_publish();
            }
        } else if (!(awsq_w.wake && awsq_w.nheld < AWSQ_HOLD_MAX) || timer > awsq_now_ms()) {
            report("idle", -1);
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
