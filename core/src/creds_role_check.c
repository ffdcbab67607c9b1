/*
 * creds_role_check.c — validation of the assume-role profile keys before
 * anything is sent: every one of them ends up in STS's form body (role_arn,
 * role_session_name, external_id, duration_seconds) or chooses where the
 * source credentials come from (credential_source). Errors name the profile
 * and the key; external_id's value is never shown (it is a shared secret
 * between the role's owner and whoever assumes it).
 */
#include "creds_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* [\w+=,.@-] plus extra: the charset of IAM names and STS parameters */
static int name_char(unsigned char c, const char *extra) {
    return isalnum(c) || c == '_' || strchr("+=,.@-", c) || (extra && *extra && strchr(extra, c));
}

static int all_chars(const char *s, const char *extra) {
    for (; *s; s++)
        if (!name_char((unsigned char)*s, extra)) return 0;
    return 1;
}

static void bad(char *err, size_t errlen, const char *profile, const char *key, const char *v,
                const char *rule) {
    char shown[120];
    sqlambda_show_value(shown, sizeof shown, v, strlen(v), 80);
    sqlambda_fmt(err, errlen, "profile \"%.64s\": %s %s is not %s", profile, key, shown, rule);
}

int sqlambda_role_arn_ok(const char *arn) {
    /* arn:<partition>:iam::<12 digits>:role/<path/>name, 20..2048 bytes */
    size_t n = strlen(arn);
    if (n < 20 || n > 2048 || strncmp(arn, "arn:", 4) != 0) return 0;
    const char *p = arn + 4, *c = strchr(p, ':');
    if (!c || c == p || c - p > 32) return 0;
    for (; p < c; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-')) return 0;
    if (strncmp(c, ":iam::", 6) != 0) return 0;
    p = c + 6;
    for (int i = 0; i < 12; i++, p++)
        if (!isdigit((unsigned char)*p)) return 0;
    if (strncmp(p, ":role/", 6) != 0) return 0;
    p += 6;
    const char *slash = strrchr(p, '/');
    const char *name = slash ? slash + 1 : p;
    return *name && strlen(name) <= 64 && all_chars(p, "/");
}

int sqlambda_role_session_name_ok(const char *s) {
    size_t n = strlen(s);
    return n >= 2 && n <= 64 && all_chars(s, NULL);
}

int sqlambda_role_external_id_ok(const char *s) {
    size_t n = strlen(s);
    return n >= 2 && n <= 1224 && all_chars(s, ":/");
}

int sqlambda_role_duration_ok(const char *s, long *out) {
    long v = 0;
    size_t n = strlen(s);
    if (n == 0 || n > 5) return 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) return 0;
        v = v * 10 + (s[i] - '0');
    }
    if (v < 900 || v > 43200) return 0;
    *out = v;
    return 1;
}

int sqlambda_role_config_check(const char *profile, const role_config *rc, char *err,
                               size_t errlen) {
    long d;
    if (!sqlambda_role_arn_ok(rc->role_arn)) {
        bad(err, errlen, profile, "role_arn", rc->role_arn,
            "an IAM role ARN (arn:<partition>:iam::<12-digit account>:role/<name>)");
        return -1;
    }
    if (rc->session_name && !sqlambda_role_session_name_ok(rc->session_name)) {
        bad(err, errlen, profile, "role_session_name", rc->session_name,
            "2 to 64 characters of [A-Za-z0-9_+=,.@-]");
        return -1;
    }
    if (rc->external_id && !sqlambda_role_external_id_ok(rc->external_id)) {
        sqlambda_fmt(err, errlen, "profile \"%.64s\": external_id is not 2 to 1224 characters of "
                     "[A-Za-z0-9_+=,.@:/-] (value not shown)", profile);
        return -1;
    }
    if (rc->duration && !sqlambda_role_duration_ok(rc->duration, &d)) {
        bad(err, errlen, profile, "duration_seconds", rc->duration,
            "a whole number of seconds from 900 to 43200");
        return -1;
    }
    if (rc->mfa_serial) {
        sqlambda_fmt(err, errlen, "profile \"%.64s\": mfa_serial is not supported (a server "
                     "cannot prompt for a code); use credentials that need no MFA", profile);
        return -1;
    }
    if (rc->source_profile && rc->credential_source) {
        sqlambda_fmt(err, errlen, "profile \"%.64s\": source_profile and credential_source are "
                     "both set; use only one", profile);
        return -1;
    }
    if (!rc->source_profile && !rc->credential_source) {
        sqlambda_fmt(err, errlen, "profile \"%.64s\": role_arn needs source_profile or "
                     "credential_source", profile);
        return -1;
    }
    if (rc->credential_source && sqlambda_role_credential_source(rc->credential_source) < 0) {
        bad(err, errlen, profile, "credential_source", rc->credential_source,
            "Environment, Ec2InstanceMetadata or EcsContainer");
        return -1;
    }
    return 0;
}

int sqlambda_role_credential_source(const char *s) {
    if (strcmp(s, "Environment") == 0) return ROLE_SOURCE_ENV;
    if (strcmp(s, "Ec2InstanceMetadata") == 0) return ROLE_SOURCE_IMDS;
    if (strcmp(s, "EcsContainer") == 0) return ROLE_SOURCE_CONTAINER;
    return -1;
}
