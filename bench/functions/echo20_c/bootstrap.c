/* bootstrap.c — the `provided` runtime of bench function echo20_c: a Lambda
 * that takes 20 ms without burning CPU. Loops over the Lambda Runtime API
 * on one kept-alive libcurl handle: GET invocation/next, read
 * Lambda-Runtime-Aws-Request-Id, sleep 20 ms (nanosleep), POST the event
 * back unchanged to invocation/<id>/response. Any error (no
 * AWS_LAMBDA_RUNTIME_API, transport failure, unexpected status, missing
 * request id) ends the process with a message on stderr; `sqlambda serve`
 * then reports Runtime.ExitError and starts a fresh instance. */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define SLEEP_NS (20L * 1000 * 1000)
#define RID_HEADER "Lambda-Runtime-Aws-Request-Id:"

typedef struct {
    char *p;
    size_t len, cap;
} buf;

static char request_id[256];

static void die(const char *what, const char *detail) {
    fprintf(stderr, "echo20_c bootstrap: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static size_t on_body(char *data, size_t size, size_t n, void *arg) {
    buf *b = arg;
    size_t add = size * n;
    if (b->len + add + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + add + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) return 0; /* curl fails the transfer: CURLE_WRITE_ERROR */
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, add);
    b->len += add;
    b->p[b->len] = '\0';
    return add;
}

/* Keeps the request id header's value (trimmed) in request_id. */
static size_t on_header(char *data, size_t size, size_t n, void *arg) {
    size_t len = size * n, klen = strlen(RID_HEADER);
    if (len > klen && strncasecmp(data, RID_HEADER, klen) == 0) {
        const char *v = data + klen, *end = data + len;
        while (v < end && (*v == ' ' || *v == '\t')) v++;
        while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ')) end--;
        size_t vlen = (size_t)(end - v);
        if (vlen >= sizeof request_id) return 0; /* absurd id: fail the transfer */
        memcpy(request_id, v, vlen);
        request_id[vlen] = '\0';
    }
    return len;
}

static void sleep_20ms(void) {
    struct timespec t = {0, SLEEP_NS};
    while (nanosleep(&t, &t) != 0)
        if (errno != EINTR) die("nanosleep failed", strerror(errno));
}

static void perform(CURL *h, const char *what, const char *url, char *errbuf) {
    long status = 0;
    errbuf[0] = '\0';
    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        char msg[CURL_ERROR_SIZE + 600];
        snprintf(msg, sizeof msg, "%s %s: %s", what, url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
        die("request failed", msg);
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s %s answered HTTP %ld", what, url, status);
        die("unexpected status", msg);
    }
}

int main(void) {
    const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
    if (!api || !*api) die("AWS_LAMBDA_RUNTIME_API is not set (run me under a Lambda runtime)", NULL);
    if (strlen(api) > 200) die("AWS_LAMBDA_RUNTIME_API is too long", NULL);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) die("curl_global_init failed", NULL);
    CURL *h = curl_easy_init();
    if (!h) die("curl_easy_init failed", NULL);

    char next_url[512], resp_url[512 + sizeof request_id], errbuf[CURL_ERROR_SIZE];
    snprintf(next_url, sizeof next_url, "http://%s/2018-06-01/runtime/invocation/next", api);
    struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    hdrs = hdrs ? curl_slist_append(hdrs, "Expect:") : NULL; /* no 100-continue round trip */
    if (!hdrs) die("out of memory", NULL);
    buf event = {0}, ignored = {0};

    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    for (;;) {
        /* Long poll for the next event (no timeout: it blocks until one comes). */
        event.len = 0;
        request_id[0] = '\0';
        curl_easy_setopt(h, CURLOPT_URL, next_url);
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &event);
        perform(h, "GET", next_url, errbuf);
        if (!request_id[0]) die("invocation/next answered without " RID_HEADER, NULL);

        sleep_20ms();

        snprintf(resp_url, sizeof resp_url, "http://%s/2018-06-01/runtime/invocation/%s/response", api,
                 request_id);
        ignored.len = 0;
        curl_easy_setopt(h, CURLOPT_URL, resp_url);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, event.p ? event.p : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)event.len);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &ignored);
        perform(h, "POST", resp_url, errbuf);
    }
}
