/*
 * test_function_ref.c — every identifier form Lambda accepts, every kind of
 * bad identifier (with the error text checked for naming the problem), the
 * allowlist matcher and the percent-encoded Invoke path.
 */
#include "internal.h"
#include "tap.h"
#include <stdlib.h>
#include <string.h>

static void good(const char *in, const char *name, const char *qual, const char *acct,
                 const char *region, const char *part) {
    sqlambda_function_ref r;
    char err[256] = "";
    sqlambda_status st = sqlambda_parse_function(in, &r, err, sizeof err);
    if (!ok(st == SQLAMBDA_OK && strcmp(r.name, name) == 0 && strcmp(r.qualifier, qual) == 0 &&
                strcmp(r.account, acct) == 0 && strcmp(r.region, region) == 0 &&
                strcmp(r.partition, part) == 0,
            "valid: %s", in))
        diag("status %d err \"%s\" name=%s q=%s acct=%s region=%s part=%s", st, err, r.name,
             r.qualifier, r.account, r.region, r.partition);
}

/* in must be rejected with E_INVALID and err must contain every want. */
static void bad(const char *label, const char *in, const char *want1, const char *want2) {
    sqlambda_function_ref r;
    char err[256] = "";
    sqlambda_status st = sqlambda_parse_function(in, &r, err, sizeof err);
    int named = strstr(err, want1) && (!want2 || strstr(err, want2));
    if (!ok(st == SQLAMBDA_E_INVALID && named, "invalid (%s) names the problem", label))
        diag("status %d err \"%s\" want \"%s\" and \"%s\"", st, err, want1, want2 ? want2 : "");
}

