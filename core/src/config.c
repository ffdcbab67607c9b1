/*
 * config.c — resolves the profile, region, endpoint and max attempts in the
 * AWS SDKs' order (see docs/configuration.md): explicit options, then
 * environment variables, then the shared config/credentials files, then
 * (region only) EC2 instance metadata; also the FIPS and dual-stack flags
 * of derived endpoints, and where each setting came from (describe.c).
 */
#include "ini.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define IMDS_REGION_TIMEOUT_MS 1000

static const char *env(const char *name) {
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* Keeps the first configuration error. */
static void set_error(sqlambda_config *out, const char *msg) {
    if (!out->error[0]) sqlambda_fmt(out->error, sizeof out->error, "%s", msg);
}

static void origin(sqlambda_origin *o, const char *type, const char *where) {
    o->type = type;
    sqlambda_fmt(o->where, sizeof o->where, "%s", where ? where : "");
}

/* Origin of a profile key: the file that holds it (the credentials file
 * wins, as sqlambda_profile_get) and the profile's name. */
void sqlambda_origin_of_key(const sqlambda_profiles *pf, const char *profile, const char *key,
                            bool config_only, sqlambda_origin *o) {
    int cred = !config_only && sqlambda_profile_get_credfile(pf, profile, key) != NULL;
    const char *path = cred ? pf->credentials_path : pf->config_path;
    char shown[200];
    sqlambda_show_value(shown, sizeof shown, profile, strlen(profile), 64);
    o->type = cred ? "shared-credentials-file" : "config-file";
    sqlambda_fmt(o->where, sizeof o->where, "%.250s (profile \"%s\")", path ? path : "?", shown);
}

/* A true/false setting of derived endpoints (botocore's use_fips_endpoint,
 * use_dualstack_endpoint): the variable when set (empty: false, as
 * botocore), else the profile's key, else false. Case-insensitive
 * true/false; anything else is an error naming the variable or key
 * (botocore reads it as false). */
static void resolve_flag(const sqlambda_profiles *pf, const char *profile, const char *var,
                         const char *key, bool *flag, sqlambda_origin *o, sqlambda_config *out) {
    const char *v = getenv(var);
    char what[420];
    *flag = false;
    origin(o, "default", NULL);
    if (v) {
        origin(o, "env", var);
        sqlambda_fmt(what, sizeof what, "%s", var);
    } else if ((v = sqlambda_profile_get(pf, profile, key))) {
        sqlambda_origin_of_key(pf, profile, key, false, o);
        sqlambda_fmt(what, sizeof what, "%s of %s", key, o->where);
    } else {
        return;
    }
    while (*v == ' ' || *v == '\t') v++;
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t')) n--;
    if (n == 0 || (n == 5 && !strncasecmp(v, "false", 5))) return;
    if (n == 4 && !strncasecmp(v, "true", 4)) {
        *flag = true;
        return;
    }
    char shown[160], msg[sizeof out->error];
    sqlambda_show_value(shown, sizeof shown, v, n, 40);
    sqlambda_fmt(msg, sizeof msg, "invalid %s \"%s\": must be true or false", what, shown);
    set_error(out, msg);
}

/* retry_mode (botocore's names, exact case): AWS_RETRY_MODE, else the
 * profile's retry_mode, else standard (botocore's default is legacy; the
 * AWS CLI v2 and the other SDKs default to standard, as sqlambda always
 * did). adaptive is standard plus botocore's client-side rate limiter
 * (adaptive.c, one per client). */
static void resolve_retry_mode(const sqlambda_profiles *pf, sqlambda_config *out) {
    const char *v = env("AWS_RETRY_MODE");
    char what[420];
    origin(&out->retry_mode_from, "default", NULL);
    if (v) {
        origin(&out->retry_mode_from, "env", "AWS_RETRY_MODE");
        sqlambda_fmt(what, sizeof what, "AWS_RETRY_MODE");
    } else if ((v = sqlambda_profile_get(pf, out->profile, "retry_mode"))) {
        sqlambda_origin_of_key(pf, out->profile, "retry_mode", false, &out->retry_mode_from);
        sqlambda_fmt(what, sizeof what, "retry_mode of %s", out->retry_mode_from.where);
    } else {
        return;
    }
    char shown[160], msg[sizeof out->error];
    sqlambda_show_value(shown, sizeof shown, v, strlen(v), 40);
    if (!strcmp(v, "standard")) return;
    if (!strcmp(v, "legacy")) {
        out->retry_legacy = true;
        return;
    }
    if (!strcmp(v, "adaptive")) {
        out->retry_adaptive = true;
        return;
    }
    sqlambda_fmt(msg, sizeof msg, "invalid %s \"%s\": must be standard, legacy or adaptive", what,
                 shown);
    set_error(out, msg);
}

/* botocore's FIPS pseudo-regions: every "fips-", then every "-fips" taken
 * out ("fips-us-gov-west-1", "us-east-1-fips"). malloc'd. */
static char *strip_fips(const char *v) {
    char *a = strdup(v);
    if (!a) return NULL;
    static const char *const cut[] = {"fips-", "-fips"};
    for (int k = 0; k < 2; k++) {
        char *p;
        while ((p = strstr(a, cut[k]))) memmove(p, p + 5, strlen(p + 5) + 1);
    }
    return a;
}

/* Checks an endpoint URL by core's one rule (check_endpoint.c). 0 if fine. */
static int check_url(const char *url, const char *what, char *err, size_t errlen) {
    return sqlambda_check_endpoint_what(url, what, err, errlen) == SQLAMBDA_OK ? 0 : -1;
}

/* Keeps region v (from what) if it is a region name, else reports it. */
static void take_region(const char *v, const char *what, sqlambda_config *out) {
    char err[sizeof out->error];
    if (sqlambda_check_region_what(v, strlen(v), what, err, sizeof err) != SQLAMBDA_OK) {
        if (!out->error[0]) memcpy(out->error, err, sizeof err);
        return;
    }
    out->region = strdup(v);
}

/* take_region after botocore's FIPS pseudo-region rule: a region with
 * "fips-" or "-fips" in it is the region without them, with FIPS endpoints
 * on (whatever AWS_USE_FIPS_ENDPOINT says, as botocore's client config). */
static void take_region_fips(const char *v, const char *what, sqlambda_config *out) {
    if (!strstr(v, "fips")) {
        take_region(v, what, out);
        return;
    }
    char *plain = strip_fips(v);
    if (!plain) {
        set_error(out, "out of memory");
        return;
    }
    if (!sqlambda_region_ok(plain, strlen(plain))) {
        take_region(v, what, out); /* the error names the value as given */
    } else if (strcmp(plain, v) != 0) {
        char shown[160];
        sqlambda_show_value(shown, sizeof shown, v, strlen(v), 40);
        out->use_fips = true;
        out->fips_from.type = "region";
        sqlambda_fmt(out->fips_from.where, sizeof out->fips_from.where,
                     "FIPS pseudo-region \"%s\" (from %s)", shown, what);
        take_region(plain, what, out);
    } else {
        take_region(plain, what, out);
    }
    free(plain);
}

/* Parses a max_attempts value: an integer from 1 to SQLAMBDA_MAX_ATTEMPTS_MAX. */
static int parse_attempts(const char *v, const char *what, int *out, char *err, size_t errlen) {
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    while (*end == ' ' || *end == '\t') end++;
    if (errno || end == v || *end || n < 1 || n > SQLAMBDA_MAX_ATTEMPTS_MAX) {
        sqlambda_fmt(err, errlen, "invalid max_attempts \"%.40s\" (from %s): must be an integer "
                     "from 1 to %d", v, what, SQLAMBDA_MAX_ATTEMPTS_MAX);
        return -1;
    }
    *out = (int)n;
    return 0;
}

/* A timeout option from 0 (the default) to its cap; else E_CONFIG (the first error is kept). */
static void check_ms(long v, const char *name, long cap, sqlambda_config *out) {
    if (out->error[0] || (v >= 0 && v <= cap)) return;
    sqlambda_fmt(out->error, sizeof out->error,
                 "invalid %s %ld (from the options): must be from 1 to %ld (0: the default)", name,
                 v, cap);
}

/* options ca_file, AWS_CA_BUNDLE, the profile's ca_bundle (botocore's
 * order after the client's verify=): a regular file we can open. */
static void resolve_ca(const sqlambda_options *opts, const sqlambda_profiles *pf,
                       sqlambda_config *out) {
    const char *v, *what;
    if (opts->ca_file && *opts->ca_file) {
        v = opts->ca_file;
        what = "the CA bundle setting";
        origin(&out->ca_from, "option", "ca_file");
    } else if ((v = env("AWS_CA_BUNDLE"))) {
        what = "AWS_CA_BUNDLE";
        origin(&out->ca_from, "env", what);
    } else if ((v = sqlambda_profile_get(pf, out->profile, "ca_bundle")) && *v) {
        what = "the profile's ca_bundle";
        sqlambda_origin_of_key(pf, out->profile, "ca_bundle", false, &out->ca_from);
    } else {
        origin(&out->ca_from, NULL, NULL);
        return;
    }
    char why[120];
    if (sqlambda_ca_file_check(v, why, sizeof why) != 0) {
        char shown[300];
        sqlambda_show_value(shown, sizeof shown, v, strlen(v), 200);
        sqlambda_fmt(out->error, sizeof out->error, "CA bundle \"%s\" (from %s) %s", shown, what,
                     why);
        return;
    }
    if (!(out->ca_bundle = strdup(v)))
        sqlambda_fmt(out->error, sizeof out->error, "out of memory");
}

static void resolve_endpoint(const sqlambda_options *opts, const sqlambda_profiles *pf,
                             sqlambda_config *out) {
    const char *url = NULL, *what = NULL;
    sqlambda_origin *o = &out->endpoint_from;
    if (opts->endpoint_url && *opts->endpoint_url) {
        url = opts->endpoint_url;
        what = "the endpoint setting"; /* each adapter names it its own way */
        origin(o, "option", "endpoint_url");
    } else {
        const char *ign = env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
        int ignore = ign ? sqlambda_is_true(ign)
                         : sqlambda_is_true(sqlambda_profile_get_config(
                               pf, out->profile, "ignore_configured_endpoint_urls"));
        if (ignore) return;
        if ((url = env("AWS_ENDPOINT_URL_LAMBDA"))) {
            what = "AWS_ENDPOINT_URL_LAMBDA";
            origin(o, "env", what);
        } else if ((url = env("AWS_ENDPOINT_URL"))) {
            what = "AWS_ENDPOINT_URL";
            origin(o, "env", what);
        } else if ((url = sqlambda_profile_service_get(pf, out->profile, "lambda",
                                                         "endpoint_url"))) {
            what = "the profile's services section";
            sqlambda_origin_of_key(pf, out->profile, "services", true, o);
            size_t n = strlen(o->where);
            if (n > 2 && o->where[n - 1] == ')') {
                const char *sv = sqlambda_profile_get_config(pf, out->profile, "services");
                char shown[120];
                sqlambda_show_value(shown, sizeof shown, sv ? sv : "", sv ? strlen(sv) : 0, 40);
                sqlambda_fmt(o->where + n - 1, sizeof o->where - (n - 1),
                             ", [services %s] lambda)", shown);
            }
        } else if ((url = sqlambda_profile_get_config(pf, out->profile, "endpoint_url"))) {
            what = "the profile's endpoint_url";
            sqlambda_origin_of_key(pf, out->profile, "endpoint_url", true, o);
        }
    }
    if (!url || !*url) {
        origin(o, NULL, NULL);
        return;
    }
    if (check_url(url, what, out->error, sizeof out->error) != 0) return;
    out->endpoint_url = strdup(url);
}

void sqlambda_config_resolve(const sqlambda_options *opts, sqlambda_config *out) {
    static const sqlambda_options none;
    sqlambda_profiles pf;
    memset(out, 0, sizeof *out);
    if (!opts) opts = &none;
    if (sqlambda_profiles_load(&pf) != 0) {
        sqlambda_fmt(out->error, sizeof out->error, "out of memory reading the AWS config files");
        return;
    }
    if (pf.error[0]) sqlambda_fmt(out->error, sizeof out->error, "%s", pf.error);
    /* profile */
    const char *profile = opts->profile && *opts->profile ? opts->profile : env("AWS_PROFILE");
    if (profile && !out->error[0] && !sqlambda_profiles_exists(&pf, profile)) {
        char shown[200];
        sqlambda_show_value(shown, sizeof shown, profile, strlen(profile), 64);
        sqlambda_fmt(out->error, sizeof out->error, "profile \"%s\" not found in %.80s or %.80s",
                     shown, pf.credentials_path ? pf.credentials_path : "(no credentials file)",
                     pf.config_path ? pf.config_path : "(no config file)");
    }
    if (opts->profile && *opts->profile) origin(&out->profile_from, "option", "profile");
    else if (profile) origin(&out->profile_from, "env", "AWS_PROFILE");
    else origin(&out->profile_from, "default", NULL);
    out->profile = strdup(profile ? profile : "default");
    if (!out->profile) {
        sqlambda_fmt(out->error, sizeof out->error, "out of memory");
        goto done;
    }

    /* retry mode, then max attempts, whose default depends on it (not read
     * after a profile error) */
    if (!out->error[0]) resolve_retry_mode(&pf, out);
    const char *v;
    out->max_attempts = out->retry_legacy ? 5 : 3;
    origin(&out->attempts_from, "default", out->retry_legacy ? "retry_mode legacy" : NULL);
    if (out->error[0]) {
        /* keep the first error */
    } else if (opts->max_attempts < 0 || opts->max_attempts > SQLAMBDA_MAX_ATTEMPTS_MAX) {
        sqlambda_fmt(out->error, sizeof out->error,
                     "invalid max_attempts %d (from the options): must be from 1 to %d",
                     opts->max_attempts, SQLAMBDA_MAX_ATTEMPTS_MAX);
    } else if (opts->max_attempts > 0) {
        out->max_attempts = opts->max_attempts;
        origin(&out->attempts_from, "option", "max_attempts");
    } else if ((v = env("AWS_MAX_ATTEMPTS"))) {
        parse_attempts(v, "AWS_MAX_ATTEMPTS", &out->max_attempts, out->error, sizeof out->error);
        origin(&out->attempts_from, "env", "AWS_MAX_ATTEMPTS");
    } else if ((v = sqlambda_profile_get(&pf, out->profile, "max_attempts"))) {
        parse_attempts(v, "the profile's max_attempts", &out->max_attempts, out->error,
                       sizeof out->error);
        sqlambda_origin_of_key(&pf, out->profile, "max_attempts", false, &out->attempts_from);
    }

    /* FIPS and dual-stack endpoints (for endpoints derived from a region) */
    if (!out->error[0]) {
        resolve_flag(&pf, out->profile, "AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint",
                     &out->use_fips, &out->fips_from, out);
        out->use_fips_setting = out->use_fips; /* before any pseudo-region */
        resolve_flag(&pf, out->profile, "AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint",
                     &out->use_dualstack, &out->dualstack_from, out);
    }

    /* the CA bundle: checked now, so a bad path is named before any call */
    if (!out->error[0]) resolve_ca(opts, &pf, out);
    /* the metadata settings: a bad one fails every client, as botocore's
     * credential resolver does when it is built */
    sqlambda_imds_conf imds_conf;
    char imds_err[300];
    int imds_bad = sqlambda_imds_resolve(&pf, out->profile, &imds_conf, imds_err, sizeof imds_err);
    if (imds_bad && !out->error[0]) set_error(out, imds_err);

    /* the timeouts' caps (0: the default) */
    check_ms(opts->connect_timeout_ms, "connect_timeout_ms", SQLAMBDA_CONNECT_TIMEOUT_MS_MAX, out);
    check_ms(opts->request_timeout_ms, "request_timeout_ms", SQLAMBDA_REQUEST_TIMEOUT_MS_MAX, out);
    check_ms(opts->credential_timeout_ms, "credential_timeout_ms",
             SQLAMBDA_CREDENTIAL_TIMEOUT_MS_MAX, out);

    /* endpoint and region: resolved even after an error above, so that the
     * error's message can name the endpoint host (the first error is kept;
     * instance metadata is not asked for a region then) */
    char first_error[sizeof out->error];
    memcpy(first_error, out->error, sizeof first_error);
    out->error[0] = '\0';
    resolve_endpoint(opts, &pf, out);
    out->endpoint_bad = out->error[0] != '\0';
    if (first_error[0]) memcpy(out->error, first_error, sizeof first_error);
    /* every region becomes part of the endpoint host: each source is
     * checked, and a bad one is an error naming it (never skipped) */
    const char *what = "the region setting";
    sqlambda_origin *ro = &out->region_from;
    if (opts->region && *opts->region) {
        v = opts->region;
        origin(ro, "option", "region");
    } else if ((v = env("AWS_REGION"))) {
        what = "AWS_REGION";
        origin(ro, "env", what);
    } else if ((v = env("AWS_DEFAULT_REGION"))) {
        what = "AWS_DEFAULT_REGION";
        origin(ro, "env", what);
    } else if ((v = sqlambda_profile_get(&pf, out->profile, "region"))) {
        what = "the profile's region";
        sqlambda_origin_of_key(&pf, out->profile, "region", false, ro);
    }
    if (v && *v) {
        take_region_fips(v, what, out);
    } else if (!out->error[0] && !imds_bad) {
        char *imds = sqlambda_imds_region(opts, &imds_conf, IMDS_REGION_TIMEOUT_MS);
        if (imds) {
            origin(ro, "imds", "/latest/meta-data/placement/region");
            take_region_fips(imds, "the region EC2 instance metadata returned", out);
        }
        free(imds);
    }
    if (!out->region) origin(ro, NULL, NULL);
done:
    sqlambda_profiles_free(&pf);
}

void sqlambda_config_free(sqlambda_config *c) {
    if (!c) return;
    free(c->profile);
    free(c->region);
    free(c->endpoint_url);
    free(c->ca_bundle);
    memset(c, 0, sizeof *c);
}
