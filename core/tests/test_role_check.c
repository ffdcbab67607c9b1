/*
 * test_role_check.c — the assume-role profile keys' checks
 * (creds_role_check.c): role ARN shape, session name and external_id
 * charsets and lengths, duration bounds, credential_source names, and the
 * errors (profile and key named, external_id's value never shown).
 */
#include "creds_internal.h"
#include "tap.h"

#include <string.h>

static int check(const role_config *rc, char *err) {
    return sqlambda_role_config_check("p", rc, err, 300);
}

int main(void) {
    char err[300];
    long d = 0;
    ok(sqlambda_role_arn_ok("arn:aws:iam::123456789012:role/r"), "plain role ARN");
    ok(sqlambda_role_arn_ok("arn:aws-us-gov:iam::123456789012:role/a/b/c_d+=,.@-"),
       "GovCloud partition, path and the name charset");
    ok(!sqlambda_role_arn_ok("arn:aws:iam::12345678901:role/r"), "11-digit account refused");
    ok(!sqlambda_role_arn_ok("arn:aws:iam::123456789012:user/r"), "a user ARN refused");
    ok(!sqlambda_role_arn_ok("arn:aws:iam::123456789012:role/"), "empty role name refused");
    ok(!sqlambda_role_arn_ok("arn:aws:iam::123456789012:role/a b"), "space refused");
    ok(!sqlambda_role_arn_ok("arn:aws:iam::123456789012:role/a\r\nX-Evil: 1"), "CR LF refused");
    ok(!sqlambda_role_arn_ok("arn:AWS:iam::123456789012:role/r"), "upper-case partition refused");
    ok(!sqlambda_role_arn_ok("arn:aws:sts::123456789012:role/r"), "another service refused");
    char big[2100];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    memcpy(big, "arn:aws:iam::123456789012:role/", 31);
    ok(!sqlambda_role_arn_ok(big), "ARN over 2048 bytes refused");
    ok(sqlambda_role_session_name_ok("ab") && sqlambda_role_session_name_ok("a_b+=,.@-9"),
       "session name charset");
    ok(!sqlambda_role_session_name_ok("a") && !sqlambda_role_session_name_ok("a/b") &&
           !sqlambda_role_session_name_ok("a:b"),
       "session name: 1 char, / and : refused");
    char s65[66];
    memset(s65, 's', 65);
    s65[65] = 0;
    ok(!sqlambda_role_session_name_ok(s65), "65-char session name refused");
    s65[64] = 0;
    ok(sqlambda_role_session_name_ok(s65), "64-char session name accepted");
    ok(sqlambda_role_external_id_ok("ab:/c=,.@-+_"), "external_id charset includes : and /");
    ok(!sqlambda_role_external_id_ok("a") && !sqlambda_role_external_id_ok("a&b"),
       "external_id: 1 char and & refused");
    ok(sqlambda_role_duration_ok("900", &d) && d == 900, "duration 900");
    ok(sqlambda_role_duration_ok("43200", &d) && d == 43200, "duration 43200");
    ok(!sqlambda_role_duration_ok("899", &d) && !sqlambda_role_duration_ok("43201", &d) &&
           !sqlambda_role_duration_ok("+900", &d) && !sqlambda_role_duration_ok("900 ", &d) &&
           !sqlambda_role_duration_ok("", &d) && !sqlambda_role_duration_ok("0000000900", &d),
       "duration bounds and shape");
    ok(sqlambda_role_credential_source("Environment") == ROLE_SOURCE_ENV &&
           sqlambda_role_credential_source("Ec2InstanceMetadata") == ROLE_SOURCE_IMDS &&
           sqlambda_role_credential_source("EcsContainer") == ROLE_SOURCE_CONTAINER &&
           sqlambda_role_credential_source("ecscontainer") < 0,
       "credential_source names, case as botocore");

    role_config rc = {.role_arn = "arn:aws:iam::123456789012:role/r", .source_profile = "b"};
    ok(check(&rc, err) == 0, "a minimal config passes");
    rc.external_id = "has space SECRETX";
    ok(check(&rc, err) != 0 && strstr(err, "profile \"p\": external_id") &&
           !strstr(err, "SECRETX"),
       "external_id error names the key, not the value");
    rc.external_id = NULL;
    rc.role_arn = "arn:aws:iam::1:role/\x1b[31m";
    ok(check(&rc, err) != 0 && strstr(err, "role_arn") && !strchr(err, '\x1b'),
       "role_arn error shows the value escaped");
    rc.role_arn = "arn:aws:iam::123456789012:role/r";
    rc.credential_source = "Environment";
    ok(check(&rc, err) != 0 && strstr(err, "both set"), "source_profile + credential_source");
    rc.source_profile = rc.credential_source = NULL;
    ok(check(&rc, err) != 0 && strstr(err, "needs source_profile"), "neither");
    rc.source_profile = "b";
    rc.mfa_serial = "arn:aws:iam::123456789012:mfa/me";
    ok(check(&rc, err) != 0 && strstr(err, "mfa_serial is not supported"), "mfa_serial refused");
    return tap_done();
}
