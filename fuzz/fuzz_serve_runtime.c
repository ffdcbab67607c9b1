/*
 * fuzz_serve_runtime.c — `sqlambda serve`'s Runtime API request handling
 * (runtime/src/request_parse.c), called in-process as the MHD callback
 * calls it: the route of a worker's request (next, response, error,
 * init/error, with the request id taken from the path) and the Unhandled
 * body built from an /error post (the runtime's JSON object, or its text
 * and Lambda-Runtime-Function-Error-Type, in any bytes).
 * Properties: a result route carries a non-empty request id without '/';
 * the error body is always a JSON object whose errorType, if any, is a
 * string (it becomes the client's answer; a body that was not UTF-8 once
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
        json_t *t = json_object_get(j, "errorType");
        if (t && !json_is_string(t) && ff.len[2]) abort();
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
