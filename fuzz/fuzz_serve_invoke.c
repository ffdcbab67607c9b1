/*
 * fuzz_serve_invoke.c — `sqlambda serve`'s Invoke API request checks
 * (runtime/src/request_parse.c), called in-process as the MHD callbacks
 * call them: the route of the raw URI, the function segment and
 * ?Qualifier=, X-Amz-Invocation-Type / X-Amz-Log-Type / X-Amz-Client-Context,
 * the payload (also InvokeWithResponseStream's route and invocation types,
 * where Event is refused); and utf8_clean, which every error message goes through.
 * Properties: routes only yield a segment without '/' or '?'; an accepted
 * name is a valid Lambda name with a qualifier string; every refusal is an
 * AWS error with a status, a type and a message that encodes as JSON once
 * cleaned; an accepted client context is a one-line JSON object.
 * Input, one field a line: method, raw URI, invocation type, log type,
 * client context (empty field: header absent), then the body (any bytes).
 */
#include "fuzz_fields.h"
#include "serve.h"
#include "sqlambda.h"

static void check_error(const api_error *e) {
    if (e->status < 400 || e->status > 499 || !e->type || !e->msg_key || !e->message[0]) abort();
    char *m = utf8_clean(e->message, strlen(e->message));
    json_t *j = json_string(m);
    if (!j) abort(); /* aws_error would send a body without its message */
    json_decref(j);
    free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_fields ff;
    if (fuzz_split(data, size, '\n', 6, &ff) != 0 || ff.n < 2) goto out;
    char *seg = NULL, *seg2 = NULL, *query = NULL;
    enum api_op op = api_route(ff.f[0], ff.f[1], &seg, &seg2, &query);
    if ((op != API_UNKNOWN && op != API_LIST) != (seg != NULL)) abort();
    if ((op == API_ALIAS) != (seg2 != NULL)) abort();
    if (seg && (!*seg || strchr(seg, '/') || strchr(seg, '?'))) abort();
    if (seg2 && (!*seg2 || strchr(seg2, '/') || strchr(seg2, '?'))) abort();
    if (op == API_UNKNOWN && query) abort();
    free(seg2);
    if (op == API_LIST || op == API_VERSIONS || op == API_ALIASES) {
        size_t from = 0, count = 0;
        api_error pe;
        if (api_paging(query, 100, &from, &count, &pe) == 0) {
            if (from > 100 || count < 1 || count > 10000) abort();
        } else {
            check_error(&pe);
        }
    }
    api_error e;
    if (seg) {
        sqlambda_function_ref ref;
        char *q = NULL;
        if (invoke_parse_function(seg, query, &ref, &q, &e) == 0) {
            size_t n = strlen(ref.name);
            if (!q || !n || n > 64 || strspn(ref.name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != n)
                abort();
            free(q);
        } else {
            if (q) abort();
            check_error(&e);
        }
    }
    invoke_opts o;
    const char *type = ff.n > 2 && ff.len[2] ? ff.f[2] : NULL, *logt = ff.n > 3 && ff.len[3] ? ff.f[3] : NULL;
    if (invoke_parse_headers(type, logt, &o, &e) == 0) {
        if (o.type > INV_DRYRUN || o.client_context) abort();
    } else {
        check_error(&e);
    }
    if (invoke_stream_parse_headers(type, logt, &o, &e) == 0) { /* InvokeWithResponseStream */
        if (o.type == INV_EVENT || o.type > INV_DRYRUN || o.client_context) abort();
    } else {
        check_error(&e);
    }
    if (invoke_parse_client_context(ff.n > 4 && ff.len[4] ? ff.f[4] : NULL, &o, &e) == 0) {
        if (o.client_context) {
            json_t *j = json_loads(o.client_context, 0, NULL);
            if (!json_is_object(j) || strchr(o.client_context, '\n') || strchr(o.client_context, '\r')) abort();
            json_decref(j);
            free(o.client_context);
        }
    } else {
        if (o.client_context) abort();
        check_error(&e);
    }
    if (ff.n > 5) {
        if (invoke_check_payload(ff.f[5], ff.len[5], &e) != 0) check_error(&e);
        char *clean = utf8_clean(ff.f[5], ff.len[5]);
        size_t cl = strlen(clean);
        json_t *j = json_stringn(clean, cl);
        if (!j || cl > 3 * ff.len[5]) abort();
        json_decref(j);
        free(clean);
    }
    free(seg);
    free(query);
out:
    fuzz_fields_free(&ff);
    return 0;
}