int main(void) {
    char s[400];
    good("myfn", "myfn", "", "", "", "");
    good("my-fn_2", "my-fn_2", "", "", "", "");
    good("myfn:prod", "myfn", "prod", "", "", "");
    good("myfn:$LATEST", "myfn", "$LATEST", "", "", "");
    good("myfn:42", "myfn", "42", "", "", "");
    good("myfn:function", "myfn", "function", "", "", ""); /* an alias named function */
    good("123456789012:function:myfn", "myfn", "", "123456789012", "", "");
    good("123456789012:function:myfn:live", "myfn", "live", "123456789012", "", "");
    good("arn:aws:lambda:us-east-1:123456789012:function:myfn", "myfn", "", "123456789012",
         "us-east-1", "aws");
    good("arn:aws:lambda:eu-central-1:123456789012:function:myfn:7", "myfn", "7",
         "123456789012", "eu-central-1", "aws");
    good("arn:aws-cn:lambda:cn-north-1:123456789012:function:f", "f", "", "123456789012",
         "cn-north-1", "aws-cn");
    good("arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f:$LATEST", "f", "$LATEST",
         "123456789012", "us-gov-west-1", "aws-us-gov");
    good("arn:aws-iso-b:lambda:us-isob-east-1:123456789012:function:f", "f", "", "123456789012",
         "us-isob-east-1", "aws-iso-b");
    memset(s, 'a', 64);
    s[64] = '\0';
    good(s, s, "", "", "", "");

    /* the endpoint follows the region, so the partition must be the region's */
    bad("partition not the region's", "arn:aws-cn:lambda:us-east-1:123456789012:function:f",
        "partition \"aws-cn\" does not match region us-east-1", "(partition aws)");
    bad("commercial partition, China region", "arn:aws:lambda:cn-north-1:123456789012:function:f",
        "does not match region cn-north-1", "(partition aws-cn)");
    bad("empty", "", "empty", NULL);
    bad("NULL", NULL, "empty", NULL);
    bad("slash", "a/b", "function name \"a/b\" has character '/' not allowed", "A-Z a-z 0-9 - _");
    bad("dot-dot traversal", "../x", "character '.'", NULL);
    bad("encoded slash", "%2F", "character '%'", NULL);
    bad("query injection", "?x", "character '?'", NULL);
    bad("fragment", "a#b", "character '#'", NULL);
    bad("space", "my fn", "character ' '", NULL);
    bad("unicode", "f\xc3\xa9", "byte 0xC3", NULL);
    bad("newline", "f\nx", "byte 0x0A", NULL);
    memset(s, 'a', 65);
    s[65] = '\0';
    bad("name of 65", s, "65 characters", "at most 64");
    bad("empty qualifier", "myfn:", "qualifier", "empty");
    bad("qualifier bad char", "myfn:pr.od", "qualifier \"pr.od\" has character '.'", NULL);
    snprintf(s, sizeof s, "myfn:");
    memset(s + 5, 'q', 129);
    s[134] = '\0';
    bad("qualifier of 129", s, "129 characters", "at most 128");
    snprintf(s, sizeof s, "myfn:");
    memset(s + 5, 'q', 128);
    s[133] = '\0';
    sqlambda_function_ref r;
    char err[256];
    ok(sqlambda_parse_function(s, &r, err, sizeof err) == SQLAMBDA_OK && strlen(r.qualifier) == 128,
       "qualifier of exactly 128 accepted");
    bad("too many parts", "a:b:c", "too many ':'", NULL);
    bad("ARN service", "arn:aws:s3:us-east-1:123456789012:function:f", "ARN service \"s3\"", "lambda");
    bad("ARN partition", "arn:azure:lambda:us-east-1:123456789012:function:f",
        "ARN partition \"azure\"", NULL);
    bad("ARN partition trailing dash", "arn:aws-:lambda:us-east-1:123456789012:function:f",
        "ARN partition \"aws-\"", NULL);
    bad("ARN account short", "arn:aws:lambda:us-east-1:12345:function:f",
        "account id \"12345\" is not 12 digits", NULL);
    bad("ARN account letters", "arn:aws:lambda:us-east-1:12345678901x:function:f",
        "account id \"12345678901x\"", NULL);
    bad("ARN region", "arn:aws:lambda:useast1:123456789012:function:f", "ARN region \"useast1\"", NULL);
    bad("ARN region empty", "arn:aws:lambda::123456789012:function:f", "ARN region \"\"", NULL);
    bad("ARN resource", "arn:aws:lambda:us-east-1:123456789012:layer:f", "resource type \"layer\"", NULL);
    bad("ARN short", "arn:aws:lambda:us-east-1:123456789012:function", "ARN", "malformed");
    bad("ARN too long", "arn:aws:lambda:us-east-1:123456789012:function:f:q:z", "ARN", "malformed");
    bad("ARN bad name", "arn:aws:lambda:us-east-1:123456789012:function:a/b", "function name \"a/b\"", NULL);
    bad("partial ARN account", "1234:function:f", "account id \"1234\"", NULL);
    bad("partial ARN extra", "123456789012:function:f:q:z", "partial ARN", NULL);

    /* allowlist (the full rules: test_allowlist.c) */
#define ALLOWED(list, fn) sqlambda_function_allowed(list, fn, NULL, NULL, "us-east-1")
    ok(ALLOWED(NULL, "x"), "NULL allowlist allows all");
    ok(ALLOWED("", "x"), "empty allowlist allows all");
    ok(ALLOWED("  ", "x"), "blank allowlist allows all");
    ok(ALLOWED("a, b ,c", "b"), "entry with spaces around matches");
    ok(!ALLOWED("a,b,c", "d"), "name not in list is refused");
    ok(!ALLOWED("a,b", "b:prod"), "name entry allows only unqualified calls (IAM's rule)");
    ok(ALLOWED("a,b:*", "b:prod"), "name:* entry matches name:qualifier");
    ok(ALLOWED("b:prod", "b:prod"), "name:qualifier entry matches");
    ok(!ALLOWED("b:prod", "b:dev"), "name:qualifier entry refuses another alias");
    ok(!ALLOWED("b:prod", "b"), "name:qualifier entry refuses the bare name");
    ok(ALLOWED("etl-*", "etl-load"), "glob matches");
    ok(!ALLOWED("etl-*", "xetl-load"), "glob is anchored");
    ok(ALLOWED("arn:aws:lambda:us-east-1:123456789012:function:f",
               "arn:aws:lambda:us-east-1:123456789012:function:f"),
       "full ARN entry matches the ARN");
    ok(!ALLOWED("arn:aws:lambda:us-east-1:123456789012:function:f",
                "arn:aws:lambda:us-west-2:123456789012:function:f"),
       "full ARN entry refuses another region");
    ok(ALLOWED("arn:aws:lambda:*:123456789012:function:*:*",
               "arn:aws:lambda:eu-west-1:123456789012:function:g:live"),
       "ARN glob matches");
    ok(!ALLOWED("f", "arn:aws:lambda:us-east-1:123456789012:function:f"),
       "name entry does not match an ARN (it names an account)");
    ok(!ALLOWED("*", "a/b"), "invalid identifiers are never allowed");
#undef ALLOWED

    /* invoke path */
    sqlambda_parse_function("arn:aws:lambda:us-east-1:123456789012:function:f:live", &r, err,
                            sizeof err);
    char *p = sqlambda_invoke_path(&r, "arn:aws:lambda:us-east-1:123456789012:function:f:live");
    is_str(p, "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af%3Alive/invocations",
           "ARN path encodes ':'");
    free(p);
    sqlambda_parse_function("myfn", &r, err, sizeof err);
    p = sqlambda_invoke_path(&r, NULL);
    is_str(p, "/2015-03-31/functions/myfn/invocations", "name path from ref");
    free(p);
    p = sqlambda_invoke_path(&r, "../x?y#z/%2F w");
    is_str(p, "/2015-03-31/functions/..%2Fx%3Fy%23z%2F%252F%20w/invocations",
           "hostile input cannot change the path");
    free(p);
    return tap_done();
}
