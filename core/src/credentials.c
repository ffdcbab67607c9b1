/*
 * credentials.c — the default credential chain and its process-wide cache.
 * Order: static keys from the options, environment (unless the options
 * name an assume-role profile), an assumed role (creds_assume_role.c), an
 * SSO profile (creds_sso.c, botocore's place for it), the profile's keys in the shared files, credential_process, web identity, container, EC2
 * instance metadata. Everything after the environment is cached per chain
 * inputs (profile, file paths, the providers' environment variables),
 * shared by every client in the process: temporary credentials are
 * refreshed within 5 minutes of expiry (a failed refresh keeps still-valid
 * ones); any are fetched again when a shared file changes.
 *
 * No lock is held while a source is waited on: the first caller that needs
 * a fetch runs it outside the entry's lock and publishes the outcome under
 * it; callers of the same entry meanwhile wait for that fetch on an eventfd
 * through their own wait hook and their own deadline, so a hung source
 * never holds up more than the callers that need it, and each of them only
 * until its own timeout or cancel. A fetch cancelled by its caller is not
 * shared: the callers waiting on it start their own.
 */
#include "creds_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#define REFRESH_WINDOW_S 300
#define DEFAULT_SETTING "credential_timeout_ms"

struct sqlambda_creds_provider {
    char *akid, *secret, *token; /* static keys from the options */
    int has_static;
    int explicit_profile; /* the profile came from the options, not AWS_PROFILE */
    char *profile, *region;
    sqlambda_log_fn log;
    void *log_arg;
    sqlambda_waiter w;
    long timeout_ms; /* 0: each source's default */
    char *setting;   /* the host's name for the timeout setting */
    char *ca_file;   /* the client's CA bundle (STS, SSO portal), or NULL */
    bool use_fips, use_dualstack; /* the client's (STS, SSO portal) */
    bool use_fips_setting;        /* FIPS not from a pseudo-region (SSO portal) */
};

typedef struct file_stamp {
    long long sec, nsec, size, ino; /* all -1 when the file is missing */
} file_stamp;

/* One fetch in flight, shared by the callers that wait for it. */
typedef struct inflight {
    int refs;             /* the fetching caller and its waiters (under lock) */
    int fd;               /* eventfd, written when the fetch has ended */
    int done;
    sqlambda_status st;   /* its outcome */
    char err[256];
} inflight;

typedef struct cache_entry {
    struct cache_entry *next;
    char *key;
    pthread_mutex_t lock; /* guards the fields below; never held while waiting */
    inflight *fetch;      /* the fetch in flight, or NULL */
    sqlambda_creds creds;
    int have;
    file_stamp cred_file, conf_file;
} cache_entry;

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static cache_entry *cache_head;

__attribute__((destructor)) static void cache_free_all(void) {
    cache_entry *e = cache_head;
    cache_head = NULL;
    while (e) {
        cache_entry *n = e->next;
        sqlambda_creds_clear(&e->creds);
        pthread_mutex_destroy(&e->lock);
        free(e->key);
        free(e);
        e = n;
    }
}

static void stamp(const char *path, file_stamp *s) {
    struct stat st;
    if (!path || stat(path, &st) != 0) {
        s->sec = s->nsec = s->size = s->ino = -1;
        return;
    }
    s->sec = st.st_mtim.tv_sec;
    s->nsec = st.st_mtim.tv_nsec;
    s->size = st.st_size;
    s->ino = (long long)st.st_ino;
}

static int same_stamp(const file_stamp *a, const file_stamp *b) {
    return a->sec == b->sec && a->nsec == b->nsec && a->size == b->size && a->ino == b->ino;
}

