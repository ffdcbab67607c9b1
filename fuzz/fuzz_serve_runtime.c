/*
 * fuzz_serve_runtime.c — `sqlambda serve`'s Runtime API request handling
 * (runtime/src/request_parse.c), called in-process as the MHD callback
 * calls it: the route of a worker's request (next, response, error,
 * init/error, with the request id taken from the path) and the Unhandled
 * body built from an /error post (the runtime's JSON object, or its text
 * and Lambda-Runtime-Function-Error-Type, in any bytes).
 * Properties: a result route carries a non-empty request id without '/';
 * the error body is always a JSON object: the runtime's own object as it
 * is (Lambda passes it on: its errorType may be anything, even with the
 * header set; the fuzzer found the old property's claim otherwise), else a
 * wrapper whose errorType is a string (a body that was not UTF-8 once
 * crashed serve). The same fields as the trailers of a streamed response
 * (Lambda-Runtime-Function-Error-Type / -Error-Body, base64 or not) give a
 * JSON object too, and the InvokeComplete payload built from it is a JSON
 * object whose ErrorCode and ErrorDetails are strings.
 * Input, one field a line: method, URL, error type header (empty: absent),
 * then the posted body (any bytes).
 */
#include "fuzz_fields.h"
#include "serve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_fields ff;
    if (fuzz_split(data, size, '\n', 4, &ff) != 0 || ff.n < 2) goto out;
    char rid[64];
    enum rapi_op op = rapi_route(ff.f[0], ff.f[1], rid);
    if (op == RAPI_RESPONSE || op == RAPI_ERROR) {
        size_t n = strnlen(rid, sizeof rid);
        if (!n || n >= sizeof rid || strchr(rid, '/')) abort();
    } else if (rid[0]) {
        abort();
    }
    if (ff.n > 3) {
        sqlambda_buf b = {0};
        rapi_error_body(&b, ff.f[3], ff.len[3], ff.n > 2 && ff.len[2] ? ff.f[2] : NULL);
        json_t *j = json_loadb(b.data, b.len, 0, NULL);
        if (!json_is_object(j)) abort();
        /* the runtime's own JSON object goes to the caller as it is (as
         * Lambda passes it on, whatever its errorType); anything else is
         * wrapped, with errorType a string (the header's, or
         * Runtime.Unknown) */
        json_t *in = ff.len[3] ? json_loadb(ff.f[3], ff.len[3], 0, NULL) : NULL;
        if (json_is_object(in)) {
            if (b.len != ff.len[3] || memcmp(b.data, ff.f[3], b.len) != 0) abort();
        } else if (!json_is_string(json_object_get(j, "errorType"))) {
            abort();
        }
        json_decref(in);
        json_decref(j);
        sqlambda_buf_free(&b);
        rapi_stream_error_body(&b, ff.len[2] ? ff.f[2] : NULL, ff.f[3]);
        j = json_loadb(b.data, b.len, 0, NULL);
        if (!json_is_object(j)) abort();
        json_decref(j);
        sqlambda_buf c = {0};
        invoke_complete_payload(&c, 0, b.data, b.len, NULL);
        j = json_loadb(c.data, c.len, 0, NULL);
        if (!json_is_object(j) || !json_is_string(json_object_get(j, "ErrorCode")) ||
            !json_is_string(json_object_get(j, "ErrorDetails")))
            abort();
        json_decref(j);
        sqlambda_buf_free(&c);
        sqlambda_buf_free(&b);
    }
out:
    fuzz_fields_free(&ff);
    return 0;
}
