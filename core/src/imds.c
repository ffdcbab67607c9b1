/*
 * imds.c — EC2 instance metadata service client (IMDSv2: PUT a session
 * token, then GET with it), used for the region and the instance role's
 * credentials. Endpoint: AWS_EC2_METADATA_SERVICE_ENDPOINT, else
 * http://169.254.169.254. The region is cached per process. Each request
 * is bounded by the caller's timeout and waits through its wait hook.
 */
#include "creds_internal.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMDS_DEFAULT_ENDPOINT "http://169.254.169.254"

int sqlambda_imds_disabled(void) { return sqlambda_is_true(getenv("AWS_EC2_METADATA_DISABLED")); }

static const char *imds_endpoint(void) {
    const char *e = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    return e && *e ? e : IMDS_DEFAULT_ENDPOINT;
}

/* endpoint without a trailing '/', then path */
static char *join(const char *base, const char *path) {
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/') bl--;
    char *u = NULL;
    if (asprintf(&u, "%.*s%s", (int)bl, base, path) < 0) return NULL;
    return u;
}

char *sqlambda_imds_get(const char *path, const sqlambda_waiter *w, long timeout_ms,
                        sqlambda_status *failure, char *err, size_t errlen) {
    const char *base = imds_endpoint();
    char *turl = join(base, "/latest/api/token"), *url = join(base, path);
    char *result = NULL, tokhdr[1200] = "";
    sqlambda_status fail = SQLAMBDA_E_CREDENTIALS;
    sqlambda_http_response r;
    if (!turl || !url) {
        fail = SQLAMBDA_E_NOMEM;
        sqlambda_fmt(err, errlen, "out of memory");
        goto out;
    }
    const char *put_h[] = {"X-aws-ec2-metadata-token-ttl-seconds: 21600", NULL};
    if (sqlambda_http_simple("PUT", turl, put_h, NULL, w, timeout_ms, &r) != 0) {
        fail = r.failure;
        sqlambda_fmt(err, errlen, "instance metadata at %s unreachable: %s", base, r.error);
        sqlambda_http_response_free(&r);
        goto out;
    }
    if (r.status == 200) {
        size_t n = r.body.len;
        while (n && isspace((unsigned char)r.body.data[n - 1])) n--;
        if (n == 0 || n > 1000 || memchr(r.body.data, '\n', n) || memchr(r.body.data, '\r', n)) {
            sqlambda_fmt(err, errlen, "instance metadata at %s returned a malformed token", base);
            sqlambda_http_response_free(&r);
            goto out;
        }
        sqlambda_fmt(tokhdr, sizeof tokhdr, "X-aws-ec2-metadata-token: %.*s", (int)n,
                     r.body.data);
    } else if (r.status != 403 && r.status != 404 && r.status != 405) {
        sqlambda_fmt(err, errlen, "instance metadata token request to %s failed: HTTP %ld", base,
                     r.status);
        sqlambda_http_response_free(&r);
        goto out;
    }
    sqlambda_http_response_free(&r);
    const char *get_h[] = {tokhdr[0] ? tokhdr : NULL, NULL};
    if (sqlambda_http_simple("GET", url, get_h, NULL, w, timeout_ms, &r) != 0) {
        fail = r.failure;
        sqlambda_fmt(err, errlen, "instance metadata at %s unreachable: %s", base, r.error);
    } else if (r.status != 200) {
        sqlambda_fmt(err, errlen, "instance metadata %s returned HTTP %ld", path, r.status);
    } else {
        result = r.body.data;
        r.body.data = NULL;
        r.body.len = r.body.cap = 0;
    }
    sqlambda_http_response_free(&r);
out:
    if (!result && failure) *failure = fail;
    explicit_bzero(tokhdr, sizeof tokhdr);
    free(turl);
    free(url);
    return result;
}

/* Process-wide cache of the region lookup, keyed by the endpoint. */
static pthread_mutex_t region_lock = PTHREAD_MUTEX_INITIALIZER;
static char *region_endpoint, *region_value;
static int region_done;

__attribute__((destructor)) static void region_cache_free(void) {
    free(region_endpoint);
    free(region_value);
    region_endpoint = region_value = NULL;
}

/* Only a bound here: the region rule is check_region.c's, applied by
 * config.c, so a hostile answer is an error naming instance metadata
 * rather than silently no region. */
static int valid_region(const char *s) {
    size_t n = strlen(s);
    return n > 0 && n <= 255;
}

/* The lookup runs without region_lock held (a hung metadata endpoint must
 * not hold up other threads' clients); a cancelled lookup is not cached. */
char *sqlambda_imds_region(const sqlambda_options *opts, long timeout_ms) {
    if (sqlambda_imds_disabled()) return NULL;
    const char *ep = imds_endpoint();
    char *out = NULL;
    pthread_mutex_lock(&region_lock);
    int cached = region_done && region_endpoint && strcmp(region_endpoint, ep) == 0;
    if (cached && region_value) out = strdup(region_value);
    pthread_mutex_unlock(&region_lock);
    if (cached) return out;
    char err[256];
    sqlambda_status fail = SQLAMBDA_OK;
    sqlambda_waiter w = {opts ? opts->wait : NULL, opts ? opts->wait_arg : NULL};
    char *v = sqlambda_imds_get("/latest/meta-data/placement/region", &w, timeout_ms, &fail, err,
                                sizeof err);
    if (v) {
        size_t n = strlen(v);
        while (n && isspace((unsigned char)v[n - 1])) v[--n] = 0;
        if (!valid_region(v)) {
            free(v);
            v = NULL;
        }
    }
    if (!v && fail == SQLAMBDA_E_CANCELLED) return NULL;
    out = v ? strdup(v) : NULL;
    pthread_mutex_lock(&region_lock);
    free(region_endpoint);
    free(region_value);
    region_endpoint = strdup(ep);
    region_value = v;
    region_done = 1;
    pthread_mutex_unlock(&region_lock);
    return out;
}