/* The chain inputs after the environment keys, as one string. */
static char *cache_key(const sqlambda_creds_provider *p) {
    static const char *vars[] = {"AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "HOME",
                                 "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
                                 "AWS_ROLE_SESSION_NAME", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL",
                                 "AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_SSO_OIDC",
                                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                                 "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                 "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                                 "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                                 "AWS_EC2_METADATA_DISABLED", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                                 "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
                                 "AWS_EC2_METADATA_V1_DISABLED", "AWS_IMDS_USE_IPV6",
                                 "AWS_STS_REGIONAL_ENDPOINTS", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
                                 /* credential_source = Environment's keys: the id
                                  * only, the secret stays out of the key */
                                 "AWS_ACCESS_KEY_ID"};
    sqlambda_buf b = {0};
    int rc = sqlambda_buf_printf(&b, "%s\x1f%s\x1f%d%d%d", p->profile,
                                 p->region ? p->region : "", p->use_fips, p->use_dualstack,
                                 p->use_fips_setting);
    for (size_t i = 0; i < sizeof vars / sizeof vars[0] && rc == 0; i++) {
        const char *v = getenv(vars[i]);
        rc = sqlambda_buf_printf(&b, "\x1f%s", v ? v : "");
    }
    if (rc != 0) {
        sqlambda_buf_free(&b);
        return NULL;
    }
    return b.data;
}

static cache_entry *cache_find(const char *key) {
    pthread_mutex_lock(&cache_lock);
    cache_entry *e;
    for (e = cache_head; e; e = e->next)
        if (strcmp(e->key, key) == 0) break;
    if (!e && (e = calloc(1, sizeof *e))) {
        if (!(e->key = strdup(key))) {
            free(e);
            e = NULL;
        } else {
            pthread_mutex_init(&e->lock, NULL);
            e->next = cache_head;
            cache_head = e;
        }
    }
    pthread_mutex_unlock(&cache_lock);
    return e;
}

static int copy_creds(const sqlambda_creds *in, sqlambda_creds *out) {
    if (sqlambda_creds_set(out, in->access_key_id, in->secret_access_key, in->session_token,
                           in->expiration, in->source) != 0)
        return -1;
    return 0;
}

static void logf_(const sqlambda_creds_provider *p, int level, const char *fmt, const char *a,
                  const char *b) {
    if (!p->log) return;
    char msg[400];
    sqlambda_fmt(msg, sizeof msg, fmt, a, b);
    p->log(p->log_arg, level, msg);
}

sqlambda_creds_provider *sqlambda_creds_provider_new(const sqlambda_options *opts,
                                                     const sqlambda_config *cfg) {
    sqlambda_creds_provider *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    const char *prof = cfg && cfg->profile ? cfg->profile : NULL;
    if (!prof && opts && opts->profile && *opts->profile) prof = opts->profile;
    if (!prof) prof = getenv("AWS_PROFILE") && *getenv("AWS_PROFILE") ? getenv("AWS_PROFILE") : "default";
    p->profile = strdup(prof);
    p->explicit_profile = opts && opts->profile && *opts->profile && strcmp(prof, opts->profile) == 0;
    p->region = cfg && cfg->region ? strdup(cfg->region) : NULL;
    p->ca_file = cfg && cfg->ca_bundle ? strdup(cfg->ca_bundle) : NULL;
    p->use_fips = cfg && cfg->use_fips;
    p->use_fips_setting = cfg && cfg->use_fips_setting;
    p->use_dualstack = cfg && cfg->use_dualstack;
    int bad = !p->profile || (cfg && cfg->region && !p->region) ||
              (cfg && cfg->ca_bundle && !p->ca_file);
    p->setting = strdup(opts && opts->credential_timeout_setting &&
                                *opts->credential_timeout_setting
                            ? opts->credential_timeout_setting
                            : DEFAULT_SETTING);
    bad |= !p->setting;
    if (opts) {
        p->log = opts->log;
        p->log_arg = opts->log_arg;
        p->w.wait = opts->wait;
        p->w.wait_arg = opts->wait_arg;
        p->timeout_ms = opts->credential_timeout_ms > 0 ? opts->credential_timeout_ms : 0;
        if ((opts->access_key_id && *opts->access_key_id) ||
            (opts->secret_access_key && *opts->secret_access_key)) {
            p->has_static = 1;
            p->akid = sqlambda_strdup0(opts->access_key_id);
            p->secret = sqlambda_strdup0(opts->secret_access_key);
            p->token = sqlambda_strdup0(opts->session_token);
            bad |= (opts->access_key_id && !p->akid) || (opts->secret_access_key && !p->secret) ||
                   (opts->session_token && !p->token);
        }
    }
    if (bad) {
        sqlambda_creds_provider_free(p);
        return NULL;
    }
    return p;
}

