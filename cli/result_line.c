/*
 * result_line.c — one result of `sqlambda invoke --payloads` as one line of
 * output: the function's answer with its line breaks turned into spaces
 * (JSON whitespace, so valid JSON stays valid and equal), or for a failed
 * line a JSON object {"error":{...}} carrying the line number, core's status
 * name, the error type and core's one-line message (the same line the
 * single invoke prints on standard error).
 */
#include "cli.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* A JSON string of s; bytes that are not valid UTF-8 text become '?'. */
static json_t *safe_string(const char *s) {
    if (!s) s = "";
    json_t *j = json_string(s);
    if (j) return j;
    char *copy = strdup(s);
    if (!copy) return NULL;
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p >= 0x80 || (unsigned char)*p < 0x20) *p = '?';
    j = json_string(copy);
    free(copy);
    return j;
}

static int write_error(FILE *out, long lineno, const sqlambda_result *res) {
    const char *type = res->error_type && *res->error_type ? res->error_type
                                                           : sqlambda_status_name(res->status);
    json_t *err = json_object();
    json_t *top = json_object();
    int bad = !err || !top;
    bad |= json_object_set_new(err, "line", json_integer(lineno));
    bad |= json_object_set_new(err, "status", safe_string(sqlambda_status_name(res->status)));
    bad |= json_object_set_new(err, "type", safe_string(type));
    bad |= json_object_set_new(err, "message", safe_string(res->message));
    if (res->http_status) bad |= json_object_set_new(err, "http_status", json_integer(res->http_status));
    bad |= json_object_set_new(top, "error", err);
    err = NULL;
    char *text = bad ? NULL : json_dumps(top, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(top);
    json_decref(err);
    if (!text) return -1;
    fputs(text, out);
    fputc('\n', out);
    free(text);
    return 0;
}

int cli_write_result_line(FILE *out, long lineno, const sqlambda_result *res) {
    if (res->status != SQLAMBDA_OK) return write_error(out, lineno, res);
    const char *p = res->payload ? res->payload : "", *end = p + res->payload_len;
    while (end > p && (end[-1] == '\n' || end[-1] == '\r')) end--;
    if (end == p) { /* Event (202), DryRun (204): no body */
        fprintf(out, "{\"StatusCode\":%ld}\n", res->http_status);
        return 0;
    }
    while (p < end) {
        const char *brk = p;
        while (brk < end && *brk != '\n' && *brk != '\r') brk++;
        fwrite(p, 1, (size_t)(brk - p), out);
        if (brk < end) fputc(' ', out);
        p = brk + 1;
    }
    fputc('\n', out);
    return 0;
}
