/*
 * test_validate.c — sqlambda_check_request: identifiers, qualifier
 * agreement, ARN region versus the region argument, JSON validity, payload
 * limits at and just over 6 MB / 1 MB, and client context rules; every
 * rejection's error text is checked for naming the problem.
 */
#include "internal.h"
#include "tap.h"
#include <stdlib.h>
#include <string.h>

static sqlambda_status run(const sqlambda_request *rq, sqlambda_function_ref *r, char **cc,
                           char *err) {
    return sqlambda_check_request(rq, r, cc, err, 256);
}

static void bad(const char *label, sqlambda_request rq, sqlambda_status want, const char *w1,
                const char *w2) {
    char err[256] = "";
    sqlambda_function_ref r;
    char *cc = NULL;
    sqlambda_status st = run(&rq, &r, &cc, err);
    int named = strstr(err, w1) && (!w2 || strstr(err, w2));
    if (!ok(st == want && named && cc == NULL, "rejects %s", label))
        diag("status %d (want %d) err \"%s\" want \"%s\" \"%s\"", st, want, err, w1, w2 ? w2 : "");
    free(cc);
}

/* A JSON string value of exactly n bytes: "aaa...". */
static char *json_of_size(size_t n) {
    char *p = malloc(n + 1);
    memset(p, 'a', n);
    p[0] = p[n - 1] = '"';
    p[n] = '\0';
    return p;
}

