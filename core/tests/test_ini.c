/* test_ini.c — the shared config/credentials file parser and profile
 * lookups: sections, comments, case, whitespace, nested properties,
 * continuation lines, [profile x] vs [x], file locations. */
#include "ini.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static sqlambda_ini *P(const char *t) { return sqlambda_ini_parse(t, strlen(t)); }

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

int main(void) {
    sqlambda_ini *i = P("# comment\n; other comment\n"
                        "[default]\n"
                        "region = us-west-2\n"
                        "Output  =   json   \n"
                        "aws_access_key_id=AKID # inline comment\n"
                        "weird = a#b;c\n"
                        "semi = x ;comment\n"
                        "empty =\n"
                        "\n"
                        "[ profile   dev ]\n"
                        "region=eu-west-1\n"
                        "s3 =\n"
                        "  max_concurrent_requests = 10\n"
                        "  Addressing_Style = path  # c\n"
                        "cont = first\n"
                        "  second\n"
                        "region = eu-central-1\n"
                        "[services my-svc]\n"
                        "lambda =\n"
                        "  endpoint_url = http://127.0.0.1:9000\n"
                        "sts=\n"
                        "\tendpoint_url = http://127.0.0.1:9001\n"
                        "[broken\n"
                        "orphan = 1\n"
                        "[x]\n"
                        "no equals sign here\n"
                        "= novalue\n"
                        "k=v\r\n");
    ok(i != NULL, "parse returns an ini");
    is_str(sqlambda_ini_get(i, "default", "region"), "us-west-2", "plain key");
    is_str(sqlambda_ini_get(i, "default", "REGION"), "us-west-2", "keys are case-insensitive");
    is_str(sqlambda_ini_get(i, "default", "output"), "json", "leading/trailing whitespace trimmed, key lowercased");
    is_str(sqlambda_ini_get(i, "default", "aws_access_key_id"), "AKID", "inline # comment after whitespace cut");
    is_str(sqlambda_ini_get(i, "default", "weird"), "a#b;c", "# and ; without whitespace before are kept");
    is_str(sqlambda_ini_get(i, "default", "semi"), "x", "inline ; comment cut");
    is_str(sqlambda_ini_get(i, "default", "empty"), "", "empty value");
    ok(sqlambda_ini_has_section(i, "profile dev"), "[ profile   dev ] normalised to 'profile dev'");
    ok(!sqlambda_ini_has_section(i, "Default"), "section names are case-sensitive");
    is_str(sqlambda_ini_get(i, "profile dev", "region"), "eu-central-1", "later duplicate key wins");
    is_str(sqlambda_ini_get(i, "profile dev", "s3.max_concurrent_requests"), "10", "nested property");
    is_str(sqlambda_ini_get(i, "profile dev", "s3.addressing_style"), "path", "nested key lowercased, comment cut");
    is_str(sqlambda_ini_get(i, "profile dev", "cont"), "first\nsecond", "continuation line");
    is_str(sqlambda_ini_get(i, "services my-svc", "lambda.endpoint_url"), "http://127.0.0.1:9000", "services lambda endpoint");
    is_str(sqlambda_ini_get(i, "services my-svc", "sts.endpoint_url"), "http://127.0.0.1:9001", "tab-indented nested property");
    ok(sqlambda_ini_get(i, "broken", "orphan") == NULL && sqlambda_ini_get(i, "default", "orphan") == NULL,
       "keys under a malformed header are ignored");
    is_str(sqlambda_ini_get(i, "x", "k"), "v", "CRLF line endings");
    ok(sqlambda_ini_get(i, "x", "no equals sign here") == NULL, "line without = ignored");
    ok(sqlambda_ini_get(i, "nosuch", "k") == NULL, "missing section gives NULL");
    sqlambda_ini_free(i);

    i = P("key = before any section\n[a]\nk=1");
    ok(sqlambda_ini_get(i, "a", "k") && !sqlambda_ini_has_section(i, ""), "keys before the first section ignored");
    sqlambda_ini_free(i);
    i = P("");
    ok(i && !sqlambda_ini_has_section(i, "default"), "empty text parses");
    sqlambda_ini_free(i);
    i = sqlambda_ini_load("/nonexistent/sqlambda/config", NULL);
    ok(i && !sqlambda_ini_has_section(i, "default"), "missing file gives an empty ini");
    sqlambda_ini_free(i);

    ok(sqlambda_is_true("true") && sqlambda_is_true(" TRUE ") && !sqlambda_is_true("1") &&
       !sqlambda_is_true("false") && !sqlambda_is_true(NULL), "is_true");

    /* file locations and profile merging */
    char dir[] = "/tmp/sqlambda-ini-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char cred[256], conf[256], path[300];
    snprintf(cred, sizeof cred, "%s/creds", dir);
    snprintf(conf, sizeof conf, "%s/conf", dir);
    write_file(cred, "[default]\naws_access_key_id = FROMCRED\nregion = cred-region\n"
                     "[dev]\nx = 1\n[profile odd]\ny = 2\n");
    write_file(conf, "[default]\nregion = conf-default\nonly_conf = c\n"
                     "[profile dev]\nregion = dev-region\nservices = s1\n"
                     "[ops]\nregion = not-a-profile-section\n"
                     "[services s1]\nlambda =\n  endpoint_url = http://localhost:1\n");
    setenv("AWS_SHARED_CREDENTIALS_FILE", cred, 1);
    setenv("AWS_CONFIG_FILE", conf, 1);
    sqlambda_profiles pf;
    ok(sqlambda_profiles_load(&pf) == 0, "profiles load");
    is_str(pf.credentials_path, cred, "AWS_SHARED_CREDENTIALS_FILE honoured");
    is_str(pf.config_path, conf, "AWS_CONFIG_FILE honoured");
    is_str(sqlambda_profile_get(&pf, "default", "region"), "cred-region", "credentials file wins over config file");
    is_str(sqlambda_profile_get(&pf, "default", "only_conf"), "c", "config [default] used for default");
    is_str(sqlambda_profile_get(&pf, "dev", "region"), "dev-region", "config [profile dev] for dev");
    is_str(sqlambda_profile_get(&pf, "dev", "x"), "1", "credentials [dev] for dev");
    ok(sqlambda_profiles_exists(&pf, "dev") && sqlambda_profiles_exists(&pf, "default"), "profiles exist");
    ok(!sqlambda_profiles_exists(&pf, "ops"), "[ops] in config (no 'profile ' prefix) is not a profile");
    ok(!sqlambda_profiles_exists(&pf, "odd") && sqlambda_profiles_exists(&pf, "profile odd"),
       "[profile odd] in credentials is literally named 'profile odd'");
    is_str(sqlambda_profile_service_get(&pf, "dev", "lambda", "endpoint_url"), "http://localhost:1", "services section via profile");
    ok(sqlambda_profile_service_get(&pf, "default", "lambda", "endpoint_url") == NULL, "no services key, no service endpoint");
    sqlambda_profiles_free(&pf);

    write_file(conf, "[default]\nregion = plain\n[profile default]\nregion = prefixed\n");
    ok(sqlambda_profiles_load(&pf) == 0, "profiles reload");
    unlink(cred);
    ok(1, "removed credentials file");
    is_str(sqlambda_profile_get_config(&pf, "default", "region"), "prefixed", "[profile default] wins over [default]");
    sqlambda_profiles_free(&pf);

    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    unsetenv("AWS_CONFIG_FILE");
    setenv("HOME", dir, 1);
    char *c1 = sqlambda_credentials_file_path(), *c2 = sqlambda_config_file_path();
    snprintf(path, sizeof path, "%s/.aws/credentials", dir);
    is_str(c1, path, "default credentials path under $HOME/.aws");
    snprintf(path, sizeof path, "%s/.aws/config", dir);
    is_str(c2, path, "default config path under $HOME/.aws");
    free(c1);
    free(c2);
    setenv("AWS_CONFIG_FILE", "~/elsewhere/cfg", 1);
    c2 = sqlambda_config_file_path();
    snprintf(path, sizeof path, "%s/elsewhere/cfg", dir);
    is_str(c2, path, "~/ in AWS_CONFIG_FILE expanded");
    free(c2);
    unlink(conf);
    rmdir(dir);
    return tap_done();
}
