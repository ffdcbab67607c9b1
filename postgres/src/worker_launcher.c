/*
 * worker_launcher.c — one delivery worker per database in which the
 * extension is installed (issue 12 §1), as TimescaleDB's and pg_cron's
 * launchers do. The launcher is a static background worker connected to no
 * database: it registers a dynamic worker for each slot a backend asked
 * for (awsq_wake_worker at the commit of CREATE EXTENSION, of an enqueue or
 * of worker_wake), probes every database it has not seen once (at start, so
 * a restart finds the queues already there, and every 10 s for new
 * databases, e.g. created from a template that holds the extension: the
 * probe's worker exits at once where the extension is absent), frees the
 * slots of workers that ended and ends the workers of databases that went
 * away. At most aws_lambda.max_workers databases are served at once.
 *
 * DROP DATABASE, ALTER DATABASE ... RENAME / SET TABLESPACE and CREATE
 * DATABASE ... TEMPLATE need the database to themselves: a utility hook
 * stops its worker first (bounded wait) and asks for it again afterwards
 * unless the database is gone.
 */
#include "queue.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "commands/dbcommands.h"
#include "commands/defrem.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/procsignal.h"
#include "tcop/utility.h"
#include "utils/guc.h"
#include "utils/acl.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/snapmgr.h"

#include <string.h>

#define RESCAN_MS 10000L      /* looks for new databases this often */
#define STOP_WAIT_MS 10000L   /* DROP DATABASE waits this long for the worker */
#define RESTART_MS 5000L      /* a worker that failed starts again after this */

static BackgroundWorkerHandle **handles; /* the launcher's, per slot */
static TimestampTz *stopped_at;          /* when a failed worker was seen stopped */
static TimestampTz *registered_at;       /* when its worker was registered ... */
static bool *attached_seen;              /* ... and whether it has connected since */
static bool *gave_up;                    /* terminated for not connecting in time */

static void forget_latch(int code, Datum arg) { awsq_set_launcher_latch(NULL); }

/* The databases a worker may connect to (not templates, connections allowed). */
static List *list_databases(MemoryContext into) {
    List *oids = NIL;
    StartTransactionCommand();
    (void)GetTransactionSnapshot();
    Relation rel = table_open(DatabaseRelationId, AccessShareLock);
    TableScanDesc scan = table_beginscan_catalog(rel, 0, NULL);
    HeapTuple tup;
    while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL) {
        Form_pg_database d = (Form_pg_database)GETSTRUCT(tup);
        if (!d->datallowconn || d->datistemplate || database_is_invalid_form(d)) continue;
        MemoryContext old = MemoryContextSwitchTo(into);
        oids = lappend_oid(oids, d->oid);
        MemoryContextSwitchTo(old);
    }
    table_endscan(scan);
    table_close(rel, AccessShareLock);
    CommitTransactionCommand();
    return oids;
}

/* Registers slot's worker, moving the slot from a state of from (at
 * generation) to STARTED; false if the slot changed meanwhile or no
 * background worker slot is free (then *no_room). */
static bool register_worker(int slot, uint64 generation, int from, bool *no_room) {
    BackgroundWorker w;
    awsq_slot_ticket t;
    *no_room = false;
    if (!awsq_slot_move(slot, generation, from, AWSQ_SLOT_STARTED, &t)) return false;
    elog(DEBUG1, "aws_lambda launcher: registering slot %d (from states 0x%x)", slot, from);
    memset(&w, 0, sizeof w);
    w.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    w.bgw_start_time = BgWorkerStart_RecoveryFinished;
    /* Never restarted by the postmaster: the launcher starts it again (the
     * slot would otherwise look free while the postmaster waits). */
    w.bgw_restart_time = BGW_NEVER_RESTART;
    snprintf(w.bgw_library_name, BGW_MAXLEN, "aws_lambda");
    snprintf(w.bgw_function_name, BGW_MAXLEN, "awsq_worker_main");
    snprintf(w.bgw_name, BGW_MAXLEN, "aws_lambda delivery worker");
    snprintf(w.bgw_type, BGW_MAXLEN, "aws_lambda delivery worker");
    w.bgw_main_arg = Int32GetDatum(slot);
    memcpy(w.bgw_extra, &t, sizeof t);
    w.bgw_notify_pid = MyProcPid; /* SIGUSR1 (our latch) when it starts or stops */
    if (handles[slot]) pfree(handles[slot]);
    handles[slot] = NULL;
    stopped_at[slot] = 0;
    registered_at[slot] = GetCurrentTimestamp();
    attached_seen[slot] = gave_up[slot] = false;
    if (RegisterDynamicBackgroundWorker(&w, &handles[slot])) return true;
    /* Back to WANTED, unless a DROP DATABASE stopped it meanwhile. */
    if (!awsq_slot_move(slot, t.generation, AWSQ_IN(AWSQ_SLOT_STARTED), AWSQ_SLOT_WANTED, NULL))
        awsq_slot_move(slot, t.generation, AWSQ_IN(AWSQ_SLOT_STOP), AWSQ_SLOT_FREE, NULL);
    *no_room = true;
    return false;
}

