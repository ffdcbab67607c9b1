/*
 * tool_describe.c — prints sqlambda_describe's answer as one JSON object
 * for t_endpoint_diff.py and t_describe.sh:
 *   tool_describe [--profile P] [--region R] [--endpoint-url U]
 *                 [--access-key K --secret-key S] [--no-credentials]
 * {"status": "OK", "error": "", "settings": {"region": {"value": ..,
 *  "type": .., "location": ..}, ...}} (null for what is not set).
 * Exit 0 when the status is OK, 2 otherwise, 1 on bad usage.
 */
#include "sqlambda.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static json_t *str_or_null(const char *s) { return s ? json_string(s) : json_null(); }

int main(int argc, char **argv) {
    sqlambda_options o;
    memset(&o, 0, sizeof o);
    int flags = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--no-credentials")) {
            flags |= SQLAMBDA_DESCRIBE_NO_CREDENTIALS;
            continue;
        }
        if (!v) {
            fprintf(stderr, "usage: %s [--profile P] [--region R] [--endpoint-url U] "
                            "[--access-key K --secret-key S] [--no-credentials]\n", argv[0]);
            return 1;
        }
        i++;
        if (!strcmp(a, "--profile")) o.profile = v;
        else if (!strcmp(a, "--region")) o.region = v;
        else if (!strcmp(a, "--endpoint-url")) o.endpoint_url = v;
        else if (!strcmp(a, "--access-key")) o.access_key_id = v;
        else if (!strcmp(a, "--secret-key")) o.secret_access_key = v;
        else {
            fprintf(stderr, "unknown option %s\n", a);
            return 1;
        }
    }
    sqlambda_description d;
    sqlambda_status st = sqlambda_describe(&o, flags, &d);
    json_t *settings = json_object();
    for (size_t i = 0; i < d.n; i++) {
        const sqlambda_setting *s = &d.settings[i];
        json_object_set_new(settings, s->name,
                            json_pack("{s:o,s:o,s:o}", "value", str_or_null(s->value), "type",
                                      str_or_null(s->type), "location",
                                      str_or_null(s->location)));
    }
    json_t *root = json_pack("{s:s,s:s,s:o}", "status", sqlambda_status_name(st), "error",
                             d.error, "settings", settings);
    char *text = json_dumps(root, JSON_SORT_KEYS);
    puts(text ? text : "{}");
    free(text);
    json_decref(root);
    sqlambda_description_free(&d);
    return st == SQLAMBDA_OK ? 0 : 2;
}
