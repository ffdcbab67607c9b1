/*
 * profiles.c — a named profile across both shared files: loading the
 * credentials and config files once, and looking up profile keys the way
 * the SDKs merge them ([name] in credentials, [profile name] in config).
 */
#include "ini.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sqlambda_profiles_load(sqlambda_profiles *p) {
    memset(p, 0, sizeof *p);
    p->credentials_path = sqlambda_credentials_file_path();
    p->config_path = sqlambda_config_file_path();
    p->credentials = sqlambda_ini_load(p->credentials_path, &p->credentials_mtime);
    p->config = sqlambda_ini_load(p->config_path, &p->config_mtime);
    if (!p->credentials || !p->config) {
        sqlambda_profiles_free(p);
        return -1;
    }
    const char *why = sqlambda_ini_error(p->credentials);
    if (!why) why = sqlambda_ini_error(p->config);
    if (why) sqlambda_fmt(p->error, sizeof p->error, "%s", why);
    return 0;
}

void sqlambda_profiles_free(sqlambda_profiles *p) {
    sqlambda_ini_free(p->credentials);
    sqlambda_ini_free(p->config);
    free(p->credentials_path);
    free(p->config_path);
    memset(p, 0, sizeof *p);
}

/* The config file's section for profile: [profile x]; for "default" the
 * SDKs take [profile default] when present, else [default]. */
static int config_section(const sqlambda_profiles *p, const char *profile, char *out, size_t n) {
    if (strlen(profile) + 9 > n) return -1;
    snprintf(out, n, "profile %s", profile);
    if (strcmp(profile, "default") == 0 && !sqlambda_ini_has_section(p->config, out))
        snprintf(out, n, "default");
    return 0;
}

int sqlambda_profiles_exists(const sqlambda_profiles *p, const char *profile) {
    char sec[512];
    if (sqlambda_ini_has_section(p->credentials, profile)) return 1;
    return config_section(p, profile, sec, sizeof sec) == 0 &&
           sqlambda_ini_has_section(p->config, sec);
}

const char *sqlambda_profile_get_credfile(const sqlambda_profiles *p, const char *profile,
                                          const char *key) {
    return sqlambda_ini_get(p->credentials, profile, key);
}

const char *sqlambda_profile_get_config(const sqlambda_profiles *p, const char *profile,
                                        const char *key) {
    char sec[512];
    if (config_section(p, profile, sec, sizeof sec) != 0) return NULL;
    return sqlambda_ini_get(p->config, sec, key);
}

const char *sqlambda_profile_get(const sqlambda_profiles *p, const char *profile,
                                 const char *key) {
    const char *v = sqlambda_profile_get_credfile(p, profile, key);
    return v ? v : sqlambda_profile_get_config(p, profile, key);
}

const char *sqlambda_profile_service_get(const sqlambda_profiles *p, const char *profile,
                                         const char *service, const char *key) {
    const char *name = sqlambda_profile_get_config(p, profile, "services");
    char sec[512], k[256];
    if (!name || !*name || strlen(name) > 400) return NULL;
    snprintf(sec, sizeof sec, "services %s", name);
    snprintf(k, sizeof k, "%s.%s", service, key);
    return sqlambda_ini_get(p->config, sec, k);
}
