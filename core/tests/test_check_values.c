/*
 * test_check_values.c — the public validators adapters call from their
 * setting hooks: sqlambda_check_region, sqlambda_check_endpoint_url,
 * sqlambda_check_qualifier, sqlambda_check_profile and
 * sqlambda_check_allowlist, fed hostile values
 * of every kind (userinfo, '/', '#', '?', %-escapes, CR/LF, tabs, spaces,
 * NUL, over-long, IDN/UTF-8, uppercase, trailing dots, ".."); every error
 * names the value safely (no raw control bytes) and what is expected.
 */
#include "internal.h"
#include "tap.h"
#include <stdlib.h>
#include <string.h>

/* No byte of err is a control or non-ASCII byte (so no forged log lines). */
static int printable(const char *s) {
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f) return 0;
    return 1;
}

typedef sqlambda_status (*check_fn)(const char *, char *, size_t);

static void good(check_fn f, const char *what, const char *v) {
    char err[512] = "x";
    sqlambda_status st = f(v, err, sizeof err);
    if (!ok(st == SQLAMBDA_OK && err[0] == '\0', "%s accepts \"%s\"", what, v)) diag("%s", err);
}

static void bad(check_fn f, const char *what, const char *label, const char *v, const char *w1,
                const char *w2) {
    char err[512] = "";
    sqlambda_status st = f(v, err, sizeof err);
    int named = strstr(err, w1) && (!w2 || strstr(err, w2));
    if (!ok(st == SQLAMBDA_E_INVALID && named && printable(err), "%s rejects %s", what, label))
        diag("status %d err \"%s\" want \"%s\" \"%s\"", st, err, w1, w2 ? w2 : "");
}

static char *repeat(const char *prefix, char c, size_t n, const char *suffix) {
    size_t pl = strlen(prefix), sl = strlen(suffix);
    char *s = malloc(pl + n + sl + 1);
    memcpy(s, prefix, pl);
    memset(s + pl, c, n);
    memcpy(s + pl + n, suffix, sl + 1);
    return s;
}

static void regions(void) {
    const char *okv[] = {"us-east-1", "us-gov-west-1", "cn-north-1", "us-iso-east-1",
                         "us-isob-east-1", "eu-central-2", "ap-southeast-5", "il-central-1",
                         "mx-central-1", "cn-northwest-1", "me-south-1"};
    for (size_t i = 0; i < sizeof okv / sizeof *okv; i++) good(sqlambda_check_region, "region", okv[i]);
    const char *what = "region";
    check_fn f = sqlambda_check_region;
    bad(f, what, "a host and fragment", "evil.example/#", "region \"evil.example/#\"", "like us-east-1");
    bad(f, what, "an address and port", "127.0.0.1:9999/x?", "\"127.0.0.1:9999/x?\"", NULL);
    bad(f, what, "userinfo", "u:p@us-east-1", "\"u:p@us-east-1\"", NULL);
    bad(f, what, "a dot", "us-east-1.evil", "not an AWS region", NULL);
    bad(f, what, "a trailing dot", "us-east-1.", "not an AWS region", NULL);
    bad(f, what, "'..'", "us-east-1..x", "not an AWS region", NULL);
    bad(f, what, "a slash", "us-east-1/x", "not an AWS region", NULL);
    bad(f, what, "a query", "us-east-1?a=b", "not an AWS region", NULL);
    bad(f, what, "%2F", "us-east-1%2Fx", "us-east-1%2Fx", NULL);
    bad(f, what, "%00", "us-east-1%00", "not an AWS region", NULL);
    bad(f, what, "CR/LF (shown as hex)", "us-east-1\r\nHost: evil", "us-east-1\\x0D\\x0AHost: evil", NULL);
    bad(f, what, "a tab", "us-east-1\t", "\\x09", NULL);
    bad(f, what, "a space", "us east-1", "not an AWS region", NULL);
    bad(f, what, "a leading space", " us-east-1", "not an AWS region", NULL);
    bad(f, what, "uppercase", "US-EAST-1", "lowercase", NULL);
    bad(f, what, "IDN/UTF-8", "us-east-1.\xd0\xb5\xd1\x85\xd0\xb0mple", "\\xD0\\xB5", NULL);
    bad(f, what, "no number", "us-east", "not an AWS region", NULL);
    bad(f, what, "no words", "us-1", "not an AWS region", NULL);
    bad(f, what, "empty", "", "region is empty", NULL);
    bad(f, what, "NULL", NULL, "region is empty", NULL);
    bad(f, what, "a long number", "us-east-1234", "not an AWS region", NULL);
    char *longr = repeat("us-", 'a', 1000, "-1");
    bad(f, what, "1000+ characters (cut in the message)", longr, "...", "at most 31");
    char err[512];
    f(longr, err, sizeof err);
    ok(strlen(err) < 300, "over-long region's message is bounded (%zu bytes)", strlen(err));
    free(longr);
    /* NUL inside: an explicit length sees it */
    ok(!sqlambda_region_ok("us-east-1\0evil", 14), "region with a NUL inside (explicit length) rejected");
    ok(sqlambda_region_ok("us-east-1\0evil", 9), "the same bytes up to the NUL are a region");
}

