/*
 * auth.c — optional SigV4 verification (--credentials FILE). The file lists
 * the access keys the server accepts, either one "ACCESS_KEY_ID SECRET" pair
 * per line or in the AWS shared-credentials format (aws_access_key_id /
 * aws_secret_access_key under [sections]); '#' and ';' start comments.
 * The file must be private (no group/other permission bits, as ssh
 * requires of keys); oversize lines or values are errors, never cut.
 * The signature itself is core's sqlambda_sigv4_verify; on top of it this
 * file applies Lambda's rules: credential scope = this server's region and
 * service lambda, every x-amz-* header signed, X-Amz-Date within 5 minutes.
 * All of that but the signature itself is decided by the headers alone:
 * auth_precheck refuses a request before its body is read (issue 11: an
 * unsigned client must not make the server buffer megabytes).
 * Secrets never leave this file and are wiped when freed.
 */
#include "serve.h"
#include "sqlambda.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>
#include <openssl/crypto.h>

#define MAX_LINE 1024   /* a line of the credentials file, newline included */
#define MAX_ID 128      /* access key id */
#define MAX_SECRET 256  /* secret access key */
#define MAX_SKEW_S 300  /* AWS: 5 minutes */

typedef struct key {
    char *id, *secret;
} key;

static key *keys;
static size_t nkeys;
static int enabled;

static void add_key(const char *id, const char *secret) {
    keys = realloc(keys, (nkeys + 1) * sizeof *keys);
    if (!keys) abort();
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

/* Copies v into out (cap bytes); -1 if it does not fit (never truncates). */
static int put(char *out, size_t cap, const char *v) {
    size_t n = strlen(v);
    if (n >= cap) return -1;
    memcpy(out, v, n + 1);
    return 0;
}

/* Parses the opened file; 0 or -1 with err set. Wipes its buffers. */
int auth_parse(FILE *f, const char *path, char *err, size_t errlen) {
    char line[MAX_LINE + 1], id[MAX_ID + 1] = "", secret[MAX_SECRET + 1] = "";
    int lineno = 0, rc = 0;
    for (;;) {
        /* Byte by byte, so a NUL cannot hide a line's true length (fgets
         * would cut there and read the rest as the next line). */
        size_t len = 0;
        int c = EOF, too_long = 0, nul = 0;
        while ((c = getc(f)) != EOF) {
            if (c == 0) nul = 1;
            if (len < MAX_LINE) line[len++] = (char)c;
            else too_long = 1;
            if (c == '\n') break;
        }
        if (len == 0 && c == EOF) break;
        if (len == MAX_LINE && line[len - 1] != '\n') too_long = 1;
        line[len] = 0;
        lineno++;
        if (too_long) {
            snprintf(err, errlen, "--credentials %s: line %d is longer than %d bytes", path, lineno,
                     MAX_LINE - 1);
            rc = -1;
            break;
        }
        if (nul) {
            snprintf(err, errlen, "--credentials %s: line %d holds a NUL byte", path, lineno);
            rc = -1;
            break;
        }
        char *s = trim(line);
        if (!*s || *s == '#' || *s == ';') continue;
        if (*s == '[') { /* new section: forget a half-given pair */
            id[0] = secret[0] = 0;
            continue;
        }
        char *eq = strchr(s, '=');
        if (eq) {
            *eq = 0;
            char *k = trim(s), *v = trim(eq + 1);
            int bad = 0;
            if (strcmp(k, "aws_access_key_id") == 0)
                bad = put(id, sizeof id, v);
            else if (strcmp(k, "aws_secret_access_key") == 0)
                bad = put(secret, sizeof secret, v);
            if (bad) {
                snprintf(err, errlen, "--credentials %s: line %d: %s is longer than %d bytes", path,
                         lineno, k, strcmp(k, "aws_access_key_id") == 0 ? MAX_ID : MAX_SECRET);
                rc = -1;
                break;
            }
            if (*id && *secret) {
                add_key(id, secret);
                id[0] = 0;
                OPENSSL_cleanse(secret, sizeof secret);
            }
            continue;
        }
        /* "ACCESS_KEY_ID SECRET": exactly two words */
        char *a = s, *b = s + strcspn(s, " \t");
        if (*b) *b++ = 0;
        b += strspn(b, " \t");
        char *rest = b + strcspn(b, " \t");
        if (!*b || *rest) {
            snprintf(err, errlen, "--credentials %s: line %d: expected \"ACCESS_KEY_ID SECRET\"", path,
                     lineno);
            rc = -1;
            break;
        }
        if (strlen(a) > MAX_ID || strlen(b) > MAX_SECRET) {
            snprintf(err, errlen, "--credentials %s: line %d: access key id longer than %d or secret longer than %d bytes",
                     path, lineno, MAX_ID, MAX_SECRET);
            rc = -1;
            break;
        }
        add_key(a, b);
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "--credentials %s: read error", path);
        rc = -1;
    }
    OPENSSL_cleanse(line, sizeof line);
    OPENSSL_cleanse(secret, sizeof secret);
    return rc;
}

