/*
 * test_allowlist.c — what the allowed-functions list allows
 * (sqlambda_function_allowed, and through a client, sqlambda_validate):
 * plain names only in the configured region and never for ARNs; ARN entries
 * compared on partition, region, account, name and qualifier; qualifiers by
 * IAM's rule whether written inline or passed separately; '*' within one
 * part only, never across ':'; a list with no usable entry allows nothing.
 */
#include "internal.h"
#include "tap.h"
#include <stdlib.h>
#include <string.h>

#define HOME "us-east-1"
#define ACCT "123456789012"
#define ARN(region, rest) "arn:aws:lambda:" region ":" ACCT ":function:" rest

/* allowed(list, function, qualifier, call region) with HOME configured */
static int allowed(const char *list, const char *fn, const char *q, const char *region) {
    return sqlambda_function_allowed(list, fn, q, region, HOME);
}

static void yes(const char *list, const char *fn, const char *q, const char *region, const char *why) {
    ok(allowed(list, fn, q, region), "allowed: %s", why);
}
static void no(const char *list, const char *fn, const char *q, const char *region, const char *why) {
    ok(!allowed(list, fn, q, region), "refused: %s", why);
}

int main(void) {
    /* plain-name entries: the server's own account and configured region */
    yes("f", "f", NULL, NULL, "plain name, configured region");
    yes("f", "f", NULL, HOME, "plain name, region argument equal to the configured one");
    no("f", "f", NULL, "eu-west-1", "plain name with another region argument");
    no("f", ARN(HOME, "f"), NULL, NULL, "plain entry never allows a full ARN (any account)");
    no("f", ACCT ":function:f", NULL, NULL, "plain entry never allows a partial ARN");
    no("f", "arn:aws:lambda:" HOME ":999999999999:function:f", NULL, NULL,
       "plain entry and an ARN in another account");
    no("*", ARN("eu-west-1", "f"), NULL, NULL, "'*' entry does not allow ARNs");
    yes("*", "anything", NULL, NULL, "'*' entry allows any unqualified plain name");
    ok(!sqlambda_function_allowed("f", "f", NULL, "eu-west-1", NULL),
       "refused: region argument when no region is configured");

    /* qualifiers (IAM): inline and separate are the same */
    no("f", "f:prod", NULL, NULL, "entry without qualifier, inline qualifier");
    no("f", "f", "prod", NULL, "entry without qualifier, separate qualifier");
    no("f", "f", "$LATEST", NULL, "entry without qualifier, explicit $LATEST");
    yes("f:prod", "f:prod", NULL, NULL, "name:qualifier entry, inline");
    yes("f:prod", "f", "prod", NULL, "name:qualifier entry, separate qualifier");
    no("f:prod", "f", "dev", NULL, "name:qualifier entry, other separate qualifier");
    no("f:prod", "f", NULL, NULL, "name:qualifier entry, unqualified call");
    yes("f:*", "f", "7", NULL, "name:* entry, separate version");
    yes("f:*", "f:$LATEST", NULL, NULL, "name:* entry, inline $LATEST");
    no("f:*", "f", NULL, NULL, "name:* entry does not allow the unqualified call");
    yes("f, f:*", "f", NULL, NULL, "name and name:* together allow both (unqualified)");
    yes("f, f:*", "f:3", NULL, NULL, "name and name:* together allow both (qualified)");
    yes("f:v*", "f", "v2", NULL, "qualifier glob");
    no("f:v*", "f", "prod", NULL, "qualifier glob is anchored");
    no("f:prod", "f:prod", "dev", NULL, "inline and separate qualifiers that disagree");
    no("f:*", "f", "a/b", NULL, "an invalid separate qualifier");
    no("f:*", "f", "a:b", NULL, "a separate qualifier with ':' (cannot smuggle a part)");

    /* globs never cross ':' */
    no("f*", "f:prod", NULL, NULL, "name glob does not swallow ':qualifier'");
    no("*", "f:prod", NULL, NULL, "'*' does not swallow ':qualifier'");
    yes("*:*", "f:prod", NULL, NULL, "'*:*' allows any qualified plain name");
    no("f*", ACCT ":function:f", NULL, NULL, "name glob does not match a partial ARN");
    no(ARN(HOME, "*"), ARN(HOME, "f:prod"), NULL, NULL, "ARN name glob does not swallow the qualifier");
    yes("etl-*", "etl-load", NULL, NULL, "name glob");
    no("etl-*", "xetl-load", NULL, NULL, "name glob is anchored");

    /* ARN entries */
    yes(ARN(HOME, "f"), ARN(HOME, "f"), NULL, NULL, "full ARN entry, same ARN");
    no(ARN(HOME, "f"), "f", NULL, NULL, "full ARN entry does not allow the plain name");
    no(ARN(HOME, "f"), ARN("us-west-2", "f"), NULL, NULL, "full ARN entry, other region");
    no(ARN(HOME, "f"), "arn:aws:lambda:" HOME ":999999999999:function:f", NULL, NULL,
       "full ARN entry, other account");
    no(ARN(HOME, "f"), "arn:aws-us-gov:lambda:" HOME ":" ACCT ":function:f", NULL, NULL,
       "full ARN entry, other partition");
    no(ARN(HOME, "f"), ARN(HOME, "f"), "prod", NULL, "full ARN entry, separate qualifier");
    yes(ARN(HOME, "f:prod"), ARN(HOME, "f"), "prod", NULL, "ARN:qualifier entry, separate qualifier");
    yes(ARN(HOME, "f"), ACCT ":function:f", NULL, NULL, "partial ARN call in the configured region");
    yes(ARN("eu-west-1", "f"), ACCT ":function:f", NULL, "eu-west-1",
        "partial ARN call: its region is the region argument");
    no(ARN(HOME, "f"), ACCT ":function:f", NULL, "eu-west-1",
       "partial ARN call with another region argument");
    yes("arn:aws:lambda:*:" ACCT ":function:f", ARN("ap-south-1", "f"), NULL, NULL,
        "ARN entry with region '*' allows any region");
    no("arn:aws:lambda:*:" ACCT ":function:f", "arn:aws-cn:lambda:cn-north-1:" ACCT ":function:f",
       NULL, NULL, "region '*' stays within the entry's partition");
    yes(ACCT ":function:f", ARN(HOME, "f"), NULL, NULL, "partial ARN entry, configured region");
    no(ACCT ":function:f", ARN("eu-west-1", "f"), NULL, NULL, "partial ARN entry, other region");
    no(ACCT ":function:f", "f", NULL, NULL, "partial ARN entry does not allow a plain name");
    ok(sqlambda_function_allowed("arn:aws-cn:lambda:cn-north-1:" ACCT ":function:f",
                                 ACCT ":function:f", NULL, NULL, "cn-north-1"),
       "allowed: partial ARN call takes the configured region's partition (aws-cn)");

    /* hostile or broken calls and lists */
    no("*", "a/b", NULL, NULL, "an invalid function is never allowed");
    no("f", "f", NULL, "evil.example/#", "a hostile region argument");
    ok(!sqlambda_function_allowed("f", "f", NULL, NULL, "evil.example/#"),
       "refused: a hostile configured region");
    no(",", "f", NULL, NULL, "a list of empty entries allows nothing (fails closed)");
    no("a/b", "a", NULL, NULL, "a list of invalid entries allows nothing");
    yes("a/b, f", "f", NULL, NULL, "invalid entries are skipped, valid ones still apply");
    no("arn:aws:lambda:" HOME ":*:function:f", "arn:aws:lambda:" HOME ":999999999999:function:f",
       NULL, NULL, "account globs are not entries (never match)");
    yes(NULL, "f", "q", "eu-west-1", "no list allows everything");

    /* through a client: sqlambda_validate applies the same rule with the
     * client's configured region, before anything is sent */
    sqlambda_options o = {.region = HOME, .endpoint_url = "http://127.0.0.1:9",
                          .allowed_functions = "f, " ARN(HOME, "g")};
    sqlambda_client *c = sqlambda_client_new(&o);
    sqlambda_result res;
    sqlambda_request rq = {.function = "f"};
    is_int(sqlambda_validate(c, &rq, &res), SQLAMBDA_OK, "validate: plain call allowed");
    sqlambda_result_free(&res);
    rq.region = "eu-west-1";
    is_int(sqlambda_validate(c, &rq, &res), SQLAMBDA_E_NOT_ALLOWED,
           "validate: plain call in another region is not allowed");
    sqlambda_result_free(&res);
    rq = (sqlambda_request){.function = "f", .qualifier = "prod"};
    is_int(sqlambda_validate(c, &rq, &res), SQLAMBDA_E_NOT_ALLOWED,
           "validate: separate qualifier checked like an inline one");
    sqlambda_result_free(&res);
    rq = (sqlambda_request){.function = ARN(HOME, "g")};
    is_int(sqlambda_validate(c, &rq, &res), SQLAMBDA_OK, "validate: ARN entry allows its ARN");
    sqlambda_result_free(&res);
    rq = (sqlambda_request){.function = ARN(HOME, "f")};
    is_int(sqlambda_validate(c, &rq, &res), SQLAMBDA_E_NOT_ALLOWED,
           "validate: plain entry does not allow the ARN");
    ok(res.attempts == 0, "validate: nothing was sent");
    sqlambda_result_free(&res);
    sqlambda_client_free(c);
    return tap_done();
}
