/* test_creds_parse.c — credential sources' documents: credential_process,
 * container and IMDS JSON (required members, Version, Code, Expiration),
 * STS's AssumeRoleWithWebIdentity XML (entities, missing or empty
 * elements), and that a rejection never quotes a value. */
#include "creds_parse.h"
#include "creds_internal.h"
#include "tap.h"
#include <stdlib.h>

static int js(creds_json_kind k, const char *doc, sqlambda_creds *c, char *why) {
    size_t n = strlen(doc);
    char *copy = malloc(n ? n : 1); /* no NUL: the parser takes a length */
    memcpy(copy, doc, n);
    memset(c, 0, sizeof *c);
    why[0] = 0;
    int rc = sqlambda_creds_parse_json(k, copy, n, c, why, 200);
    free(copy);
    return rc;
}

static void bad(creds_json_kind k, const char *doc, const char *want, const char *name) {
    sqlambda_creds c;
    char why[200];
    is_int(js(k, doc, &c, why), -1, name);
    is_str(why, want, name);
    ok(!strstr(why, "SECRET") && !strstr(why, "AKID"), "%s: no value quoted", name);
    sqlambda_creds_clear(&c);
}

static int sts(const char *xml, sqlambda_creds *c) {
    memset(c, 0, sizeof *c);
    return sqlambda_creds_parse_sts(xml, strlen(xml), c);
}