int auth_load(const char *path, char *err, size_t errlen) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, errlen, "--credentials %s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "--credentials %s: not a regular file", path);
        close(fd);
        return -1;
    }
    if (st.st_mode & 077) {
        snprintf(err, errlen,
                 "--credentials %s: the file holds secret keys but other users may access it "
                 "(mode %04o); run: chmod 600 %s",
                 path, (unsigned)(st.st_mode & 07777), path);
        close(fd);
        return -1;
    }
    if (st.st_uid != geteuid()) {
        snprintf(err, errlen, "--credentials %s: owned by another user (uid %u); it must be yours",
                 path, (unsigned)st.st_uid);
        close(fd);
        return -1;
    }
    FILE *f = fdopen(fd, "r");
    if (!f) {
        snprintf(err, errlen, "--credentials %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    setvbuf(f, NULL, _IONBF, 0); /* no stdio buffer holding secrets after fclose */
    int rc = auth_parse(f, path, err, errlen);
    fclose(f);
    if (rc == 0 && !nkeys) {
        snprintf(err, errlen, "--credentials %s: no access keys in the file", path);
        rc = -1;
    }
    if (rc) {
        auth_free();
        return -1;
    }
    enabled = 1;
    return 0;
}

int auth_enabled(void) { return enabled; }

size_t auth_key_count(void) { return nkeys; }

const char *auth_secret_of(const char *access_key_id) {
    for (size_t i = 0; i < nkeys; i++)
        if (strcmp(keys[i].id, access_key_id) == 0) return keys[i].secret;
    return NULL;
}

void auth_free(void) {
    for (size_t i = 0; i < nkeys; i++) {
        free(keys[i].id);
        if (keys[i].secret) OPENSSL_cleanse(keys[i].secret, strlen(keys[i].secret));
        free(keys[i].secret);
    }
    free(keys);
    keys = NULL;
    nkeys = 0;
    enabled = 0;
}

static const char *lookup(void *arg, const char *id) {
    (void)arg;
    return auth_secret_of(id);
}

typedef struct hdrs {
    sqlambda_header *v;
    size_t n;
} hdrs;

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *k, const char *v) {
    hdrs *h = cls;
    sqlambda_header *nv = realloc(h->v, (h->n + 1) * sizeof *h->v);
    if (!nv) abort();
    h->v = nv;
    h->v[h->n].name = k;
    h->v[h->n].value = v ? v : "";
    h->n++;
    return MHD_YES;
}

/* The text after "Name=" up to the next ',' in the Authorization header. */
static const char *auth_field(const char *authz, const char *name, size_t *len) {
    size_t nl = strlen(name);
    for (const char *p = authz; (p = strstr(p, name)) != NULL; p += nl) {
        if (p > authz && p[-1] != ' ' && p[-1] != ',' && p[-1] != '\t') continue;
        const char *v = p + nl;
        *len = strcspn(v, ", \t");
        return v;
    }
    return NULL;
}

/* 1 if the lowercase name is in the ';'-separated SignedHeaders list. */
static int is_signed(const char *list, size_t len, const char *name) {
    size_t nl = strlen(name);
    const char *p = list, *end = list + len;
    while (p < end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        size_t l = semi ? (size_t)(semi - p) : (size_t)(end - p);
        if (l == nl && strncasecmp(p, name, l) == 0) return 1;
        p += l + 1;
    }
    return 0;
}