/* One pass over the slots; returns the milliseconds until the next is due
 * (a registration to retry, a worker to restart), or RESCAN_MS. */
static long tend_slots(bool *freed) {
    static bool warned;
    long next = RESCAN_MS;
    TimestampTz now = GetCurrentTimestamp();
    *freed = false;
    for (int i = 0; i < awsq_slot_count(); i++) {
        Oid db;
        uint64 gen;
        pid_t pid, bgpid;
        bool no_room;
        awsq_slot_state st = awsq_slot_get(i, &db, &gen, &pid);
        BgwHandleStatus hs = handles[i] ? GetBackgroundWorkerPid(handles[i], &bgpid) : BGWH_STOPPED;
        switch (st) {
        case AWSQ_SLOT_WANTED:
            if (register_worker(i, gen, AWSQ_IN(AWSQ_SLOT_WANTED), &no_room)) {
                warned = false;
            } else if (no_room) {
                if (!warned)
                    ereport(WARNING,
                            (errmsg("aws_lambda launcher: cannot start a delivery worker for "
                                    "database %u: no background worker slot is free",
                                    db),
                             errhint("Raise max_worker_processes (each database with the "
                                     "extension needs one, the launcher one more).")));
                warned = true;
                next = Min(next, 1000L);
            }
            break;
        case AWSQ_SLOT_STOP:
            if (handles[i] && hs != BGWH_STOPPED) {
                TerminateBackgroundWorker(handles[i]);
            } else if (handles[i] || pid == 0) {
                /* It stopped (or, after a restart of ours, nothing runs). */
                if (awsq_slot_move(i, gen, AWSQ_IN(AWSQ_SLOT_STOP), AWSQ_SLOT_FREE, NULL))
                    *freed = true;
            }
            break;
        case AWSQ_SLOT_STARTED:
            /* A worker that ends for good frees its slot first: one that
             * stopped with the slot still STARTED failed (an error,
             * pg_terminate_backend), and is started again after 5 s. */
            if (pid != 0) attached_seen[i] = true;
            long attach_left = awsq_worker_start_timeout_ms -
                               (long)((now - registered_at[i]) / 1000);
            if (handles[i] && hs != BGWH_STOPPED && !attached_seen[i] && attach_left > 0)
                next = Min(next, attach_left); /* look again when its time is up */
            if (handles[i] && hs != BGWH_STOPPED && !attached_seen[i] && attach_left <= 0) {
                /* Blocked while connecting (a lock on its database held by
                 * an open transaction): it must not keep the slot. */
                TerminateBackgroundWorker(handles[i]);
                gave_up[i] = true;
            } else if (handles[i] && hs == BGWH_STOPPED && gave_up[i]) {
                if (awsq_slot_move(i, gen, AWSQ_IN(AWSQ_SLOT_STARTED), AWSQ_SLOT_FREE, NULL)) {
                    ereport(LOG, (errmsg("aws_lambda launcher: gave up on database %u: its worker "
                                         "could not connect within %d ms "
                                         "(aws_lambda.worker_start_timeout_ms); its next commit "
                                         "that queues asks again",
                                         db, awsq_worker_start_timeout_ms)));
                    *freed = true;
                }
            } else if (handles[i] && hs == BGWH_STOPPED) {
                if (stopped_at[i] == 0) stopped_at[i] = now;
                long left = RESTART_MS - (long)((now - stopped_at[i]) / 1000);
                if (left > 0) next = Min(next, left);
                else if (!register_worker(i, gen, AWSQ_IN(AWSQ_SLOT_STARTED), &no_room) && no_room)
                    next = Min(next, 1000L);
            }
            break;
        case AWSQ_SLOT_HELD: /* a statement holds it: awsq_release_worker */
        case AWSQ_SLOT_FREE: break;
        }
    }
    return next;
}

