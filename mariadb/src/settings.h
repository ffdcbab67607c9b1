/*
 * settings.h — the plugin's settings (server system variables aws_lambda_*)
 * as one locked snapshot plus a generation number that changes whenever a
 * setting does, so each thread can tell when its client is stale.
 */
#ifndef MDB_SETTINGS_H
#define MDB_SETTINGS_H

typedef struct mdb_settings {
    char *endpoint_url;      /* NULL: core resolves (env, config files) */
    char *region;            /* NULL: core resolves */
    char *allowed_functions; /* NULL: any function */
    char *ca_bundle;         /* NULL: AWS_CA_BUNDLE, the profile, the system store */
    long request_timeout_ms; /* 0: core default */
    long connect_timeout_ms; /* 0: core default */
    long credential_timeout_ms; /* 0: each credential source's default */
    int max_attempts;        /* 0: core resolves */
    int active;              /* 1 while the plugin is installed; 0: refuse calls */
} mdb_settings;

typedef enum mdb_setting_str {
    MDB_SET_ENDPOINT_URL,
    MDB_SET_REGION,
    MDB_SET_ALLOWED_FUNCTIONS,
    MDB_SET_CA_BUNDLE
} mdb_setting_str;

typedef enum mdb_setting_num {
    MDB_SET_REQUEST_TIMEOUT_MS,
    MDB_SET_CONNECT_TIMEOUT_MS,
    MDB_SET_MAX_ATTEMPTS,
    MDB_SET_CREDENTIAL_TIMEOUT_MS
} mdb_setting_num;

/* Setters copy the value ("" or NULL clears) and bump the generation. */
int mdb_settings_set_str(mdb_setting_str which, const char *value); /* 0 or -1 (ENOMEM) */
void mdb_settings_set_num(mdb_setting_num which, long value);

/* The plugin was installed (1) or uninstalled (0); bumps the generation. */
void mdb_settings_set_active(int active);

/* Current generation (cheap, lock-free read). */
unsigned long mdb_settings_generation(void);

/* Copies the current settings into *out (strings malloc'd) and returns the
 * generation they belong to; 0 with *out zeroed when out of memory. */
unsigned long mdb_settings_snapshot(mdb_settings *out);
void mdb_settings_free(mdb_settings *s);

#endif /* MDB_SETTINGS_H */
