/*
 * thread_client.c — keeps a sqlambda_client per thread in a pthread key,
 * stamped with the settings generation it was built from; a stale one is
 * replaced on the thread's next call, and the key's destructor frees it
 * when the thread ends (safe: the library is linked -z nodelete, so it is
 * never unmapped under a live thread). Nothing here is shared between
 * threads except the key and a counter.
 */
#include "thread_client.h"
#include "kill_check.h"
#include "plugin_active.h"
#include "settings.h"
#include "stats.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define MDB_USER_AGENT "mariadb-udf"

typedef struct thread_slot {
    sqlambda_client *client;
    unsigned long generation;
    mdb_settings settings; /* the strings the client's options point at */
    void *thd;             /* the connection served now: the wait hook watches it */
} thread_slot;

static pthread_key_t slot_key;
static pthread_once_t slot_once = PTHREAD_ONCE_INIT;
static int slot_key_ok;

static void slot_free(void *p) {
    thread_slot *s = p;
    if (!s) return;
    sqlambda_client_free(s->client);
    mdb_settings_free(&s->settings);
    free(s);
}

static void slot_key_create(void) { slot_key_ok = pthread_key_create(&slot_key, slot_free) == 0; }

static sqlambda_client *build(thread_slot *s, char *err, size_t errlen) {
    sqlambda_client_free(s->client);
    s->client = NULL;
    mdb_settings_free(&s->settings);
    unsigned long gen = mdb_settings_snapshot(&s->settings);
    if (!gen) {
        snprintf(err, errlen, "out of memory reading aws_lambda settings");
        return NULL;
    }
    /* Fail closed: without the plugin there is no allowlist or endpoint
     * setting, so never build a client from the environment alone. */
    if (!s->settings.active) {
        snprintf(err, errlen, "%s", mdb_plugin_missing());
        return NULL;
    }
    sqlambda_options o = {0};
    o.endpoint_url = s->settings.endpoint_url;
    o.region = s->settings.region;
    o.allowed_functions = s->settings.allowed_functions;
    o.ca_file = s->settings.ca_bundle;
    o.request_timeout_ms = s->settings.request_timeout_ms;
    o.connect_timeout_ms = s->settings.connect_timeout_ms;
    o.max_attempts = s->settings.max_attempts;
    o.credential_timeout_ms = s->settings.credential_timeout_ms;
    o.credential_timeout_setting = "aws_lambda_credential_timeout_ms";
    o.user_agent_extra = MDB_USER_AGENT;
    if (mdb_kill_check_available()) {
        o.wait = mdb_wait_hook;
        o.wait_arg = &s->thd;
    }
    s->client = sqlambda_client_new(&o);
    if (!s->client) {
        snprintf(err, errlen, "out of memory creating the Lambda client");
        return NULL;
    }
    s->generation = gen;
    mdb_stat_add(mdb_stat_clients_built);
    return s->client;
}

sqlambda_client *mdb_thread_client(char *err, size_t errlen) {
    pthread_once(&slot_once, slot_key_create);
    if (!slot_key_ok) {
        snprintf(err, errlen, "cannot create thread-local storage for the Lambda client");
        return NULL;
    }
    thread_slot *s = pthread_getspecific(slot_key);
    if (!s) {
        if (!(s = calloc(1, sizeof *s)) || pthread_setspecific(slot_key, s) != 0) {
            free(s);
            snprintf(err, errlen, "out of memory creating the Lambda client");
            return NULL;
        }
    }
    s->thd = mdb_current_thd();
    if (s->client && s->generation == mdb_settings_generation()) return s->client;
    return build(s, err, errlen);
}
