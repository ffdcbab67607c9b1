/*
 * config_cmd.c — `sqlambda config`: what `sqlambda invoke` (and any client
 * made with the same settings) would use — profile, region, endpoint,
 * FIPS/dual-stack, max attempts, credentials — and where each came from,
 * the way `aws configure list` shows it. The facts are core's
 * (sqlambda_describe); this file only parses options and prints them, as
 * a table or (--json) one JSON object. Never a secret: core masks them.
 */
#include "cli.h"
#include "help_text.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_config_usage(FILE *out) { fputs(CLI_HELP_CONFIG, out); }

static int usage_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "sqlambda config: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see 'sqlambda config --help')\n");
    va_end(ap);
    return CLI_EXIT_USAGE;
}

static json_t *str_or_null(const char *s) { return s ? json_string(s) : json_null(); }

/* {"status":..,"error":..,"settings":{"<name>":{"value","type","location"},..}} */
static int print_json(const sqlambda_description *d) {
    json_t *settings = json_object();
    for (size_t i = 0; settings && i < d->n; i++) {
        const sqlambda_setting *s = &d->settings[i];
        json_object_set_new(settings, s->name,
                            json_pack("{s:o,s:o,s:o}", "value", str_or_null(s->value), "type",
                                      str_or_null(s->type), "location",
                                      str_or_null(s->location)));
    }
    json_t *root = json_pack("{s:s,s:s,s:o}", "status", sqlambda_status_name(d->status),
                             "error", d->error, "settings", settings);
    char *text = root ? json_dumps(root, JSON_PRESERVE_ORDER | JSON_INDENT(2)) : NULL;
    json_decref(root);
    if (!text) {
        fprintf(stderr, "sqlambda config: out of memory\n");
        return -1;
    }
    puts(text);
    free(text);
    return 0;
}

/* The table `aws configure list` prints: name, value, type, location. */
static void print_table(const sqlambda_description *d) {
    printf("%-22s %-44s %-24s %s\n", "NAME", "VALUE", "TYPE", "LOCATION");
    for (size_t i = 0; i < d->n; i++) {
        const sqlambda_setting *s = &d->settings[i];
        printf("%-22s %-44s %-24s %s\n", s->name, s->value ? s->value : "<not set>",
               s->type ? s->type : "-", s->location ? s->location : "-");
    }
}

int cli_config_main(int argc, char **argv) {
    sqlambda_options opts;
    memset(&opts, 0, sizeof opts);
    int json = 0, flags = 0;
    char err[512];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            cli_config_usage(stdout);
            return CLI_EXIT_OK;
        }
        if (!strcmp(a, "--json")) {
            json = 1;
            continue;
        }
        if (!strcmp(a, "--no-credentials")) {
            flags |= SQLAMBDA_DESCRIBE_NO_CREDENTIALS;
            continue;
        }
        int takes = !strcmp(a, "--region") || !strcmp(a, "--endpoint-url") ||
                    !strcmp(a, "--profile") || !strcmp(a, "--credential-timeout-ms");
        if (!takes) {
            if (a[0] == '-') return usage_error("unknown option '%s'", a);
            return usage_error("unexpected argument '%s'", a);
        }
        if (i + 1 >= argc) return usage_error("%s needs a value", a);
        const char *v = argv[++i];
        if (!strcmp(a, "--region")) {
            if (sqlambda_check_region(v, err, sizeof err) != SQLAMBDA_OK)
                return usage_error("invalid --region: %s", err);
            opts.region = v;
        } else if (!strcmp(a, "--endpoint-url")) {
            if (sqlambda_check_endpoint_url(v, err, sizeof err) != SQLAMBDA_OK)
                return usage_error("invalid --endpoint-url: %s", err);
            opts.endpoint_url = v;
        } else if (!strcmp(a, "--profile")) {
            if (sqlambda_check_profile(v, err, sizeof err) != SQLAMBDA_OK)
                return usage_error("invalid --profile: %s", err);
            opts.profile = v;
        } else {
            char *end;
            long ms = strtol(v, &end, 10);
            if (!*v || *end || ms < 1 || ms > SQLAMBDA_CREDENTIAL_TIMEOUT_MS_MAX)
                return usage_error("invalid --credential-timeout-ms '%.40s': expected 1 to %ld", v,
                                   SQLAMBDA_CREDENTIAL_TIMEOUT_MS_MAX);
            opts.credential_timeout_ms = ms;
            opts.credential_timeout_setting = "--credential-timeout-ms";
        }
    }
    sqlambda_description d;
    sqlambda_status st = sqlambda_describe(&opts, flags, &d);
    int rc = 0;
    if (json) rc = print_json(&d);
    else print_table(&d);
    if (st != SQLAMBDA_OK && !json) fprintf(stderr, "sqlambda config: %s\n", d.error);
    sqlambda_description_free(&d);
    if (rc != 0) return CLI_EXIT_FAILURE;
    return st == SQLAMBDA_OK ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}
