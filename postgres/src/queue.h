/*
 * queue.h — contracts between the files of transactional delivery (the
 * aws_lambda.queue table, its enqueue function and trigger, and the
 * background worker that delivers committed entries). docs/postgres.md,
 * "Transactional delivery", describes the behaviour. Each block names the
 * file that implements it.
 */
#ifndef PG_AWS_LAMBDA_QUEUE_H
#define PG_AWS_LAMBDA_QUEUE_H

#include "aws_lambda.h"

#include "executor/spi.h"
#include "storage/latch.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

/* ---- queue_settings.c: settings, shared memory, worker registration ----- */

extern char *awsq_database_name;       /* PGC_POSTMASTER, no longer used */
extern int awsq_max_workers;            /* PGC_POSTMASTER: databases served at once */
extern int awsq_worker_start_timeout_ms; /* a worker not connected by then is given up */
extern int awsq_worker_concurrency;     /* calls in flight */
extern int awsq_max_delivery_attempts;  /* worker attempts before dead_letter */
extern int awsq_retry_function_errors;  /* function errors retried this often */
extern int awsq_retry_base_ms;
extern int awsq_retry_max_ms;
extern int awsq_batch_max_records;      /* defaults for functions without a */
extern int awsq_batch_max_bytes;        /* row in aws_lambda.batching */
extern int awsq_batch_linger_ms;
extern int awsq_result_ttl_s;
extern int awsq_callback_timeout_ms;    /* an on_result call's bound */
extern int awsq_breaker_failures;       /* consecutive failures that open it (0: off) */
extern int awsq_breaker_cooldown_ms;    /* first cool-down, doubling ... */
extern int awsq_breaker_max_cooldown_ms; /* ... up to this */

/* Called from _PG_init before MarkGUCPrefixReserved: defines the settings
 * and, when preloaded, reserves shared memory and registers the worker. */
void awsq_init(void);
/* true when the library was preloaded (the worker exists). */
bool awsq_preloaded(void);

/* ---- queue_shmem.c: what the worker shares with backends ---------------- */

#define AWSQ_INFLIGHT_SLOTS 64
#define AWSQ_NAME_LEN 160 /* function names as enqueued (ARNs included) */

Size awsq_shmem_size(void);
void awsq_shmem_attach(void); /* shmem_startup_hook */

typedef enum {
    AWSQ_SLOT_FREE = 0,
    AWSQ_SLOT_WANTED,  /* asked for; the launcher registers it */
    AWSQ_SLOT_STARTED, /* registered: starting, running or waiting to restart */
    AWSQ_SLOT_STOP,    /* to be ended by the launcher (DROP DATABASE, ...) */
    AWSQ_SLOT_HELD     /* ended, kept for its database until the statement is done */
} awsq_slot_state;
enum { AWSQ_REQ_NONE, AWSQ_REQ_EXISTS, AWSQ_REQ_ASKED, AWSQ_REQ_FULL };
int awsq_slot_count(void);
/* Asks for a worker for database db: AWSQ_REQ_* (FULL: every slot taken). */
int awsq_request_worker(Oid db);
/* Asks the launcher to end db's worker; false if it has none. With hold,
 * the slot stays the database's (HELD: no worker is started for it, by
 * request or scan) until awsq_release_worker. */
bool awsq_stop_worker(Oid db, bool hold);
/* Ends a hold: the slot is freed, or (again, or asked for meanwhile) its
 * database gets a worker again. */
void awsq_release_worker(Oid db, bool again);
/* true once db has no worker running (no slot, or its slot HELD). */
bool awsq_worker_gone(Oid db);
/* The launcher's view of a slot (pid: its worker's while attached). */
awsq_slot_state awsq_slot_get(int slot, Oid *db, uint64 *generation, pid_t *pid);
/* What a registration carries (bgw_extra) to prove the slot is still its
 * own: the shared memory's epoch (a crash restart resets the slots but
 * keeps dynamic registrations) and the slot's generation. */
typedef struct awsq_slot_ticket {
    TimestampTz epoch;
    uint64 generation;
} awsq_slot_ticket;
/* Moves the slot to state to if it is still at generation and in one of
 * the states of the mask from (1 << state); false if someone changed it
 * first. To STARTED: a new generation, its ticket in *ticket. To FREE from
 * STOP: WANTED instead if its database was asked for meanwhile. */
bool awsq_slot_move(int slot, uint64 generation, int from, awsq_slot_state to,
                    awsq_slot_ticket *ticket);
