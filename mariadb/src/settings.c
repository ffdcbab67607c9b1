/*
 * settings.c — holds the plugin's current settings behind a mutex and a
 * generation counter (see settings.h). Written by the system-variable
 * update callbacks, read by each thread when it (re)builds its client.
 */
#include "settings.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t settings_lock = PTHREAD_MUTEX_INITIALIZER;
static mdb_settings current;
/* Starts at 1 so a thread with generation 0 always builds a client. */
static atomic_ulong generation = 1;

static char **str_slot(mdb_setting_str which) {
    switch (which) {
    case MDB_SET_ENDPOINT_URL: return &current.endpoint_url;
    case MDB_SET_REGION: return &current.region;
    case MDB_SET_ALLOWED_FUNCTIONS: return &current.allowed_functions;
    case MDB_SET_CA_BUNDLE: return &current.ca_bundle;
    }
    return NULL;
}

int mdb_settings_set_str(mdb_setting_str which, const char *value) {
    char *copy = NULL;
    if (value && *value && !(copy = strdup(value))) return -1;
    pthread_mutex_lock(&settings_lock);
    char **slot = str_slot(which);
    free(*slot);
    *slot = copy;
    atomic_fetch_add(&generation, 1);
    pthread_mutex_unlock(&settings_lock);
    return 0;
}

void mdb_settings_set_num(mdb_setting_num which, long value) {
    pthread_mutex_lock(&settings_lock);
    switch (which) {
    case MDB_SET_REQUEST_TIMEOUT_MS: current.request_timeout_ms = value; break;
    case MDB_SET_CONNECT_TIMEOUT_MS: current.connect_timeout_ms = value; break;
    case MDB_SET_MAX_ATTEMPTS: current.max_attempts = (int)value; break;
    case MDB_SET_CREDENTIAL_TIMEOUT_MS: current.credential_timeout_ms = value; break;
    }
    atomic_fetch_add(&generation, 1);
    pthread_mutex_unlock(&settings_lock);
}

void mdb_settings_set_active(int active) {
    pthread_mutex_lock(&settings_lock);
    current.active = active;
    atomic_fetch_add(&generation, 1);
    pthread_mutex_unlock(&settings_lock);
}

unsigned long mdb_settings_generation(void) { return atomic_load(&generation); }

static int dup_str(char **dst, const char *src) {
    *dst = NULL;
    if (!src) return 0;
    return (*dst = strdup(src)) ? 0 : -1;
}

unsigned long mdb_settings_snapshot(mdb_settings *out) {
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&settings_lock);
    unsigned long gen = atomic_load(&generation);
    int bad = dup_str(&out->endpoint_url, current.endpoint_url) |
              dup_str(&out->region, current.region) |
              dup_str(&out->allowed_functions, current.allowed_functions) |
              dup_str(&out->ca_bundle, current.ca_bundle);
    out->request_timeout_ms = current.request_timeout_ms;
    out->connect_timeout_ms = current.connect_timeout_ms;
    out->credential_timeout_ms = current.credential_timeout_ms;
    out->max_attempts = current.max_attempts;
    out->active = current.active;
    pthread_mutex_unlock(&settings_lock);
    if (bad) {
        mdb_settings_free(out);
        return 0;
    }
    return gen;
}

void mdb_settings_free(mdb_settings *s) {
    free(s->endpoint_url);
    free(s->region);
    free(s->allowed_functions);
    free(s->ca_bundle);
    memset(s, 0, sizeof *s);
}
