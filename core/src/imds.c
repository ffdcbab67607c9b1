/*
 * imds.c — EC2 instance metadata service client (IMDSv2: PUT a session
 * token, then GET with it), used for the region and the instance role's
 * credentials. Where it is, as botocore resolves it (sqlambda_imds_resolve):
 * AWS_EC2_METADATA_SERVICE_ENDPOINT, else the profile's
 * ec2_metadata_service_endpoint, else by the endpoint mode
 * (AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE / ec2_metadata_service_endpoint_mode
 * IPv4 or IPv6, else AWS_IMDS_USE_IPV6 / imds_use_ipv6) http://169.254.169.254
 * or http://[fd00:ec2::254]. AWS_EC2_METADATA_V1_DISABLED /
 * ec2_metadata_v1_disabled forbid the IMDSv1 fallback. The region is cached
 * per process and endpoint. Each request is bounded by the caller's timeout
 * and waits through its wait hook.
 */
#include "creds_internal.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define IMDS_IPV4_ENDPOINT "http://169.254.169.254"
#define IMDS_IPV6_ENDPOINT "http://[fd00:ec2::254]"

int sqlambda_imds_disabled(void) { return sqlambda_is_true(getenv("AWS_EC2_METADATA_DISABLED")); }

/* The variable if it is set (even empty: botocore's chain stops at a set
 * variable), else the profile's key; o (may be NULL) says which. */
static const char *setting(const sqlambda_profiles *pf, const char *profile, const char *var,
                           const char *key, sqlambda_origin *o) {
    sqlambda_origin scratch;
    if (!o) o = &scratch;
    const char *v = getenv(var);
    if (v) {
        o->type = "env";
        sqlambda_fmt(o->where, sizeof o->where, "%s", var);
        return v;
    }
    if (pf && profile && (v = sqlambda_profile_get(pf, profile, key))) {
        sqlambda_origin_of_key(pf, profile, key, false, o);
        char where[sizeof o->where];
        sqlambda_fmt(where, sizeof where, "%s of %s", key, o->where);
        memcpy(o->where, where, sizeof where);
    }
    return v;
}

/* botocore's ensure_boolean on a string: "true" in any case. */
static int flag(const sqlambda_profiles *pf, const char *profile, const char *var,
                const char *key) {
    const char *v = setting(pf, profile, var, key, NULL);
    return v && strcasecmp(v, "true") == 0;
}

int sqlambda_imds_resolve(const sqlambda_profiles *pf, const char *profile, sqlambda_imds_conf *c,
                          char *err, size_t errlen) {
    sqlambda_origin mo = {0}, eo = {0};
    memset(c, 0, sizeof *c);
    const char *mode = setting(pf, profile, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
                               "ec2_metadata_service_endpoint_mode", &mo);
    int ipv6;
    if (mode) {
        /* as botocore: any other value is an error, even an empty one, and
         * even when an endpoint is named too */
        if (strcasecmp(mode, "ipv4") && strcasecmp(mode, "ipv6")) {
            char shown[100];
            sqlambda_show_value(shown, sizeof shown, mode, strlen(mode), 40);
            sqlambda_fmt(err, errlen, "invalid %s \"%s\": must be IPv4 or IPv6", mo.where, shown);
            return -1;
        }
        ipv6 = strcasecmp(mode, "ipv6") == 0;
    } else if ((ipv6 = flag(pf, profile, "AWS_IMDS_USE_IPV6", "imds_use_ipv6"))) {
        setting(pf, profile, "AWS_IMDS_USE_IPV6", "imds_use_ipv6", &mo);
    }
    const char *ep = setting(pf, profile, "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                             "ec2_metadata_service_endpoint", &eo);
    if (ep && *ep) {
        if (sqlambda_check_endpoint_what(ep, eo.where, err, errlen) != SQLAMBDA_OK) return -1;
        sqlambda_fmt(c->endpoint, sizeof c->endpoint, "%s", ep);
        c->from = eo;
    } else {
        sqlambda_fmt(c->endpoint, sizeof c->endpoint, "%s",
                     ipv6 ? IMDS_IPV6_ENDPOINT : IMDS_IPV4_ENDPOINT);
        c->from.type = mo.type ? mo.type : "default";
        sqlambda_fmt(c->from.where, sizeof c->from.where, "%s%s%s", mo.type ? mo.where : "",
                     mo.type ? ": " : "", ipv6 ? "IPv6" : "IPv4");
    }
    c->v1_disabled = flag(pf, profile, "AWS_EC2_METADATA_V1_DISABLED", "ec2_metadata_v1_disabled");
    return 0;
}

/* endpoint without a trailing '/', then path */
static char *join(const char *base, const char *path) {
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/') bl--;
    char *u = NULL;
    if (asprintf(&u, "%.*s%s", (int)bl, base, path) < 0) return NULL;
    return u;
}

char *sqlambda_imds_get(const sqlambda_imds_conf *conf, const char *path,
                        const sqlambda_waiter *w, long timeout_ms, sqlambda_status *failure,
                        char *err, size_t errlen) {
    const char *base = conf->endpoint;
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
    } else if (r.status == 400) {
        /* botocore's BadIMDSRequestError; any other answer means no token
         * (IMDSv1, as botocore after its attempts) */
        sqlambda_fmt(err, errlen, "instance metadata token request to %s failed: HTTP %ld", base,
                     r.status);
        sqlambda_http_response_free(&r);
        goto out;
    }
    sqlambda_http_response_free(&r);
    if (!tokhdr[0] && conf->v1_disabled) {
        sqlambda_fmt(err, errlen, "instance metadata at %s gave no IMDSv2 token and IMDSv1 is "
                     "disabled (ec2_metadata_v1_disabled)", base);
        goto out;
    }
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
char *sqlambda_imds_region(const sqlambda_options *opts, const sqlambda_imds_conf *conf,
                           long timeout_ms) {
    if (sqlambda_imds_disabled()) return NULL;
    char ep[sizeof conf->endpoint + 4];
    sqlambda_fmt(ep, sizeof ep, "%s %d", conf->endpoint, conf->v1_disabled);
    char *out = NULL;
    pthread_mutex_lock(&region_lock);
    int cached = region_done && region_endpoint && strcmp(region_endpoint, ep) == 0;
    if (cached && region_value) out = strdup(region_value);
    pthread_mutex_unlock(&region_lock);
    if (cached) return out;
    char err[256];
    sqlambda_status fail = SQLAMBDA_OK;
    sqlambda_waiter w = {opts ? opts->wait : NULL, opts ? opts->wait_arg : NULL};
    char *v = sqlambda_imds_get(conf, "/latest/meta-data/placement/region", &w, timeout_ms, &fail,
                                err, sizeof err);
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
