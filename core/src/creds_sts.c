/*
 * creds_sts.c — where the credential providers reach STS, and how an STS
 * failure is reported, shared by web identity (creds_web_identity.c) and
 * AssumeRole (creds_assume_role.c). Endpoint, as botocore's STS client of
 * the session: AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, the profile's
 * [services] sts (not its generic endpoint_url; none when
 * ignore_configured_endpoint_urls is true), else STS's rule set: https://sts[-fips].<region>.<suffix or
 * dual-stack suffix> (FIPS alone in GovCloud: the plain host); without a
 * region, or with sts_regional_endpoints = legacy, one of the regions that
 * used the global endpoint before 2025 and neither FIPS nor dual-stack,
 * https://sts.amazonaws.com signed for us-east-1 (botocore's default mode is
 * "regional"). Also the form both build their request body with.
 */
#include "creds_internal.h"
#include "creds_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* botocore's LEGACY_GLOBAL_STS_REGIONS */
static const char *const legacy_global[] = {
    "ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "aws-global",
    "ca-central-1",   "eu-central-1", "eu-north-1",   "eu-west-1",      "eu-west-2",
    "eu-west-3",      "sa-east-1",  "us-east-1",      "us-east-2",      "us-west-1",
    "us-west-2"};

int sqlambda_sts_mode(const creds_ctx *ctx, int *legacy, char *err, size_t errlen) {
    const char *v = getenv("AWS_STS_REGIONAL_ENDPOINTS"), *what = "AWS_STS_REGIONAL_ENDPOINTS";
    /* the session's setting (botocore's STS client), not a source profile's */
    const char *prof = ctx->client_profile ? ctx->client_profile : ctx->profile;
    if ((!v || !*v) && ctx->files) {
        v = sqlambda_profile_get(ctx->files, prof, "sts_regional_endpoints");
        what = "sts_regional_endpoints";
    }
    *legacy = 0;
    if (!v || !*v || strcasecmp(v, "regional") == 0) return 0;
    if (strcasecmp(v, "legacy") == 0) {
        *legacy = 1;
        return 0;
    }
    char shown[80];
    sqlambda_show_value(shown, sizeof shown, v, strlen(v), 32);
    sqlambda_fmt(err, errlen, "%s (profile \"%.64s\") must be \"regional\" or \"legacy\", not %s",
                 what, prof, shown);
    return -1;
}

const char *sqlambda_service_endpoint_config(const creds_ctx *ctx, const char *var,
                                             const char *service, bool generic,
                                             const char **what) {
    const sqlambda_profiles *f = ctx->files;
    const char *prof = ctx->client_profile ? ctx->client_profile : ctx->profile;
    const char *ign = getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), *v;
    int ignore = ign && *ign ? sqlambda_is_true(ign)
                             : f && sqlambda_is_true(sqlambda_profile_get_config(
                                        f, prof, "ignore_configured_endpoint_urls"));
    if (ignore) return NULL;
    if ((v = getenv(var)) && *v) {
        *what = var;
        return v;
    }
    if (generic && (v = getenv("AWS_ENDPOINT_URL")) && *v) {
        *what = "AWS_ENDPOINT_URL";
        return v;
    }
    if (f && (v = sqlambda_profile_service_get(f, prof, service, "endpoint_url")) && *v) {
        *what = strcmp(service, "sts") == 0 ? "the profile's services section (sts)"
                                            : "the profile's services section (sso)";
        return v;
    }
    /* never the profile's generic endpoint_url (botocore's last source): it
     * commonly names a local Lambda over plain http, and a signed AssumeRole
     * (replayable at STS for minutes), a web identity token or an SSO
     * bearer token must reach only an endpoint named for its service */
    return NULL;
}

char *sqlambda_sts_url(const creds_ctx *ctx, const char **sign_region, char *err,
                       size_t errlen) {
    const char *what = NULL;
    const char *e = sqlambda_service_endpoint_config(ctx, "AWS_ENDPOINT_URL_STS", "sts", true,
                                                     &what);
    const char *region = ctx->region && *ctx->region ? ctx->region : NULL;
    int legacy = 0;
    if (sqlambda_sts_mode(ctx, &legacy, err, errlen) != 0) return NULL;
    *sign_region = region ? region : "us-east-1";
    char *u = NULL;
    if (e) {
        /* a configured endpoint wins over FIPS and dual-stack (botocore
         * passes neither with one) */
        if (sqlambda_check_endpoint_what(e, what, err, errlen) != SQLAMBDA_OK) return NULL;
        if (!(u = strdup(e))) sqlambda_fmt(err, errlen, "out of memory");
        return u;
    }
    /* botocore would send FIPS or dual-stack calls without a region to
     * sts[-fips].aws-global.<suffix>, no endpoint of STS's: refused */
    if (!region && (ctx->use_fips || ctx->use_dualstack)) {
        sqlambda_fmt(err, errlen, "STS with %s needs a region (AWS_REGION or the profile's "
                     "region)", ctx->use_fips ? "FIPS" : "dual-stack");
        return NULL;
    }
    /* the global endpoint: no region, or a legacy-mode region without FIPS
     * or dual-stack (STS's rule set) */
    int global = !region;
    for (size_t i = 0; legacy && !global && !ctx->use_fips && !ctx->use_dualstack &&
                       i < sizeof legacy_global / sizeof legacy_global[0];
         i++)
        global = strcmp(region, legacy_global[i]) == 0;
    if (global) {
        *sign_region = "us-east-1";
        u = strdup("https://sts.amazonaws.com");
    } else {
        u = sqlambda_service_endpoint("sts", region, ctx->use_fips, ctx->use_dualstack, true);
    }
    if (!u) sqlambda_fmt(err, errlen, "out of memory");
    return u;
}

int sqlambda_sts_failed(const char *what, const creds_ctx *ctx, const char *url,
                        const sqlambda_http_response *r, char *err, size_t errlen) {
    int ret = sqlambda_creds_http_code(r);
    if (ret == CREDS_CANCELLED)
        sqlambda_fmt(err, errlen, "%s: cancelled while waiting for STS at %.100s", what, url);
    else if (ret == CREDS_TIMEOUT)
        sqlambda_fmt(err, errlen, "%s: STS at %.100s %s (%s)", what, url, r->error, ctx->setting);
    else
        sqlambda_fmt(err, errlen, "%s: STS at %.100s unreachable: %s", what, url, r->error);
    return ret;
}

void sqlambda_sts_refused(const char *what, const char *url, const sqlambda_http_response *r,
                          char *err, size_t errlen) {
    char *code = sqlambda_xml_text(r->body.data, r->body.len, "Code");
    char *msg = sqlambda_xml_text(r->body.data, r->body.len, "Message");
    char c[80], m[200];
    sqlambda_show_value(c, sizeof c, code ? code : "", code ? strlen(code) : 0, 60);
    sqlambda_show_value(m, sizeof m, msg ? msg : "", msg ? strlen(msg) : 0, 160);
    sqlambda_fmt(err, errlen, "%s: STS %.100s answered HTTP %ld %s: %s", what, url, r->status,
                 code ? c : "", msg ? m : "");
    free(code);
    free(msg);
}

int sqlambda_sts_form_add(sqlambda_buf *b, CURL *h, const char *k, const char *v) {
    char *enc = curl_easy_escape(h, v, 0);
    if (!enc) return -1;
    int rc = sqlambda_buf_printf(b, "&%s=%s", k, enc);
    curl_free(enc);
    return rc;
}