#define AWSQ_IN(st) (1 << (st))
/* Once a slot is free: the databases whose requests found every slot
 * taken (copied into dbs, at most AWSQ_UNSERVED_MAX; *all if more were),
 * forgotten here; 0 while no slot is free. */
#define AWSQ_UNSERVED_MAX 64
int awsq_take_unserved(Oid *dbs, bool *all);
/* The worker: its database if the slot is still its own and started, else
 * InvalidOid (then it exits). */
Oid awsq_slot_claim(int slot, awsq_slot_ticket t);
void awsq_set_launcher_latch(Latch *latch);
/* The worker of slot publishes its latch and pid (NULL: it exits). */
void awsq_worker_attach(int slot, Latch *latch);
/* true when the launcher asked this worker to end. */
bool awsq_worker_stop_requested(void);
/* worker_launcher.c: the launcher (registered from _PG_init with its
 * utility hook) and its entry point. */
void awsq_launcher_init(void);
PGDLLEXPORT void awsq_launcher_main(Datum arg);
/* Sets this database's worker's latch, if it runs and is not already woken;
 * asks the launcher for a worker if this database has none. low_id: the
 * lowest queue id the committed transaction wrote (1: look at every id
 * again, as after redeliver; 0: none), which the worker looks for even
 * below the ids it has claimed. */
void awsq_wake_worker(int64 low_id);
/* The worker is about to take its claim snapshot: later commits wake it
 * again. Returns the lowest id committers woke it for since the last
 * claim (0: none). */
int64 awsq_worker_claiming(void);
/* The worker publishes per-function counts of entries it holds. */
void awsq_publish_in_flight(int n, const char (*names)[AWSQ_NAME_LEN], const int *counts);

/* Flow control state of one function, as published (flow_worker.c). */
#define AWSQ_FLOW_SLOTS 64
#define AWSQ_ERROR_LEN 256
typedef enum { AWSQ_CLOSED = 0, AWSQ_OPEN, AWSQ_HALF_OPEN } awsq_breaker;
typedef struct awsq_flow_pub {
    char function[AWSQ_NAME_LEN];
    awsq_breaker breaker;
    TimestampTz since;        /* breaker state entered (0: never changed) */
    int failures;             /* consecutive failed deliveries */
    char last_error[AWSQ_ERROR_LEN];
    int limit;                /* current limit of calls in flight (AIMD) */
    int calls;                /* calls in flight now */
} awsq_flow_pub;
void awsq_publish_flow(int n, const awsq_flow_pub *slots);
/* Copies up to AWSQ_FLOW_SLOTS published slots; returns how many. */
int awsq_read_flow(awsq_flow_pub *slots);

/* ---- queue_enqueue.c: aws_lambda.enqueue and what the trigger shares ---- */

/*
 * Checks a queue target before it is inserted (preloaded library, the
 * worker's database, function name, qualifier, region, invocation type,
 * and the allowlists of role — the one the entry is queued for — and of
 * the worker); raises a clear ERROR naming the problem. The last target
 * that passed core's validation is remembered, so a trigger firing for
 * many rows validates once.
 */
void awsq_check_target(Oid role, const char *function, const char *qualifier,
                       const char *region, const char *invocation_type);
/* ---- queue_order.c: ordered delivery's key, its hash and its lock ------- */

#define AWSQ_ORDER_KEY_MAX 256      /* bytes */
#define AWSQ_ORDER_LOCK_SPACE 16727 /* advisory locks' field4 (pg_locks.objsubid) */
/* ERROR (22023, naming who) unless 1 to AWSQ_ORDER_KEY_MAX bytes. */
void awsq_order_key_check(const char *who, const char *key);

/* ---- queue_callback.c: on_result, the writing side ---------------------- */

#define AWSQ_CALLBACK_NARGS 5   /* (queue_id, function_name, status, payload, error) */
#define AWSQ_CALLBACK_NAME_MAX 512
extern const Oid awsq_callback_argtypes[AWSQ_CALLBACK_NARGS];
/* The procedure or function name with the callback's argument types
 * (InvalidOid if missing and missing_ok). */
Oid awsq_callback_lookup(const char *name, bool missing_ok);
/* Checks on_result for an entry whose callback runs as role (ERROR naming
 * who and the problem); returns the quoted, schema-qualified name to store. */
char *awsq_callback_check(const char *who, const char *name, Oid role);
/* The key's hash within its function (names as enqueued). */
uint64 awsq_order_hash(const char *function, const char *key);
/* Waits for and takes the key's lock until the transaction ends; call
 * before the entry's id is drawn. */
