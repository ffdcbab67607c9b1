/* test_response.c — reading answers: header callback (fields, Retry-After,
 * size cap), error bodies (JSON __type/code/message, XML, HTML, empty),
 * x-amzn-ErrorType decoration, classification into statuses, messages. */
#include "client_internal.h"
#include "tap.h"
#include <stdlib.h>

static void hdr(sqlambda_reply *r, const char *line) {
    sqlambda_reply_header_cb((char *)line, 1, strlen(line), r);
}

static void parse(const char *body, const char *want_type, const char *want_msg, const char *name) {
    char *t, *m;
    sqlambda_parse_error_body(body, strlen(body), &t, &m);
    char n[200];
    snprintf(n, sizeof n, "%s: type", name);
    is_str(t, want_type, n);
    snprintf(n, sizeof n, "%s: message", name);
    is_str(m, want_msg, n);
    free(t);
    free(m);
}

/* Builds a call whose reply is (status, headers, body) and classifies it. */
static sqlambda_call *answer(long status, const char *const *headers, const char *body, CURLcode cc) {
    sqlambda_call *call = calloc(1, sizeof *call);
    call->res.function_name = strdup("fn");
    call->res.endpoint_host = strdup("lambda.us-east-1.amazonaws.com");
    call->res.attempts = 1;
    sqlambda_reply_reset(&call->reply, 1000);
    for (; headers && *headers; headers++) hdr(&call->reply, *headers);
    if (body) sqlambda_reply_body_cb((char *)body, 1, strlen(body), &call->reply);
    call->reply.status = status;
    sqlambda_response_classify(call, cc);
    return call;
}

static void done(sqlambda_call *call) {
    sqlambda_reply_free(&call->reply);
    sqlambda_result_free(&call->res);
    free(call);
}

