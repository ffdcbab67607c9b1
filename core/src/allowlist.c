/*
 * allowlist.c — the allowed-functions list: its syntax (checked when a
 * setting is made) and what it allows (checked before every call).
 *
 * Entries, comma-separated, blanks around them ignored:
 *   name            the function, unqualified, in the configured region
 *   name:qualifier  that version/alias, in the configured region
 *   acct:function:name[:qualifier]            that account, configured region
 *   arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]
 * '*' may appear within the name and the qualifier parts, where it matches
 * any run of characters of that part (never crossing ':'), and as the whole
 * region part of a full ARN entry (any region); nowhere else. Qualifiers
 * follow IAM: an entry without one allows only unqualified calls, "name:*"
 * allows any qualified call. Plain-name entries allow only calls that name
 * no account and run in the client's configured region; calls naming an
 * account (partial or full ARNs) are allowed only by ARN entries, compared
 * on partition, region, account, name and qualifier.
 */
#include "internal.h"
#include <fnmatch.h>
#include <string.h>

typedef struct entry {
    int kind; /* 0 name, 1 partial ARN, 2 full ARN */
    char partition[16], region[32], account[13];
    char name[65], qualifier[129];
    int has_q;
} entry;

static int alnum(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* name or qualifier pattern: its alphabet plus '*', 1..max characters */
static int part_ok(const char *s, size_t n, size_t max, int dollar, const char *what, char *err,
                   size_t errlen) {
    char shown[200];
    sqlambda_show_value(shown, sizeof shown, s, n, 60);
    if (n == 0) {
        sqlambda_fmt(err, errlen, "%s is empty", what);
        return 0;
    }
    if (n > max) {
        sqlambda_fmt(err, errlen, "%s \"%s\" is %zu characters long (at most %zu)", what, shown, n, max);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!alnum(c) && c != '-' && c != '_' && c != '*' && !(dollar && c == '$')) {
            sqlambda_fmt(err, errlen, "%s \"%s\" has a character not allowed at byte %zu (use "
                         "A-Z a-z 0-9 - _%s, and * as a wildcard)", what, shown, i + 1,
                         dollar ? " $" : "");
            return 0;
        }
    }
    return 1;
}

