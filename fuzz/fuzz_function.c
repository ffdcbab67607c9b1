/*
 * fuzz_function.c — everything that reads a function reference or a
 * setting: sqlambda_parse_function (names, partial and full ARNs,
 * qualifiers), the request path it becomes, sqlambda_function_allowed
 * (allowlist entries against the call) and the setting validators
 * sqlambda_check_region / _endpoint_url / _qualifier / _allowlist.
 * Properties: a parsed reference only holds Lambda's characters; the path
 * only unreserved bytes and %XX; what a validator accepts has its shape.
 * Input, one field a line: function, qualifier, call region, client region,
 * allowlist, endpoint URL.
 */
#include "fuzz_fields.h"
#include "internal.h"
#include <stdio.h>
#include <strings.h>

static int only(const char *s, const char *set) { return strspn(s, set) == strlen(s); }

#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

static void must(int cond, const char *what, const char *value) {
    if (cond) return;
    fprintf(stderr, "property failed: %s (value \"%s\")\n", what, value);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_fields ff;
    if (fuzz_split(data, size, '\n', 6, &ff) != 0) goto out;
    const char *fn = ff.f[0];
    const char *q = ff.n > 1 && ff.len[1] ? ff.f[1] : NULL;
    const char *call_region = ff.n > 2 && ff.len[2] ? ff.f[2] : NULL;
    const char *client_region = ff.n > 3 && ff.len[3] ? ff.f[3] : "us-east-1";
    const char *allow = ff.n > 4 ? ff.f[4] : NULL;
    const char *url = ff.n > 5 ? ff.f[5] : "";
    char err[256];

    sqlambda_function_ref ref;
    if (sqlambda_parse_function(fn, &ref, err, sizeof err) == SQLAMBDA_OK) {
        must(ref.name[0] && strlen(ref.name) <= 64 && only(ref.name, ALNUM "-_"), "name", ref.name);
        must(only(ref.qualifier, ALNUM "-_$"), "qualifier", ref.qualifier);
        must(only(ref.account, "0123456789"), "account", ref.account);
        must(only(ref.region, "abcdefghijklmnopqrstuvwxyz0123456789-"), "region", ref.region);
        char *path = sqlambda_invoke_path(&ref, fn);
        must(path && only(path, ALNUM "-_.~%/"), "path", path ? path : "(null)");
        free(path);
    } else {
        must(err[0] != 0, "rejection names the problem", fn);
    }
    (void)sqlambda_function_allowed(allow, fn, q, call_region, client_region);
    if (sqlambda_check_region(call_region ? call_region : "", err, sizeof err) == SQLAMBDA_OK)
        must(call_region && strlen(call_region) <= 31 &&
                 only(call_region, "abcdefghijklmnopqrstuvwxyz0123456789-"),
             "region accepted", call_region ? call_region : "");
    if (sqlambda_check_endpoint_url(url, err, sizeof err) == SQLAMBDA_OK) {
        must(strlen(url) <= 1024 && !strpbrk(url, " \t\r\n%?#\\\"'<>") &&
                 /* curl's URL parser, which the transport uses too, takes "http:/h" */
                 (strncasecmp(url, "http:", 5) == 0 || strncasecmp(url, "https:", 6) == 0),
             "endpoint accepted", url);
        for (const unsigned char *c = (const unsigned char *)url; *c; c++)
            must(*c > 0x20 && *c < 0x7f, "endpoint accepted: ASCII", url);
    }
    if (sqlambda_check_qualifier(q ? q : "", err, sizeof err) == SQLAMBDA_OK)
        must(q && strlen(q) <= 128 && only(q, ALNUM "-_$"), "qualifier accepted", q ? q : "");
    (void)sqlambda_check_allowlist(allow, err, sizeof err);
    must(memchr(err, 0, sizeof err) != NULL, "message terminated", "");
out:
    fuzz_fields_free(&ff);
    return 0;
}
