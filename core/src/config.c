/*
 * config.c — resolves the profile, region, endpoint and max attempts in the
 * AWS SDKs' order (see docs/configuration.md): explicit options, then
 * environment variables, then the shared config/credentials files, then
 * (region only) EC2 instance metadata.
 */
#include "ini.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define IMDS_REGION_TIMEOUT_MS 1000

static const char *env(const char *name) {
    const char *v = getenv(name);
    return v && *v ? v : NULL;
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

static void resolve_endpoint(const sqlambda_options *opts, const sqlambda_profiles *pf,
                             sqlambda_config *out) {
    const char *url = NULL, *what = NULL;
    if (opts->endpoint_url && *opts->endpoint_url) {
        url = opts->endpoint_url;
        what = "the endpoint setting"; /* each adapter names it its own way */
    } else {
        const char *ign = env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
        int ignore = ign ? sqlambda_is_true(ign)
                         : sqlambda_is_true(sqlambda_profile_get_config(
                               pf, out->profile, "ignore_configured_endpoint_urls"));
        if (ignore) return;
        if ((url = env("AWS_ENDPOINT_URL_LAMBDA"))) what = "AWS_ENDPOINT_URL_LAMBDA";
        else if ((url = env("AWS_ENDPOINT_URL"))) what = "AWS_ENDPOINT_URL";
        else if ((url = sqlambda_profile_service_get(pf, out->profile, "lambda", "endpoint_url")))
            what = "the profile's services section";
        else if ((url = sqlambda_profile_get_config(pf, out->profile, "endpoint_url")))
            what = "the profile's endpoint_url";
    }
    if (!url || !*url) return;
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
    out->profile = strdup(profile ? profile : "default");
    if (!out->profile) {
        sqlambda_fmt(out->error, sizeof out->error, "out of memory");
        goto done;
    }

    /* max attempts (not read after a profile error) */
    const char *v;
    out->max_attempts = 3;
    if (out->error[0]) {
        /* keep the first error */
    } else if (opts->max_attempts < 0 || opts->max_attempts > SQLAMBDA_MAX_ATTEMPTS_MAX) {
        sqlambda_fmt(out->error, sizeof out->error,
                     "invalid max_attempts %d (from the options): must be from 1 to %d",
                     opts->max_attempts, SQLAMBDA_MAX_ATTEMPTS_MAX);
    } else if (opts->max_attempts > 0) {
        out->max_attempts = opts->max_attempts;
    } else if ((v = env("AWS_MAX_ATTEMPTS"))) {
        parse_attempts(v, "AWS_MAX_ATTEMPTS", &out->max_attempts, out->error, sizeof out->error);
    } else if ((v = sqlambda_profile_get(&pf, out->profile, "max_attempts"))) {
        parse_attempts(v, "the profile's max_attempts", &out->max_attempts, out->error,
                       sizeof out->error);
    }

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
    if (opts->region && *opts->region) v = opts->region;
    else if ((v = env("AWS_REGION"))) what = "AWS_REGION";
    else if ((v = env("AWS_DEFAULT_REGION"))) what = "AWS_DEFAULT_REGION";
    else if ((v = sqlambda_profile_get(&pf, out->profile, "region"))) what = "the profile's region";
    if (v && *v) {
        take_region(v, what, out);
    } else if (!out->error[0]) {
        char *imds = sqlambda_imds_region(opts, IMDS_REGION_TIMEOUT_MS);
        if (imds) take_region(imds, "the region EC2 instance metadata returned", out);
        free(imds);
    }
done:
    sqlambda_profiles_free(&pf);
}

void sqlambda_config_free(sqlambda_config *c) {
    if (!c) return;
    free(c->profile);
    free(c->region);
    free(c->endpoint_url);
    memset(c, 0, sizeof *c);
}
