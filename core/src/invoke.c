/*
 * invoke.c — the public calls on top of multi.c: sqlambda_validate (check
 * a request, allowlist, region, endpoint), sqlambda_invoke (one call with
 * retries), sqlambda_multi_add and sqlambda_invoke_many.
 */
#include "client_internal.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static char *dupn(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (!d) return NULL;
    if (n) memcpy(d, s, n);
    d[n] = 0;
    return d;
}

/* Validation (A's checks), allowlist, then region/endpoint/path. */
static sqlambda_status check(sqlambda_client *c, sqlambda_call *call) {
    char err[300] = "";
    sqlambda_status st = sqlambda_check_request(&call->req, &call->ref, &call->cc_b64, err, sizeof err);
    if (st == SQLAMBDA_OK && call->ref.name[0]) {
        free(call->res.function_name);
        call->res.function_name = strdup(call->ref.name);
    }
    if (st != SQLAMBDA_OK) {
        call->res.status = st;
        sqlambda_result_message(&call->res, err[0] ? err : "invalid request");
        return st;
    }
    const char *allow = c->opts.allowed_functions;
    if (allow && *allow &&
        !sqlambda_function_allowed(allow, call->function, call->qualifier, call->region,
                                   c->cfg.region)) {
        call->res.status = SQLAMBDA_E_NOT_ALLOWED;
        sqlambda_result_message(&call->res, "function is not in the allowed functions list");
        return SQLAMBDA_E_NOT_ALLOWED;
    }
    st = sqlambda_call_prepare(c, call);
    if (st == SQLAMBDA_E_NOMEM) {
        call->res.status = st;
        sqlambda_result_message(&call->res, "out of memory");
    }
    return st;
}

sqlambda_call *sqlambda_call_new(sqlambda_client *c, const sqlambda_request *req, void *user) {
    return sqlambda_call_new_stream(c, req, user, NULL);
}

sqlambda_call *sqlambda_call_new_stream(sqlambda_client *c, const sqlambda_request *req, void *user,
                                        sqlambda_stream *stream) {
    sqlambda_call *call = calloc(1, sizeof *call);
    if (!call) {
        sqlambda_stream_free(stream);
        return NULL;
    }
    call->stream = stream;
    call->user = user;
    call->start_ms = sqlambda_now_ms();
    call->reply.retry_after_ms = -1;
    call->req = *req;
    const char *payload = req->payload ? req->payload : "{}";
    size_t plen = req->payload ? (req->payload_len ? req->payload_len : strlen(req->payload)) : 2;
    call->function = dupn(req->function ? req->function : "", req->function ? strlen(req->function) : 0);
    call->payload = dupn(payload, plen);
    call->client_context = sqlambda_strdup0(req->client_context);
    call->qualifier = sqlambda_strdup0(req->qualifier);
    call->region = sqlambda_strdup0(req->region);
    /* the name as given, for messages until parsing names it properly */
    call->res.function_name = dupn(call->function ? call->function : "",
                                   call->function ? strnlen(call->function, 80) : 0);
    if (!call->function || !call->payload || !call->res.function_name ||
        (req->client_context && !call->client_context) || (req->qualifier && !call->qualifier) ||
        (req->region && !call->region)) {
        sqlambda_call_free(call, 1);
        return NULL;
    }
    call->req.function = req->function ? call->function : NULL;
    call->req.payload = call->payload;
    call->req.payload_len = plen;
    call->req.client_context = call->client_context;
    call->req.qualifier = call->qualifier;
    call->req.region = call->region;
    if (check(c, call) != SQLAMBDA_OK) call->state = CALL_DONE;
    return call;
}

void sqlambda_call_free(sqlambda_call *call, int free_result) {
    if (!call) return;
    free(call->function);
    free(call->payload);
    free(call->client_context);
    free(call->qualifier);
    free(call->region);
    free(call->cc_b64);
    free(call->url_base);
    free(call->host);
    free(call->path);
    free(call->query);
    free(call->url);
    sqlambda_buf_free(&call->hdr_text);
    sqlambda_reply_free(&call->reply);
    sqlambda_stream_free(call->stream);
    if (free_result) sqlambda_result_free(&call->res);
    free(call);
}

