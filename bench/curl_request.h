/*
 * curl_request.h — the request the plain-libcurl floors send (core_invoke
 * curl, curl_fanout): core's Invoke shape, its headers with a fixed
 * signature (no signing, the nginx peer checks nothing), the benchmarks'
 * payload, kept-alive HTTP/1.1.
 */
#ifndef SQLAMBDA_BENCH_CURL_REQUEST_H
#define SQLAMBDA_BENCH_CURL_REQUEST_H
#include <curl/curl.h>
#include <stdio.h>

static const char PAYLOAD[] = "{\"bench\":true,\"user\":\"bob\",\"n\":12345}";

/* Core's Invoke headers (curl_slist_free_all when done). */
static struct curl_slist *bench_invoke_headers(void) {
    static const char *const lines[] = {
        "X-Amz-Date: 20261126T230000Z", "X-Amz-Invocation-Type: RequestResponse",
        "Authorization: AWS4-HMAC-SHA256 Credential=AKIDBENCHEXAMPLE/20261126/us-east-1/lambda/"
        "aws4_request, SignedHeaders=host;x-amz-date;x-amz-invocation-type, Signature="
        "0000000000000000000000000000000000000000000000000000000000000000",
        "Content-Type:", "Expect:"};
    struct curl_slist *h = NULL;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) h = curl_slist_append(h, lines[i]);
    return h;
}

/* e POSTs PAYLOAD with headers h to function "bench" at base. */
static void bench_invoke_setup(CURL *e, const char *base, struct curl_slist *h) {
    char url[512];
    snprintf(url, sizeof url, "%s/2015-03-31/functions/bench/invocations", base);
    curl_easy_setopt(e, CURLOPT_URL, url); /* copied by curl */
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, PAYLOAD);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(sizeof PAYLOAD - 1));
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "sqlambda/" SQLAMBDA_VERSION " bench");
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
}
#endif
