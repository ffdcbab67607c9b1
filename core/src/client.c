/*
 * client.c — sqlambda_client: copies the options, resolves configuration
 * once, owns the credential provider, the SigV4 signer (signing key
 * cache), the curl multi handle (kept for the client's life so connections
 * and TLS sessions are reused; its connection cache sized to the largest
 * concurrency asked for), a bounded pool of easy handles that keep their
 * constant options, the retry quota and the log hook.
 */
#include "client_internal.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

static int dup_opt(const char **field) {
    if (!*field) return 0;
    char *d = strdup(*field);
    if (!d) return -1;
    *field = d;
    return 0;
}

static void free_opts(sqlambda_options *o) {
    free((char *)o->region);
    free((char *)o->endpoint_url);
    free((char *)o->profile);
    free((char *)o->access_key_id);
    free((char *)o->secret_access_key);
    free((char *)o->session_token);
    free((char *)o->ca_file);
    free((char *)o->allowed_functions);
    free((char *)o->user_agent_extra);
    free((char *)o->credential_timeout_setting);
}

static int copy_opts(sqlambda_options *dst, const sqlambda_options *src) {
    *dst = *src;
    dst->region = dst->endpoint_url = dst->profile = dst->access_key_id = NULL;
    dst->secret_access_key = dst->session_token = dst->ca_file = NULL;
    dst->allowed_functions = dst->user_agent_extra = dst->credential_timeout_setting = NULL;
    const char **f[] = {&dst->region, &dst->endpoint_url, &dst->profile, &dst->access_key_id,
                        &dst->secret_access_key, &dst->session_token, &dst->ca_file,
                        &dst->allowed_functions, &dst->user_agent_extra,
                        &dst->credential_timeout_setting};
    const char *s[] = {src->region, src->endpoint_url, src->profile, src->access_key_id,
                       src->secret_access_key, src->session_token, src->ca_file,
                       src->allowed_functions, src->user_agent_extra,
                       src->credential_timeout_setting};
    int rc = 0;
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        *f[i] = s[i];
        if (dup_opt(f[i]) != 0) {
            *f[i] = NULL;
            rc = -1;
        }
    }
    return rc;
}

/* curl's multi handle of c: its sockets and timer go to core's event loop
 * (multi_sockets.c); connections cached up to c->max_connects. */
static CURLM *new_multi(sqlambda_client *c) {
    CURLM *m = curl_multi_init();
    if (!m) return NULL;
    curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, sqlambda_multi_socket_cb);
    curl_multi_setopt(m, CURLMOPT_SOCKETDATA, c);
    curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, sqlambda_multi_timer_cb);
    curl_multi_setopt(m, CURLMOPT_TIMERDATA, c);
    curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, c->max_connects);
    return m;
}

sqlambda_client *sqlambda_client_new(const sqlambda_options *opts) {
    static const sqlambda_options zero;
    if (!opts) opts = &zero;
    pthread_once(&curl_once, curl_init_once);
    sqlambda_client *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    if (copy_opts(&c->opts, opts) != 0) goto fail;
    c->connect_timeout_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms
                                                         : SQLAMBDA_DEFAULT_CONNECT_TIMEOUT_MS;
    c->request_timeout_ms = opts->request_timeout_ms > 0 ? opts->request_timeout_ms
                                                         : SQLAMBDA_DEFAULT_REQUEST_TIMEOUT_MS;
    c->max_response = opts->max_response_bytes > 0 ? opts->max_response_bytes
                                                   : SQLAMBDA_DEFAULT_MAX_RESPONSE;
    sqlambda_config_resolve(&c->opts, &c->cfg);
    c->max_attempts = c->cfg.max_attempts > 0 ? c->cfg.max_attempts : 3;
    if (opts->max_attempts > 0) c->max_attempts = opts->max_attempts;
    c->creds = sqlambda_creds_provider_new(&c->opts, &c->cfg);
    if (!c->creds) goto fail;
    const char *extra = c->opts.user_agent_extra;
    size_t ualen = 64 + (extra ? strlen(extra) : 0);
    if (!(c->user_agent = malloc(ualen))) goto fail;
    snprintf(c->user_agent, ualen, "sqlambda/%s%s%s", SQLAMBDA_VERSION, extra && *extra ? " " : "",
             extra && *extra ? extra : "");
    sqlambda_retry_quota_init(&c->quota);
    if (c->cfg.retry_adaptive) sqlambda_rl_init(&c->limiter, sqlambda_now_ms() / 1000.0);
    if (getrandom(&c->rng, sizeof c->rng, GRND_NONBLOCK) != (ssize_t)sizeof c->rng)
        c->rng = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)c;
    c->rng |= 1;
    c->timer_at = -1;
    c->epfd = -1;
    c->pool_max = SQLAMBDA_EASY_POOL_MIN;
    c->max_connects = SQLAMBDA_MIN_CONNECTS;
    if (!(c->signer = sqlambda_sigv4_signer_new())) goto fail;
    if (!(c->multi = new_multi(c))) goto fail;
    if (!(c->share = curl_share_init())) goto fail;
    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    return c;
