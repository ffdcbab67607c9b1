/*
 * ini.h — parser for the AWS shared config and credentials files
 * (~/.aws/config, ~/.aws/credentials), and the profile lookups built on it.
 * Used by config.c and the credential providers. Not installed.
 */
#ifndef SQLAMBDA_INI_H
#define SQLAMBDA_INI_H

#include "internal.h"
#include <sys/types.h>

#define SQLAMBDA_INI_MAX_FILE (4 * 1024 * 1024) /* bytes of one shared file */
#define SQLAMBDA_INI_MAX_LINE 65536             /* bytes of one line */

/* Parses text (len bytes). Never fails on syntax (bad lines are skipped, as
 * the SDKs do); returns NULL only when out of memory. A line over
 * SQLAMBDA_INI_MAX_LINE bytes or a NUL byte stops parsing and sets the
 * error (sqlambda_ini_error): oversize input is never silently cut. */
sqlambda_ini *sqlambda_ini_parse(const char *text, size_t len);
/* Parses a file; a missing file gives an empty ini. A file over
 * SQLAMBDA_INI_MAX_FILE bytes, a read error or a parse error gives an ini
 * whose error names the file (and line). *mtime (if not NULL) gets the
 * file's mtime, 0 when missing. */
sqlambda_ini *sqlambda_ini_load(const char *path, time_t *mtime);
/* Why the input was refused ("AWS shared file \"...\": line 3 is ..."), or NULL. */
const char *sqlambda_ini_error(const sqlambda_ini *ini);
void sqlambda_ini_free(sqlambda_ini *ini);
/* 1 if the section exists (exact, case-sensitive name after trimming). */
int sqlambda_ini_has_section(const sqlambda_ini *ini, const char *section);
/* Value of key (case-insensitive) in section, or NULL. Nested properties
 * ("lambda =" followed by indented "endpoint_url = x") are keyed
 * "lambda.endpoint_url". */
const char *sqlambda_ini_get(const sqlambda_ini *ini, const char *section, const char *key);

/* Paths: AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE, else $HOME/.aws/...
 * (a leading "~/" is expanded). malloc'd; NULL if no HOME and no override. */
char *sqlambda_credentials_file_path(void);
char *sqlambda_config_file_path(void);

/* Both shared files, loaded once for one resolution. */
typedef struct sqlambda_profiles {
    sqlambda_ini *credentials; /* never NULL after a successful load */
    sqlambda_ini *config;
    char *credentials_path, *config_path; /* may be NULL */
    time_t credentials_mtime, config_mtime;
    char error[300]; /* non-empty: a file was refused (oversize, NUL, unreadable) */
} sqlambda_profiles;

/* 0, or -1 out of memory. A refused file (see sqlambda_ini_load) loads as
 * empty and its message is in p->error: callers report it (E_CONFIG). */
int sqlambda_profiles_load(sqlambda_profiles *p);
void sqlambda_profiles_free(sqlambda_profiles *p);
/* 1 if profile is a section of either file. */
int sqlambda_profiles_exists(const sqlambda_profiles *p, const char *profile);
/* A profile key: the credentials file's [profile] wins over the config
 * file's [profile name] ([default] or [profile default] for "default"). */
const char *sqlambda_profile_get(const sqlambda_profiles *p, const char *profile, const char *key);
/* Only from the credentials file / only from the config file. */
const char *sqlambda_profile_get_credfile(const sqlambda_profiles *p, const char *profile,
                                          const char *key);
const char *sqlambda_profile_get_config(const sqlambda_profiles *p, const char *profile,
                                        const char *key);
/* "key" of the [services <name>] section the profile's `services` names. */
const char *sqlambda_profile_service_get(const sqlambda_profiles *p, const char *profile,
                                         const char *service, const char *key);

/* Case-insensitive "true" (whitespace trimmed). */
int sqlambda_is_true(const char *v);

#endif
