/*
 * test_sigv4_signer.c — the per-client signer (signing key cache): every
 * signature it makes equals sqlambda_sigv4_sign's for the same request
 * (itself checked against the official vectors and botocore), while it
 * derives a signing key only when access key id, secret, date, region or
 * service change; a failed signature leaves it usable.
 */
#include "internal.h"
#include "tap.h"
#include <stddef.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    char date[17], region[32], service[16], akid[32], secret[48], body[64], ua[32];
} req_parts;

/* Signs p with the signer and with the public function; 1 if both agree. */
static int same(sqlambda_sigv4_signer *s, const req_parts *p, char *auth_out) {
    sqlambda_header h[] = {{"Host", "lambda.example.com"},
                           {"X-Amz-Date", p->date},
                           {"User-Agent", p->ua}};
    sqlambda_sigv4_request r = {.method = "POST", .path = "/2015-03-31/functions/f/invocations",
                                .headers = h, .nheaders = 3, .body = p->body,
                                .body_len = strlen(p->body), .region = p->region,
                                .service = p->service, .amz_date = p->date,
                                .double_encode_path = 1, .normalize_path = 1};
    sqlambda_sigv4_credentials cr = {p->akid, p->secret, NULL};
    char a1[1024] = "", a2[1024] = "";
    int rc1 = sqlambda_sigv4_sign_with(s, &r, &cr, a1, sizeof a1);
    int rc2 = sqlambda_sigv4_sign(&r, &cr, a2, sizeof a2, NULL, NULL);
    if (auth_out) strcpy(auth_out, a1);
    if (rc1 != rc2 || strcmp(a1, a2) != 0) {
        diag("signer:  %d %s", rc1, a1);
        diag("public:  %d %s", rc2, a2);
        return 0;
    }
    return rc1 == 0;
}

int main(void) {
    sqlambda_sigv4_signer *s = sqlambda_sigv4_signer_new();
    ok(s != NULL, "signer created");
    req_parts p = {"20261127T010203Z", "us-east-1", "lambda", "AKIDEXAMPLE",
                   "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "{\"a\":1}", "ua/1"};
    char first[1024], again[1024];
    ok(same(s, &p, first), "first signature equals sqlambda_sigv4_sign's");
    is_int(sqlambda_sigv4_signer_derivations(s), 1, "one signing key derived");

    /* same scope: body, time of day and other headers change, the key stays */
    strcpy(p.body, "{\"a\":2}");
    ok(same(s, &p, NULL), "other body: equal");
    strcpy(p.date, "20261127T235959Z");
    ok(same(s, &p, NULL), "later the same day: equal");
    strcpy(p.ua, "ua/2");
    ok(same(s, &p, NULL), "other header value: equal");
    is_int(sqlambda_sigv4_signer_derivations(s), 1, "same key, date, region, service: no new key");

    /* each scope part changes the key */
    struct { const char *what; size_t off, len; const char *value; } change[] = {
        {"next day", offsetof(req_parts, date), sizeof p.date, "20261128T000000Z"},
        {"other region", offsetof(req_parts, region), sizeof p.region, "eu-west-1"},
        {"other service", offsetof(req_parts, service), sizeof p.service, "sts"},
        {"other access key id", offsetof(req_parts, akid), sizeof p.akid, "AKIDOTHER"},
        {"other secret, same access key id", offsetof(req_parts, secret), sizeof p.secret,
         "another-secret-for-the-same-key-id-0000000"},
    };
    unsigned long want = 1;
    for (size_t i = 0; i < sizeof change / sizeof change[0]; i++) {
        char *f = (char *)&p + change[i].off;
        snprintf(f, change[i].len, "%s", change[i].value);
        char a[1024];
        ok(same(s, &p, a), "%s: equal", change[i].what);
        is_int(sqlambda_sigv4_signer_derivations(s), ++want, "new signing key");
        ok(same(s, &p, NULL), "%s, signed again: equal", change[i].what);
        is_int(sqlambda_sigv4_signer_derivations(s), want, "key reused");
    }

    /* back to the first request: the signature is the first one again */
    req_parts q = {"20261127T010203Z", "us-east-1", "lambda", "AKIDEXAMPLE",
                   "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "{\"a\":1}", "ua/1"};
    ok(same(s, &q, again), "first request again: equal");
    is_str(again, first, "first request again: same Authorization as the first time");

    /* a failure (bad date) leaves the signer working */
    req_parts bad = q;
    strcpy(bad.date, "2026-11-27");
    char a[1024];
    sqlambda_header h[] = {{"Host", "x"}};
    sqlambda_sigv4_request r = {.method = "POST", .path = "/", .headers = h, .nheaders = 1,
                                .region = bad.region, .service = bad.service, .amz_date = bad.date};
    sqlambda_sigv4_credentials cr = {bad.akid, bad.secret, NULL};
    is_int(sqlambda_sigv4_sign_with(s, &r, &cr, a, sizeof a), -1, "bad date: -1");
    r.amz_date = q.date;
    is_int(sqlambda_sigv4_sign_with(s, &r, &cr, a, 10), -1, "output buffer too small: -1");
    ok(same(s, &q, again), "after a failure: equal");
    is_str(again, first, "after a failure: same Authorization");
    is_int(sqlambda_sigv4_sign_with(NULL, &r, &cr, a, sizeof a), -1, "no signer: -1");
    sqlambda_sigv4_signer_free(s);
    sqlambda_sigv4_signer_free(NULL);
    return tap_failed ? 1 : 0;
}
