/*
 * fuzz_role_config.c — the assume-role profile keys as a config file may
 * hold them (core/src/creds_role_check.c): role_arn, source_profile,
 * credential_source, role_session_name, external_id, duration_seconds,
 * mfa_serial, separated by 0x1f (an empty field is an absent key).
 * Properties: a config that passes has only printable, non-space ASCII in
 * every value that reaches STS's form (role_arn, session name, external_id,
 * duration) and a duration in 900..43200; a refused one has an error with
 * no control byte (values are shown escaped), and an error about
 * external_id is a fixed text that holds nothing of its value.
 */
#include "creds_internal.h"
#include "fuzz_fields.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void printable_or_die(const char *s) {
    for (; s && *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_fields ff;
    if (fuzz_split(data, size, 0x1f, 7, &ff) != 0) {
        fuzz_fields_free(&ff);
        return 0;
    }
    const char *v[7] = {0};
    for (int i = 0; i < ff.n; i++) v[i] = ff.f[i] && *ff.f[i] ? ff.f[i] : NULL;
    role_config rc = {v[0] ? v[0] : "", v[1], v[2], v[3], v[4], v[5], v[6]};
    char err[300];
    memset(err, 'x', sizeof err);
    err[0] = 0;
    if (sqlambda_role_config_check("p", &rc, err, sizeof err) == 0) {
        printable_or_die(rc.role_arn);
        printable_or_die(rc.session_name);
        printable_or_die(rc.external_id);
        long d = 0;
        if (rc.duration && (!sqlambda_role_duration_ok(rc.duration, &d) || d < 900 || d > 43200))
            abort();
        if (rc.credential_source && sqlambda_role_credential_source(rc.credential_source) < 0)
            abort();
    } else {
        if (!memchr(err, 0, sizeof err) || !err[0]) abort();
        for (const char *p = err; *p; p++)
            if ((unsigned char)*p < 0x20) abort();
        /* an error about external_id is the fixed text: no part of the value */
        if (strstr(err, "profile \"p\": external_id ") == err &&
            strcmp(err, "profile \"p\": external_id is not 2 to 1224 characters of "
                        "[A-Za-z0-9_+=,.@:/-] (value not shown)") != 0)
            abort();
    }
    fuzz_fields_free(&ff);
    return 0;
}
