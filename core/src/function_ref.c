/*
 * function_ref.c — Lambda function identifiers: parses every form Lambda
 * accepts (name, name:qualifier, partial ARN, full ARN) with errors that
 * name the problem (values shown safely), the public qualifier check, and builds
 * the Invoke request path with the function segment percent-encoded.
 */
#include "internal.h"
#include <stdlib.h>
#include <string.h>

#define MAX_PARTS 9

static int is_alnum(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* A value as safe text for a message (see show_value.c); returns buf. */
static const char *shw(char *buf, size_t len, const char *s, size_t n) {
    sqlambda_show_value(buf, len, s, n, 60);
    return buf;
}

/* Writes a readable form of byte c ("'/'" or "byte 0xC3"). */
static void show_char(char *out, size_t len, unsigned char c) {
    if (c >= 0x20 && c < 0x7f)
        sqlambda_fmt(out, len, "'%c'", c);
    else
        sqlambda_fmt(out, len, "byte 0x%02X", c);
}

static int check_name(const char *s, size_t n, char *err, size_t errlen) {
    if (n == 0) {
        sqlambda_fmt(err, errlen, "function name is empty");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!is_alnum(c) && c != '-' && c != '_') {
            char ch[16], b[256];
            show_char(ch, sizeof ch, c);
            sqlambda_fmt(err, errlen,
                         "function name \"%s\" has character %s not allowed (use A-Z a-z 0-9 - _)",
                         shw(b, sizeof b, s, n), ch);
            return -1;
        }
    }
    if (n > 64) {
        char b[256];
        sqlambda_fmt(err, errlen, "function name \"%s\" is %zu characters long (at most 64)",
                     shw(b, sizeof b, s, n), n);
        return -1;
    }
    return 0;
}

static int check_qualifier(const char *s, size_t n, char *err, size_t errlen) {
    if (n == 0) {
        sqlambda_fmt(err, errlen, "qualifier (version or alias) is empty");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!is_alnum(c) && c != '-' && c != '_' && c != '$') {
            char ch[16], b[256];
            show_char(ch, sizeof ch, c);
            sqlambda_fmt(err, errlen,
                         "qualifier \"%s\" has character %s not allowed (use $LATEST, a version "
                         "number, or an alias of A-Z a-z 0-9 - _)",
                         shw(b, sizeof b, s, n), ch);
            return -1;
        }
    }
    if (n > 128) {
        char b[256];
        sqlambda_fmt(err, errlen, "qualifier \"%s\" is %zu characters long (at most 128)",
                     shw(b, sizeof b, s, n), n);
        return -1;
    }
    return 0;
}

static int check_account(const char *s, size_t n, char *err, size_t errlen) {
    int ok = n == 12;
    for (size_t i = 0; ok && i < n; i++) ok = s[i] >= '0' && s[i] <= '9';
    char b[256];
    if (!ok)
        sqlambda_fmt(err, errlen, "account id \"%s\" is not 12 digits", shw(b, sizeof b, s, n));
    return ok ? 0 : -1;
}

/* aws(-[a-z]+)* : aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, ... */
int sqlambda_partition_ok(const char *s, size_t n) {
    int ok = n >= 3 && n < 16 && strncmp(s, "aws", 3) == 0;
    size_t i = 3;
    while (ok && i < n) {
        ok = s[i] == '-' && i + 1 < n && s[i + 1] >= 'a' && s[i + 1] <= 'z';
        for (i++; ok && i < n && s[i] >= 'a' && s[i] <= 'z'; i++) {
        }
    }
    return ok;
}

static int check_partition(const char *s, size_t n, char *err, size_t errlen) {
    int ok = sqlambda_partition_ok(s, n);
    char b[256];
    if (!ok)
        sqlambda_fmt(err, errlen,
                     "ARN partition \"%s\" is not an AWS partition (aws, aws-cn, aws-us-gov, aws-iso...)",
                     shw(b, sizeof b, s, n));
    return ok ? 0 : -1;
}

static int check_region(const char *s, size_t n, char *err, size_t errlen) {
    return sqlambda_check_region_what(s, n, "ARN region", err, errlen) == SQLAMBDA_OK ? 0 : -1;
}

