/*
 * alias_api.c — ListAliases (paged, optionally for one FunctionVersion),
 * GetAlias and GetFunctionConcurrency, read-only, in AWS's shapes: an alias
 * is {AliasArn, Name, FunctionVersion, Description}; a function without
 * reserved concurrency answers {}. The aliases are those of function.json.
 */
#include "serve.h"

#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>

#define ALIAS_PATTERN "(?!^[0-9]+$)([a-zA-Z0-9-_]+)"

static json_t *alias_json(const function *f, const fn_alias *a) {
    char *arn = function_arn(f, a->name);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "AliasArn", arn, "Name", a->name, "FunctionVersion",
                          a->target->version, "Description", "");
    free(arn);
    return o;
}

int handle_list_aliases(struct MHD_Connection *c, const char *seg, const char *query) {
    function *f = resolve_unqualified(c, seg);
    if (!f) return 1;
    int bad = 0;
    char *only = query_param(query, "FunctionVersion", &bad);
    if (bad || (only && (!*only || strlen(only) > 1024))) {
        free(only);
        return aws_error(c, 400, "InvalidParameterValueException", "User", "message",
                         "FunctionVersion must be $LATEST or a version number.");
    }
    json_t *all = json_array();
    for (size_t i = 0; i < f->naliases; i++)
        if (!only || strcmp(only, f->aliases[i].target->version) == 0)
            json_array_append_new(all, alias_json(f, &f->aliases[i]));
    free(only);
    api_error e;
    size_t from, count;
    if (api_paging(query, json_array_size(all), &from, &count, &e) != 0) {
        json_decref(all);
        return aws_error_send(c, &e);
    }
    json_t *page = json_array();
    for (size_t i = from; i < json_array_size(all) && i - from < count; i++)
        json_array_append(page, json_array_get(all, i));
    json_t *o = json_pack("{s:o}", "Aliases", page);
    if (from + count < json_array_size(all)) {
        char m[24];
        snprintf(m, sizeof m, "%zu", from + count);
        json_object_set_new(o, "NextMarker", json_string(m));
    }
    json_decref(all);
    return send_obj(c, o);
}

int handle_get_alias(struct MHD_Connection *c, const char *seg, const char *alias_seg) {
    function *f = resolve_unqualified(c, seg);
    if (!f) return 1;
    size_t len = 0;
    char *name = pct_decode_n(alias_seg, strlen(alias_seg), &len);
    int digits = name && len && strspn(name, "0123456789") == len;
    if (!name || !len || len > 128 || digits ||
        strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != len) {
        char m[512];
        snprintf(m, sizeof m,
                 "1 validation error detected: Value '%.128s' at 'name' failed to satisfy constraint: %s",
                 name && !memchr(name, 0, len) ? name : "",
                 len > 128 ? "Member must have length less than or equal to 128"
                           : "Member must satisfy regular expression pattern: " ALIAS_PATTERN);
        free(name);
        return aws_error(c, 400, "ValidationException", NULL, "message", m);
    }
    for (size_t i = 0; i < f->naliases; i++)
        if (strcmp(f->aliases[i].name, name) == 0) {
            free(name);
            return send_obj(c, alias_json(f, &f->aliases[i]));
        }
    char *arn = function_arn(f, name);
    sqlambda_buf m = {0};
    xbuf_printf(&m, "Cannot find alias arn: %s", arn);
    int r = aws_error(c, 404, "ResourceNotFoundException", "User", "Message", m.data);
    sqlambda_buf_free(&m);
    free(arn);
    free(name);
    return r;
}

int handle_get_concurrency(struct MHD_Connection *c, const char *seg) {
    function *f = resolve_unqualified(c, seg);
    if (!f) return 1;
    return send_obj(c, f->reserved >= 0 ? json_pack("{s:i}", "ReservedConcurrentExecutions", f->reserved)
                                        : json_object());
}