void sqlambda_creds_provider_free(sqlambda_creds_provider *p) {
    if (!p) return;
    free(p->akid);
    if (p->secret) explicit_bzero(p->secret, strlen(p->secret));
    if (p->token) explicit_bzero(p->token, strlen(p->token));
    free(p->secret);
    free(p->token);
    free(p->profile);
    free(p->region);
    free(p->ca_file);
    free(p->setting);
    free(p);
}

/* Runs the cached part of the chain, stamping the shared files it read.
 * CREDS_FOUND / CREDS_ABSENT / CREDS_ERROR / CREDS_TIMEOUT / CREDS_CANCELLED. */
static int run_chain(const sqlambda_creds_provider *p, file_stamp *cred_file,
                     file_stamp *conf_file, sqlambda_creds *out, char *err, size_t errlen) {
    static const creds_provider_fn chain[] = {sqlambda_creds_assume_role, sqlambda_creds_sso,
                                              sqlambda_creds_profile, sqlambda_creds_process,
                                              sqlambda_creds_web_identity,
                                              sqlambda_creds_container, sqlambda_creds_imds};
    sqlambda_profiles files;
    if (sqlambda_profiles_load(&files) != 0) {
        sqlambda_fmt(err, errlen, "out of memory reading the AWS config files");
        return CREDS_ERROR;
    }
    if (files.error[0]) { /* an oversize or unreadable shared file: never half-read */
        sqlambda_fmt(err, errlen, "%s", files.error);
        sqlambda_profiles_free(&files);
        return CREDS_ERROR;
    }
    stamp(files.credentials_path, cred_file);
    stamp(files.config_path, conf_file);
    creds_ctx ctx = {p->profile, &files, p->region, &p->w, p->timeout_ms, p->setting, 0,
                     p->ca_file, p->profile, p->use_fips, p->use_dualstack, p->use_fips_setting,
                     p->log, p->log_arg};
    int rc = CREDS_ABSENT;
    char last[300] = "";
    for (size_t i = 0; i < sizeof chain / sizeof chain[0]; i++) {
        err[0] = 0;
        rc = chain[i](&ctx, out, err, errlen);
        if (rc != CREDS_ABSENT) break;
        if (err[0]) sqlambda_fmt(last, sizeof last, "%s", err);
    }
    if (rc == CREDS_ABSENT)
        sqlambda_fmt(err, errlen, "no credentials found for profile \"%.64s\" (tried options, "
                     "environment, SSO, shared files, credential_process, web identity, container, "
                     "instance metadata%s%.220s)", p->profile, last[0] ? "; " : "", last);
    sqlambda_profiles_free(&files);
    return rc;
}

static sqlambda_status chain_status(int rc) {
    switch (rc) {
    case CREDS_FOUND: return SQLAMBDA_OK;
    case CREDS_TIMEOUT: return SQLAMBDA_E_TIMEOUT;
    case CREDS_CANCELLED: return SQLAMBDA_E_CANCELLED;
    default: return SQLAMBDA_E_CREDENTIALS;
    }
}

/* 1 if the entry's credentials can be used as they are (lock held). */
static int entry_fresh(const cache_entry *e, time_t now) {
    if (!e->have) return 0;
    if (e->creds.expiration != 0 && now >= e->creds.expiration - REFRESH_WINDOW_S) return 0;
    /* a changed shared file may name another role, source or key: fetch
     * again (temporary credentials too; a failed fetch keeps valid ones) */
    sqlambda_profiles paths = {0};
    file_stamp a, b;
    paths.credentials_path = sqlambda_credentials_file_path();
    paths.config_path = sqlambda_config_file_path();
    stamp(paths.credentials_path, &a);
    stamp(paths.config_path, &b);
    int fresh = same_stamp(&a, &e->cred_file) && same_stamp(&b, &e->conf_file);
    free(paths.credentials_path);
    free(paths.config_path);
    return fresh;
}

/* Drops one reference to f (lock held). */
static void inflight_put(inflight *f) {
    if (--f->refs > 0) return;
    close(f->fd);
    free(f);
}