static int digits12(const char *s, size_t n) {
    if (n != 12) return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

static int word(const char *s, size_t n, const char *w) { return n == strlen(w) && !memcmp(s, w, n); }

/* Parses one trimmed entry (e, n bytes). 0 and a message in err if bad. */
static int parse_entry(const char *e, size_t n, entry *out, char *err, size_t errlen) {
    const char *part[9];
    size_t plen[9], np = 0, i = 0;
    memset(out, 0, sizeof *out);
    part[0] = e;
    for (i = 0; i <= n; i++) {
        if (i == n || e[i] == ':') {
            if (np == 9) break;
            plen[np] = (size_t)(e + i - part[np]);
            np++;
            if (i < n && np < 9) part[np] = e + i + 1;
        }
    }
    size_t name_i, q_i;
    char shown[120];
    if (np <= 9 && word(part[0], plen[0], "arn")) {
        if (np < 7 || np > 8 || !word(part[2], plen[2], "lambda") || !word(part[5], plen[5], "function")) {
            sqlambda_show_value(shown, sizeof shown, e, n, 60);
            sqlambda_fmt(err, errlen, "ARN \"%s\" is malformed: expected arn:<partition>:lambda:"
                         "<region>:<account>:function:<name>[:<qualifier>]", shown);
            return 0;
        }
        if (!sqlambda_partition_ok(part[1], plen[1])) {
            sqlambda_show_value(shown, sizeof shown, part[1], plen[1], 30);
            sqlambda_fmt(err, errlen, "ARN partition \"%s\" is not an AWS partition (aws, aws-cn, "
                         "aws-us-gov, ...; no wildcards)", shown);
            return 0;
        }
        if (!word(part[3], plen[3], "*") &&
            sqlambda_check_region_what(part[3], plen[3], "ARN region", err, errlen) != SQLAMBDA_OK)
            return 0;
        if (!digits12(part[4], plen[4])) {
            sqlambda_show_value(shown, sizeof shown, part[4], plen[4], 30);
            sqlambda_fmt(err, errlen, "account id \"%s\" is not 12 digits (no wildcards)", shown);
            return 0;
        }
        out->kind = 2;
        memcpy(out->partition, part[1], plen[1]);
        memcpy(out->region, part[3], plen[3]);
        memcpy(out->account, part[4], plen[4]);
        if (strcmp(out->region, "*") && strcmp(out->partition, sqlambda_partition_of(out->region))) {
            sqlambda_fmt(err, errlen, "ARN partition \"%s\" does not match region %s (partition %s)",
                         out->partition, out->region, sqlambda_partition_of(out->region));
            return 0;
        }
        name_i = 6, q_i = 7;
    } else if (np >= 3 && np <= 4 && word(part[1], plen[1], "function")) {
        if (!digits12(part[0], plen[0])) {
            sqlambda_show_value(shown, sizeof shown, part[0], plen[0], 30);
            sqlambda_fmt(err, errlen, "account id \"%s\" is not 12 digits (no wildcards)", shown);
            return 0;
        }
        out->kind = 1;
        memcpy(out->account, part[0], plen[0]);
        name_i = 2, q_i = 3;
    } else if (np <= 2) {
        name_i = 0, q_i = 1;
    } else {
        sqlambda_show_value(shown, sizeof shown, e, n, 60);
        sqlambda_fmt(err, errlen, "\"%s\" is not name, name:qualifier, <account>:function:name"
                     "[:qualifier] or a full function ARN", shown);
        return 0;
    }
    if (!part_ok(part[name_i], plen[name_i], 64, 0, "function name", err, errlen)) return 0;
    memcpy(out->name, part[name_i], plen[name_i]);
    if (q_i < np) {
        if (!part_ok(part[q_i], plen[q_i], 128, 1, "qualifier", err, errlen)) return 0;
        memcpy(out->qualifier, part[q_i], plen[q_i]);
        out->has_q = 1;
    }
    return 1;
}

static int blank(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Calls fn on each entry (trimmed); stops when fn returns non-zero. */
static int each_entry(const char *list, int (*fn)(void *, const char *, size_t, int), void *arg) {
    int idx = 0;
    for (const char *p = list;; p++) {
        const char *c = strchr(p, ',');
        const char *end = c ? c : p + strlen(p);
        while (p < end && blank((unsigned char)*p)) p++;
        const char *q = end;
        while (q > p && blank((unsigned char)q[-1])) q--;
        int rc = fn(arg, p, (size_t)(q - p), ++idx);
        if (rc) return rc;
        if (!c) return 0;
        p = c;
    }
}

static int is_blank_list(const char *list) {
    if (!list) return 1;
    for (const char *p = list; *p; p++)
        if (!blank((unsigned char)*p)) return 0;
    return 1;
}

typedef struct check_ctx {
    char *err;
    size_t errlen;
} check_ctx;

static int check_one(void *arg, const char *e, size_t n, int idx) {
    check_ctx *x = arg;
    char why[300];
    entry en;
    if (n == 0) {
        sqlambda_fmt(x->err, x->errlen, "allowed functions entry %d is empty (remove the extra ',')", idx);
        return 1;
    }
    if (parse_entry(e, n, &en, why, sizeof why)) return 0;
    sqlambda_fmt(x->err, x->errlen, "allowed functions entry %d: %s", idx, why);
    return 1;
}

sqlambda_status sqlambda_check_allowlist(const char *allowlist, char *err, size_t errlen) {
    if (err && errlen) err[0] = '\0';
    if (is_blank_list(allowlist)) return SQLAMBDA_OK;
    if (strlen(allowlist) > 65536) {
        sqlambda_fmt(err, errlen, "allowed functions list is %zu bytes long (at most 65536)",
                     strlen(allowlist));
        return SQLAMBDA_E_INVALID;
    }
    check_ctx x = {err, errlen};
    return each_entry(allowlist, check_one, &x) ? SQLAMBDA_E_INVALID : SQLAMBDA_OK;
}


typedef struct call_info {
    sqlambda_function_ref ref; /* qualifier merged; region/partition effective */
    int plain;                 /* names no account */
    int in_client_region;      /* effective region is the configured one */
    const char *client_region;
    int allowed;
} call_info;

static int glob(const char *pat, const char *s) { return fnmatch(pat, s, FNM_NOESCAPE) == 0; }

static int match_one(void *arg, const char *e, size_t n, int idx) {
    (void)idx;
    call_info *ci = arg;
    entry en;
    char err[8];
    if (n == 0 || !parse_entry(e, n, &en, err, sizeof err)) return 0; /* matches nothing */
    if (en.kind == 1) { /* partial ARN entry: the configured region */
        if (!ci->client_region) return 0;
        sqlambda_fmt(en.region, sizeof en.region, "%s", ci->client_region);
        sqlambda_fmt(en.partition, sizeof en.partition, "%s", sqlambda_partition_of(ci->client_region));
    }
    const sqlambda_function_ref *r = &ci->ref;
    if (en.kind == 0) {
        if (!ci->plain || !ci->in_client_region) return 0;
    } else if (ci->plain || strcmp(en.partition, r->partition) || (strcmp(en.region, "*") && strcmp(en.region, r->region)) ||
               strcmp(en.account, r->account)) {
        return 0;
    }
    if (!glob(en.name, r->name)) return 0;
    if (en.has_q ? !r->qualifier[0] || !glob(en.qualifier, r->qualifier) : r->qualifier[0] != 0)
        return 0;
    ci->allowed = 1;
    return 1;
}

int sqlambda_function_allowed(const char *allowlist, const char *function, const char *qualifier,
                              const char *call_region, const char *client_region) {
    if (is_blank_list(allowlist)) return 1;
    call_info ci;
    char err[8];
    memset(&ci, 0, sizeof ci);
    if (sqlambda_parse_function(function, &ci.ref, err, sizeof err) != SQLAMBDA_OK) return 0;
    if (qualifier && *qualifier) {
        if (sqlambda_check_qualifier(qualifier, err, sizeof err) != SQLAMBDA_OK) return 0;
        if (ci.ref.qualifier[0] && strcmp(ci.ref.qualifier, qualifier)) return 0;
        sqlambda_fmt(ci.ref.qualifier, sizeof ci.ref.qualifier, "%s", qualifier);
    }
    if (call_region && !*call_region) call_region = NULL;
    if (client_region && !*client_region) client_region = NULL;
    if (call_region && !sqlambda_region_ok(call_region, strlen(call_region))) return 0;
    if (client_region && !sqlambda_region_ok(client_region, strlen(client_region))) return 0;
    if (ci.ref.region[0] && call_region && strcmp(ci.ref.region, call_region)) return 0;
    ci.plain = ci.ref.account[0] == '\0';
    ci.client_region = client_region;
    const char *eff = ci.ref.region[0] ? ci.ref.region : call_region ? call_region : client_region;
    ci.in_client_region = !call_region || (client_region && !strcmp(call_region, client_region));
    if (!ci.plain) {
        if (!eff) return 0; /* no region: no ARN entry can match */
        if (!ci.ref.region[0]) {
            sqlambda_fmt(ci.ref.region, sizeof ci.ref.region, "%s", eff);
            sqlambda_fmt(ci.ref.partition, sizeof ci.ref.partition, "%s", sqlambda_partition_of(eff));
        }
    }
    each_entry(allowlist, match_one, &ci);
    return ci.allowed;
}
