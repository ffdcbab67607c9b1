/*
 * control_api.c — enough of GetFunction and ListFunctions for
 * `aws lambda get-function` / `list-functions` and boto3: the
 * FunctionConfiguration of each function (version) in the directory.
 * Environment values and the code's filesystem path are shown only to
 * signed requests (--credentials): without signatures any local process
 * may ask, so they are withheld (Environment.Error, as Lambda answers a
 * caller that may not decrypt the variables).
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
                          strcmp(fv->runtime, "python3") == 0 ? "python3" : "provided", "Role", role,
                          "Handler", fv->handler, "CodeSize", (json_int_t)fv->code_size,
                          "Description", fv->description, "Timeout", fv->timeout_s, "MemorySize",
                          fv->memory_mb, "LastModified", fv->last_modified, "Version", fv->version,
                          "State", "Active", "LastUpdateStatus", "Successful", "PackageType", "Zip",
                          "CodeSha256", "", "Architectures", "x86_64");
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

static int send_obj(struct MHD_Connection *c, json_t *o) {
    char *s = json_dumps(o, JSON_COMPACT);
    int r = send_json(c, 200, s, strlen(s), NULL);
    free(s);
    json_decref(o);
    return r;
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
        sbuf loc = {0};
        sbuf_printf(&loc, "file://%s", fv->code_dir);
        json_object_set_new(code, "Location", json_string(loc.data));
        sbuf_free(&loc);
    }
    json_object_set_new(o, "Code", code);
    if (f->reserved >= 0)
        json_object_set_new(o, "Concurrency",
                            json_pack("{s:i}", "ReservedConcurrentExecutions", f->reserved));
    free(qualifier);
    return send_obj(c, o);
}

int handle_list_functions(struct MHD_Connection *c) {
    json_t *list = json_array();
    for (size_t i = 0; i < g.reg.n; i++) json_array_append_new(list, configuration(g.reg.fns[i]->versions[0], 0));
    return send_obj(c, json_pack("{s:o}", "Functions", list));
}
