/*
 * name_pattern.c — the function name of an Invoke request checked against
 * Lambda's own constraint on it (botocore's model: NamespacedFunctionName,
 * 1..256 characters matching the pattern below), answered as Lambda does:
 * 400 ValidationException, "1 validation error detected: Value '...' at
 * 'functionName' failed to satisfy constraint: ...". Names that pass go on
 * to core's stricter parse (sqlambda_parse_function).
 */
#include "serve.h"

#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

/* As Lambda prints it (Java regex syntax). */
#define AWS_PATTERN                                                                          \
    "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?"      \
    "(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?"
/* The same, as POSIX extended syntax, anchored (Lambda matches the whole). */
#define POSIX_PATTERN                                                                        \
    "^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-[0-9]:)?"      \
    "([0-9]{12}:)?(function:)?([a-zA-Z0-9_.-]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9_-]+))?$"
#define MAX_LEN 256

static regex_t re;
static int re_ok;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void compile(void) { re_ok = regcomp(&re, POSIX_PATTERN, REG_EXTENDED | REG_NOSUB) == 0; }

int invoke_name_pattern(const char *name, size_t len, api_error *e) {
    pthread_once(&once, compile);
    int bad_pattern = memchr(name, 0, len) || !re_ok || regexec(&re, name, 0, NULL, 0) != 0;
    int too_long = len > MAX_LEN;
    if (!bad_pattern && !too_long) return 0;
    char value[MAX_LEN + 4];
    snprintf(value, sizeof value, "%.*s%s", MAX_LEN, name, len > MAX_LEN ? "..." : "");
    const char *pat = "Member must satisfy regular expression pattern: " AWS_PATTERN;
    const char *lenc = "Member must have length less than or equal to 256";
    e->status = 400;
    e->type = "ValidationException";
    e->kind = NULL;
    e->msg_key = "message";
    if (bad_pattern && too_long)
        snprintf(e->message, sizeof e->message,
                 "2 validation errors detected: Value '%s' at 'functionName' failed to satisfy "
                 "constraint: %s; Value '%s' at 'functionName' failed to satisfy constraint: %s",
                 value, pat, value, lenc);
    else
        snprintf(e->message, sizeof e->message,
                 "1 validation error detected: Value '%s' at 'functionName' failed to satisfy "
                 "constraint: %s",
                 value, bad_pattern ? pat : lenc);
    return -1;
}
