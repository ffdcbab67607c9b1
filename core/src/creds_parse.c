/*
 * creds_parse.c — the documents credential sources answer with: the JSON of
 * credential_process, the container endpoint and EC2 instance metadata
 * (jansson), the SSO token cache and the SSO portal's GetRoleCredentials,
 * and STS's AssumeRoleWithWebIdentity / AssumeRole XML (the few elements we
 * need, found by name). Secrets are wiped before their buffers are freed.
 */
#include "creds_parse.h"
#include "creds_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *jstr(json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    return json_is_string(v) && json_string_length(v) > 0 ? json_string_value(v) : NULL;
}

int sqlambda_creds_parse_json(creds_json_kind kind, const char *text, size_t len,
                              sqlambda_creds *out, char *why, size_t whylen) {
    static const char *const source[] = {"process", "container", "imds"};
    const char *doc = kind == CREDS_JSON_PROCESS ? "output" : "document";
    json_t *j = json_loadb(text ? text : "", text ? len : 0, 0, NULL);
    int rc = -1;
    if (!json_is_object(j)) {
        sqlambda_fmt(why, whylen, "%s is not a JSON object", doc);
        goto out;
    }
    const char *id = jstr(j, "AccessKeyId"), *secret = jstr(j, "SecretAccessKey");
    const char *token = jstr(j, kind == CREDS_JSON_PROCESS ? "SessionToken" : "Token");
    const char *exp = jstr(j, "Expiration"), *code = jstr(j, "Code");
    json_t *ver = json_object_get(j, "Version");
    time_t t = 0;
    if (kind == CREDS_JSON_PROCESS && (!json_is_integer(ver) || json_integer_value(ver) != 1))
        sqlambda_fmt(why, whylen, "output has no \"Version\": 1");
    else if (kind == CREDS_JSON_IMDS && code && strcmp(code, "Success") != 0)
        sqlambda_fmt(why, whylen, "document's Code is not \"Success\"");
    else if (!id)
        sqlambda_fmt(why, whylen, "%s has no AccessKeyId", doc);
    else if (!secret)
        sqlambda_fmt(why, whylen, "%s has no SecretAccessKey", doc);
    else if (exp && sqlambda_parse_rfc3339(exp, &t) != 0)
        sqlambda_fmt(why, whylen, "%s's Expiration is not an RFC 3339 time", doc);
    else if (sqlambda_creds_set(out, id, secret, token, t, source[kind]) != 0)
        sqlambda_fmt(why, whylen, "out of memory");
    else
        rc = 0;
out:
    json_decref(j); /* jansson's own copies: not wiped (it frees them itself) */
    return rc;
}

int sqlambda_sso_token_parse(const char *text, size_t len, char **token, time_t *expires,
                             char *why, size_t whylen) {
    json_t *j = json_loadb(text ? text : "", text ? len : 0, 0, NULL);
    int rc = -1;
    *token = NULL;
    const char *tok = json_is_object(j) ? jstr(j, "accessToken") : NULL;
    const char *exp = json_is_object(j) ? jstr(j, "expiresAt") : NULL;
    if (!json_is_object(j))
        sqlambda_fmt(why, whylen, "is not a JSON object");
    else if (!tok)
        sqlambda_fmt(why, whylen, "has no accessToken");
    else if (strpbrk(tok, "\r\n")) /* it becomes a header (jansson refuses \u0000) */
        sqlambda_fmt(why, whylen, "has an accessToken with a line break");
    else if (!exp)
        sqlambda_fmt(why, whylen, "has no expiresAt");
    else if (sqlambda_parse_rfc3339(exp, expires) != 0)
        sqlambda_fmt(why, whylen, "has an expiresAt that is not an RFC 3339 time");
    else if (!(*token = strdup(tok)))
        sqlambda_fmt(why, whylen, "out of memory");
    else
        rc = 0;
    json_decref(j);
    return rc;
}


void sqlambda_sso_refresh_fields_clear(sso_refresh_fields *f) {
    sqlambda_wipe_free(f->refresh_token);
    sqlambda_wipe_free(f->client_secret);
    free(f->client_id);
    free(f->registration_expires_at);
    memset(f, 0, sizeof *f);
}

int sqlambda_sso_refresh_fields(const char *text, size_t len, sso_refresh_fields *out, char *why,
                                size_t whylen) {
    memset(out, 0, sizeof *out);
    json_t *j = json_loadb(text ? text : "", text ? len : 0, 0, NULL);
    int rc = -1;
    if (!json_is_object(j)) {
        sqlambda_fmt(why, whylen, "is not a JSON object");
        goto out;
    }
    const char *rt = jstr(j, "refreshToken"), *id = jstr(j, "clientId");
    const char *cs = jstr(j, "clientSecret"), *reg = jstr(j, "registrationExpiresAt");
    if (!rt || !id || !cs || !reg) {
        sqlambda_fmt(why, whylen, "has no %s", !rt ? "refreshToken" : !id ? "clientId"
                                               : !cs ? "clientSecret" : "registrationExpiresAt");
        rc = 1;
    } else if (sqlambda_parse_rfc3339(reg, &out->registration_expires) != 0) {
        sqlambda_fmt(why, whylen, "has a registrationExpiresAt that is not an RFC 3339 time");
    } else if (!(out->refresh_token = strdup(rt)) ||
               !(out->client_id = strdup(id)) ||
               !(out->client_secret = strdup(cs)) ||
               !(out->registration_expires_at = strdup(reg))) {
        sqlambda_fmt(why, whylen, "out of memory");
    } else {
        rc = 0;
    }
out:
    if (rc != 0) {
        time_t keep = out->registration_expires;
        sqlambda_sso_refresh_fields_clear(out);
        out->registration_expires = keep;
    }
    json_decref(j);
    return rc;
}

