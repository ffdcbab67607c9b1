/*
 * tool_creds.c — drives config resolution and the credential chain for
 * t_credentials.sh (run as $SQLAMBDA_WRAP tool_creds ...).
 *   tool_creds config [--profile P] [--region R] [--endpoint-url U]
 *   tool_creds get [--profile P] [--region R] [--access-key K] [--secret-key S]
 *                  [--session-token T] [--repeat N] [--threads T]
 *                  [--between CMD] [--show-secret]
 *   tool_creds endpoints [--profile P] [--region R] [--sso-region R]
 *     prints "sts=<url> sign_region=<r>", "sso=<portal url>" and
 *     "oidc=<sso-oidc url>" (or "<name>-error=<message>") as the credential
 *     providers would reach them, for t_sts_sso_endpoints.py
 * get prints one line per successful get:
 *   source=<s> akid=<id> token=<yes|no> expires_in=<seconds|never> [secret=<s>]
 * or "error status=<name> <message>" and exits 2.
 */
#include "creds_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static sqlambda_options opts;
static int repeat = 1, nthreads = 0, show_secret = 0;
static const char *between = NULL, *sso_region = "us-east-1";
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static int one_get(sqlambda_creds_provider *p) {
    sqlambda_creds c;
    char err[512];
    sqlambda_status st = sqlambda_creds_get(p, &c, err, sizeof err);
    pthread_mutex_lock(&out_lock);
    if (st != SQLAMBDA_OK) {
        printf("error status=%s %s\n", sqlambda_status_name(st), err);
    } else {
        char exp[32] = "never";
        if (c.expiration) snprintf(exp, sizeof exp, "%lld", (long long)(c.expiration - time(NULL)));
        printf("source=%s akid=%s token=%s expires_in=%s", c.source, c.access_key_id,
               c.session_token ? "yes" : "no", exp);
        if (show_secret)
            printf(" secret=%s session_token=%s", c.secret_access_key,
                   c.session_token ? c.session_token : "");
        printf("\n");
    }
    fflush(stdout);
    pthread_mutex_unlock(&out_lock);
    sqlambda_creds_clear(&c);
    return st == SQLAMBDA_OK ? 0 : 2;
}

static int run_gets(void) {
    sqlambda_config cfg;
    sqlambda_config_resolve(&opts, &cfg);
    if (cfg.error[0]) {
        printf("error status=%s %s\n", sqlambda_status_name(SQLAMBDA_E_CONFIG), cfg.error);
        sqlambda_config_free(&cfg);
        return 2;
    }
    sqlambda_creds_provider *p = sqlambda_creds_provider_new(&opts, &cfg);
    int rc = 0;
    for (int i = 0; i < repeat && p; i++) {
        if (i > 0 && between && system(between) != 0) fprintf(stderr, "between command failed\n");
        rc |= one_get(p);
    }
    sqlambda_creds_provider_free(p);
    sqlambda_config_free(&cfg);
    return p ? rc : 3;
}

/* The STS and SSO portal URLs a chain of this client would use. */
static int run_endpoints(void) {
    sqlambda_config cfg;
    sqlambda_profiles files;
    sqlambda_config_resolve(&opts, &cfg);
    if (cfg.error[0]) {
        printf("error status=%s %s\n", sqlambda_status_name(SQLAMBDA_E_CONFIG), cfg.error);
        sqlambda_config_free(&cfg);
        return 2;
    }
    if (sqlambda_profiles_load(&files) != 0) return 3;
    sqlambda_waiter w = {0};
    creds_ctx ctx = {cfg.profile, &files, cfg.region, &w, 0, "t", 0, NULL, cfg.profile,
                     cfg.use_fips, cfg.use_dualstack, cfg.use_fips_setting, NULL, NULL};
    char err[400];
    const char *sign = NULL;
    char *u = sqlambda_sts_url(&ctx, &sign, err, sizeof err);
    if (u) printf("sts=%s sign_region=%s\n", u, sign);
    else printf("sts-error=%s\n", err);
    free(u);
    u = sqlambda_sso_portal_url(&ctx, sso_region, err, sizeof err);
    if (u) printf("sso=%s\n", u);
    else printf("sso-error=%s\n", err);
    free(u);
    u = sqlambda_sso_oidc_url(&ctx, sso_region, err, sizeof err);
    if (u) printf("oidc=%s\n", u);
    else printf("oidc-error=%s\n", err);
    free(u);
    sqlambda_profiles_free(&files);
    sqlambda_config_free(&cfg);
    return 0;
}

static void *thread_main(void *arg) {
    (void)arg;
    return (void *)(long)run_gets();
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: tool_creds config|get [options]\n");
        return 64;
    }
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(name, field)                   \
    if (strcmp(a, name) == 0 && v) {       \
        field;                             \
        i++;                               \
        continue;                          \
    }
        OPT("--profile", opts.profile = v)
        OPT("--region", opts.region = v)
        OPT("--endpoint-url", opts.endpoint_url = v)
        OPT("--access-key", opts.access_key_id = v)
        OPT("--secret-key", opts.secret_access_key = v)
        OPT("--session-token", opts.session_token = v)
        OPT("--repeat", repeat = atoi(v))
        OPT("--threads", nthreads = atoi(v))
        OPT("--between", between = v)
        OPT("--sso-region", sso_region = v)
        if (strcmp(a, "--show-secret") == 0) {
            show_secret = 1;
            continue;
        }
        fprintf(stderr, "tool_creds: unknown option %s\n", a);
        return 64;
    }
    if (strcmp(argv[1], "config") == 0) {
        sqlambda_config c;
        sqlambda_config_resolve(&opts, &c);
        printf("profile=%s region=%s endpoint=%s max_attempts=%d error=%s\n",
               c.profile ? c.profile : "(null)", c.region ? c.region : "(null)",
               c.endpoint_url ? c.endpoint_url : "(null)", c.max_attempts, c.error);
        int rc = c.error[0] ? 2 : 0;
        sqlambda_config_free(&c);
        return rc;
    }
    if (strcmp(argv[1], "endpoints") == 0) return run_endpoints();
    if (strcmp(argv[1], "get") != 0) {
        fprintf(stderr, "tool_creds: unknown command %s\n", argv[1]);
        return 64;
    }
    if (nthreads <= 0) return run_gets();
    pthread_t th[64];
    if (nthreads > 64) nthreads = 64;
    for (int i = 0; i < nthreads; i++) pthread_create(&th[i], NULL, thread_main, NULL);
    int rc = 0;
    for (int i = 0; i < nthreads; i++) {
        void *r;
        pthread_join(th[i], &r);
        rc |= (int)(long)r;
    }
    return rc;
}