static void nomem_result(sqlambda_result *res) {
    memset(res, 0, sizeof *res);
    res->status = SQLAMBDA_E_NOMEM;
    sqlambda_result_message(res, "out of memory");
}

sqlambda_status sqlambda_validate(sqlambda_client *c, const sqlambda_request *req,
                                  sqlambda_result *res) {
    if (!c || !req) {
        memset(res, 0, sizeof *res);
        res->status = SQLAMBDA_E_INVALID;
        sqlambda_result_message(res, "no client or request");
        return res->status;
    }
    sqlambda_call *call = sqlambda_call_new(c, req, NULL);
    if (!call) {
        nomem_result(res);
        return res->status;
    }
    if (call->state != CALL_DONE) {
        call->res.status = SQLAMBDA_OK;
        sqlambda_result_message(&call->res, "request is valid");
    }
    *res = call->res;
    memset(&call->res, 0, sizeof call->res);
    sqlambda_call_free(call, 1);
    return res->status;
}

sqlambda_status sqlambda_multi_add(sqlambda_multi *m, const sqlambda_request *req, void *user) {
    if (!m || !req) return SQLAMBDA_E_INVALID;
    sqlambda_call *call = sqlambda_call_new(m->c, req, user);
    if (!call) return SQLAMBDA_E_NOMEM;
    sqlambda_multi_enqueue(m, call, call->state != CALL_DONE);
    return SQLAMBDA_OK;
}

static void keep_result(void *arg, void *user, sqlambda_result *res) {
    (void)arg;
    *(sqlambda_result *)user = *res; /* takes ownership of the members */
}

sqlambda_status sqlambda_invoke_many(sqlambda_client *c, const sqlambda_request *reqs, size_t n,
                                     int concurrency, sqlambda_result *results) {
    for (size_t i = 0; i < n; i++) memset(&results[i], 0, sizeof results[i]);
    char fd_err[300];
    if (c && concurrency > 1 && n > 1 &&
        sqlambda_fd_budget(concurrency < (int)n || n > INT_MAX ? concurrency : (int)n, fd_err,
                           sizeof fd_err) != SQLAMBDA_OK) {
        for (size_t i = 0; i < n; i++) {
            results[i].status = SQLAMBDA_E_CONFIG;
            sqlambda_result_message(&results[i], fd_err);
        }
        return SQLAMBDA_E_CONFIG;
    }
    sqlambda_multi *m = c ? sqlambda_multi_new(c, concurrency) : NULL;
    if (!m) {
        for (size_t i = 0; i < n; i++) nomem_result(&results[i]);
        return c ? SQLAMBDA_E_NOMEM : SQLAMBDA_E_INVALID;
    }
    for (size_t i = 0; i < n; i++)
        if (sqlambda_multi_add(m, &reqs[i], &results[i]) != SQLAMBDA_OK) nomem_result(&results[i]);
    sqlambda_status st = SQLAMBDA_OK;
    while (sqlambda_multi_pending(m) && st == SQLAMBDA_OK)
        st = sqlambda_multi_run(m, -1, keep_result, NULL);
    sqlambda_multi_free(m);
    if (st != SQLAMBDA_OK) return st;
    for (size_t i = 0; i < n; i++)
        if (results[i].status != SQLAMBDA_OK) return results[i].status;
    return SQLAMBDA_OK;
}

sqlambda_status sqlambda_invoke(sqlambda_client *c, const sqlambda_request *req,
                                sqlambda_result *res) {
    if (!c || !req) {
        memset(res, 0, sizeof *res);
        res->status = SQLAMBDA_E_INVALID;
        sqlambda_result_message(res, "no client or request");
        return res->status;
    }
    return sqlambda_invoke_many(c, req, 1, 1, res);
}
