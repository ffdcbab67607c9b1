/*
 * describe.c — sqlambda_describe: what a client made with these options
 * would use (profile, region, endpoint, FIPS/dual-stack, retry mode, max attempts,
 * credentials) and where each came from, for `sqlambda config` (like
 * `aws configure list`). Secrets are never copied out: the access key id
 * is masked but for its last 4 characters, the secret and token wholly.
 */
#include "ini.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MASK "****************"

/* A copy fit for a terminal: control bytes, DEL and non-ASCII bytes become
 * \xNN (a profile name or file path from the environment may hold an
 * escape sequence; sqlambda config prints these as they are). */
static char *printable(const char *v) {
    static const char hex[] = "0123456789ABCDEF";
    if (!v) return NULL;
    size_t n = strlen(v);
    char *out = malloc(4 * n + 1), *o = out;
    if (!out) return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c >= 0x20 && c < 0x7f) {
            *o++ = (char)c;
        } else {
            *o++ = '\\';
            *o++ = 'x';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o = 0;
    return out;
}

/* Appends a row; value/type/location may be NULL. -1 when out of memory. */
static int add(sqlambda_description *d, const char *name, const char *value, const char *type,
               const char *location) {
    sqlambda_setting *s = &d->settings[d->n];
    s->name = name;
    s->value = printable(value);
    s->type = value && type ? printable(type) : NULL;
    s->location = value && location && *location ? printable(location) : NULL;
    d->n++;
    if ((value && !s->value) || (s->value && type && !s->type) ||
        (s->value && location && *location && !s->location))
        return -1;
    return 0;
}

static int add_origin(sqlambda_description *d, const char *name, const char *value,
                      const sqlambda_origin *o) {
    return add(d, name, value, o->type, o->where);
}

/* The endpoint a call in the client's region goes to, and why. */
static int add_endpoint(sqlambda_description *d, const sqlambda_config *cfg) {
    if (cfg->endpoint_url) return add_origin(d, "endpoint_url", cfg->endpoint_url, &cfg->endpoint_from);
    if (!cfg->region) return add(d, "endpoint_url", NULL, NULL, NULL);
    char *url = sqlambda_default_endpoint(cfg->region, cfg->use_fips, cfg->use_dualstack);
    char where[200];
    sqlambda_fmt(where, sizeof where, "region %s, partition %s%s%s", cfg->region,
                 sqlambda_partition_of(cfg->region), cfg->use_fips ? ", FIPS" : "",
                 cfg->use_dualstack ? ", dual-stack" : "");
    int rc = url ? add(d, "endpoint_url", url, "derived", where) : -1;
    free(url);
    return rc;
}

/* A FIPS / dual-stack row; says so when a configured endpoint makes it moot. */
static int add_flag(sqlambda_description *d, const char *name, bool on, const sqlambda_origin *o,
                    const sqlambda_config *cfg) {
    char where[sizeof o->where + 80];
    sqlambda_fmt(where, sizeof where, "%s%s%s", o->where,
                 cfg->endpoint_url && on ? (o->where[0] ? "; " : "") : "",
                 cfg->endpoint_url && on ? "not used: a configured endpoint_url wins" : "");
    return add(d, name, on ? "true" : "false", o->type, where);
}

/* Where instance metadata would be asked (the region when nothing else
 * names one, the instance role's credentials); not set when
 * AWS_EC2_METADATA_DISABLED is true or a setting is bad (the error says
 * so). */
static int add_imds(sqlambda_description *d, const sqlambda_config *cfg) {
    sqlambda_profiles pf;
    sqlambda_imds_conf ic;
    char why[300];
    if (sqlambda_imds_disabled()) return add(d, "ec2_metadata_endpoint", NULL, NULL, NULL);
    if (sqlambda_profiles_load(&pf) != 0) return -1;
    int rc;
    if (sqlambda_imds_resolve(&pf, cfg->profile, &ic, why, sizeof why) != 0)
        rc = add(d, "ec2_metadata_endpoint", NULL, NULL, NULL);
    else
        rc = add(d, "ec2_metadata_endpoint", ic.endpoint, ic.from.type, ic.from.where);
    sqlambda_profiles_free(&pf);
    return rc;
}