fail:
    sqlambda_client_free(c);
    return NULL;
}

void sqlambda_client_free(sqlambda_client *c) {
    if (!c) return;
    for (int i = 0; i < c->npool; i++) curl_easy_cleanup(c->pool[i]);
    free(c->pool);
    if (c->multi) curl_multi_cleanup(c->multi); /* its socket callbacks need the epoll fd */
    sqlambda_sockets_close(c);
    if (c->share) curl_share_cleanup(c->share);
    sqlambda_sigv4_signer_free(c->signer);
    sqlambda_client_endpoint_free(c);
    if (c->creds) sqlambda_creds_provider_free(c->creds);
    sqlambda_config_free(&c->cfg);
    free(c->user_agent);
    free_opts(&c->opts);
    free(c);
}

void sqlambda_client_log(sqlambda_client *c, int level, const char *fmt, ...) {
    if (!c->opts.log) return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    c->opts.log(c->opts.log_arg, level, line);
}

/* Options that stay the same for every call of this client: set once when
 * the handle is made (pooled handles are never reset, so these stay). */
static void easy_setup(sqlambda_client *c, CURL *e) {
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->request_timeout_ms);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    /* a cancelled call must not wait for a hung DNS lookup: removing the
     * handle then leaves the threaded resolver's thread behind (7.87+) */
    curl_easy_setopt(e, CURLOPT_QUICK_EXIT, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (c->cfg.ca_bundle) curl_easy_setopt(e, CURLOPT_CAINFO, c->cfg.ca_bundle);
    curl_easy_setopt(e, CURLOPT_SHARE, c->share);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->max_response);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, sqlambda_reply_header_cb);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sqlambda_reply_body_cb);
    /* the epoll set keeps idle connections registered until they close */
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, sqlambda_multi_close_cb);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, c);
}

CURL *sqlambda_client_easy_get(sqlambda_client *c) {
    if (c->npool > 0) return c->pool[--c->npool];
    CURL *e = curl_easy_init();
    if (e) easy_setup(c, e);
    return e;
}

void sqlambda_client_size_for(sqlambda_client *c, int max_in_flight) {
    int want = max_in_flight < SQLAMBDA_EASY_POOL_MAX ? max_in_flight : SQLAMBDA_EASY_POOL_MAX;
    if (want > c->pool_max) c->pool_max = want; /* the array grows as handles come back */
    if (max_in_flight > c->max_connects) {
        c->max_connects = max_in_flight;
        curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, c->max_connects);
    }
}

void sqlambda_client_multi_done(sqlambda_client *c) {
    if (--c->live_multis > 0) return;
    c->live_multis = 0;
    while (c->npool > SQLAMBDA_EASY_POOL_MIN) curl_easy_cleanup(c->pool[--c->npool]);
    c->pool_max = SQLAMBDA_EASY_POOL_MIN;
    if (c->max_connects <= SQLAMBDA_MIN_CONNECTS) return;
    c->max_connects = SQLAMBDA_MIN_CONNECTS;
    CURLM *fresh = new_multi(c);
    if (!fresh) { /* keep the old cache; it trims as connections return */
        curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, c->max_connects);
        return;
    }
    curl_multi_cleanup(c->multi); /* closes them; its socket callbacks update the epoll set */
    c->multi = fresh;
    c->timer_at = -1;
}

void sqlambda_client_easy_put(sqlambda_client *c, CURL *e) {
    if (!e) return;
    if (c->npool == c->pool_cap && c->pool_cap < c->pool_max) {
        int cap = c->pool_cap ? c->pool_cap * 2 : SQLAMBDA_EASY_POOL_MIN;
        if (cap > c->pool_max) cap = c->pool_max;
        CURL **n = realloc(c->pool, (size_t)cap * sizeof *n);
        if (n) {
            c->pool = n;
            c->pool_cap = cap;
        }
    }
    if (c->npool < c->pool_cap) {
        /* no curl_easy_reset (it would undo easy_setup); drop what pointed
         * into the finished call */
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, (char *)NULL);
        curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)NULL);
        c->pool[c->npool++] = e;
    } else {
        curl_easy_cleanup(e);
    }
}

double sqlambda_client_random(sqlambda_client *c) {
    /* xorshift64*: per-client state, so clients in threads never share it */
    uint64_t x = c->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    c->rng = x;
    return (double)((x * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}
