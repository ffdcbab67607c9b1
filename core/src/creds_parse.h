/*
 * creds_parse.h — reading what credential sources answer, apart from how
 * they are asked (creds_process.c, creds_container.c, creds_imds.c,
 * creds_web_identity.c), so the parsing is tested and fuzzed on its own.
 */
#ifndef SQLAMBDA_CREDS_PARSE_H
#define SQLAMBDA_CREDS_PARSE_H

#include "internal.h"

typedef enum creds_json_kind {
    CREDS_JSON_PROCESS,   /* credential_process: Version 1, SessionToken */
    CREDS_JSON_CONTAINER, /* ECS/EKS container endpoint: Token */
    CREDS_JSON_IMDS       /* EC2 instance metadata: Code "Success", Token */
} creds_json_kind;

/* Parses a JSON credentials document (len bytes). 0 with *out filled, or -1
 * with why naming the first problem (never a value from the document). */
int sqlambda_creds_parse_json(creds_json_kind kind, const char *text, size_t len,
                              sqlambda_creds *out, char *why, size_t whylen);

/* The token `aws sso login` caches (~/.aws/sso/cache/<sha1>.json):
 * "accessToken" and "expiresAt" (RFC 3339). 0 with *token malloc'd (wipe
 * it) and *expires set, or -1 with why (never a value from the file). */
int sqlambda_sso_token_parse(const char *text, size_t len, char **token, time_t *expires,
                             char *why, size_t whylen);
/* The refresh fields of an sso-session's cached token (botocore's
 * SSOTokenProvider refreshes only with all four). */
typedef struct sso_refresh_fields {
    char *refresh_token, *client_id, *client_secret; /* malloc'd; wipe with _clear */
    char *registration_expires_at;                    /* as written, copied back */
    time_t registration_expires;
} sso_refresh_fields;
/* 0 with all four (registrationExpiresAt parsed), 1 when one is missing
 * (no refresh, as botocore), -1 when one is malformed, with why (never a
 * value from the file). */
int sqlambda_sso_refresh_fields(const char *text, size_t len, sso_refresh_fields *out, char *why,
                                size_t whylen);
void sqlambda_sso_refresh_fields_clear(sso_refresh_fields *f);
/* sso-oidc CreateToken's answer: "accessToken" (no line break: it becomes a
 * header), "expiresIn" (seconds, 1 .. a year), "refreshToken" (optional).
 * 0 with *access and *refresh (NULL when absent) malloc'd, or -1 with why. */
int sqlambda_sso_create_token_parse(const char *text, size_t len, char **access,
                                    long *expires_in, char **refresh, char *why, size_t whylen);
/* The SSO portal's GetRoleCredentials answer: {"roleCredentials":
 * {"accessKeyId", "secretAccessKey", "sessionToken", "expiration": ms}}.
 * 0 with *out filled (source "sso"), or -1 with why. */
int sqlambda_creds_parse_sso(const char *text, size_t len, sqlambda_creds *out, char *why,
                             size_t whylen);

/* Parses STS's AssumeRoleWithWebIdentity XML answer (len bytes): 0 with *out
 * filled, or -1 when a credential element is missing or Expiration is bad. */
int sqlambda_creds_parse_sts(const char *xml, size_t len, sqlambda_creds *out);
/* The same for any STS answer (AssumeRole's has the same elements), with
 * the source name to record ("assume-role"). */
int sqlambda_creds_parse_sts_as(const char *xml, size_t len, sqlambda_creds *out,
                                const char *source);

/* Text of the first <tag>...</tag> in xml (len bytes), the five XML entities
 * decoded; malloc'd, or NULL when absent. */
char *sqlambda_xml_text(const char *xml, size_t len, const char *tag);

#endif