/* "YYYYMMDDTHHMMSSZ" -> epoch seconds; -1 if malformed. */
static long long parse_amz_date(const char *s) {
    struct tm tm = {0};
    if (!s || strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z') return -1;
    const char *end = strptime(s, "%Y%m%dT%H%M%SZ", &tm);
    if (!end || *end) return -1;
    return (long long)timegm(&tm);
}

static int deny(struct MHD_Connection *c, const char *type, const char *message) {
    aws_error(c, 403, type, NULL, "message", message);
    return -1;
}

/* Lambda's own checks around the signature; 0 or -1 with the answer queued.
 * Runs after the signature is known to be good. */
static int lambda_rules(struct MHD_Connection *c, const char *authz, const hdrs *h) {
    size_t shl = 0;
    const char *sh = auth_field(authz, "SignedHeaders=", &shl);
    sqlambda_buf unsigned_names = {0};
    for (size_t i = 0; i < h->n; i++)
        if (strncasecmp(h->v[i].name, "x-amz-", 6) == 0 && (!sh || !is_signed(sh, shl, h->v[i].name)))
            xbuf_printf(&unsigned_names, "%s%.64s", unsigned_names.len ? ", " : "", h->v[i].name);
    if (unsigned_names.len) {
        sqlambda_buf m = {0};
        xbuf_printf(&m, "There were headers present in the request which were not signed: %s",
                    unsigned_names.data);
        deny(c, "InvalidSignatureException", m.data);
        sqlambda_buf_free(&m);
        sqlambda_buf_free(&unsigned_names);
        return -1;
    }
    const char *date = NULL;
    for (size_t i = 0; i < h->n; i++)
        if (strcasecmp(h->v[i].name, "x-amz-date") == 0) date = h->v[i].value;
    long long t = parse_amz_date(date), now = (long long)time(NULL);
    char sent[17], lim[17], nows[17];
    sqlambda_amz_date((time_t)now, nows);
    if (t < 0) return deny(c, "IncompleteSignatureException", "X-Amz-Date must be in the form YYYYMMDD'T'HHMMSS'Z'");
    snprintf(sent, sizeof sent, "%s", date);
    char m[256];
    if (t < now - MAX_SKEW_S) {
        sqlambda_amz_date((time_t)(now - MAX_SKEW_S), lim);
        snprintf(m, sizeof m, "Signature expired: %s is now earlier than %s (%s - 5 min.)", sent, lim, nows);
        return deny(c, "InvalidSignatureException", m);
    }
    if (t > now + MAX_SKEW_S) {
        sqlambda_amz_date((time_t)(now + MAX_SKEW_S), lim);
        snprintf(m, sizeof m, "Signature not yet current: %s is still later than %s (%s + 5 min.)", sent, lim,
                 nows);
        return deny(c, "InvalidSignatureException", m);
    }
    return 0;
}

/* Credential scope region and service must be this server's; AWS's wording. */
static int scope_rules(struct MHD_Connection *c, const char *authz) {
    size_t cl = 0;
    const char *cred = auth_field(authz, "Credential=", &cl);
    if (!cred) return 0; /* the verifier reports the malformed header */
    const char *f[5] = {0};
    size_t fl[5] = {0}, k = 0;
    for (const char *p = cred, *end = cred + cl; k < 5 && p <= end; k++) {
        const char *sl = memchr(p, '/', (size_t)(end - p));
        f[k] = p;
        fl[k] = sl ? (size_t)(sl - p) : (size_t)(end - p);
        if (!sl) { k++; break; }
        p = sl + 1;
    }
    if (k != 5) return 0;
    char m[256];
    if (fl[2] != strlen(g.region) || strncmp(f[2], g.region, fl[2]) != 0) {
        snprintf(m, sizeof m, "Credential should be scoped to a valid region, not '%.*s'. ",
                 (int)(fl[2] > 64 ? 64 : fl[2]), f[2]);
        return deny(c, "InvalidSignatureException", m);
    }
    if (fl[3] != 6 || strncmp(f[3], "lambda", 6) != 0)
        return deny(c, "InvalidSignatureException", "Credential should be scoped to correct service: 'lambda'. ");
    return 0;
}

/* The access key id of the Credential= field (before its first '/') is one
 * of ours. */
static int known_key(const char *authz) {
    size_t cl = 0;
    const char *cred = auth_field(authz, "Credential=", &cl);
    if (!cred) return 0;
    size_t idl = strcspn(cred, "/");
    if (idl > cl || idl > MAX_ID) return 0;
    char id[MAX_ID + 1];
    memcpy(id, cred, idl);
    id[idl] = 0;
    return auth_secret_of(id) != NULL;
}

/* body == NULL: only what the headers decide (see auth_precheck). */
static int check(struct MHD_Connection *c, const char *method, const char *raw_path,
                 const char *raw_query, const char *body, size_t body_len) {
    const char *authz = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (!authz || !*authz)
        return deny(c, "MissingAuthenticationTokenException", "Missing Authentication Token");
    if (strncmp(authz, "AWS4-HMAC-SHA256 ", 17) == 0 && scope_rules(c, authz) != 0) return -1;
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
        /* headers only: any hash; the signature is checked with the body */
        .payload_hash = body ? NULL : "0000000000000000000000000000000000000000000000000000000000000000",
        .region = g.region,
        .service = "lambda",
        .double_encode_path = 1,
        .normalize_path = 1,
    };
    char err[256] = "";
    int r = sqlambda_sigv4_verify(&req, authz, lookup, NULL, err, sizeof err);
    if (!body && r == SQLAMBDA_SIG_MISMATCH) /* the body is not there yet: not decided */
        r = known_key(authz) ? SQLAMBDA_SIG_OK : SQLAMBDA_SIG_UNKNOWN_KEY;
    if (r == SQLAMBDA_SIG_OK) {
        int rc = lambda_rules(c, authz, &h);
        free(h.v);
        return rc;
    }
    free(h.v);
    serve_debug("signature check failed (%d): %s", r, err);
    switch (r) {
    case SQLAMBDA_SIG_UNKNOWN_KEY:
        return deny(c, "UnrecognizedClientException", "The security token included in the request is invalid.");
    case SQLAMBDA_SIG_MISMATCH:
        return deny(c, "InvalidSignatureException",
                    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
    default:
        return deny(c, "IncompleteSignatureException",
                    *err ? err : "The Authorization header is not a valid AWS Signature Version 4 header.");
    }
}

int auth_check(struct MHD_Connection *c, const char *method, const char *raw_path,
               const char *raw_query, const char *body, size_t body_len) {
    return check(c, method, raw_path, raw_query, body ? body : "", body_len);
}

int auth_precheck(struct MHD_Connection *c, const char *method, const char *raw_path,
                  const char *raw_query) {
    return check(c, method, raw_path, raw_query, NULL, 0);
}