/* Runs the chain for e as the fetching caller: outside the lock, outcome
 * published under it, waiters woken. Returns the caller's status. */
static sqlambda_status fetch_and_publish(sqlambda_creds_provider *p, cache_entry *e, inflight *f,
                                         sqlambda_creds *out, char *err, size_t errlen) {
    sqlambda_creds fetched = {0};
    file_stamp cf, nf;
    int rc = run_chain(p, &cf, &nf, &fetched, err, errlen);
    sqlambda_status st = chain_status(rc);
    time_t now = time(NULL);
    pthread_mutex_lock(&e->lock);
    e->cred_file = cf;
    e->conf_file = nf;
    if (rc == CREDS_FOUND) {
        sqlambda_creds_clear(&e->creds);
        e->creds = fetched;
        e->have = 1;
        logf_(p, SQLAMBDA_LOG_DEBUG, "credentials from %s for profile \"%.64s\"",
              e->creds.source, p->profile);
    } else if (rc != CREDS_CANCELLED && e->have && e->creds.expiration != 0 &&
               now < e->creds.expiration) {
        logf_(p, SQLAMBDA_LOG_WARNING, "credential refresh failed, using still-valid ones: %s%s",
              err, "");
        err[0] = 0;
        st = SQLAMBDA_OK;
    } else if (rc != CREDS_CANCELLED && e->have) {
        sqlambda_creds_clear(&e->creds);
        e->have = 0;
    }
    if (st == SQLAMBDA_OK && copy_creds(&e->creds, out) != 0) st = SQLAMBDA_E_NOMEM;
    f->st = rc == CREDS_CANCELLED ? SQLAMBDA_E_CANCELLED : st;
    if (f->st != SQLAMBDA_OK) sqlambda_fmt(f->err, sizeof f->err, "%s", err);
    f->done = 1;
    e->fetch = NULL;
    uint64_t one = 1;
    if (write(f->fd, &one, sizeof one) < 0) { /* cannot fail on a fresh eventfd */
    }
    inflight_put(f);
    pthread_mutex_unlock(&e->lock);
    return st;
}

/* 1 if the profile named in the options is an assume-role profile: then,
 * as in botocore where a profile named explicitly skips the environment
 * provider, environment keys do not pre-empt it (they can still be its
 * credential_source = Environment). Read only when both are present. */
static int explicit_role_profile(const sqlambda_creds_provider *p) {
    sqlambda_profiles files;
    if (sqlambda_profiles_load(&files) != 0) return 0;
    int yes = !files.error[0] && sqlambda_creds_is_assume_role(&files, p->profile);
    sqlambda_profiles_free(&files);
    return yes;
}