/* Probes the databases not seen yet; ends the workers of databases gone. */
static List *scan_databases(List *probed, MemoryContext cxt) {
    List *dbs = list_databases(cxt), *still = NIL;
    ListCell *lc;
    foreach (lc, dbs) {
        Oid db = lfirst_oid(lc);
        if (list_member_oid(probed, db)) {
            MemoryContext old = MemoryContextSwitchTo(cxt);
            still = lappend_oid(still, db);
            MemoryContextSwitchTo(old);
            continue;
        }
        if (awsq_request_worker(db) == AWSQ_REQ_FULL) continue; /* next scan */
        MemoryContext old = MemoryContextSwitchTo(cxt);
        still = lappend_oid(still, db);
        MemoryContextSwitchTo(old);
    }
    for (int i = 0; i < awsq_slot_count(); i++) {
        Oid db;
        uint64 gen;
        pid_t pid;
        awsq_slot_state st = awsq_slot_get(i, &db, &gen, &pid);
        if ((st == AWSQ_SLOT_WANTED || st == AWSQ_SLOT_STARTED) && !list_member_oid(dbs, db))
            awsq_stop_worker(db, false);
    }
    list_free(probed);
    list_free(dbs);
    return still;
}

void awsq_launcher_main(Datum arg) {
    pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGUSR1, procsignal_sigusr1_handler);
    BackgroundWorkerUnblockSignals();
    BackgroundWorkerInitializeConnection(NULL, NULL, 0);
    pgstat_report_appname("aws_lambda launcher");

    MemoryContext cxt = AllocSetContextCreate(TopMemoryContext, "aws_lambda launcher",
                                              ALLOCSET_DEFAULT_SIZES);
    handles = MemoryContextAllocZero(cxt, sizeof(*handles) * (Size)awsq_slot_count());
    stopped_at = MemoryContextAllocZero(cxt, sizeof(*stopped_at) * (Size)awsq_slot_count());
    registered_at = MemoryContextAllocZero(cxt, sizeof(*registered_at) * (Size)awsq_slot_count());
    attached_seen = MemoryContextAllocZero(cxt, sizeof(*attached_seen) * (Size)awsq_slot_count());
    gave_up = MemoryContextAllocZero(cxt, sizeof(*gave_up) * (Size)awsq_slot_count());
    on_shmem_exit(forget_latch, (Datum)0);
    awsq_set_launcher_latch(MyLatch);
    elog(LOG, "aws_lambda launcher started (at most %d databases served)", awsq_slot_count());

    List *probed = NIL;
    TimestampTz next_scan = 0;
    while (!ShutdownRequestPending) {
        CHECK_FOR_INTERRUPTS();
        if (ConfigReloadPending) {
            ConfigReloadPending = false;
            ProcessConfigFile(PGC_SIGHUP);
        }
        TimestampTz now = GetCurrentTimestamp();
        Oid unserved[AWSQ_UNSERVED_MAX];
        bool all;
        int nun = awsq_take_unserved(unserved, &all); /* once a slot is free */
        if (all) {
            list_free(probed);
            probed = NIL;
        }
        for (int i = 0; i < nun; i++) probed = list_delete_oid(probed, unserved[i]);
        if (all || nun > 0) next_scan = 0; /* ask for them now */
        if (now >= next_scan) {
            pgstat_report_activity(STATE_RUNNING, "scanning databases");
            probed = scan_databases(probed, cxt);
            next_scan = TimestampTzPlusMilliseconds(now, RESCAN_MS);
        }
        MemoryContext old = MemoryContextSwitchTo(cxt);
        bool freed;
        long timeout = tend_slots(&freed);
        MemoryContextSwitchTo(old);
        if (freed) continue; /* a database may be waiting for that slot */
        pgstat_report_activity(STATE_IDLE, NULL);
        timeout = Min(timeout, 1000L);
        int rc = WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, timeout,
                           PG_WAIT_EXTENSION);
        if (rc & WL_LATCH_SET) ResetLatch(MyLatch);
    }
    /* Exit code 1: restarted unless the server is shutting down. */
    proc_exit(1);
}

