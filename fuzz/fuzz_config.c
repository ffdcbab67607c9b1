/*
 * fuzz_config.c — the whole configuration resolution (config.c): profile,
 * max_attempts, endpoint (services sections, ignore_configured_endpoint_urls)
 * and region, read from fuzzed shared files the way a client reads them
 * (AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE point at memory files).
 * Properties: a resolved endpoint and region pass core's validators, and
 * so does the endpoint derived from the region with the resolved FIPS and
 * dual-stack flags (use_fips_endpoint, use_dualstack_endpoint, pseudo-regions);
 * retry_mode legacy's default is 5 attempts, standard's 3;
 * max_attempts is 1-100; the error is terminated.
 * Input: "<profile>\0<credentials file>\0<config file>" (empty profile:
 * the default).
 */
#include "fuzz_fields.h"
#include "internal.h"
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

static int cred_fd = -1, conf_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    char path[64];
    cred_fd = memfd_create("fuzz-credentials", 0);
    conf_fd = memfd_create("fuzz-config", 0);
    if (cred_fd < 0 || conf_fd < 0) abort();
    snprintf(path, sizeof path, "/proc/self/fd/%d", cred_fd);
    setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
    snprintf(path, sizeof path, "/proc/self/fd/%d", conf_fd);
    setenv("AWS_CONFIG_FILE", path, 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1); /* never ask the network */
    static const char *unset[] = {"AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
                                  "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_LAMBDA",
                                  "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_MAX_ATTEMPTS",
                                  "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT",
                                  "AWS_RETRY_MODE"};
    for (size_t i = 0; i < sizeof unset / sizeof *unset; i++) unsetenv(unset[i]);
    return 0;
}

static void fill(int fd, const char *text, size_t n) {
    if (ftruncate(fd, 0) != 0 || pwrite(fd, text, n, 0) != (ssize_t)n) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_fields ff;
    if (fuzz_split(data, size, '\0', 3, &ff) != 0) goto out;
    fill(cred_fd, ff.n > 1 ? ff.f[1] : "", ff.n > 1 ? ff.len[1] : 0);
    fill(conf_fd, ff.n > 2 ? ff.f[2] : "", ff.n > 2 ? ff.len[2] : 0);
    sqlambda_options opts;
    memset(&opts, 0, sizeof opts);
    opts.profile = ff.len[0] ? ff.f[0] : NULL;
    sqlambda_config cfg;
    sqlambda_config_resolve(&opts, &cfg);
    char err[256];
    if (!memchr(cfg.error, 0, sizeof cfg.error)) abort();
    if (cfg.max_attempts < 1 || cfg.max_attempts > 100) abort();
    if (cfg.endpoint_url && sqlambda_check_endpoint_url(cfg.endpoint_url, err, sizeof err) != SQLAMBDA_OK)
        abort();
    if (cfg.region && sqlambda_check_region(cfg.region, err, sizeof err) != SQLAMBDA_OK) abort();
    if (cfg.region) {
        char *derived = sqlambda_default_endpoint(cfg.region, cfg.use_fips, cfg.use_dualstack);
        if (!derived || sqlambda_check_endpoint_url(derived, err, sizeof err) != SQLAMBDA_OK)
            abort();
        free(derived);
    }
    if (!cfg.error[0] && (!cfg.profile_from.type || !cfg.fips_from.type || !cfg.attempts_from.type ||
                          !cfg.retry_mode_from.type))
        abort();
    if (!cfg.error[0] && !strcmp(cfg.attempts_from.type, "default") &&
        cfg.max_attempts != (cfg.retry_legacy ? 5 : 3))
        abort();
    if (!cfg.profile && !cfg.error[0]) abort();
    sqlambda_config_free(&cfg);
out:
    fuzz_fields_free(&ff);
    return 0;
}