static void endpoints(void) {
    check_fn f = sqlambda_check_endpoint_url;
    const char *what = "endpoint";
    const char *okv[] = {"https://lambda.us-east-1.amazonaws.com", "http://127.0.0.1:9001",
                         "http://localhost:9001/", "http://[::1]:8080", "https://vpce-1.x_y.local/prefix/a",
                         "HTTP://LOCALHOST:1"};
    for (size_t i = 0; i < sizeof okv / sizeof *okv; i++) good(f, what, okv[i]);
    bad(f, what, "userinfo", "http://user:pass@127.0.0.1:9001", "userinfo", NULL);
    bad(f, what, "user only", "http://user@127.0.0.1", "userinfo", NULL);
    {
        /* the refusal reaches SQL callers: the password is never quoted */
        char err[512] = "";
        f("http://admin:hunter2@127.0.0.1:9/x", err, sizeof err);
        ok(!strstr(err, "hunter2") && !strstr(err, "admin") && strstr(err, "http://***@127.0.0.1:9/x"),
           "endpoint refusal hides userinfo: %s", err);
        f("admin:hunter2@host@127.0.0.1", err, sizeof err);
        ok(!strstr(err, "hunter2"), "endpoint refusal without a scheme hides userinfo: %s", err);
    }
    bad(f, what, "a fragment", "http://127.0.0.1:9001/#x", "fragment", NULL);
    bad(f, what, "a query", "http://127.0.0.1:9001/?a=b", "query", NULL);
    bad(f, what, "%2F in the path", "http://127.0.0.1:9001/a%2Fb", "%-escape", NULL);
    bad(f, what, "%00", "http://127.0.0.1%00.evil:9001", "%-escape", NULL);
    bad(f, what, "CR/LF", "http://127.0.0.1:9001/\r\nX-Evil: 1", "line break", "\\x0D\\x0A");
    bad(f, what, "a tab", "http://127.0.0.1:9001/\t", "whitespace", NULL);
    bad(f, what, "a space", "http://127.0.0.1 :9001", "whitespace", NULL);
    bad(f, what, "a control byte", "http://127.0.0.1:9001/\x01", "control", NULL);
    bad(f, what, "an IDN host", "http://us-east-1.\xd0\xb5\xd1\x85\xd0\xb0mple", "non-ASCII", "\\xD0");
    bad(f, what, "ftp scheme", "ftp://127.0.0.1/", "http or https", NULL);
    bad(f, what, "file scheme", "file:///etc/passwd", "http or https", NULL);
    bad(f, what, "no scheme", "127.0.0.1:9001", "\"127.0.0.1:9001\"", NULL);
    bad(f, what, "no host", "http://", "invalid endpoint URL", NULL);
    bad(f, what, "port 0", "http://127.0.0.1:0", "port", NULL);
    bad(f, what, "port 65536", "http://127.0.0.1:65536", "invalid endpoint URL", NULL);
    bad(f, what, "port 99999999", "http://127.0.0.1:99999999", "invalid endpoint URL", NULL);
    bad(f, what, "a trailing dot host", "http://localhost./", "host", NULL);
    bad(f, what, "'..' in the host", "http://a..b/", "host", NULL);
    bad(f, what, "'..' path segment", "http://a/b/../c", "path", NULL);
    bad(f, what, "a backslash", "http://a\\b.evil/", "\\x5C", NULL);
    bad(f, what, "empty", "", "empty", NULL);
    bad(f, what, "NULL", NULL, "empty", NULL);
    char *longu = repeat("http://a/", 'b', 1100, "");
    bad(f, what, "1000+ characters", longu, "at most 1024", "...");
    free(longu);
}

static void qualifiers(void) {
    check_fn f = sqlambda_check_qualifier;
    const char *what = "qualifier";
    good(f, what, "$LATEST");
    good(f, what, "42");
    good(f, what, "prod_v-2");
    bad(f, what, "':'", "a:b", "':'", NULL);
    bad(f, what, "'/'", "a/b", "'/'", NULL);
    bad(f, what, "'#'", "a#", "'#'", NULL);
    bad(f, what, "'?'", "a?x=1", "'?'", NULL);
    bad(f, what, "%2F", "a%2F", "'%'", NULL);
    bad(f, what, "CR/LF", "a\r\nX: y", "byte 0x0D", "a\\x0D\\x0AX: y");
    bad(f, what, "a space", "a b", "' '", NULL);
    bad(f, what, "UTF-8", "\xd0\xb5", "byte 0xD0", NULL);
    bad(f, what, "empty", "", "empty", NULL);
    bad(f, what, "NULL", NULL, "empty", NULL);
    char *lq = repeat("", 'q', 1000, "");
    bad(f, what, "1000+ characters", lq, "at most 128", NULL);
    free(lq);
}

