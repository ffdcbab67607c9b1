/* test_creds_util.c — the credential providers' helpers: RFC 3339
 * expiration times, token-file reading, filling/clearing credentials. */
#include "creds_internal.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    time_t t;
    ok(sqlambda_parse_rfc3339("1970-01-01T00:00:00Z", &t) == 0 && t == 0, "epoch");
    ok(sqlambda_parse_rfc3339("2026-11-26T23:13:27Z", &t) == 0 && t == 1795734807, "Z time");
    ok(sqlambda_parse_rfc3339("2026-11-26T23:13:27.448507Z", &t) == 0 && t == 1795734807, "fractional seconds");
    ok(sqlambda_parse_rfc3339("2026-11-27T01:13:27+02:00", &t) == 0 && t == 1795734807, "+hh:mm offset");
    ok(sqlambda_parse_rfc3339("2026-11-26T22:13:27-01:00", &t) == 0 && t == 1795734807, "-hh:mm offset");
    ok(sqlambda_parse_rfc3339("2026-11-26t23:13:27z", &t) == 0 && t == 1795734807, "lower-case t and z");
    ok(sqlambda_parse_rfc3339("2026-11-26T23:13:27", &t) != 0, "no zone refused");
    ok(sqlambda_parse_rfc3339("2026-13-26T23:13:27Z", &t) != 0, "month 13 refused");
    ok(sqlambda_parse_rfc3339("2026-11-26T23:13:27Zjunk", &t) != 0, "trailing junk refused");
    ok(sqlambda_parse_rfc3339("", &t) != 0 && sqlambda_parse_rfc3339("tomorrow", &t) != 0, "garbage refused");

    char dir[] = "/tmp/sqlambda-cu-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char path[256];
    snprintf(path, sizeof path, "%s/tok", dir);
    FILE *f = fopen(path, "w");
    fputs("  token-value \n\n", f);
    fclose(f);
    char *s = sqlambda_read_small_file(path, 100);
    is_str(s, "  token-value", "token file: trailing whitespace trimmed");
    free(s);
    ok(sqlambda_read_small_file(path, 5) == NULL, "token file over the cap refused");
    unlink(path);
    ok(sqlambda_read_small_file(path, 100) == NULL, "missing token file gives NULL");
    rmdir(dir);

    sqlambda_creds c;
    ok(sqlambda_creds_set(&c, "AKID", "SECRET", "", 42, "static") == 0, "creds_set");
    ok(c.session_token == NULL, "empty session token stored as NULL");
    is_str(c.secret_access_key, "SECRET", "secret copied");
    is_int(c.expiration, 42, "expiration kept");
    sqlambda_creds_clear(&c);
    ok(c.access_key_id == NULL && c.secret_access_key == NULL && c.expiration == 0, "creds_clear zeroes");
    return tap_done();
}
