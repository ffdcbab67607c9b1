/*
 * check_profile.c — the rule for a profile name given as a setting (e.g.
 * PostgreSQL's aws_lambda.profile): a name the shared files can hold as a
 * section ([name] in credentials, [profile name] in config, as ini.c reads
 * them): printable ASCII, no '[' or ']', no leading, trailing or repeated
 * spaces, at most 128 characters. Anything else could never be found, so
 * it is refused when set rather than at the first call.
 */
#include "internal.h"
#include <string.h>

#define PROFILE_MAX 128

sqlambda_status sqlambda_check_profile(const char *profile, char *err, size_t errlen) {
    char shown[200];
    size_t n = profile ? strlen(profile) : 0;
    if (err && errlen) err[0] = '\0';
    if (n == 0) {
        sqlambda_fmt(err, errlen, "profile name is empty");
        return SQLAMBDA_E_INVALID;
    }
    sqlambda_show_value(shown, sizeof shown, profile, n, 64);
    if (n > PROFILE_MAX) {
        sqlambda_fmt(err, errlen, "profile name \"%s\" is longer than %d characters", shown,
                     PROFILE_MAX);
        return SQLAMBDA_E_INVALID;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)profile[i];
        const char *why = NULL;
        if (c < 0x20 || c >= 0x7f) why = "has a control or non-ASCII byte";
        else if (c == '[' || c == ']') why = "has '[' or ']'";
        else if (c == ' ' && (i == 0 || i + 1 == n || profile[i + 1] == ' '))
            why = "has a leading, trailing or repeated space";
        if (why) {
            sqlambda_fmt(err, errlen,
                         "profile name \"%s\" %s: expected printable ASCII as in the section "
                         "names of the AWS config and credentials files", shown, why);
            return SQLAMBDA_E_INVALID;
        }
    }
    return SQLAMBDA_OK;
}
