/*
 * validate.c — the setting checks of validate.h. Shared by SET GLOBAL
 * (plugin.c's sysvar check functions) and startup values (plugin_init), so
 * a value refused by one is refused by the other.
 */
#include "validate.h"

#include "sqlambda.h"

#include <stdio.h>
#include <string.h>

static int unset(const char *v) { return !v || !*v; }

static int has_control_or_space(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f) return 1;
    return 0;
}

int mdb_check_endpoint_url(const char *v, char *err, size_t errlen) {
    if (unset(v)) return 0;
    size_t n = strlen(v);
    if (n > 2048 || has_control_or_space(v, n) ||
        (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)) {
        snprintf(err, errlen, "endpoint URL is not an http:// or https:// URL without spaces");
        return -1;
    }
    return 0;
}

int mdb_check_region(const char *v, char *err, size_t errlen) {
    if (unset(v)) return 0;
    size_t n = strlen(v);
    int bad = n > 31;
    for (size_t i = 0; i < n && !bad; i++)
        bad = !((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9') || v[i] == '-');
    if (bad) {
        snprintf(err, errlen, "region is not an AWS region name like us-east-1");
        return -1;
    }
    return 0;
}

/* Each comma-separated entry must be a valid function identifier, or a
 * pattern with '*'. */
int mdb_check_allowlist(const char *v, char *err, size_t errlen) {
    if (unset(v)) return 0;
    size_t len = strlen(v);
    if (len > 65535) {
        snprintf(err, errlen, "allowlist is longer than 65535 bytes");
        return -1;
    }
    const char *p = v, *end = v + len;
    while (p <= end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *e = comma ? comma : end;
        while (p < e && *p == ' ') p++;
        const char *q = e;
        while (q > p && q[-1] == ' ') q--;
        char entry[512];
        if (q == p || (size_t)(q - p) >= sizeof entry || has_control_or_space(p, (size_t)(q - p))) {
            snprintf(err, errlen, "allowlist has an empty, over-long or blank-containing entry");
            return -1;
        }
        memcpy(entry, p, (size_t)(q - p));
        entry[q - p] = 0;
        if (!strchr(entry, '*')) {
            sqlambda_function_ref ref;
            if (sqlambda_parse_function(entry, &ref, err, errlen) != SQLAMBDA_OK) return -1;
        }
        if (!comma) break;
        p = comma + 1;
    }
    return 0;
}
