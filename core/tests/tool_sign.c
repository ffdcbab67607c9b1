/*
 * tool_sign.c — test helper driven by t_sigv4_botocore.py. Reads one JSON
 * request per line on stdin: {method, path, query, sign:[[name,value]...],
 * received:[[name,value]...], body_b64, region, service, amz_date, akid,
 * secret, token}. Signs it with sqlambda_sigv4_sign over "sign" and with one
 * signer kept across all lines (its cached signing key must give the same
 * Authorization, else the line is an ERROR), then runs
 * sqlambda_sigv4_verify over "received" as is, with one body byte flipped,
 * and with one signature digit flipped. Prints per line:
 *   <Authorization>\t<verify rc>\t<rc body flipped>\t<rc signature flipped>
 */
#include "internal.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *secret_of(void *arg, const char *akid) {
    const char **kv = arg;
    return strcmp(akid, kv[0]) == 0 ? kv[1] : NULL;
}

static size_t headers_of(json_t *arr, sqlambda_header *out, size_t cap) {
    size_t n = 0, i;
    json_t *pair;
    json_array_foreach(arr, i, pair) {
        if (n == cap) break;
        out[n].name = json_string_value(json_array_get(pair, 0));
        out[n++].value = json_string_value(json_array_get(pair, 1));
    }
    return n;
}

int main(void) {
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int status = 0;
    sqlambda_sigv4_signer *signer = sqlambda_sigv4_signer_new();
    while ((got = getline(&line, &cap, stdin)) > 0) {
        json_error_t je;
        json_t *j = json_loadb(line, (size_t)got, 0, &je);
        if (!j) {
            printf("ERROR bad input line: %s\n", je.text);
            status = 1;
            continue;
        }
        const char *b64 = json_string_value(json_object_get(j, "body_b64"));
        size_t blen = 0;
        unsigned char *body = sqlambda_b64_decode(b64 ? b64 : "", b64 ? strlen(b64) : 0, &blen);
        sqlambda_header sh[64], rh[64];
        size_t nsh = headers_of(json_object_get(j, "sign"), sh, 64);
        size_t nrh = headers_of(json_object_get(j, "received"), rh, 64);
        sqlambda_sigv4_request r = {
            .method = json_string_value(json_object_get(j, "method")),
            .path = json_string_value(json_object_get(j, "path")),
            .query = json_string_value(json_object_get(j, "query")),
            .headers = sh, .nheaders = nsh, .body = body, .body_len = blen,
            .region = json_string_value(json_object_get(j, "region")),
            .service = json_string_value(json_object_get(j, "service")),
            .amz_date = json_string_value(json_object_get(j, "amz_date")),
            .double_encode_path = 1, .normalize_path = 1};
        const char *kv[2] = {json_string_value(json_object_get(j, "akid")),
                             json_string_value(json_object_get(j, "secret"))};
        sqlambda_sigv4_credentials cr = {kv[0], kv[1],
                                         json_string_value(json_object_get(j, "token"))};
        char auth[4096], cached[4096];
        if (!body || sqlambda_sigv4_sign(&r, &cr, auth, sizeof auth, NULL, NULL) != 0) {
            printf("ERROR signing failed\n");
            status = 1;
        } else if (sqlambda_sigv4_sign_with(signer, &r, &cr, cached, sizeof cached) != 0 ||
                   strcmp(auth, cached) != 0) {
            printf("ERROR cached signer differs: %s\n", cached);
            status = 1;
        } else {
            char err[256];
            /* the receiver knows neither region nor date up front */
            sqlambda_sigv4_request v = r;
            v.headers = rh;
            v.nheaders = nrh;
            v.region = NULL;
            v.amz_date = NULL;
            int rc_ok = sqlambda_sigv4_verify(&v, auth, secret_of, kv, err, sizeof err);
            unsigned char *flipped = malloc(blen + 1);
            memcpy(flipped, body, blen);
            if (blen) flipped[blen / 2] ^= 0x01;
            else flipped[0] = ' ';
            v.body = flipped;
            v.body_len = blen ? blen : 1;
            int rc_body = sqlambda_sigv4_verify(&v, auth, secret_of, kv, err, sizeof err);
            free(flipped);
            v.body = body;
            v.body_len = blen;
            char bad[4096];
            memcpy(bad, auth, sizeof bad);
            char *last = bad + strlen(bad) - 1;
            *last = *last == '0' ? '1' : '0';
            int rc_sig = sqlambda_sigv4_verify(&v, bad, secret_of, kv, err, sizeof err);
            printf("%s\t%d\t%d\t%d\n", auth, rc_ok, rc_body, rc_sig);
        }
        fflush(stdout);
        free(body);
        json_decref(j);
    }
    free(line);
    printf("derivations %lu\n", sqlambda_sigv4_signer_derivations(signer));
    sqlambda_sigv4_signer_free(signer);
    return status;
}
