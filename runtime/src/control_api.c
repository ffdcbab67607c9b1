/*
 * control_api.c — the read-only function API tools call: GetFunction,
 * GetFunctionConfiguration, ListFunctions and ListVersionsByFunction (both
 * paged with Marker/MaxItems), in AWS's shapes: Runtime as Lambda's enum
 * value (python3.N of the interpreter serve runs, the declared provided*),
 * CodeSha256 (code_hash.c), State Active, LastUpdateStatus Successful, so
 * the AWS CLI's function-active/-updated/-exists and
 * published-version-active waiters succeed. Writes (CreateFunction,
 * UpdateFunctionCode, ...) are not served: the function directory is the
 * source of truth. Environment values and the code's filesystem path are
 * shown only to signed requests (--credentials): without signatures any
 * local process may ask, so they are withheld (Environment.Error, as
 * Lambda answers a caller that may not decrypt the variables).
 */
#include "serve.h"

#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>

#define WITHHELD "Environment values are shown only to signed requests: start sqlambda serve with --credentials FILE."

static json_t *configuration(const fn_version *fv, int qualified) {
    const function *f = fv->fn;
    char *arn = function_arn(f, qualified ? fv->version : NULL);
    char role[128];
    snprintf(role, sizeof role, "arn:aws:iam::%s:role/sqlambda-local", g.account);
    json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:i, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:[s]}",
                          "FunctionName", f->name, "FunctionArn", arn, "Runtime",
                          strcmp(fv->runtime, "python3") == 0 ? g.python_runtime : fv->runtime_name,
                          "Role", role, "Handler", fv->handler, "CodeSize", (json_int_t)fv->code_size,
                          "Description", fv->description, "Timeout", fv->timeout_s, "MemorySize",
                          fv->memory_mb, "LastModified", fv->last_modified, "Version", fv->version,
                          "State", "Active", "LastUpdateStatus", "Successful", "PackageType", "Zip",
                          "CodeSha256", fv->code_sha256, "Architectures", "x86_64");
    if (auth_enabled())
        json_object_set_new(c, "Environment", json_pack("{s:O}", "Variables", fv->environment));
    else
        json_object_set_new(c, "Environment",
                            json_pack("{s:{s:s, s:s}}", "Error", "ErrorCode", "AccessDeniedException",
                                      "Message", WITHHELD));
    json_object_set_new(c, "TracingConfig", json_pack("{s:s}", "Mode", "PassThrough"));
    free(arn);
    return c;
}

int send_obj(struct MHD_Connection *c, json_t *o) {
    char *s = json_dumps(o, JSON_COMPACT);
    int r = send_json(c, 200, s, strlen(s), NULL);
    free(s);
    json_decref(o);
    return r;
}

function *resolve_unqualified(struct MHD_Connection *c, const char *seg) {
    char *qualifier = NULL;
    function *f = NULL;
    if (!resolve_function(c, seg, NULL, &qualifier, &f)) return NULL;
    int qualified = *qualifier != 0;
    free(qualifier);
    if (qualified) {
        aws_error(c, 400, "InvalidParameterValueException", "User", "message",
                  "This operation takes a function name or ARN without a version or alias.");
        return NULL;
    }
    return f;
}

int handle_get_function(struct MHD_Connection *c, const char *seg, const char *query) {
    char *qualifier = NULL;
    function *f = NULL;
    fn_version *fv = resolve_function(c, seg, query, &qualifier, &f);
    if (!fv) return 1;
    json_t *o = json_object();
    json_object_set_new(o, "Configuration", configuration(fv, *qualifier != 0));
    json_t *code = json_pack("{s:s}", "RepositoryType", "S3");
    if (auth_enabled()) { /* a path on this machine: signed callers only */
        sqlambda_buf loc = {0};
        xbuf_printf(&loc, "file://%s", fv->code_dir);
        json_object_set_new(code, "Location", json_string(loc.data));
        sqlambda_buf_free(&loc);
    }
    json_object_set_new(o, "Code", code);
    if (f->reserved >= 0)
        json_object_set_new(o, "Concurrency",
                            json_pack("{s:i}", "ReservedConcurrentExecutions", f->reserved));
    free(qualifier);
    return send_obj(c, o);
}

int handle_get_configuration(struct MHD_Connection *c, const char *seg, const char *query) {
    char *qualifier = NULL;
    fn_version *fv = resolve_function(c, seg, query, &qualifier, NULL);
    if (!fv) return 1;
    json_t *o = configuration(fv, *qualifier != 0);
    free(qualifier);
    return send_obj(c, o);
}

/* {"<key>": items[from..from+count), "NextMarker": ... if more} */
static int send_page(struct MHD_Connection *c, const char *key, json_t *all, size_t from, size_t count) {
    json_t *page = json_array();
    size_t total = json_array_size(all);
    for (size_t i = from; i < total && i - from < count; i++)
        json_array_append(page, json_array_get(all, i));
    json_t *o = json_pack("{s:o}", key, page);
    if (from + count < total) {
        char m[24];
        snprintf(m, sizeof m, "%zu", from + count);
        json_object_set_new(o, "NextMarker", json_string(m));
    }
    json_decref(all);
    return send_obj(c, o);
}

int handle_list_functions(struct MHD_Connection *c, const char *query) {
    api_error e;
    size_t from, count;
    if (api_paging(query, g.reg.n, &from, &count, &e) != 0) return aws_error_send(c, &e);
    json_t *all = json_array();
    for (size_t i = 0; i < g.reg.n; i++) json_array_append_new(all, configuration(g.reg.fns[i]->versions[0], 0));
    return send_page(c, "Functions", all, from, count);
}

int handle_list_versions(struct MHD_Connection *c, const char *seg, const char *query) {
    function *f = resolve_unqualified(c, seg);
    if (!f) return 1;
    api_error e;
    size_t from, count;
    if (api_paging(query, f->nversions, &from, &count, &e) != 0) return aws_error_send(c, &e);
    json_t *all = json_array();
    for (size_t i = 0; i < f->nversions; i++) json_array_append_new(all, configuration(f->versions[i], 1));
    return send_page(c, "Versions", all, from, count);
}
