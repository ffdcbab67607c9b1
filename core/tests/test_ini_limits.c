/*
 * test_ini_limits.c — oversize AWS shared files are errors, never silent
 * truncation: a line over SQLAMBDA_INI_MAX_LINE bytes, a NUL byte, a file
 * over SQLAMBDA_INI_MAX_FILE bytes; each error names the file and line,
 * reaches the client's configuration (E_CONFIG) and the credential chain,
 * and nothing is sent. Limits themselves (exactly at the limit) still load.
 */
#include "ini.h"
#include "tap.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void write_bytes(const char *path, const char *data, size_t n) {
    FILE *f = fopen(path, "wb");
    fwrite(data, 1, n, f);
    fclose(f);
}

/* "[default]\nregion = us-east-1\n<key> = <value of vlen bytes>\n" */
static char *with_value(size_t vlen, size_t *n) {
    const char *head = "[default]\nregion = us-east-1\naws_session_token = ";
    size_t hl = strlen(head);
    char *s = malloc(hl + vlen + 2);
    memcpy(s, head, hl);
    memset(s + hl, 'T', vlen);
    s[hl + vlen] = '\n';
    *n = hl + vlen + 1;
    return s;
}

int main(void) {
    char dir[] = "/tmp/sqlambda-inilim-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char conf[300], cred[300];
    snprintf(conf, sizeof conf, "%s/config", dir);
    snprintf(cred, sizeof cred, "%s/credentials", dir);
    size_t n;
    const size_t key_len = strlen("aws_session_token = ");

    /* a line of exactly the limit loads with its full value */
    char *t = with_value(SQLAMBDA_INI_MAX_LINE - key_len, &n);
    write_bytes(conf, t, n);
    sqlambda_ini *i = sqlambda_ini_load(conf, NULL);
    const char *v = sqlambda_ini_get(i, "default", "aws_session_token");
    ok(i && !sqlambda_ini_error(i) && v && strlen(v) == SQLAMBDA_INI_MAX_LINE - key_len,
       "a line of exactly %d bytes loads whole", SQLAMBDA_INI_MAX_LINE);
    sqlambda_ini_free(i);
    free(t);

    /* one byte more: an error naming the file and the line */
    t = with_value(SQLAMBDA_INI_MAX_LINE - key_len + 1, &n);
    write_bytes(conf, t, n);
    i = sqlambda_ini_load(conf, NULL);
    const char *e = sqlambda_ini_error(i);
    ok(e && strstr(e, conf) && strstr(e, "line 3 is 65537 bytes long (at most 65536)"),
       "a line one byte over the limit is an error naming the file and line 3");
    if (e) diag("%s", e);
    ok(sqlambda_ini_get(i, "default", "aws_session_token") == NULL,
       "no truncated value is kept for the oversize line");
    sqlambda_ini_free(i);

    /* through the client: E_CONFIG naming the file, nothing sent */
    setenv("AWS_CONFIG_FILE", conf, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/sqlambda", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    sqlambda_options o = {.endpoint_url = "http://127.0.0.1:9", .access_key_id = "AKIDX",
                          .secret_access_key = "s"};
    sqlambda_client *c = sqlambda_client_new(&o);
    sqlambda_request rq = {.function = "f"};
    sqlambda_result res;
    sqlambda_invoke(c, &rq, &res);
    ok(res.status == SQLAMBDA_E_CONFIG && strstr(res.message, "line 3 is 65537 bytes") &&
           strstr(res.message, "config") && res.attempts == 0,
       "an oversize config line fails the call with E_CONFIG naming it, nothing sent");
    diag("%s", res.message);
    sqlambda_result_free(&res);
    sqlambda_client_free(c);
    free(t);

    /* the credentials file too, and the credential chain reports it */
    write_bytes(conf, "[default]\nregion = us-east-1\n", 29);
    t = with_value(200000, &n);
    write_bytes(cred, t, n);
    free(t);
    setenv("AWS_SHARED_CREDENTIALS_FILE", cred, 1);
    sqlambda_options o2 = {.endpoint_url = "http://127.0.0.1:9"};
    c = sqlambda_client_new(&o2);
    sqlambda_invoke(c, &rq, &res);
    ok(res.status == SQLAMBDA_E_CONFIG && strstr(res.message, "credentials") &&
           strstr(res.message, "line 3 is 200020 bytes") && res.attempts == 0,
       "an oversize credentials line fails the call with E_CONFIG naming the file and line");
    diag("%s", res.message);
    sqlambda_result_free(&res);
    sqlambda_client_free(c);
    {
        sqlambda_config cfg;
        sqlambda_options none = {0};
        sqlambda_config_resolve(&none, &cfg);
        sqlambda_creds_provider *p = sqlambda_creds_provider_new(&none, &cfg);
        sqlambda_creds cr = {0};
        char err[400] = "";
        sqlambda_status st = sqlambda_creds_get(p, &cr, err, sizeof err);
        ok(st != SQLAMBDA_OK && strstr(err, "line 3 is 200020 bytes"),
           "the credential chain refuses the oversize credentials file too");
        diag("%s", err);
        sqlambda_creds_clear(&cr);
        sqlambda_creds_provider_free(p);
        sqlambda_config_free(&cfg);
    }

    /* a NUL byte would silently cut a value */
    write_bytes(cred, "[default]\naws_access_key_id = AKID\0EVIL\n", 41);
    i = sqlambda_ini_load(cred, NULL);
    e = sqlambda_ini_error(i);
    ok(e && strstr(e, "line 2 has a NUL byte") && strstr(e, cred), "a NUL byte is an error naming file and line");
    sqlambda_ini_free(i);

    /* a file over the limit is refused whole (not its first 4 MB) */
    size_t big = (size_t)SQLAMBDA_INI_MAX_FILE + 1;
    char *b = malloc(big);
    memset(b, '#', big);
    memcpy(b, "[default]\nregion = us-east-1\n", 29);
    b[29] = '\n';
    for (size_t k = 1000; k < big; k += 1000) b[k] = '\n';
    write_bytes(conf, b, big);
    i = sqlambda_ini_load(conf, NULL);
    e = sqlambda_ini_error(i);
    ok(e && strstr(e, conf) && strstr(e, "is over 4194304 bytes long"), "a file over 4 MB is an error naming it");
    ok(sqlambda_ini_get(i, "default", "region") == NULL, "nothing of the oversize file is used");
    sqlambda_ini_free(i);
    write_bytes(conf, b, big - 1);
    i = sqlambda_ini_load(conf, NULL);
    ok(i && !sqlambda_ini_error(i) && sqlambda_ini_get(i, "default", "region"),
       "a file of exactly 4 MB loads");
    sqlambda_ini_free(i);
    free(b);

    unlink(conf);
    unlink(cred);
    rmdir(dir);
    return tap_done();
}