int main(void) {
    /* error bodies */
    parse("{\"__type\":\"com.amazon.coral.service#ResourceNotFoundException\",\"message\":\"nope\"}",
          "ResourceNotFoundException", "nope", "JSON __type with namespace");
    parse("{\"Type\":\"User\",\"Message\":\"Function not found\"}", NULL, "Function not found",
          "Lambda body without type (type comes from the header)");
    parse("{\"code\":\"InvalidSignatureException\",\"Message\":\"bad sig\"}", "InvalidSignatureException",
          "bad sig", "JSON code/Message");
    parse("{\"Code\":\"X:decoration\",\"message\":\"m\"}", "X", "m", "JSON Code with ':' decoration");
    parse("<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>sig</Message></Error></ErrorResponse>",
          "SignatureDoesNotMatch", "sig", "XML error");
    parse("<html><body>502 Bad\nGateway</body></html>", NULL, "<html><body>502 Bad Gateway</body></html>",
          "HTML: one-line snippet");
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    char *t, *m;
    sqlambda_parse_error_body(big, strlen(big), &t, &m);
    ok(t == NULL && m && strlen(m) <= 203, "long non-JSON body: bounded snippet");
    free(t);
    free(m);
    sqlambda_parse_error_body("", 0, &t, &m);
    ok(t == NULL && m == NULL, "empty body: nothing");

    char *h = sqlambda_error_type_from_header(
        "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.lambda.core/");
    is_str(h, "ResourceNotFoundException", "x-amzn-ErrorType decoration stripped");
    free(h);

    /* header callback */
    sqlambda_reply r;
    memset(&r, 0, sizeof r);
    sqlambda_reply_reset(&r, 100);
    hdr(&r, "HTTP/1.1 200 OK\r\n");
    hdr(&r, "x-amz-executed-version:  7 \r\n");
    hdr(&r, "X-Amz-Function-Error: Handled\r\n");
    hdr(&r, "x-amzn-RequestId: abc-123\r\n");
    hdr(&r, "Retry-After: 3\r\n");
    is_str(r.executed_version, "7", "executed version (trimmed)");
    is_str(r.function_error, "Handled", "function error header");
    is_str(r.request_id, "abc-123", "request id");
    ok(r.retry_after_ms == 3000, "Retry-After parsed");
    is_int(sqlambda_reply_header_cb("Content-Length: 101\r\n", 1, 21, &r), 0,
           "Content-Length over the cap aborts before the body");
    ok(r.oversize, "oversize flagged");
    sqlambda_reply_reset(&r, 10);
    is_int(sqlambda_reply_body_cb("0123456789", 1, 10, &r), 10, "body up to the cap accepted");
    is_int(sqlambda_reply_body_cb("x", 1, 1, &r), 0, "one byte over the cap refused");
    is_int(r.body.len, 10, "nothing buffered past the cap");
    hdr(&r, "HTTP/1.1 100 Continue\r\n");
    ok(r.body.len == 0 && !r.oversize, "a new status line starts over");
    sqlambda_reply_free(&r);

    /* classification */
    const char *h_ok[] = {"X-Amz-Executed-Version: $LATEST\r\n", "X-Amz-Log-Result: aGVsbG8K\r\n", NULL};
    sqlambda_call *c = answer(200, h_ok, "{\"r\":1}", CURLE_OK);
    is_int(c->res.status, SQLAMBDA_OK, "200: OK");
    is_str(c->res.payload, "{\"r\":1}", "200: payload");
    is_str(c->res.log_result, "hello\n", "log result decoded");
    is_str(c->res.message, "lambda function \"fn\" at lambda.us-east-1.amazonaws.com: OK (HTTP 200, 1 attempt)",
           "success message");
    done(c);
    c = answer(202, NULL, NULL, CURLE_OK);
    ok(c->res.status == SQLAMBDA_OK && c->res.payload && c->res.payload_len == 0, "202 Event: OK, empty payload");
    done(c);
    const char *h_fe[] = {"X-Amz-Function-Error: Unhandled\r\n", NULL};
    c = answer(200, h_fe, "{\"errorMessage\":\"bad\",\"errorType\":\"KeyError\"}", CURLE_OK);
    is_int(c->res.status, SQLAMBDA_E_FUNCTION, "function error status");
    is_str(c->res.error_type, "KeyError", "function errorType");
    is_str(c->res.error_message, "bad", "function errorMessage");
    done(c);
    c = answer(200, h_fe, "Task timed out", CURLE_OK);
    ok(c->res.status == SQLAMBDA_E_FUNCTION && strcmp(c->res.error_type, "Unhandled") == 0 &&
           strcmp(c->res.error_message, "Task timed out") == 0,
       "function error with non-JSON body");
    done(c);
    const char *h_429[] = {"x-amzn-ErrorType: TooManyRequestsException\r\n", NULL};
    c = answer(429, h_429, "{\"message\":\"Rate Exceeded.\"}", CURLE_OK);
    is_int(c->res.status, SQLAMBDA_E_THROTTLED, "429 -> E_THROTTLED");
    done(c);
    c = answer(400, NULL, "{\"__type\":\"ThrottlingException\"}", CURLE_OK);
    is_int(c->res.status, SQLAMBDA_E_THROTTLED, "400 ThrottlingException -> E_THROTTLED");
    done(c);
    c = answer(502, NULL, "<html>Bad Gateway</html>", CURLE_OK);
    ok(c->res.status == SQLAMBDA_E_SERVICE && strcmp(c->res.error_type, "HTTP 502") == 0, "HTML 502 -> HTTP 502");
    is_str(c->res.message,
           "lambda function \"fn\" at lambda.us-east-1.amazonaws.com: HTTP 502: <html>Bad Gateway</html> (HTTP 502, 1 attempt)",
           "HTML 502 message");
    done(c);
    const char *h_badlog[] = {"X-Amz-Log-Result: ***\r\n", NULL};
    c = answer(200, h_badlog, "{}", CURLE_OK);
    is_int(c->res.status, SQLAMBDA_E_RESPONSE, "malformed log result -> E_RESPONSE");
    done(c);
    const char *h_badcl[] = {"Content-Length: 12abc\r\n", NULL};
    c = answer(200, h_badcl, "{}", CURLE_OK);
    is_int(c->res.status, SQLAMBDA_E_RESPONSE, "malformed Content-Length -> E_RESPONSE");
    done(c);
    c = answer(0, NULL, NULL, CURLE_OPERATION_TIMEDOUT);
    is_int(c->res.status, SQLAMBDA_E_TIMEOUT, "curl timeout -> E_TIMEOUT");
    done(c);
    c = answer(0, NULL, NULL, CURLE_COULDNT_CONNECT);
    is_int(c->res.status, SQLAMBDA_E_TRANSPORT, "connect failure -> E_TRANSPORT");
    done(c);
    c = answer(200, NULL, NULL, CURLE_PARTIAL_FILE);
    is_int(c->res.status, SQLAMBDA_E_TRANSPORT, "truncated body -> E_TRANSPORT");
    done(c);
    c = answer(200, NULL, NULL, CURLE_FILESIZE_EXCEEDED);
    is_int(c->res.status, SQLAMBDA_E_RESPONSE, "too large -> E_RESPONSE");
    ok(strstr(c->res.message, "larger than 1000 bytes") != NULL, "too large: message names the cap");
    done(c);

    /* the line itself: bounded parts, control characters flattened */
    sqlambda_result mr;
    memset(&mr, 0, sizeof mr);
    char longname[200], longmsg[1000];
    memset(longname, 'f', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    memset(longmsg, 'm', sizeof longmsg - 1);
    longmsg[sizeof longmsg - 1] = 0;
    mr.function_name = longname;
    mr.endpoint_host = "h.example";
    mr.error_type = "Err\tType";
    mr.error_message = longmsg;
    mr.http_status = 503;
    mr.attempts = 12;
    sqlambda_result_message(&mr, NULL);
    ok(strncmp(mr.message, "lambda function \"", 17) == 0 && strspn(mr.message + 17, "f") == 80 &&
           strncmp(mr.message + 97, "\" at h.example: Err Type: mmm", 29) == 0,
       "message: function name cut at 80 characters, tab flattened");
    size_t ml = strlen(mr.message), tl = strlen("m (HTTP 503, 12 attempts)");
    ok(ml == sizeof mr.message - 1 && ml > tl &&
           strcmp(mr.message + ml - tl, "m (HTTP 503, 12 attempts)") == 0,
       "message: a long error message is cut, the HTTP status and attempts still end the line");
    ok(strlen(mr.message) < sizeof mr.message, "message: terminated inside its buffer");
    mr.function_name = "f";
    mr.endpoint_host = NULL;
    mr.error_type = NULL;
    mr.error_message = NULL;
    mr.http_status = 0;
    mr.attempts = 0;
    mr.status = SQLAMBDA_E_CONFIG;
    sqlambda_result_message(&mr, "no region: set it");
    is_str(mr.message, "lambda function \"f\": no region: set it", "message: no host, no attempts");
    mr.endpoint_host = "127.0.0.1:9";
    mr.attempts = 1;
    sqlambda_result_message(&mr, NULL);
    is_str(mr.message, "lambda function \"f\" at 127.0.0.1:9: ConfigError (1 attempt)",
           "message: no type: the status name; one attempt");
    mr.error_type = "T";
    mr.error_message = "";
    mr.http_status = -1;
    mr.attempts = 2;
    sqlambda_result_message(&mr, NULL);
    is_str(mr.message, "lambda function \"f\" at 127.0.0.1:9: T (HTTP -1, 2 attempts)",
           "message: empty error message left out; numbers as given");

    /* status names */
    is_str(sqlambda_status_name(SQLAMBDA_E_FUNCTION), "FunctionError", "status name");
    is_str(sqlambda_status_name((sqlambda_status)99), "Unknown", "unknown status name");
    sqlambda_result z;
    memset(&z, 0, sizeof z);
    z.payload = strdup("x");
    sqlambda_result_free(&z);
    ok(z.payload == NULL && z.status == 0, "result_free zeroes");
    return tap_done();
}