int main(void) {
    sqlambda_creds c;
    char why[200];
    is_int(js(CREDS_JSON_PROCESS, "{\"Version\": 1, \"AccessKeyId\": \"AKID\", \"SecretAccessKey\": "
              "\"SECRET\", \"SessionToken\": \"TOK\", \"Expiration\": \"2026-12-01T07:00:00Z\"}", &c, why),
           0, "credential_process document parsed");
    is_str(c.access_key_id, "AKID", "process: access key");
    is_str(c.secret_access_key, "SECRET", "process: secret");
    is_str(c.session_token, "TOK", "process: SessionToken");
    is_int(c.expiration, 1796108400, "process: Expiration");
    is_str(c.source, "process", "process: source");
    sqlambda_creds_clear(&c);
    is_int(js(CREDS_JSON_PROCESS, "{\"Version\": 1, \"AccessKeyId\": \"AKID\", \"SecretAccessKey\": \"S\"}",
              &c, why), 0, "process: token and expiration optional");
    ok(c.session_token == NULL && c.expiration == 0, "process: none given, none set");
    sqlambda_creds_clear(&c);
    bad(CREDS_JSON_PROCESS, "", "output is not a JSON object", "process: empty output");
    bad(CREDS_JSON_PROCESS, "[\"AKID\"]", "output is not a JSON object", "process: an array");
    bad(CREDS_JSON_PROCESS, "{\"Version\": 2, \"AccessKeyId\": \"AKID\", \"SecretAccessKey\": \"SECRET\"}",
        "output has no \"Version\": 1", "process: Version 2");
    bad(CREDS_JSON_PROCESS, "{\"Version\": \"1\", \"AccessKeyId\": \"AKID\", \"SecretAccessKey\": \"SECRET\"}",
        "output has no \"Version\": 1", "process: Version as a string");
    bad(CREDS_JSON_PROCESS, "{\"Version\": 1, \"AccessKeyId\": \"\", \"SecretAccessKey\": \"SECRET\"}",
        "output has no AccessKeyId", "process: empty AccessKeyId");
    bad(CREDS_JSON_PROCESS, "{\"Version\": 1, \"AccessKeyId\": \"AKID\", \"SecretAccessKey\": 5}",
        "output has no SecretAccessKey", "process: SecretAccessKey not a string");
    bad(CREDS_JSON_PROCESS, "{\"Version\": 1, \"AccessKeyId\": \"AKID\", \"SecretAccessKey\": \"SECRET\", "
        "\"Expiration\": \"tomorrow SECRET\"}", "output's Expiration is not an RFC 3339 time",
        "process: bad Expiration");

    is_int(js(CREDS_JSON_CONTAINER, "{\"AccessKeyId\": \"AKID\", \"SecretAccessKey\": \"SECRET\", "
              "\"Token\": \"T\", \"Expiration\": \"2026-12-01T07:00:00.000+01:00\"}", &c, why),
           0, "container document parsed (offset, fraction)");
    is_str(c.session_token, "T", "container: Token");
    is_int(c.expiration, 1796104800, "container: +01:00 offset applied");
    is_str(c.source, "container", "container: source");
    sqlambda_creds_clear(&c);
    bad(CREDS_JSON_CONTAINER, "{\"SecretAccessKey\": \"SECRET\"}", "document has no AccessKeyId",
        "container: no AccessKeyId");

    is_int(js(CREDS_JSON_IMDS, "{\"Code\": \"Success\", \"Type\": \"AWS-HMAC\", \"AccessKeyId\": \"AKID\", "
              "\"SecretAccessKey\": \"SECRET\", \"Token\": \"T\", \"Expiration\": \"2026-12-01T07:00:00Z\"}",
              &c, why), 0, "IMDS document parsed");
    is_str(c.source, "imds", "imds: source");
    sqlambda_creds_clear(&c);
    bad(CREDS_JSON_IMDS, "{\"Code\": \"AssumeRoleUnauthorizedAccess\", \"AccessKeyId\": \"AKID\", "
        "\"SecretAccessKey\": \"SECRET\"}", "document's Code is not \"Success\"", "imds: failed Code");

    const char *ok_xml =
        "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
        "<AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIA1</AccessKeyId>"
        "<SecretAccessKey>se&amp;cr&lt;et</SecretAccessKey><SessionToken>tok&quot;</SessionToken>"
        "<Expiration>2026-12-01T07:00:00Z</Expiration></Credentials></AssumeRoleWithWebIdentityResult>"
        "</AssumeRoleWithWebIdentityResponse>";
    is_int(sts(ok_xml, &c), 0, "STS answer parsed");
    is_str(c.secret_access_key, "se&cr<et", "STS: entities decoded");
    is_str(c.session_token, "tok\"", "STS: token");
    is_str(c.source, "web-identity", "STS: source");
    sqlambda_creds_clear(&c);
    is_int(sts("<Credentials><AccessKeyId></AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
               "<SessionToken>t</SessionToken><Expiration>2026-12-01T07:00:00Z</Expiration></Credentials>", &c),
           -1, "STS: an empty AccessKeyId is not credentials");
    is_int(sts("<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
               "<SessionToken>t</SessionToken></Credentials>", &c), -1, "STS: no Expiration");
    is_int(sts("<AccessKeyId>A", &c), -1, "STS: unterminated element");
    is_int(sts("", &c), -1, "STS: empty body");
    const char *err_xml = "<Error><Code>InvalidIdentityToken</Code><Message>a &gt; b &amp</Message>";
    char *code = sqlambda_xml_text(err_xml, strlen(err_xml), "Message");
    is_str(code, "a > b &amp", "xml_text: entity decoding, a cut entity kept as is");
    free(code);
    code = sqlambda_xml_text("<Code>X</Code>", 10, "Code");
    ok(code == NULL, "xml_text: stays within len");
    free(code);

    /* the SSO token cache file and GetRoleCredentials (creds_sso.c) */
    char *tok = NULL;
    time_t exp = 0;
    const char *tf = "{\"accessToken\": \"TOKVALUE\", \"expiresAt\": \"2026-12-02T10:00:00Z\"}";
    is_int(sqlambda_sso_token_parse(tf, strlen(tf), &tok, &exp, why, sizeof why), 0, "sso token: parsed");
    is_str(tok, "TOKVALUE", "sso token: accessToken");
    is_int((long long)exp, 1796205600LL, "sso token: expiresAt");
    free(tok);
    static const struct { const char *doc, *why; } badtok[] = {
        {"[1]", "is not a JSON object"},
        {"{\"expiresAt\": \"2026-12-02T10:00:00Z\"}", "has no accessToken"},
        {"{\"accessToken\": \"\", \"expiresAt\": \"2026-12-02T10:00:00Z\"}", "has no accessToken"},
        {"{\"accessToken\": \"TOKVALUE\"}", "has no expiresAt"},
        {"{\"accessToken\": \"TOK\\r\\nX-Evil: 1\", \"expiresAt\": \"2026-12-02T10:00:00Z\"}",
         "has an accessToken with a line break"},
        /* jansson refuses \u0000 itself */
        {"{\"accessToken\": \"TOK\\u0000X\", \"expiresAt\": \"2026-12-02T10:00:00Z\"}",
         "is not a JSON object"},
        {"{\"accessToken\": \"TOKVALUE\", \"expiresAt\": \"tomorrow\"}",
         "has an expiresAt that is not an RFC 3339 time"}};
    for (size_t i = 0; i < sizeof badtok / sizeof badtok[0]; i++) {
        tok = NULL;
        why[0] = 0;
        int r = sqlambda_sso_token_parse(badtok[i].doc, strlen(badtok[i].doc), &tok, &exp, why,
                                         sizeof why);
        ok(r == -1 && tok == NULL, "sso token %zu refused", i);
        is_str(why, badtok[i].why, "sso token: why");
        ok(!strstr(why, "TOK"), "sso token %zu: no value quoted", i);
    }
    const char *rc_ok = "{\"roleCredentials\": {\"accessKeyId\": \"ASIA1\", \"secretAccessKey\": "
                        "\"S\", \"sessionToken\": \"T\", \"expiration\": 1796205600123}}";
    is_int(sqlambda_creds_parse_sso(rc_ok, strlen(rc_ok), &c, why, sizeof why), 0, "sso role: parsed");
    is_str(c.access_key_id, "ASIA1", "sso role: key id");
    is_str(c.source, "sso", "sso role: source");
    is_int((long long)c.expiration, 1796205600LL, "sso role: expiration from milliseconds");
    sqlambda_creds_clear(&c);
    const char *rc_10ms = "{\"roleCredentials\": {\"accessKeyId\": \"A\", \"secretAccessKey\": "
                          "\"S\", \"sessionToken\": \"T\", \"expiration\": 10}}";
    is_int(sqlambda_creds_parse_sso(rc_10ms, strlen(rc_10ms), &c, why, sizeof why), 0, "sso role: 10 ms");
    ok(c.expiration == 1, "sso role: an expiration under 1 s is long past, never 0 (never expires)");
    sqlambda_creds_clear(&c);
    static const struct { const char *doc, *why; } badrc[] = {
        {"{}", "answer has no roleCredentials object"},
        {"{\"roleCredentials\": {\"secretAccessKey\": \"S\", \"sessionToken\": \"T\", \"expiration\": 5000}}",
         "answer has no accessKeyId"},
        {"{\"roleCredentials\": {\"accessKeyId\": \"A\", \"sessionToken\": \"T\", \"expiration\": 5000}}",
         "answer has no secretAccessKey"},
        {"{\"roleCredentials\": {\"accessKeyId\": \"A\", \"secretAccessKey\": \"S\", \"expiration\": 5000}}",
         "answer has no sessionToken"},
        {"{\"roleCredentials\": {\"accessKeyId\": \"A\", \"secretAccessKey\": \"S\", \"sessionToken\": \"T\", "
         "\"expiration\": \"2026-12-02T10:00:00Z\"}}", "answer's expiration is not a time in milliseconds"},
        {"{\"roleCredentials\": {\"accessKeyId\": \"A\", \"secretAccessKey\": \"S\", \"sessionToken\": \"T\", "
         "\"expiration\": 0}}", "answer's expiration is not a time in milliseconds"}};
    for (size_t i = 0; i < sizeof badrc / sizeof badrc[0]; i++) {
        why[0] = 0;
        ok(sqlambda_creds_parse_sso(badrc[i].doc, strlen(badrc[i].doc), &c, why, sizeof why) == -1,
           "sso role %zu refused", i);
        is_str(why, badrc[i].why, "sso role: why");
    }
    return tap_done();
}