sqlambda_status sqlambda_parse_function(const char *function, sqlambda_function_ref *out,
                                        char *err, size_t errlen) {
    sqlambda_function_ref r;
    memset(&r, 0, sizeof r);
    if (err && errlen) err[0] = '\0';
    if (out) memset(out, 0, sizeof *out);
    if (!function || !*function) {
        sqlambda_fmt(err, errlen, "function name is empty");
        return SQLAMBDA_E_INVALID;
    }
    size_t total = strlen(function);
    char b[256];
    if (total > 256) {
        sqlambda_fmt(err, errlen, "function identifier \"%s\" is %zu characters long (at most "
                                  "170 for an ARN, 64 for a name)",
                     shw(b, sizeof b, function, total), total);
        return SQLAMBDA_E_INVALID;
    }
    const char *part[MAX_PARTS];
    size_t plen[MAX_PARTS];
    size_t np = 0;
    const char *p = function;
    for (;;) {
        const char *c = strchr(p, ':');
        if (np == MAX_PARTS) {
            np++;
            break;
        }
        part[np] = p;
        plen[np++] = c ? (size_t)(c - p) : strlen(p);
        if (!c) break;
        p = c + 1;
    }
    size_t name_i, qual_i = 0;
    int has_q;
    if (plen[0] == 3 && strncmp(part[0], "arn", 3) == 0) {
        if (np < 7 || np > 8) {
            sqlambda_fmt(err, errlen, "ARN \"%s\" is malformed: expected "
                                      "arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]",
                         shw(b, sizeof b, function, total));
            return SQLAMBDA_E_INVALID;
        }
        if (check_partition(part[1], plen[1], err, errlen)) return SQLAMBDA_E_INVALID;
        if (plen[2] != 6 || strncmp(part[2], "lambda", 6) != 0) {
            sqlambda_fmt(err, errlen, "ARN service \"%s\" is not lambda",
                         shw(b, sizeof b, part[2], plen[2]));
            return SQLAMBDA_E_INVALID;
        }
        if (check_region(part[3], plen[3], err, errlen)) return SQLAMBDA_E_INVALID;
        if (check_account(part[4], plen[4], err, errlen)) return SQLAMBDA_E_INVALID;
        if (plen[5] != 8 || strncmp(part[5], "function", 8) != 0) {
            sqlambda_fmt(err, errlen, "ARN resource type \"%s\" is not function",
                         shw(b, sizeof b, part[5], plen[5]));
            return SQLAMBDA_E_INVALID;
        }
        memcpy(r.partition, part[1], plen[1]);
        memcpy(r.region, part[3], plen[3]);
        memcpy(r.account, part[4], plen[4]);
        if (strcmp(r.partition, sqlambda_partition_of(r.region)) != 0) {
            /* the endpoint follows the region: arn:aws-cn:...:us-east-1 would
             * go to the commercial partition under another partition's name */
            sqlambda_fmt(err, errlen, "ARN partition \"%s\" does not match region %s (partition %s)",
                         r.partition, r.region, sqlambda_partition_of(r.region));
            return SQLAMBDA_E_INVALID;
        }
        name_i = 6;
        has_q = np == 8;
        qual_i = 7;
    } else if (np >= 3 && plen[1] == 8 && strncmp(part[1], "function", 8) == 0) {
        if (np < 3 || np > 4) {
            sqlambda_fmt(err, errlen, "partial ARN \"%s\" is malformed: expected "
                                      "<account>:function:<name>[:<qualifier>]",
                         shw(b, sizeof b, function, total));
            return SQLAMBDA_E_INVALID;
        }
        if (check_account(part[0], plen[0], err, errlen)) return SQLAMBDA_E_INVALID;
        memcpy(r.account, part[0], plen[0]);
        name_i = 2;
        has_q = np == 4;
        qual_i = 3;
    } else {
        if (np > 2) {
            sqlambda_fmt(err, errlen, "function identifier \"%s\" has too many ':' (use name, "
                                      "name:qualifier, <account>:function:name or a full ARN)",
                         shw(b, sizeof b, function, total));
            return SQLAMBDA_E_INVALID;
        }
        name_i = 0;
        has_q = np == 2;
        qual_i = 1;
    }
    if (check_name(part[name_i], plen[name_i], err, errlen)) return SQLAMBDA_E_INVALID;
    memcpy(r.name, part[name_i], plen[name_i]);
    if (has_q) {
        if (check_qualifier(part[qual_i], plen[qual_i], err, errlen)) return SQLAMBDA_E_INVALID;
        memcpy(r.qualifier, part[qual_i], plen[qual_i]);
    }
    if (out) *out = r;
    return SQLAMBDA_OK;
}

sqlambda_status sqlambda_check_qualifier(const char *qualifier, char *err, size_t errlen) {
    if (err && errlen) err[0] = '\0';
    size_t n = qualifier ? strlen(qualifier) : 0;
    return check_qualifier(qualifier ? qualifier : "", n, err, errlen) ? SQLAMBDA_E_INVALID
                                                                      : SQLAMBDA_OK;
}

static char *path_for(const sqlambda_function_ref *ref, const char *function_as_given, int stream) {
    const char *f = function_as_given && *function_as_given ? function_as_given
                    : ref                                   ? ref->name
                                                            : NULL;
    if (!f) return NULL;
    sqlambda_buf b = {0};
    int rc = sqlambda_buf_append(&b, stream ? "/2021-11-15/functions/" : "/2015-03-31/functions/", 22);
    for (const unsigned char *c = (const unsigned char *)f; *c && !rc; c++) {
        if (is_alnum(*c) || *c == '-' || *c == '_' || *c == '.' || *c == '~')
            rc = sqlambda_buf_append(&b, c, 1);
        else
            rc = sqlambda_buf_printf(&b, "%%%02X", *c);
    }
    if (!rc) rc = stream ? sqlambda_buf_append(&b, "/response-streaming-invocations", 31)
                         : sqlambda_buf_append(&b, "/invocations", 12);
    if (rc) {
        sqlambda_buf_free(&b);
        return NULL;
    }
    return b.data;
}

char *sqlambda_invoke_path(const sqlambda_function_ref *ref, const char *function_as_given) {
    return path_for(ref, function_as_given, 0);
}

char *sqlambda_invoke_stream_path(const sqlambda_function_ref *ref, const char *function_as_given) {
    return path_for(ref, function_as_given, 1);
}
