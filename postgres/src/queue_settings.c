/*
 * queue_settings.c — the settings of transactional delivery (aws_lambda.*
 * GUCs for the queue and its background worker), and, when the library is
 * in shared_preload_libraries, its shared memory and the registration of
 * the launcher (worker_launcher.c). Called once from _PG_init (module.c).
 */
#include "queue.h"

#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/shmem.h"
#include "utils/guc.h"

char *awsq_database_name = NULL;
int awsq_max_workers = 8;
int awsq_worker_start_timeout_ms = 30000;
int awsq_worker_concurrency = 16;
int awsq_max_delivery_attempts = 10;
int awsq_retry_function_errors = 0;
int awsq_retry_base_ms = 100;
int awsq_retry_max_ms = 60000;
int awsq_batch_max_records = 1;
int awsq_batch_max_bytes = 262144;
int awsq_batch_linger_ms = 10;
int awsq_result_ttl_s = 86400;
int awsq_callback_timeout_ms = 5000;
int awsq_breaker_failures = 5;
int awsq_breaker_cooldown_ms = 1000;
int awsq_breaker_max_cooldown_ms = 60000;

static bool preloaded;
static shmem_request_hook_type prev_shmem_request;
static shmem_startup_hook_type prev_shmem_startup;

bool awsq_preloaded(void) { return preloaded; }

static void queue_shmem_request(void) {
    if (prev_shmem_request) prev_shmem_request();
    RequestAddinShmemSpace(awsq_shmem_size());
}

static void queue_shmem_startup(void) {
    if (prev_shmem_startup) prev_shmem_startup();
    awsq_shmem_attach();
}

static void define_settings(void) {
    /* PGC_POSTMASTER settings can only be defined while preloading. */
    if (process_shared_preload_libraries_in_progress)
    {
        DefineCustomStringVariable("aws_lambda.database_name",
                                   "No longer used: every database with the extension has its "
                                   "own delivery worker (aws_lambda.max_workers).",
                                   "Kept so that configurations of 1.0 still load.",
                                   &awsq_database_name, "postgres", PGC_POSTMASTER, 0,
                                   awsl_check_database_name_setting, NULL, NULL);
        DefineCustomIntVariable("aws_lambda.max_workers",
                                "Databases whose queues are delivered at once: one delivery "
                                "worker each.",
                                "Each takes a background worker slot (max_worker_processes), "
                                "the launcher one more.",
                                &awsq_max_workers, 8, 1, 256, PGC_POSTMASTER, 0, NULL, NULL,
                                NULL);
    }
    DefineCustomIntVariable("aws_lambda.worker_start_timeout_ms",
                            "How long a delivery worker may take to connect to its database "
                            "before the launcher ends it and frees its slot.",
                            "A lock on the database held by an open transaction blocks a "
                            "worker while it connects; its database's next commit that "
                            "queues asks for one again.",
                            &awsq_worker_start_timeout_ms, 30000, 100, 3600000, PGC_SIGHUP,
                            GUC_UNIT_MS, NULL, NULL, NULL);
    DefineCustomIntVariable("aws_lambda.worker_concurrency",
                            "Lambda calls the delivery worker keeps in flight.", NULL,
                            &awsq_worker_concurrency, 16, 1, 1000, PGC_SIGHUP, 0, NULL, NULL, NULL);
    DefineCustomIntVariable("aws_lambda.max_delivery_attempts",
                            "Delivery attempts of a queue entry before it moves to "
                            "aws_lambda.dead_letter (retryable errors).",
                            NULL, &awsq_max_delivery_attempts, 10, 1, 1000, PGC_SIGHUP, 0, NULL,
                            NULL, NULL);
    DefineCustomIntVariable("aws_lambda.retry_function_errors",
                            "Times a queue entry whose function failed is retried (0: moved to "
                            "aws_lambda.dead_letter at once).",
                            NULL, &awsq_retry_function_errors, 0, 0, 1000, PGC_SIGHUP, 0, NULL,
                            NULL, NULL);
    DefineCustomIntVariable("aws_lambda.retry_base_ms",
                            "First delay before a failed delivery is retried; doubles per attempt.",
                            NULL, &awsq_retry_base_ms, 100, 1, 3600000, PGC_SIGHUP, GUC_UNIT_MS,
                            NULL, NULL, NULL);
    DefineCustomIntVariable("aws_lambda.retry_max_ms", "Longest delay between delivery attempts.",
                            NULL, &awsq_retry_max_ms, 60000, 1, 86400000, PGC_SIGHUP, GUC_UNIT_MS,
                            NULL, NULL, NULL);
    DefineCustomIntVariable("aws_lambda.batch_max_records",
                            "Default events per invocation for functions without a row in "
                            "aws_lambda.batching (1: no batching).",
                            NULL, &awsq_batch_max_records, 1, 1, 10000, PGC_SIGHUP, 0, NULL, NULL,
                            NULL);
    DefineCustomIntVariable("aws_lambda.batch_max_bytes",
                            "Default largest batched payload {\"records\":[...]}, in bytes.", NULL,
                            &awsq_batch_max_bytes, 262144, 64, SQLAMBDA_MAX_SYNC_PAYLOAD,
                            PGC_SIGHUP, 0, NULL, NULL, NULL);
    DefineCustomIntVariable("aws_lambda.batch_linger_ms",
                            "Default time a batch waits for more events before it is sent.", NULL,
                            &awsq_batch_linger_ms, 10, 0, 60000, PGC_SIGHUP, GUC_UNIT_MS, NULL,
                            NULL, NULL);
    DefineCustomIntVariable("aws_lambda.result_ttl",
                            "Time RequestResponse results are kept in aws_lambda.results.", NULL,
                            &awsq_result_ttl_s, 86400, 1, INT_MAX, PGC_SIGHUP, GUC_UNIT_S, NULL,
                            NULL, NULL);
    DefineCustomIntVariable("aws_lambda.callback_timeout_ms",
                            "Longest time an on_result callback may run; it is cancelled and "
                            "recorded as failed after that.",
                            NULL, &awsq_callback_timeout_ms, 5000, 1, 600000, PGC_SIGHUP,
                            GUC_UNIT_MS, NULL, NULL, NULL);
    DefineCustomIntVariable("aws_lambda.breaker_failures",
                            "Consecutive failed deliveries of a function that open its circuit "
                            "breaker (0: no breaker).",
                            NULL, &awsq_breaker_failures, 5, 0, 1000, PGC_SIGHUP, 0, NULL, NULL,
                            NULL);
    DefineCustomIntVariable("aws_lambda.breaker_cooldown_ms",
                            "First time an open circuit breaker waits before its probe; doubles "
                            "after each failed probe.",
                            NULL, &awsq_breaker_cooldown_ms, 1000, 1, 3600000, PGC_SIGHUP,
                            GUC_UNIT_MS, NULL, NULL, NULL);
    DefineCustomIntVariable("aws_lambda.breaker_max_cooldown_ms",
                            "Longest cool-down of an open circuit breaker.", NULL,
                            &awsq_breaker_max_cooldown_ms, 60000, 1, 86400000, PGC_SIGHUP,
                            GUC_UNIT_MS, NULL, NULL, NULL);
}

void awsq_init(void) {
    define_settings();
    if (!process_shared_preload_libraries_in_progress) return;
    preloaded = true;
    prev_shmem_request = shmem_request_hook;
    shmem_request_hook = queue_shmem_request;
    prev_shmem_startup = shmem_startup_hook;
    shmem_startup_hook = queue_shmem_startup;
    awsq_launcher_init();
}