static void register_launcher(void) {
    BackgroundWorker w;
    memset(&w, 0, sizeof w);
    w.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    w.bgw_start_time = BgWorkerStart_RecoveryFinished;
    w.bgw_restart_time = 5;
    snprintf(w.bgw_library_name, BGW_MAXLEN, "aws_lambda");
    snprintf(w.bgw_function_name, BGW_MAXLEN, "awsq_launcher_main");
    snprintf(w.bgw_name, BGW_MAXLEN, "aws_lambda launcher");
    snprintf(w.bgw_type, BGW_MAXLEN, "aws_lambda launcher");
    RegisterBackgroundWorker(&w);
}

/* ---- statements that need a database without other connections ---------- */

static ProcessUtility_hook_type prev_utility;

static const char *option_string(List *options, const char *name) {
    ListCell *lc;
    foreach (lc, options) {
        DefElem *d = lfirst_node(DefElem, lc);
        if (strcmp(d->defname, name) == 0 && d->arg) return defGetString(d);
    }
    return NULL;
}

/* The database a statement needs to itself, if any; *drop for DROP DATABASE.
 * Only when the statement can succeed as this user (PostgreSQL checks
 * after the hook): otherwise anyone could stop any database's worker with
 * a DROP DATABASE that fails. */
static Oid needs_database(Node *n, bool *drop) {
    const char *name = NULL;
    bool owner_needed = true, createdb_needed = false, no_block = true;
    *drop = false;
    if (IsA(n, DropdbStmt)) {
        *drop = true;
        name = ((DropdbStmt *)n)->dbname;
    } else if (IsA(n, RenameStmt) && ((RenameStmt *)n)->renameType == OBJECT_DATABASE) {
        name = ((RenameStmt *)n)->subname;
        createdb_needed = true;
        no_block = false; /* RENAME may run in a transaction block */
    } else if (IsA(n, CreatedbStmt)) {
        name = option_string(((CreatedbStmt *)n)->options, "template");
        if (!name) name = "template1";
        createdb_needed = true;
        owner_needed = false; /* the template's owner, or any datistemplate: below */
    } else if (IsA(n, AlterDatabaseStmt) &&
               option_string(((AlterDatabaseStmt *)n)->options, "tablespace")) {
        name = ((AlterDatabaseStmt *)n)->dbname;
    }
    if (!name || (no_block && IsTransactionBlock())) return InvalidOid;
    Oid db = get_database_oid(name, true);
    if (!OidIsValid(db) || awsq_worker_gone(db)) return InvalidOid;
    if (createdb_needed && !have_createdb_privilege()) return InvalidOid;
    if (owner_needed && !pg_database_ownercheck(db, GetUserId())) return InvalidOid;
    if (!owner_needed && !pg_database_ownercheck(db, GetUserId())) {
        HeapTuple tup = SearchSysCache1(DATABASEOID, ObjectIdGetDatum(db));
        bool is_template = HeapTupleIsValid(tup) && ((Form_pg_database)GETSTRUCT(tup))->datistemplate;
        if (HeapTupleIsValid(tup)) ReleaseSysCache(tup);
        if (!is_template) return InvalidOid;
    }
    return db;
}

static void stop_and_wait(Oid db) {
    TimestampTz until = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), STOP_WAIT_MS);
    while (!awsq_worker_gone(db) && GetCurrentTimestamp() < until) {
        CHECK_FOR_INTERRUPTS();
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 10L,
                        PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
    }
}

static void database_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
                             ProcessUtilityContext context, ParamListInfo params,
                             QueryEnvironment *queryEnv, DestReceiver *dest,
                             QueryCompletion *qc) {
    bool drop;
    Oid db = needs_database(pstmt->utilityStmt, &drop);
    volatile bool stopped = false; /* set in PG_TRY, read in PG_CATCH */
    PG_TRY();
    {
        stopped = OidIsValid(db) && awsq_stop_worker(db, true);
        if (stopped) stop_and_wait(db);
        if (prev_utility)
            prev_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
        else
            standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv,
                                    dest, qc);
    }
    PG_CATCH();
    {
        if (stopped) awsq_release_worker(db, true); /* it failed: the database stays */
        PG_RE_THROW();
    }
    PG_END_TRY();
    if (stopped) awsq_release_worker(db, !drop);
}

void awsq_launcher_init(void) {
    prev_utility = ProcessUtility_hook;
    ProcessUtility_hook = database_utility;
    register_launcher();
}