int sqlambda_sso_create_token_parse(const char *text, size_t len, char **access,
                                    long *expires_in, char **refresh, char *why, size_t whylen) {
    json_t *j = json_loadb(text ? text : "", text ? len : 0, 0, NULL);
    int rc = -1;
    *access = *refresh = NULL;
    *expires_in = 0;
    const char *tok = json_is_object(j) ? jstr(j, "accessToken") : NULL;
    const char *rt = json_is_object(j) ? jstr(j, "refreshToken") : NULL;
    json_t *ei = json_is_object(j) ? json_object_get(j, "expiresIn") : NULL;
    if (!json_is_object(j))
        sqlambda_fmt(why, whylen, "is not a JSON object");
    else if (!tok)
        sqlambda_fmt(why, whylen, "has no accessToken");
    else if (strpbrk(tok, "\r\n"))
        sqlambda_fmt(why, whylen, "has an accessToken with a line break");
    else if (!json_is_integer(ei) || json_integer_value(ei) < 1 ||
             json_integer_value(ei) > 366L * 86400)
        sqlambda_fmt(why, whylen, "has no expiresIn of 1 second to a year");
    else if (!(*access = strdup(tok)) || (rt && !(*refresh = strdup(rt))))
        sqlambda_fmt(why, whylen, "out of memory");
    else
        rc = 0;
    if (rc == 0) *expires_in = (long)json_integer_value(ei);
    if (rc != 0) {
        sqlambda_wipe_free(*access);
        *access = NULL;
    }
    json_decref(j);
    return rc;
}

int sqlambda_creds_parse_sso(const char *text, size_t len, sqlambda_creds *out, char *why,
                             size_t whylen) {
    json_t *j = json_loadb(text ? text : "", text ? len : 0, 0, NULL);
    json_t *rc_ = json_is_object(j) ? json_object_get(j, "roleCredentials") : NULL;
    int rc = -1;
    if (!json_is_object(rc_)) {
        sqlambda_fmt(why, whylen, "answer has no roleCredentials object");
        goto out;
    }
    const char *id = jstr(rc_, "accessKeyId"), *secret = jstr(rc_, "secretAccessKey");
    const char *token = jstr(rc_, "sessionToken");
    json_t *exp = json_object_get(rc_, "expiration");
    /* milliseconds since the epoch; years past 9999 are refused */
    json_int_t ms = json_is_integer(exp) ? json_integer_value(exp) : -1;
    if (!id)
        sqlambda_fmt(why, whylen, "answer has no accessKeyId");
    else if (!secret)
        sqlambda_fmt(why, whylen, "answer has no secretAccessKey");
    else if (!token)
        sqlambda_fmt(why, whylen, "answer has no sessionToken");
    else if (ms <= 0 || ms > 253402300799000LL)
        sqlambda_fmt(why, whylen, "answer's expiration is not a time in milliseconds");
    /* under a second would be 0, "never expires": at least 1 (long past) */
    else if (sqlambda_creds_set(out, id, secret, token, ms < 1000 ? 1 : (time_t)(ms / 1000),
                                "sso") != 0)
        sqlambda_fmt(why, whylen, "out of memory");
    else
        rc = 0;
out:
    json_decref(j);
    return rc;
}

char *sqlambda_xml_text(const char *xml, size_t len, const char *tag) {
    char open[64], close[64];
    if (!xml) return NULL;
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *s = memmem(xml, len, open, strlen(open));
    if (!s) return NULL;
    s += strlen(open);
    const char *e = memmem(s, len - (size_t)(s - xml), close, strlen(close));
    if (!e) return NULL;
    size_t n = (size_t)(e - s);
    char *out = malloc(n + 1);
    if (!out) return NULL;
    /* the five XML entities (STS answers use &amp; etc. in messages) */
    static const struct { const char *ent; size_t n; char c; } ents[] = {
        {"&amp;", 5, '&'}, {"&lt;", 4, '<'}, {"&gt;", 4, '>'}, {"&quot;", 6, '"'}, {"&apos;", 6, '\''}};
    char *w = out;
    for (size_t r = 0; r < n;) {
        size_t i;
        for (i = 0; i < 5; i++)
            if (n - r >= ents[i].n && memcmp(s + r, ents[i].ent, ents[i].n) == 0) break;
        if (i < 5) {
            *w++ = ents[i].c;
            r += ents[i].n;
        } else {
            *w++ = s[r++];
        }
    }
    *w = 0;
    return out;
}

int sqlambda_creds_parse_sts(const char *xml, size_t len, sqlambda_creds *out) {
    return sqlambda_creds_parse_sts_as(xml, len, out, "web-identity");
}

int sqlambda_creds_parse_sts_as(const char *xml, size_t len, sqlambda_creds *out,
                                const char *source) {
    char *id = sqlambda_xml_text(xml, len, "AccessKeyId");
    char *secret = sqlambda_xml_text(xml, len, "SecretAccessKey");
    char *token = sqlambda_xml_text(xml, len, "SessionToken");
    char *exp = sqlambda_xml_text(xml, len, "Expiration");
    time_t t = 0;
    int rc = -1;
    if (id && *id && secret && *secret && token && *token && exp &&
        sqlambda_parse_rfc3339(exp, &t) == 0 &&
        sqlambda_creds_set(out, id, secret, token, t, source) == 0)
        rc = 0;
    free(id);
    sqlambda_wipe_free(secret);
    sqlambda_wipe_free(token);
    free(exp);
    return rc;
}