int main(void) {
    char err[256];
    sqlambda_function_ref r;
    char *cc = NULL;
    sqlambda_request rq = {.function = "myfn"};
    ok(run(&rq, &r, &cc, err) == SQLAMBDA_OK && strcmp(r.name, "myfn") == 0 && !cc,
       "NULL payload means {}");
    rq.payload = "[1,2,{\"a\":\"\\u00e9\\u0000\"}]";
    ok(run(&rq, &r, &cc, err) == SQLAMBDA_OK, "any JSON value, strlen when payload_len is 0");
    rq.payload = "42";
    ok(run(&rq, &r, &cc, err) == SQLAMBDA_OK, "scalar JSON accepted");
    rq.payload = "{\"k\":1}garbage";
    rq.payload_len = 7;
    ok(run(&rq, &r, &cc, err) == SQLAMBDA_OK, "payload_len limits the bytes read");
    rq.payload_len = 0;

    rq = (sqlambda_request){.function = "myfn:prod", .qualifier = "prod"};
    ok(run(&rq, &r, &cc, err) == SQLAMBDA_OK && strcmp(r.qualifier, "prod") == 0,
       "same qualifier in identifier and argument");
    rq = (sqlambda_request){.function = "myfn", .qualifier = "$LATEST"};
    ok(run(&rq, &r, &cc, err) == SQLAMBDA_OK && strcmp(r.qualifier, "$LATEST") == 0,
       "qualifier argument alone fills ref");
    rq = (sqlambda_request){.function = "arn:aws:lambda:us-west-2:123456789012:function:f",
                            .region = "us-west-2"};
    ok(run(&rq, &r, &cc, err) == SQLAMBDA_OK && strcmp(r.region, "us-west-2") == 0,
       "ARN region equal to region argument");

    bad("bad name", (sqlambda_request){.function = "a/b"}, SQLAMBDA_E_INVALID,
        "function name \"a/b\" has character '/'", NULL);
    bad("missing function", (sqlambda_request){.function = NULL}, SQLAMBDA_E_INVALID, "empty", NULL);
    bad("qualifier disagreement", (sqlambda_request){.function = "f:prod", .qualifier = "dev"},
        SQLAMBDA_E_INVALID, "\"prod\"", "\"dev\"");
    bad("bad qualifier argument", (sqlambda_request){.function = "f", .qualifier = "a/b"},
        SQLAMBDA_E_INVALID, "qualifier \"a/b\" has character '/'", NULL);
    bad("qualifier argument with ':'", (sqlambda_request){.function = "f", .qualifier = "a:b"},
        SQLAMBDA_E_INVALID, "qualifier \"a:b\" has character ':'", NULL);
    bad("region mismatch",
        (sqlambda_request){.function = "arn:aws:lambda:us-west-2:123456789012:function:f",
                           .region = "eu-west-1"},
        SQLAMBDA_E_INVALID, "us-west-2", "eu-west-1");
    /* the region argument becomes the endpoint host: its syntax is checked */
    bad("region argument with a host", (sqlambda_request){.function = "f", .region = "evil.example/#"},
        SQLAMBDA_E_INVALID, "region argument \"evil.example/#\" is not an AWS region name", NULL);
    bad("region argument with address and port",
        (sqlambda_request){.function = "f", .region = "127.0.0.1:9999/x?"}, SQLAMBDA_E_INVALID,
        "region argument \"127.0.0.1:9999/x?\"", NULL);
    bad("region argument with CR/LF", (sqlambda_request){.function = "f", .region = "us-east-1\r\n"},
        SQLAMBDA_E_INVALID, "region argument \"us-east-1\\x0D\\x0A\"", NULL);
    bad("region argument with a trailing dot", (sqlambda_request){.function = "f", .region = "us-east-1."},
        SQLAMBDA_E_INVALID, "region argument", "like us-east-1");
    bad("hostile region argument with an ARN",
        (sqlambda_request){.function = "arn:aws:lambda:us-east-1:123456789012:function:f",
                           .region = "us-east-1/#"},
        SQLAMBDA_E_INVALID, "region argument \"us-east-1/#\"", NULL);
    bad("hostile ARN region", (sqlambda_request){.function = "arn:aws:lambda:evil.example#:123456789012:function:f"},
        SQLAMBDA_E_INVALID, "ARN region \"evil.example#\"", NULL);
    bad("function name with CR/LF",
        (sqlambda_request){.function = "f\r\nX-Amz-Invocation-Type: Event"}, SQLAMBDA_E_INVALID,
        "function name \"f\\x0D\\x0AX-Amz-Invocation-Type\" has character byte 0x0D", NULL);
    bad("qualifier argument with %2F", (sqlambda_request){.function = "f", .qualifier = "%2F"},
        SQLAMBDA_E_INVALID, "qualifier \"%2F\" has character '%'", NULL);
    bad("qualifier argument with ':' and CR/LF (shown as hex)",
        (sqlambda_request){.function = "f", .qualifier = "a:b\r\nX: y"}, SQLAMBDA_E_INVALID,
        "qualifier \"a:b\\x0D\\x0AX: y\" has character ':'", NULL);
    rq = (sqlambda_request){.function = "f", .region = "us-gov-west-1"};
    ok(run(&rq, &r, &cc, err) == SQLAMBDA_OK, "a real region argument is fine");

    bad("invalid JSON", (sqlambda_request){.function = "f", .payload = "{\"a\":}"},
        SQLAMBDA_E_INVALID, "payload is not valid JSON", "column");
    bad("empty payload", (sqlambda_request){.function = "f", .payload = ""}, SQLAMBDA_E_INVALID,
        "payload is empty", NULL);
    bad("trailing garbage", (sqlambda_request){.function = "f", .payload = "{} x"},
        SQLAMBDA_E_INVALID, "not valid JSON", NULL);
    bad("raw NUL byte in payload",
        (sqlambda_request){.function = "f", .payload = "{\"a\":\0}", .payload_len = 7},
        SQLAMBDA_E_INVALID, "not valid JSON", NULL);
    bad("bad invocation type", (sqlambda_request){.function = "f", .invocation_type = 7},
        SQLAMBDA_E_INVALID, "invocation type 7", NULL);

    /* sizes: exactly at the limit passes, one byte over fails (before parsing) */
    char *six = json_of_size(SQLAMBDA_MAX_SYNC_PAYLOAD);
    rq = (sqlambda_request){.function = "f", .payload = six};
    ok(run(&rq, &r, &cc, err) == SQLAMBDA_OK, "payload of exactly 6 MB accepted (RequestResponse)");
    if (err[0]) diag("%s", err);
    free(six);
    six = json_of_size(SQLAMBDA_MAX_SYNC_PAYLOAD + 1);
    bad("payload of 6 MB + 1", (sqlambda_request){.function = "f", .payload = six},
        SQLAMBDA_E_TOO_LARGE, "6291457 bytes", "limit of 6291456");
    bad("DryRun 6 MB + 1",
        (sqlambda_request){.function = "f", .payload = six, .invocation_type = SQLAMBDA_DRY_RUN},
        SQLAMBDA_E_TOO_LARGE, "6291457", "DryRun");
    six[10] = '\0'; /* not JSON any more, but the size check comes first */
    bad("oversize invalid JSON reports size first",
        (sqlambda_request){.function = "f", .payload = six, .payload_len = SQLAMBDA_MAX_SYNC_PAYLOAD + 1},
        SQLAMBDA_E_TOO_LARGE, "6291457", NULL);
    free(six);
    char *one = json_of_size(SQLAMBDA_MAX_EVENT_PAYLOAD);
    rq = (sqlambda_request){.function = "f", .payload = one, .invocation_type = SQLAMBDA_EVENT};
    ok(run(&rq, &r, &cc, err) == SQLAMBDA_OK, "Event payload of exactly 1 MB accepted");
    free(one);
    one = json_of_size(SQLAMBDA_MAX_EVENT_PAYLOAD + 1);
    bad("Event payload of 1 MB + 1",
        (sqlambda_request){.function = "f", .payload = one, .invocation_type = SQLAMBDA_EVENT},
        SQLAMBDA_E_TOO_LARGE, "1048577 bytes", "limit of 1048576 bytes for Event");
    rq = (sqlambda_request){.function = "f", .payload = one};
    ok(run(&rq, &r, &cc, err) == SQLAMBDA_OK, "1 MB + 1 is fine for RequestResponse");
    free(one);

    /* client context */
    rq = (sqlambda_request){.function = "f", .client_context = "{\"custom\":{\"k\":\"v\"}}"};
    ok(run(&rq, &r, &cc, err) == SQLAMBDA_OK && cc &&
           strcmp(cc, "eyJjdXN0b20iOnsiayI6InYifX0=") == 0,
       "client context object is returned base64");
    free(cc);
    cc = NULL;
    bad("client context not an object", (sqlambda_request){.function = "f", .client_context = "[1]"},
        SQLAMBDA_E_INVALID, "client context must be a JSON object", NULL);
    bad("client context invalid JSON", (sqlambda_request){.function = "f", .client_context = "{x"},
        SQLAMBDA_E_INVALID, "client context is not valid JSON", NULL);
    /* 2687 bytes encode to 3584 > 3583; 2685 bytes encode to 3580 */
    char ctx[3000];
    memset(ctx, ' ', sizeof ctx);
    memcpy(ctx, "{\"a\":1", 6);
    ctx[2684] = '}';
    ctx[2685] = '\0';
    rq = (sqlambda_request){.function = "f", .client_context = ctx};
    ok(run(&rq, &r, &cc, err) == SQLAMBDA_OK && cc && strlen(cc) == 3580,
       "client context of 3580 base64 bytes accepted");
    free(cc);
    cc = NULL;
    ctx[2685] = ' ';
    ctx[2686] = '}';
    ctx[2687] = '\0';
    bad("client context over 3583 base64 bytes",
        (sqlambda_request){.function = "f", .client_context = ctx}, SQLAMBDA_E_INVALID,
        "3584 bytes", "3583");
    return tap_done();
}
