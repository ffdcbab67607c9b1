/*
 * fuzz_ini.c — the AWS shared config/credentials file parser (ini.c, from a
 * buffer) and the profile lookups built on it (profiles.c): which section a
 * profile reads, nested "lambda =" properties, [services x] sections.
 * Input: "<profile>\0<credentials file>\0<config file>".
 */
#include "fuzz_fields.h"
#include "ini.h"

static const char *keys[] = {"region", "aws_access_key_id", "aws_secret_access_key",
                             "credential_process", "endpoint_url", "max_attempts",
                             "lambda.endpoint_url", "services", "web_identity_token_file"};

static void lookups(const sqlambda_profiles *p, const char *profile) {
    volatile size_t sink = 0; /* read every value to its end */
    sink += (size_t)sqlambda_profiles_exists(p, profile);
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        const char *v = sqlambda_profile_get(p, profile, keys[i]);
        if (v) sink += strlen(v);
        if ((v = sqlambda_profile_get_config(p, profile, keys[i]))) sink += strlen(v);
    }
    const char *v = sqlambda_profile_service_get(p, profile, "lambda", "endpoint_url");
    if (v) sink += strlen(v);
    sink += (size_t)sqlambda_is_true(sqlambda_profile_get_config(p, profile, "ignore_configured_endpoint_urls"));
    (void)sink;
}

/* The file's text without a terminating NUL (the parser takes a length). */
static sqlambda_ini *parse_exact(const fuzz_fields *ff, int i) {
    size_t n = i < ff->n ? ff->len[i] : 0;
    char *t = malloc(n ? n : 1);
    if (!t) return NULL;
    if (n) memcpy(t, ff->f[i], n);
    sqlambda_ini *ini = sqlambda_ini_parse(t, n);
    free(t);
    return ini;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_fields ff;
    if (fuzz_split(data, size, '\0', 3, &ff) != 0) goto out;
    sqlambda_profiles p = {0};
    p.credentials = parse_exact(&ff, 1);
    p.config = parse_exact(&ff, 2);
    if (p.credentials && p.config) {
        lookups(&p, ff.f[0]);
        lookups(&p, "default");
        sqlambda_ini_has_section(p.config, ff.f[0]);
    }
    sqlambda_profiles_free(&p);
out:
    fuzz_fields_free(&ff);
    return 0;
}
