/*
 * auth.c — optional SigV4 verification (--credentials FILE). The file lists
 * the access keys the server accepts, either one "ACCESS_KEY_ID SECRET" pair
 * per line or in the AWS shared-credentials format (aws_access_key_id /
 * aws_secret_access_key under [sections]); '#' and ';' start comments.
 * The check itself is core's sqlambda_sigv4_verify. Secrets never leave
 * this file: errors name only the access key id.
 */
#include "serve.h"
#include "sqlambda.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>

typedef struct key {
    char *id, *secret;
} key;

static key *keys;
static size_t nkeys;
static int enabled;

static void add_key(const char *id, const char *secret) {
    keys = realloc(keys, (nkeys + 1) * sizeof *keys);
    keys[nkeys].id = xstrdup(id);
    keys[nkeys].secret = xstrdup(secret);
    nkeys++;
}

static char *trim(char *s) {
    while (isspace((unsigned char)*s)) s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) *--e = 0;
    return s;
}

int auth_load(const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "--credentials %s: %s", path, strerror(errno));
        return -1;
    }
    char line[1024], id[256] = "", secret[512] = "";
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *s = trim(line);
        if (!*s || *s == '#' || *s == ';') continue;
        if (*s == '[') { /* new section: flush a pending pair */
            if (*id && *secret) add_key(id, secret);
            id[0] = secret[0] = 0;
            continue;
        }
        char *eq = strchr(s, '=');
        if (eq) {
            *eq = 0;
            char *k = trim(s), *v = trim(eq + 1);
            if (strcmp(k, "aws_access_key_id") == 0)
                snprintf(id, sizeof id, "%s", v);
            else if (strcmp(k, "aws_secret_access_key") == 0)
                snprintf(secret, sizeof secret, "%s", v);
            if (*id && *secret) {
                add_key(id, secret);
                id[0] = secret[0] = 0;
            }
            continue;
        }
        char a[256], b[512], extra[2];
        if (sscanf(s, "%255s %511s %1s", a, b, extra) != 2) {
            snprintf(err, errlen, "--credentials %s: line %d: expected \"ACCESS_KEY_ID SECRET\"", path,
                     lineno);
            fclose(f);
            return -1;
        }
        add_key(a, b);
    }
    fclose(f);
    if (!nkeys) {
        snprintf(err, errlen, "--credentials %s: no access keys in the file", path);
        return -1;
    }
    enabled = 1;
    return 0;
}

int auth_enabled(void) { return enabled; }

void auth_free(void) {
    for (size_t i = 0; i < nkeys; i++) {
        free(keys[i].id);
        if (keys[i].secret) memset(keys[i].secret, 0, strlen(keys[i].secret));
        free(keys[i].secret);
    }
    free(keys);
    keys = NULL;
    nkeys = 0;
    enabled = 0;
}

static const char *lookup(void *arg, const char *id) {
    (void)arg;
    for (size_t i = 0; i < nkeys; i++)
        if (strcmp(keys[i].id, id) == 0) return keys[i].secret;
    return NULL;
}

typedef struct hdrs {
    sqlambda_header *v;
    size_t n;
} hdrs;

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *k, const char *v) {
    hdrs *h = cls;
    h->v = realloc(h->v, (h->n + 1) * sizeof *h->v);
    h->v[h->n].name = k;
    h->v[h->n].value = v ? v : "";
    h->n++;
    return MHD_YES;
}

int auth_check(struct MHD_Connection *c, const char *method, const char *raw_path,
               const char *raw_query, const char *body, size_t body_len) {
    const char *authz = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    hdrs h = {0};
    MHD_get_connection_values(c, MHD_HEADER_KIND, collect, &h);
    sqlambda_sigv4_request req = {
        .method = method,
        .path = raw_path,
        .query = raw_query,
        .headers = h.v,
        .nheaders = h.n,
        .body = body ? body : "",
        .body_len = body_len,
        .service = "lambda",
        .double_encode_path = 1,
        .normalize_path = 1,
    };
    char err[256] = "";
    int r = authz ? sqlambda_sigv4_verify(&req, authz, lookup, NULL, err, sizeof err)
                  : SQLAMBDA_SIG_MISSING;
    free(h.v);
    if (r == SQLAMBDA_SIG_OK) return 0;
    serve_debug("signature check failed (%d): %s", r, err);
    switch (r) {
    case SQLAMBDA_SIG_MISSING:
        aws_error(c, 403, "MissingAuthenticationTokenException", NULL, "message",
                  "Missing Authentication Token");
        break;
    case SQLAMBDA_SIG_UNKNOWN_KEY:
        aws_error(c, 403, "UnrecognizedClientException", NULL, "message",
                  "The security token included in the request is invalid.");
        break;
    case SQLAMBDA_SIG_MISMATCH:
        aws_error(c, 403, "InvalidSignatureException", NULL, "message",
                  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
        break;
    default:
        aws_error(c, 403, "IncompleteSignatureException", NULL, "message",
                  *err ? err : "The Authorization header is not a valid AWS Signature Version 4 header.");
    }
    return -1;
}