sqlambda_status sqlambda_creds_get(sqlambda_creds_provider *p, sqlambda_creds *out, char *err,
                                   size_t errlen) {
    memset(out, 0, sizeof *out);
    if (errlen) err[0] = 0;
    if (p->has_static) {
        if (!p->akid || !*p->akid || !p->secret || !*p->secret) {
            sqlambda_fmt(err, errlen, "static credentials: %s is set but %s is missing",
                         p->akid && *p->akid ? "access_key_id" : "secret_access_key",
                         p->akid && *p->akid ? "secret_access_key" : "access_key_id");
            return SQLAMBDA_E_CREDENTIALS;
        }
        if (sqlambda_creds_set(out, p->akid, p->secret, p->token, 0, "static") != 0) goto oom;
        return SQLAMBDA_OK;
    }
    creds_ctx ectx = {p->profile, NULL, p->region, &p->w, p->timeout_ms, p->setting, 0,
                      p->ca_file, p->profile, p->use_fips, p->use_dualstack, p->use_fips_setting,
                     p->log, p->log_arg};
    int rc = sqlambda_creds_env(&ectx, out, err, errlen);
    if (rc == CREDS_FOUND && p->explicit_profile && explicit_role_profile(p)) {
        sqlambda_creds_clear(out); /* botocore: a named profile negates the environment */
        rc = CREDS_ABSENT;
    }
    if (rc == CREDS_FOUND) return SQLAMBDA_OK;
    if (rc == CREDS_ERROR) return SQLAMBDA_E_CREDENTIALS;

    char *key = cache_key(p);
    cache_entry *e = key ? cache_find(key) : NULL;
    free(key);
    if (!e) goto oom;
    /* a caller waiting for another's fetch gives up after the longest the
     * whole chain may take with its own settings */
    long bound = sqlambda_creds_chain_bound(p->timeout_ms);
    double deadline = sqlambda_now_ms() + (double)bound;
    int asked = 0;
    for (;;) {
        pthread_mutex_lock(&e->lock);
        if (entry_fresh(e, time(NULL))) {
            sqlambda_status st = copy_creds(&e->creds, out) == 0 ? SQLAMBDA_OK : SQLAMBDA_E_NOMEM;
            pthread_mutex_unlock(&e->lock);
            if (st == SQLAMBDA_E_NOMEM) goto oom;
            return st;
        }
        inflight *f = e->fetch;
        if (!f && !asked) {
            /* before starting a fetch, ask the hook (lock released) whether
             * the caller is cancelled already, e.g. the rest of a bulk call */
            pthread_mutex_unlock(&e->lock);
            asked = 1;
            if (sqlambda_waiter_wait(&p->w, NULL, 0, 0) == SQLAMBDA_WAIT_CANCEL) {
                sqlambda_fmt(err, errlen, "credentials for profile \"%.64s\": cancelled",
                             p->profile);
                return SQLAMBDA_E_CANCELLED;
            }
            continue;
        }
        if (!f) { /* this caller fetches */
            if (!(f = calloc(1, sizeof *f)) ||
                (f->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
                int saved = errno;
                free(f);
                pthread_mutex_unlock(&e->lock);
                sqlambda_fmt(err, errlen, "credentials: cannot create an eventfd: %s",
                             strerror(saved));
                return SQLAMBDA_E_NOMEM;
            }
            f->refs = 1;
            e->fetch = f;
            pthread_mutex_unlock(&e->lock);
            return fetch_and_publish(p, e, f, out, err, errlen);
        }
        /* another caller is fetching: wait for it, bounded and cancellable */
        f->refs++;
        pthread_mutex_unlock(&e->lock);
        sqlambda_status st = SQLAMBDA_OK;
        int done = 0;
        while (!done) {
            double left = deadline - sqlambda_now_ms();
            if (left <= 0) {
                st = SQLAMBDA_E_TIMEOUT;
                sqlambda_fmt(err, errlen, "credentials for profile \"%.64s\": timed out after "
                             "%ld ms waiting for the fetch another caller started (%s)",
                             p->profile, bound, p->setting);
                break;
            }
            sqlambda_wait_fd wf = {f->fd, SQLAMBDA_WAIT_READ, 0};
            if (sqlambda_waiter_wait(&p->w, &wf, 1, (long)(left + 0.999)) ==
                SQLAMBDA_WAIT_CANCEL) {
                st = SQLAMBDA_E_CANCELLED;
                sqlambda_fmt(err, errlen, "credentials for profile \"%.64s\": cancelled while "
                             "waiting for the fetch another caller started", p->profile);
                break;
            }
            pthread_mutex_lock(&e->lock);
            done = f->done;
            pthread_mutex_unlock(&e->lock);
        }
        pthread_mutex_lock(&e->lock);
        int retry = 0;
        if (done) {
            if (f->st == SQLAMBDA_E_CANCELLED) {
                retry = 1; /* its caller gave up, not the source: fetch again */
            } else if (f->st != SQLAMBDA_OK) {
                st = f->st;
                sqlambda_fmt(err, errlen, "%s", f->err);
            } else if (!e->have) {
                retry = 1;
            } else if (copy_creds(&e->creds, out) != 0) {
                st = SQLAMBDA_E_NOMEM;
            }
        }
        inflight_put(f);
        pthread_mutex_unlock(&e->lock);
        if (retry) continue;
        if (st == SQLAMBDA_E_NOMEM) goto oom;
        return st;
    }
oom:
    sqlambda_fmt(err, errlen, "out of memory");
    return SQLAMBDA_E_NOMEM;
}