void awsq_order_lock(const char *function, const char *key);

/* ---- queue_allowlist.c: the allowlist that governs a queue entry -------- */

/* ERROR 42501 unless the allowlist configured for role (not the session's
 * SET value) allows the call. */
void awsq_check_role_allowlist(Oid role, const char *function, const char *qualifier,
                               const char *region);
/* ERROR 42501 unless the delivery worker's own allowlist allows it. */
void awsq_check_worker_allowlist(const char *function, const char *qualifier, const char *region);
/* Called by the setting's check hook: notes the server's value. */
void awsq_note_server_allowlist(const char *value, GucSource source);

/* A plan kept for the backend's life (prepared once, revalidated by PG). */
SPIPlanPtr awsq_keep_plan(const char *sql, int nargs, Oid *types);
/* The next queue id (aws_lambda.queue_id_seq, no privilege needed). */
int64 awsq_next_id(void);
/* One row for aws_lambda.queue: checked values (NULL: the column's NULL). */
typedef struct awsq_new_entry {
    int64 id; /* awsq_next_id(), drawn after the order key's lock */
    const char *function;
    const char *invocation_type; /* 'Event' or 'RequestResponse' */
    const char *qualifier, *region, *order_key, *on_result, *on_result_role;
    Jsonb *payload;
} awsq_new_entry;
/* Writes the entry as the queue's owner (callers need no table rights)
 * and arranges the wake-up of the worker at commit. The payload must be
 * built before, as its caller (see queue_trigger.c). */
void awsq_enqueue_entry(const awsq_new_entry *e);
/* queue_insert.c: the row itself, into table relid, as its owner. */
void awsq_insert_entry(Oid relid, const awsq_new_entry *e);


/* ---- worker_*.c: the delivery worker's state (one process) --------------- */

/* Entries the worker holds at most (claimed and not yet recorded). */
#define AWSQ_HOLD_MAX 8192
/* ... and at most about this many payload bytes. */
#define AWSQ_HOLD_BYTES (64 * 1024 * 1024)
/* Under load, claims are at least this far apart (an idle queue claims at
 * once when woken). */
#define AWSQ_CLAIM_EVERY_MS 2.0

/* One queue entry the worker holds. */
typedef struct awsq_entry {
    int64 id;
    int attempts;
    bool keyed;      /* has an order_key ... */
    uint64 key_hash; /* ... of this hash (awsq_order_hash) */
    bool callback;   /* has an on_result (worker_callback.c) */
    char *payload; /* JSON text */
    int payload_len;
    struct awsq_entry *next;
} awsq_entry;

/* One invocation: a single entry, or a batch {"records":[...]}. */
typedef struct awsq_delivery {
    char *function, *qualifier, *region; /* qualifier/region may be NULL */
    bool request_response;
    bool callbacks;      /* an entry has an on_result */
    awsq_entry *first, *last;
    int n;
    size_t bytes;        /* payload bytes as sent */
    int max_records;     /* batching limits of its function (1: none) */
    int max_bytes;
    double send_at_ms;   /* linger deadline of an open batch */
    uint64 flow_seq;     /* its function's send count when sent (flow_worker.c) */
    /* outcome, filled by the done callback */
    sqlambda_status status;
    long http_status;
    char *response;      /* response body (NULL when none) */
    size_t response_len;
    char *function_error;
    char *error;         /* one line, core's message */
    struct awsq_delivery *next;
} awsq_delivery;

typedef struct awsq_worker {
    MemoryContext cxt;       /* entries and deliveries */
    struct HTAB *held;       /* ids the worker holds (claimed, not yet recorded) */
    struct HTAB *keys;       /* order keys (hashes) of held entries, with counts */
    int nheld;
    size_t held_bytes;       /* payload bytes of held entries */
    bool claim_truncated;    /* the last claim stopped at AWSQ_HOLD_BYTES */
    bool claim_skipped;      /* ... passed over due rows it may take later */
    bool owe_sweep;          /* entries let go unsent: a sweep finds them again */
    int64 max_seen;          /* highest queue id ever claimed */
    awsq_delivery *open;     /* batches still filling (linger) */
    awsq_delivery *ready, *ready_tail; /* waiting for a free call slot */
    awsq_delivery *done;     /* completed, not yet recorded */
    int sending;             /* deliveries in core's multi */
    double next_retry_ms;    /* earliest scheduled retry, or 0 */
    double last_sweep_ms;
    double last_claim_ms;
    TimestampTz claim_ts;    /* now() of the last claim's transaction */
    bool wake;               /* latch was set: new commits may be waiting */
    bool results_written;
    bool callbacks_pending;  /* aws_lambda.callbacks may hold calls to make */
    double last_purge_ms;
    /* per-function held counts, published to shared memory */
    int nfn;
    char (*fn_names)[AWSQ_NAME_LEN];
    int *fn_counts;
} awsq_worker;

