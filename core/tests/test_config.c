/* test_config.c — sqlambda_config_resolve's order for profile, region,
 * endpoint and max attempts; ignore-configured-endpoints; bad endpoint URLs;
 * missing profile; bad max attempts; partition endpoints; FIPS and
 * dual-stack flags and FIPS pseudo-regions; where each setting came from. */
#include "internal.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;
static char conf[256], cred[256];

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static void clear_aws_env(void) {
    for (;;) {
        char **e;
        for (e = environ; *e; e++)
            if (strncmp(*e, "AWS_", 4) == 0) break;
        if (!*e) break;
        char name[256];
        size_t n = strcspn(*e, "=");
        snprintf(name, sizeof name, "%.*s", (int)n, *e);
        unsetenv(name);
    }
    setenv("AWS_CONFIG_FILE", conf, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", cred, 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}

static sqlambda_config R(const sqlambda_options *o) {
    sqlambda_config c;
    sqlambda_config_resolve(o, &c);
    return c;
}

#define CHECK_FIELD(opts, field, want, name)        \
    do {                                          \
        sqlambda_config c_ = R(opts);             \
        is_str(c_.field, want, name);             \
        if (c_.error[0]) diag("error: %s", c_.error); \
        sqlambda_config_free(&c_);                \
    } while (0)

#define CHECK_ERROR(opts, pattern, name)                                        \
    do {                                                                      \
        sqlambda_config c_ = R(opts);                                         \
        if (!ok(strstr(c_.error, pattern) != NULL, name)) diag("error: '%s'", c_.error); \
        sqlambda_config_free(&c_);                                            \
    } while (0)

int main(void) {
    char dir[] = "/tmp/sqlambda-config-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    snprintf(conf, sizeof conf, "%s/config", dir);
    snprintf(cred, sizeof cred, "%s/credentials", dir);
    write_file(conf, "[default]\nregion = eu-confdefault-1\nmax_attempts = 5\n"
                     "[profile dev]\nregion = eu-dev-2\nendpoint_url = http://127.0.0.1:7001\n"
                     "services = local\n"
                     "[profile plain]\nendpoint_url = http://127.0.0.1:7002/\n"
                     "[profile ign]\nendpoint_url = http://127.0.0.1:7003\n"
                     "ignore_configured_endpoint_urls = true\n"
                     "[profile badurl]\nendpoint_url = ftp://127.0.0.1/\n"
                     "[profile nohost]\nendpoint_url = http://\n"
                     "[profile badattempts]\nmax_attempts = 0\n"
                     "[profile wordattempts]\nmax_attempts = three\n"
                     "[profile noregion]\n"
                     "[profile evilregion]\nregion = 127.0.0.1:9/#\n"
                     "[profile evilurl]\nendpoint_url = http://user:pw@127.0.0.1:9/\n"
                     "[profile fips]\nuse_fips_endpoint = TRUE\nuse_dualstack_endpoint = false\n"
                     "[profile badfips]\nuse_fips_endpoint = yes\n"
                     "[profile baddual]\nuse_dualstack_endpoint = 1\n"
                     "[profile pseudo]\nregion = fips-us-gov-west-1\n"
                     "[profile badpseudo]\nregion = us-east-1-fips-\n"
                     "[profile legacy]\nretry_mode = legacy\n"
                     "[profile legacy7]\nretry_mode = legacy\nmax_attempts = 7\n"
                     "[profile adaptive]\nretry_mode = adaptive\n"
                     "[services local]\nlambda =\n  endpoint_url = http://127.0.0.1:7004\n"
                     "sts =\n  endpoint_url = http://127.0.0.1:7005\n");
    write_file(cred, "[credonly]\naws_access_key_id = A\naws_secret_access_key = B\n"
                     "region = eu-cred-3\n");
    sqlambda_options o = {0};
    clear_aws_env();

    /* profile */
    CHECK_FIELD(&o, profile, "default", "profile defaults to \"default\"");
    setenv("AWS_PROFILE", "dev", 1);
    CHECK_FIELD(&o, profile, "dev", "AWS_PROFILE used");
    o.profile = "plain";
    CHECK_FIELD(&o, profile, "plain", "options profile beats AWS_PROFILE");
    o.profile = "credonly";
    CHECK_FIELD(&o, profile, "credonly", "profile only in the credentials file exists");
    o.profile = "nosuch";
    CHECK_ERROR(&o, "profile \"nosuch\" not found in", "explicit missing profile is an error");
    o.profile = "no\r\nsuch";
    CHECK_ERROR(&o, "profile \"no\\x0D\\x0Asuch\" not found in", "a missing profile's name is shown safely");
    o.profile = "nosuch";
    CHECK_ERROR(&o, conf, "missing profile error names the config file");
    o.profile = NULL;
    setenv("AWS_PROFILE", "ghost", 1);
    CHECK_ERROR(&o, "profile \"ghost\" not found", "missing AWS_PROFILE profile is an error");
    unsetenv("AWS_PROFILE");
    unlink(conf);
    {
        sqlambda_config c = R(&o);
        ok(c.error[0] == 0 && c.region == NULL, "no files and default profile: no error, no region");
        sqlambda_config_free(&c);
    }
    write_file(conf, "[default]\nregion = eu-confdefault-1\nmax_attempts = 5\n"
                     "[profile dev]\nregion = eu-dev-2\nendpoint_url = http://127.0.0.1:7001\n"
                     "services = local\n"
                     "[profile plain]\nendpoint_url = http://127.0.0.1:7002/\n"
                     "[profile ign]\nendpoint_url = http://127.0.0.1:7003\n"
                     "ignore_configured_endpoint_urls = true\n"
                     "[profile badurl]\nendpoint_url = ftp://127.0.0.1/\n"
                     "[profile nohost]\nendpoint_url = http://\n"
                     "[profile badattempts]\nmax_attempts = 0\n"
                     "[profile wordattempts]\nmax_attempts = three\n"
                     "[profile noregion]\n"
                     "[profile evilregion]\nregion = 127.0.0.1:9/#\n"
                     "[profile evilurl]\nendpoint_url = http://user:pw@127.0.0.1:9/\n"
                     "[profile fips]\nuse_fips_endpoint = TRUE\nuse_dualstack_endpoint = false\n"
                     "[profile badfips]\nuse_fips_endpoint = yes\n"
                     "[profile baddual]\nuse_dualstack_endpoint = 1\n"
                     "[profile pseudo]\nregion = fips-us-gov-west-1\n"
                     "[profile badpseudo]\nregion = us-east-1-fips-\n"
                     "[profile legacy]\nretry_mode = legacy\n"
                     "[profile legacy7]\nretry_mode = legacy\nmax_attempts = 7\n"
                     "[profile adaptive]\nretry_mode = adaptive\n"
                     "[services local]\nlambda =\n  endpoint_url = http://127.0.0.1:7004\n");

    /* region */
    CHECK_FIELD(&o, region, "eu-confdefault-1", "region from the profile");
    o.profile = "credonly";
    CHECK_FIELD(&o, region, "eu-cred-3", "region from the credentials file profile");
    o.profile = NULL;
    setenv("AWS_DEFAULT_REGION", "ap-envdefault-4", 1);
    CHECK_FIELD(&o, region, "ap-envdefault-4", "AWS_DEFAULT_REGION beats profile");
    setenv("AWS_REGION", "ap-env-5", 1);
    CHECK_FIELD(&o, region, "ap-env-5", "AWS_REGION beats AWS_DEFAULT_REGION");
    o.region = "sa-opt-6";
    CHECK_FIELD(&o, region, "sa-opt-6", "options region beats AWS_REGION");
    o.region = NULL;
    unsetenv("AWS_REGION");
    unsetenv("AWS_DEFAULT_REGION");
    o.profile = "noregion";
    CHECK_FIELD(&o, region, NULL, "no region anywhere, IMDS disabled: NULL");
    setenv("AWS_REGION", "", 1);
    CHECK_FIELD(&o, region, NULL, "empty AWS_REGION is ignored");
    unsetenv("AWS_REGION");
    o.profile = NULL;

    /* a region from any source becomes the endpoint host: hostile ones are
     * errors naming the source, and no region is kept */
    o.region = "evil.example/#";
    CHECK_ERROR(&o, "the region setting \"evil.example/#\" is not an AWS region name",
                "hostile options region rejected, named");
    CHECK_FIELD(&o, region, NULL, "hostile options region is not kept");
    o.region = NULL;
    setenv("AWS_REGION", "127.0.0.1:9999/x?", 1);
    CHECK_ERROR(&o, "AWS_REGION \"127.0.0.1:9999/x?\"", "hostile AWS_REGION rejected, named");
    setenv("AWS_REGION", "us-east-1\r\nX: y", 1);
    CHECK_ERROR(&o, "AWS_REGION \"us-east-1\\x0D\\x0AX: y\"", "AWS_REGION with CR/LF shown as hex");
    unsetenv("AWS_REGION");
    setenv("AWS_DEFAULT_REGION", "US-EAST-1", 1);
    CHECK_ERROR(&o, "AWS_DEFAULT_REGION \"US-EAST-1\"", "uppercase AWS_DEFAULT_REGION rejected, named");
    unsetenv("AWS_DEFAULT_REGION");
    o.profile = "evilregion";
    CHECK_ERROR(&o, "the profile's region \"127.0.0.1:9/#\"", "hostile profile region rejected, named");
    o.profile = "evilurl";
    CHECK_ERROR(&o, "(from the profile's endpoint_url): has userinfo", "profile endpoint with userinfo rejected");
    o.profile = NULL;
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9/#frag", 1);
    CHECK_ERROR(&o, "(from AWS_ENDPOINT_URL): has a fragment", "AWS_ENDPOINT_URL with a fragment rejected");
    unsetenv("AWS_ENDPOINT_URL");

    /* endpoint */
    CHECK_FIELD(&o, endpoint_url, NULL, "no endpoint configured: NULL (derive)");
    o.profile = "plain";
    CHECK_FIELD(&o, endpoint_url, "http://127.0.0.1:7002/", "profile endpoint_url");
    o.profile = "dev";
    CHECK_FIELD(&o, endpoint_url, "http://127.0.0.1:7004", "services section beats profile endpoint_url");
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:7010", 1);
    CHECK_FIELD(&o, endpoint_url, "http://127.0.0.1:7010", "AWS_ENDPOINT_URL beats services section");
    setenv("AWS_ENDPOINT_URL_LAMBDA", "https://lambda.example.test", 1);
    CHECK_FIELD(&o, endpoint_url, "https://lambda.example.test", "AWS_ENDPOINT_URL_LAMBDA beats AWS_ENDPOINT_URL");
    o.endpoint_url = "http://127.0.0.1:7020";
    CHECK_FIELD(&o, endpoint_url, "http://127.0.0.1:7020", "options endpoint beats everything");
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
    CHECK_FIELD(&o, endpoint_url, "http://127.0.0.1:7020", "options endpoint kept when ignoring configured ones");
    o.endpoint_url = NULL;
    CHECK_FIELD(&o, endpoint_url, NULL, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores env and profile");
    unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_LAMBDA");
    o.profile = "ign";
    CHECK_FIELD(&o, endpoint_url, NULL, "profile ignore_configured_endpoint_urls=true");
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:7011", 1);
    CHECK_FIELD(&o, endpoint_url, NULL, "profile ignore also ignores AWS_ENDPOINT_URL");
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false", 1);
    CHECK_FIELD(&o, endpoint_url, "http://127.0.0.1:7011", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=false overrides the profile");
    unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    unsetenv("AWS_ENDPOINT_URL");
    o.profile = "badurl";
    CHECK_ERROR(&o, "scheme must be http or https", "ftp endpoint rejected");
    CHECK_ERROR(&o, "the profile's endpoint_url", "bad endpoint error names its source");
    o.profile = "nohost";
    CHECK_ERROR(&o, "invalid endpoint URL \"http://\"", "endpoint without host rejected");
    o.profile = NULL;
    setenv("AWS_ENDPOINT_URL_LAMBDA", "not a url", 1);
    CHECK_ERROR(&o, "AWS_ENDPOINT_URL_LAMBDA", "bad AWS_ENDPOINT_URL_LAMBDA rejected, named");
    unsetenv("AWS_ENDPOINT_URL_LAMBDA");
    o.endpoint_url = "lambda.us-east-1.amazonaws.com";
    CHECK_ERROR(&o, "invalid endpoint URL", "scheme-less options endpoint rejected");
    o.endpoint_url = "https://host with space/";
    CHECK_ERROR(&o, "invalid endpoint URL", "endpoint with a space rejected");
    o.endpoint_url = NULL;

    /* max attempts */
    {
        sqlambda_config c = R(&o);
        is_int(c.max_attempts, 5, "max_attempts from the profile");
        sqlambda_config_free(&c);
        o.profile = "noregion";
        c = R(&o);
        is_int(c.max_attempts, 3, "max_attempts defaults to 3");
        sqlambda_config_free(&c);
        o.profile = NULL;
        setenv("AWS_MAX_ATTEMPTS", "7", 1);
        c = R(&o);
        is_int(c.max_attempts, 7, "AWS_MAX_ATTEMPTS beats the profile");
        sqlambda_config_free(&c);
        o.max_attempts = 2;
        c = R(&o);
        is_int(c.max_attempts, 2, "options max_attempts beats AWS_MAX_ATTEMPTS");
        sqlambda_config_free(&c);
        o.max_attempts = -1;
        CHECK_ERROR(&o, "invalid max_attempts -1", "negative options max_attempts rejected");
        o.max_attempts = 0;
        setenv("AWS_MAX_ATTEMPTS", "0", 1);
        CHECK_ERROR(&o, "invalid max_attempts \"0\" (from AWS_MAX_ATTEMPTS)", "AWS_MAX_ATTEMPTS=0 rejected, named");
        setenv("AWS_MAX_ATTEMPTS", "4x", 1);
        CHECK_ERROR(&o, "invalid max_attempts \"4x\"", "AWS_MAX_ATTEMPTS=4x rejected");
        unsetenv("AWS_MAX_ATTEMPTS");
        o.profile = "badattempts";
        CHECK_ERROR(&o, "(from the profile's max_attempts)", "profile max_attempts = 0 rejected");
        o.profile = "wordattempts";
        CHECK_ERROR(&o, "invalid max_attempts \"three\"", "profile max_attempts = three rejected");
        o.profile = NULL;

        /* the caps every adapter's settings use (SQLAMBDA_*_MAX) */
        o.max_attempts = SQLAMBDA_MAX_ATTEMPTS_MAX;
        c = R(&o);
        is_int(c.max_attempts, 100, "options max_attempts 100 (the cap) accepted");
        ok(c.error[0] == '\0', "options max_attempts 100: no error");
        sqlambda_config_free(&c);
        o.max_attempts = SQLAMBDA_MAX_ATTEMPTS_MAX + 1;
        CHECK_ERROR(&o, "invalid max_attempts 101 (from the options): must be from 1 to 100",
                    "options max_attempts 101 (cap + 1) rejected, naming the cap");
        o.max_attempts = 0;
        setenv("AWS_MAX_ATTEMPTS", "100", 1);
        c = R(&o);
        is_int(c.max_attempts, 100, "AWS_MAX_ATTEMPTS=100 accepted");
        sqlambda_config_free(&c);
        setenv("AWS_MAX_ATTEMPTS", "101", 1);
        CHECK_ERROR(&o, "invalid max_attempts \"101\" (from AWS_MAX_ATTEMPTS): must be an integer from 1 to 100",
                    "AWS_MAX_ATTEMPTS=101 rejected");
        unsetenv("AWS_MAX_ATTEMPTS");
        struct { long *field; long cap; const char *want; } t[] = {
            {&o.connect_timeout_ms, SQLAMBDA_CONNECT_TIMEOUT_MS_MAX,
             "invalid connect_timeout_ms 900001 (from the options): must be from 1 to 900000"},
            {&o.request_timeout_ms, SQLAMBDA_REQUEST_TIMEOUT_MS_MAX,
             "invalid request_timeout_ms 960001 (from the options): must be from 1 to 960000"},
            {&o.credential_timeout_ms, SQLAMBDA_CREDENTIAL_TIMEOUT_MS_MAX,
             "invalid credential_timeout_ms 3600001 (from the options): must be from 1 to 3600000"},
        };
        for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
            *t[i].field = t[i].cap;
            c = R(&o);
            ok(c.error[0] == '\0', "timeout option at its cap %ld accepted", t[i].cap);
            sqlambda_config_free(&c);
            *t[i].field = t[i].cap + 1;
            CHECK_ERROR(&o, t[i].want, "timeout option over its cap rejected, naming it");
            *t[i].field = -1;
            CHECK_ERROR(&o, "(from the options): must be from 1 to", "negative timeout option rejected");
            *t[i].field = 0;
        }
    }

    /* IMDS region: unreachable endpoint gives NULL quickly, no error */
    unsetenv("AWS_EC2_METADATA_DISABLED");
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1", 1);
    o.profile = "noregion";
    {
        double t0 = sqlambda_now_ms();
        sqlambda_config c = R(&o);
        ok(c.region == NULL && c.error[0] == 0, "unreachable IMDS: no region, no error");
        ok(sqlambda_now_ms() - t0 < 3000, "unreachable IMDS gives up quickly");
        sqlambda_config_free(&c);
    }
    o.profile = NULL;

    /* FIPS / dual-stack flags: variable, then profile key, else false */
    {
        sqlambda_config c = R(&o);
        ok(!c.use_fips && !c.use_dualstack && !strcmp(c.fips_from.type, "default"),
           "FIPS and dual-stack off by default");
        sqlambda_config_free(&c);
        o.profile = "fips";
        c = R(&o);
        ok(c.use_fips && !c.use_dualstack && !c.error[0], "profile use_fips_endpoint = TRUE");
        is_str(c.fips_from.type, "config-file", "FIPS flag's origin: the config file");
        ok(strstr(c.fips_from.where, "(profile \"fips\")") != NULL, "origin names the profile");
        sqlambda_config_free(&c);
        setenv("AWS_USE_FIPS_ENDPOINT", "false", 1);
        setenv("AWS_USE_DUALSTACK_ENDPOINT", "True", 1);
        c = R(&o);
        ok(!c.use_fips && c.use_dualstack, "variables win over the profile's keys");
        is_str(c.dualstack_from.where, "AWS_USE_DUALSTACK_ENDPOINT", "origin names the variable");
        sqlambda_config_free(&c);
        setenv("AWS_USE_FIPS_ENDPOINT", "", 1);
        c = R(&o);
        ok(!c.use_fips && !c.error[0], "an empty AWS_USE_FIPS_ENDPOINT is false (botocore)");
        sqlambda_config_free(&c);
        setenv("AWS_USE_FIPS_ENDPOINT", "yes", 1);
        CHECK_ERROR(&o, "invalid AWS_USE_FIPS_ENDPOINT \"yes\": must be true or false",
                    "AWS_USE_FIPS_ENDPOINT=yes refused, naming the variable");
        unsetenv("AWS_USE_FIPS_ENDPOINT");
        setenv("AWS_USE_DUALSTACK_ENDPOINT", "1", 1);
        CHECK_ERROR(&o, "invalid AWS_USE_DUALSTACK_ENDPOINT \"1\"",
                    "AWS_USE_DUALSTACK_ENDPOINT=1 refused, naming the variable");
        unsetenv("AWS_USE_DUALSTACK_ENDPOINT");
        o.profile = "badfips";
        CHECK_ERROR(&o, "invalid use_fips_endpoint of ", "profile use_fips_endpoint = yes refused");
        CHECK_ERROR(&o, "(profile \"badfips\") \"yes\": must be true or false",
                    "... naming the profile and the value");
        o.profile = "baddual";
        CHECK_ERROR(&o, "invalid use_dualstack_endpoint of ",
                    "profile use_dualstack_endpoint = 1 refused");
        o.profile = "pseudo";
        c = R(&o);
        is_str(c.region, "us-gov-west-1", "FIPS pseudo-region: the region without fips-");
        ok(c.use_fips && !strcmp(c.fips_from.type, "region"), "... and FIPS on");
        sqlambda_config_free(&c);
        setenv("AWS_REGION", "us-east-1-fips", 1);
        setenv("AWS_USE_FIPS_ENDPOINT", "false", 1);
        c = R(&o);
        ok(c.use_fips && !strcmp(c.region, "us-east-1"),
           "-fips suffix: FIPS on whatever AWS_USE_FIPS_ENDPOINT says (botocore)");
        sqlambda_config_free(&c);
        unsetenv("AWS_REGION");
        unsetenv("AWS_USE_FIPS_ENDPOINT");
        o.profile = "badpseudo";
        CHECK_ERROR(&o, "the profile's region \"us-east-1-fips-\" is not an AWS region name",
                    "a pseudo-region that is no region once stripped: named as given");
        o.profile = NULL;
    }

    /* retry_mode: variable, profile, else standard; legacy's default is 5 attempts */
    {
        sqlambda_config c = R(&o);
        ok(!c.retry_legacy && !strcmp(c.retry_mode_from.type, "default"), "standard by default");
        sqlambda_config_free(&c);
        o.profile = "legacy";
        c = R(&o);
        ok(c.retry_legacy && c.max_attempts == 5 && !c.error[0], "profile legacy: 5 attempts");
        is_str(c.retry_mode_from.type, "config-file", "retry_mode's origin: the config file");
        is_str(c.attempts_from.where, "retry_mode legacy", "max_attempts' origin: legacy's default");
        sqlambda_config_free(&c);
        o.profile = "legacy7";
        c = R(&o);
        ok(c.retry_legacy && c.max_attempts == 7, "profile legacy + max_attempts 7");
        sqlambda_config_free(&c);
        setenv("AWS_RETRY_MODE", "standard", 1);
        c = R(&o);
        ok(!c.retry_legacy && c.max_attempts == 7, "AWS_RETRY_MODE wins over the profile's");
        sqlambda_config_free(&c);
        o.profile = NULL;
        setenv("AWS_RETRY_MODE", "legacy", 1);
        setenv("AWS_MAX_ATTEMPTS", "2", 1);
        c = R(&o);
        ok(c.retry_legacy && c.max_attempts == 2, "legacy + AWS_MAX_ATTEMPTS=2");
        sqlambda_config_free(&c);
        unsetenv("AWS_MAX_ATTEMPTS");
        setenv("AWS_RETRY_MODE", "adaptive", 1);
        c = R(&o);
        ok(c.retry_adaptive && !c.retry_legacy && c.max_attempts == 5 && !c.error[0],
           "AWS_RETRY_MODE=adaptive (the default profile's max_attempts 5)");
        is_str(c.retry_mode_from.where, "AWS_RETRY_MODE", "adaptive's origin: the variable");
        sqlambda_config_free(&c);
        setenv("AWS_RETRY_MODE", "STANDARD", 1);
        CHECK_ERROR(&o, "invalid AWS_RETRY_MODE \"STANDARD\": must be standard, legacy or adaptive",
                    "AWS_RETRY_MODE=STANDARD refused (exact names, as botocore)");
        unsetenv("AWS_RETRY_MODE");
        o.profile = "adaptive";
        c = R(&o);
        ok(c.retry_adaptive && c.max_attempts == 3 && !c.error[0], "profile retry_mode = adaptive");
        is_str(c.retry_mode_from.type, "config-file", "adaptive's origin: the config file");
        sqlambda_config_free(&c);
        setenv("AWS_RETRY_MODE", "legacy", 1);
        c = R(&o);
        ok(c.retry_legacy && !c.retry_adaptive, "AWS_RETRY_MODE=legacy wins over profile adaptive");
        sqlambda_config_free(&c);
        unsetenv("AWS_RETRY_MODE");
        o.profile = NULL;
    }

    /* partitions */
    static const char *parts[][2] = {
        {"us-east-1", "https://lambda.us-east-1.amazonaws.com"},
        {"eu-west-3", "https://lambda.eu-west-3.amazonaws.com"},
        {"cn-north-1", "https://lambda.cn-north-1.amazonaws.com.cn"},
        {"cn-northwest-1", "https://lambda.cn-northwest-1.amazonaws.com.cn"},
        {"us-gov-west-1", "https://lambda.us-gov-west-1.amazonaws.com"},
        {"us-iso-east-1", "https://lambda.us-iso-east-1.c2s.ic.gov"},
        {"us-isob-east-1", "https://lambda.us-isob-east-1.sc2s.sgov.gov"},
    };
    for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++) {
        char *e = sqlambda_default_endpoint(parts[k][0], false, false);
        char name[80];
        snprintf(name, sizeof name, "default endpoint for %s", parts[k][0]);
        is_str(e, parts[k][1], name);
        free(e);
    }
    /* FIPS / dual-stack (the whole matrix against botocore: t_endpoint_diff.py) */
    static const char *variants[][4] = {
        {"us-east-1", "1", "0", "https://lambda-fips.us-east-1.amazonaws.com"},
        {"us-east-1", "0", "1", "https://lambda.us-east-1.api.aws"},
        {"us-east-1", "1", "1", "https://lambda-fips.us-east-1.api.aws"},
        {"cn-north-1", "0", "1", "https://lambda.cn-north-1.api.amazonwebservices.com.cn"},
        {"cn-north-1", "1", "0", "https://lambda-fips.cn-north-1.amazonaws.com.cn"},
        {"us-gov-east-1", "1", "1", "https://lambda-fips.us-gov-east-1.api.aws"},
        {"us-iso-east-1", "0", "1", "https://lambda.us-iso-east-1.api.aws.ic.gov"},
        {"us-isob-east-1", "1", "1", "https://lambda-fips.us-isob-east-1.api.aws.scloud"},
    };
    for (size_t k = 0; k < sizeof variants / sizeof variants[0]; k++) {
        char *e = sqlambda_default_endpoint(variants[k][0], variants[k][1][0] == '1',
                                            variants[k][2][0] == '1');
        char name[80];
        snprintf(name, sizeof name, "endpoint for %s fips=%s dualstack=%s", variants[k][0],
                 variants[k][1], variants[k][2]);
        is_str(e, variants[k][3], name);
        free(e);
    }
    ok(sqlambda_default_endpoint("", false, false) == NULL &&
           sqlambda_default_endpoint(NULL, true, true) == NULL,
       "no region, no default endpoint");
    unlink(conf);
    unlink(cred);
    rmdir(dir);
    return tap_done();
}