static void profiles(void) {
    check_fn f = sqlambda_check_profile;
    const char *what = "profile";
    good(f, what, "default");
    good(f, what, "prod-eu_1.admin@corp");
    good(f, what, "my profile");
    bad(f, what, "']'", "a]b", "profile name \"a]b\"", "'[' or ']'");
    bad(f, what, "'['", "[x", "'[' or ']'", NULL);
    bad(f, what, "CR/LF", "a\r\n[evil]", "\\x0D\\x0A", "control");
    bad(f, what, "a tab", "a\tb", "control", NULL);
    bad(f, what, "UTF-8", "pr\xc3\xb6" "d", "\\xC3\\xB6", "non-ASCII");
    bad(f, what, "a leading space", " a", "leading, trailing or repeated space", NULL);
    bad(f, what, "a trailing space", "a ", "leading, trailing or repeated space", NULL);
    bad(f, what, "two spaces", "a  b", "leading, trailing or repeated space", NULL);
    bad(f, what, "empty", "", "empty", NULL);
    bad(f, what, "NULL", NULL, "empty", NULL);
    char *lp = repeat("", 'p', 200, "");
    bad(f, what, "200 characters", lp, "longer than 128", "...");
    free(lp);
}

static void allowlists(void) {
    check_fn f = sqlambda_check_allowlist;
    const char *what = "allowlist";
    const char *okv[] = {"f", " a , b:prod ,c:* ", "etl-*", "*", "f:$LATEST", "f:v*",
                         "123456789012:function:f", "123456789012:function:f:*",
                         "arn:aws:lambda:us-east-1:123456789012:function:f",
                         "arn:aws-cn:lambda:cn-north-1:123456789012:function:f:prod",
                         "arn:aws:lambda:*:123456789012:function:*:*"};
    for (size_t i = 0; i < sizeof okv / sizeof *okv; i++) good(f, what, okv[i]);
    ok(f(NULL, NULL, 0) == SQLAMBDA_OK && f("", NULL, 0) == SQLAMBDA_OK && f("  ", NULL, 0) == SQLAMBDA_OK,
       "allowlist NULL, empty or blank is fine (allows everything)");
    bad(f, what, "an empty entry", "a,,b", "entry 2 is empty", NULL);
    bad(f, what, "only commas", ",", "entry 1 is empty", NULL);
    bad(f, what, "a slash", "a,b/c", "entry 2", "function name \"b/c\"");
    bad(f, what, "'?' glob", "a?", "function name \"a?\"", NULL);
    bad(f, what, "'[' glob", "[ab]", "function name", NULL);
    bad(f, what, "a qualifier with '/'", "f:a/b", "qualifier \"a/b\"", NULL);
    bad(f, what, "too many ':'", "f:a:b", "\"f:a:b\" is not name", NULL);
    bad(f, what, "CR/LF inside", "f\r\nx", "\\x0D\\x0A", NULL);
    bad(f, what, "UTF-8", "f\xd0\xb5", "\\xD0\\xB5", NULL);
    bad(f, what, "an ARN whose partition is not its region's",
        "arn:aws-cn:lambda:us-east-1:123456789012:function:f", "does not match region us-east-1", NULL);
    bad(f, what, "a glob account", "*:function:f", "account id \"*\"", NULL);
    bad(f, what, "ARN glob account", "arn:aws:lambda:us-east-1:*:function:f", "account id \"*\"", NULL);
    bad(f, what, "ARN glob partition", "arn:*:lambda:us-east-1:123456789012:function:f",
        "partition \"*\"", NULL);
    bad(f, what, "ARN partial glob region", "arn:aws:lambda:us-*:123456789012:function:f",
        "ARN region \"us-*\"", NULL);
    bad(f, what, "ARN hostile region", "arn:aws:lambda:evil.example/#:123456789012:function:f",
        "ARN region \"evil.example/#\"", NULL);
    bad(f, what, "ARN not lambda", "arn:aws:s3:us-east-1:123456789012:function:f", "malformed", NULL);
    bad(f, what, "ARN short", "arn:aws:lambda:us-east-1:123456789012:function", "malformed", NULL);
    bad(f, what, "partial ARN short account", "1234:function:f", "account id \"1234\"", NULL);
    char *ln = repeat("", 'n', 1000, "");
    bad(f, what, "a 1000-character name", ln, "at most 64", NULL);
    free(ln);
}

int main(void) {
    regions();
    endpoints();
    qualifiers();
    profiles();
    allowlists();
    return tap_done();
}