/* Where credentials of this source came from (never their values). */
static void creds_location(const sqlambda_creds *cr, const sqlambda_profiles *pf,
                           const char *profile, char *out, size_t outlen) {
    sqlambda_origin o = {0};
    const char *src = cr->source ? cr->source : "";
    out[0] = '\0';
    if (!strcmp(src, "static")) {
        sqlambda_fmt(out, outlen, "access_key_id");
    } else if (!strcmp(src, "environment")) {
        sqlambda_fmt(out, outlen, "AWS_ACCESS_KEY_ID");
    } else if (!strcmp(src, "profile")) {
        sqlambda_origin_of_key(pf, profile, "aws_access_key_id", false, &o);
        sqlambda_fmt(out, outlen, "%s", o.where);
    } else if (!strcmp(src, "process")) {
        sqlambda_origin_of_key(pf, profile, "credential_process", false, &o);
        sqlambda_fmt(out, outlen, "credential_process of %s", o.where);
    } else if (!strcmp(src, "web-identity")) {
        const char *f = getenv("AWS_WEB_IDENTITY_TOKEN_FILE");
        if (f && *f) {
            sqlambda_fmt(out, outlen, "AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN");
        } else {
            sqlambda_origin_of_key(pf, profile, "web_identity_token_file", false, &o);
            sqlambda_fmt(out, outlen, "web_identity_token_file of %s", o.where);
        }
    } else if (!strcmp(src, "container")) {
        const char *rel = getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
        sqlambda_fmt(out, outlen, "%s", rel && *rel ? "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
                                                     : "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    } else if (!strcmp(src, "imds")) {
        sqlambda_imds_conf ic;
        char why[300], shown[200];
        if (sqlambda_imds_resolve(pf, profile, &ic, why, sizeof why) != 0) {
            sqlambda_fmt(out, outlen, "%s", why);
        } else {
            sqlambda_show_value(shown, sizeof shown, ic.endpoint, strlen(ic.endpoint), 100);
            sqlambda_fmt(out, outlen, "%s", shown);
        }
    } else if (!strcmp(src, "sso")) {
        const char *sess = sqlambda_profile_get_config(pf, profile, "sso_session");
        const char *role = sqlambda_profile_get_config(pf, profile, "sso_role_name");
        char a[120], b[120];
        sqlambda_origin_of_key(pf, profile, "sso_role_name", true, &o);
        sqlambda_show_value(a, sizeof a, role ? role : "", role ? strlen(role) : 0, 64);
        sqlambda_show_value(b, sizeof b, sess ? sess : "", sess ? strlen(sess) : 0, 64);
        sqlambda_fmt(out, outlen, "sso_role_name \"%s\" of %s%s%s%s", a, o.where,
                     sess ? ", sso_session \"" : " (legacy sso_start_url)", sess ? b : "",
                     sess ? "\"" : "");
    } else if (!strcmp(src, "assume-role")) {
        const char *arn = sqlambda_profile_get(pf, profile, "role_arn");
        const char *sp = sqlambda_profile_get(pf, profile, "source_profile");
        const char *cs = sqlambda_profile_get(pf, profile, "credential_source");
        char a[200], b[120];
        sqlambda_origin_of_key(pf, profile, "role_arn", false, &o);
        sqlambda_show_value(a, sizeof a, arn ? arn : "", arn ? strlen(arn) : 0, 120);
        sqlambda_show_value(b, sizeof b, sp ? sp : cs ? cs : "", sp ? strlen(sp) : cs ? strlen(cs) : 0,
                            64);
        sqlambda_fmt(out, outlen, "role %s of %s, %s \"%s\"", a, o.where,
                     sp ? "source_profile" : "credential_source", b);
    }
}

/* The credential rows when there are none to show. */
static int add_none(sqlambda_description *d) {
    if (add(d, "access_key", NULL, NULL, NULL) != 0 || add(d, "secret_key", NULL, NULL, NULL) != 0 ||
        add(d, "session_token", NULL, NULL, NULL) != 0)
        return -1;
    return 0;
}

static int add_credentials(sqlambda_description *d, const sqlambda_options *opts,
                           const sqlambda_config *cfg) {
    sqlambda_creds cr = {0};
    sqlambda_profiles pf;
    char err[sizeof d->error];
    int rc = 0;
    sqlambda_creds_provider *p = sqlambda_creds_provider_new(opts, cfg);
    if (!p) return -1;
    sqlambda_status st = sqlambda_creds_get(p, &cr, err, sizeof err);
    sqlambda_creds_provider_free(p);
    if (st != SQLAMBDA_OK) {
        if (st == SQLAMBDA_E_NOMEM) return -1;
        d->status = st;
        sqlambda_fmt(d->error, sizeof d->error, "%s", err);
        return add_none(d);
    }
    if (sqlambda_profiles_load(&pf) != 0) {
        sqlambda_creds_clear(&cr);
        return -1;
    }
    char where[700], shown[64];
    creds_location(&cr, &pf, cfg->profile, where, sizeof where);
    size_t n = strlen(cr.access_key_id);
    sqlambda_fmt(shown, sizeof shown, MASK "%.4s", n > 4 ? cr.access_key_id + n - 4 : cr.access_key_id);
    const char *token = cr.session_token && *cr.session_token ? MASK : NULL;
    /* keys from the environment or the options: each row names its own variable */
    int env = cr.source && !strcmp(cr.source, "environment");
    int opt = cr.source && !strcmp(cr.source, "static");
    if (add(d, "access_key", shown, cr.source, where) != 0 ||
        add(d, "secret_key", MASK, cr.source,
            env ? "AWS_SECRET_ACCESS_KEY" : opt ? "secret_access_key" : where) != 0 ||
        add(d, "session_token", token, cr.source,
            env ? "AWS_SESSION_TOKEN" : opt ? "session_token" : where) != 0)
        rc = -1;
    sqlambda_profiles_free(&pf);
    sqlambda_creds_clear(&cr);
    return rc;
}

sqlambda_status sqlambda_describe(const sqlambda_options *opts, int flags,
                                  sqlambda_description *out) {
    static const sqlambda_options none;
    sqlambda_config cfg;
    char num[16];
    memset(out, 0, sizeof *out);
    if (!opts) opts = &none;
    if (!(out->settings = calloc(12, sizeof *out->settings))) goto oom;
    sqlambda_config_resolve(opts, &cfg);
    if (cfg.error[0]) {
        out->status = SQLAMBDA_E_CONFIG;
        sqlambda_fmt(out->error, sizeof out->error, "%s", cfg.error);
    }
    sqlambda_fmt(num, sizeof num, "%d", cfg.max_attempts);
    /* rows in the order the header lists them */
    int rc = add_origin(out, "profile", cfg.profile, &cfg.profile_from) != 0 ||
             add_origin(out, "region", cfg.region, &cfg.region_from) != 0 ||
             add_endpoint(out, &cfg) != 0 ||
             add_flag(out, "use_fips_endpoint", cfg.use_fips, &cfg.fips_from, &cfg) != 0 ||
             add_flag(out, "use_dualstack_endpoint", cfg.use_dualstack, &cfg.dualstack_from,
                      &cfg) != 0 ||
             add_origin(out, "retry_mode",
                        cfg.retry_legacy ? "legacy" : cfg.retry_adaptive ? "adaptive" : "standard",
                        &cfg.retry_mode_from) != 0 ||
             add_origin(out, "max_attempts", num, &cfg.attempts_from) != 0 ||
             add_origin(out, "ca_bundle", cfg.ca_bundle, &cfg.ca_from) != 0 ||
             add_imds(out, &cfg);
    if (!rc)
        rc = (flags & SQLAMBDA_DESCRIBE_NO_CREDENTIALS) || cfg.error[0]
                 ? add_none(out)
                 : add_credentials(out, opts, &cfg);
    sqlambda_config_free(&cfg);
    if (rc) goto oom;
    return out->status;
oom:
    sqlambda_description_free(out);
    out->status = SQLAMBDA_E_NOMEM;
    sqlambda_fmt(out->error, sizeof out->error, "out of memory");
    return SQLAMBDA_E_NOMEM;
}

void sqlambda_description_free(sqlambda_description *d) {
    if (!d) return;
    for (size_t i = 0; d->settings && i < d->n; i++) {
        free(d->settings[i].value);
        free(d->settings[i].type);
        free(d->settings[i].location);
    }
    free(d->settings);
    d->settings = NULL;
    d->n = 0;
}
