/*
 * check_region.c — the one rule for an AWS region name, used for every
 * region core sees (settings, environment, profiles, instance metadata,
 * per-call arguments, ARNs): [a-z]{2}(-[a-z]+)+-[0-9]{1,3}, at most 31
 * characters, e.g. us-east-1, us-gov-west-1, cn-north-1, us-isob-east-1.
 * A region becomes part of the endpoint host, so nothing else may pass.
 */
#include "internal.h"
#include <string.h>

#define REGION_MAX 31

int sqlambda_region_ok(const char *s, size_t n) {
    size_t i = 0;
    if (!s || n < 6 || n > REGION_MAX) return 0;
    for (; i < 2; i++)
        if (s[i] < 'a' || s[i] > 'z') return 0;
    int words = 0;
    while (i + 1 < n && s[i] == '-' && s[i + 1] >= 'a' && s[i + 1] <= 'z') {
        i++;
        while (i < n && s[i] >= 'a' && s[i] <= 'z') i++;
        words++;
    }
    if (words < 1 || i + 1 >= n || s[i] != '-') return 0;
    size_t digits = 0;
    for (i++; i < n; i++, digits++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return digits >= 1 && digits <= 3;
}

sqlambda_status sqlambda_check_region_what(const char *region, size_t n, const char *what,
                                           char *err, size_t errlen) {
    if (sqlambda_region_ok(region, n)) return SQLAMBDA_OK;
    char shown[160];
    sqlambda_show_value(shown, sizeof shown, region, region ? n : 0, 40);
    sqlambda_fmt(err, errlen,
                 "%s \"%s\" is not an AWS region name: expected lowercase letters, digits and "
                 "hyphens like us-east-1 or us-gov-west-1 (at most %d characters)",
                 what, shown, REGION_MAX);
    return SQLAMBDA_E_INVALID;
}

sqlambda_status sqlambda_check_region(const char *region, char *err, size_t errlen) {
    if (err && errlen) err[0] = '\0';
    if (!region || !*region) {
        sqlambda_fmt(err, errlen, "region is empty: expected a region name like us-east-1");
        return SQLAMBDA_E_INVALID;
    }
    return sqlambda_check_region_what(region, strlen(region), "region", err, errlen);
}