extern awsq_worker awsq_w;

double awsq_now_ms(void);

/* worker_claim.c: claims ready committed entries (sweep: from the lowest
 * id, else above max_seen and from the lowest id committers woke the
 * worker for) and files them into deliveries. Runs its own transaction.
 * Returns the number claimed. */
int awsq_claim(bool sweep, int limit);
/* Moves open batches whose linger has passed to the ready list. Returns
 * the earliest remaining linger deadline, or 0. */
double awsq_flush_batches(double now_ms, bool all);
void awsq_held_count(const char *function, int delta);
/* The worker holds entries of this order key (by hash) +delta / -delta;
 * awsq_w.keys maps each held key's hash to its count. */
typedef struct awsq_key_count {
    uint64 hash;
    int n;
} awsq_key_count;
void awsq_key_held(uint64 key_hash, int delta);

/* worker_send.c: the worker's client and its multi handle */
void awsq_send_init(void);
/* Rebuilds the client after a settings reload; false (try again later)
 * while calls are in flight. */
bool awsq_send_reload(void);
/* Hands ready deliveries to core while fewer than worker_concurrency are in
 * flight. */
void awsq_send_ready(void);
/* Drives calls until one completes, the latch is set, or timeout_ms. */
void awsq_send_run(long timeout_ms);
size_t awsq_send_pending(void);

/* worker_record.c: records completed deliveries in one transaction. */
void awsq_record_done(void);
/* Forgets a delivery without recording anything (its entries stay queued). */
void awsq_release(awsq_delivery *d);
/* Deletes results older than aws_lambda.result_ttl. */
void awsq_purge_results(void);
/* Earliest next_attempt_at after the last claim's now() (entries the
 * claim found not yet due), as a time in ms (0: none). */
double awsq_first_retry_ms(void);
void awsq_publish(void);
/* Whether a response body is valid JSON text (else it is kept as a string). */
bool awsq_is_json(const char *s, size_t len);

/* worker_callback.c: on_result calls. Queues the calls of delivery d's
 * entries with an on_result (inside awsq_record_done's transaction, before
 * the entries leave the queue). */
void awsq_callbacks_queue(const awsq_delivery *d, bool succeeded, Datum ids);
/* Makes waiting calls, each in its own transaction as its role within
 * aws_lambda.callback_timeout, for about budget_ms (at least one batch). */
void awsq_callbacks_run(double budget_ms);

/* flow_worker.c: per-function flow control in the worker — paused
 * functions (aws_lambda.flow), the circuit breaker, caps on calls in flight
 * and their AIMD limit on throttling. */
/* Reads aws_lambda.flow (inside the claim's transaction). */
void awsq_flow_load(void);
/* text[] of functions not to claim now (paused, breaker open and cooling,
 * or holding enough entries for a lowered limit). */
Datum awsq_flow_excluded(bool *released);
/* Whether one more entry of function may be claimed now. */
bool awsq_flow_claimable(const char *function);
/* Entries of function the worker holds (claimed +n, released -n). */
void awsq_flow_held(const char *function, int delta);
/* Whether a delivery of function may be sent now (moves an open breaker
 * whose cool-down has passed to half-open: one probe). *blocked: paused or
 * open, its deliveries should be released (left in the table). */
bool awsq_flow_may_send(const char *function, double now_ms, bool *blocked);
void awsq_flow_sent(awsq_delivery *d);
/* A call completed (Retry-After in ms, 0: none given). */
void awsq_flow_done(const awsq_delivery *d, double retry_after_ms);
/* Earliest time a held-back function may send again (0: none); *claim:
 * a function left out of the last claim may be claimed again. */
double awsq_flow_next_ms(double now_ms, bool *claim);
void awsq_flow_publish(void);

/* ---- worker_main.c: the background worker ------------------------------ */

PGDLLEXPORT void awsq_worker_main(Datum arg);

#endif /* PG_AWS_LAMBDA_QUEUE_H */
