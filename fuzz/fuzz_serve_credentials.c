/*
 * fuzz_serve_credentials.c — `sqlambda serve --credentials FILE`'s parser
 * (runtime/src/auth.c auth_parse) over any file text: "ACCESS_KEY_ID
 * SECRET" lines, shared-credentials [sections], comments, oversize lines
 * and values (each an error, never cut). Properties: a refusal names the
 * file and says why; success says nothing and keeps at most one key a
 * line; auth_free leaves no key.
 */
#include "serve.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size ? size : 1);
    if (!text) return 0;
    memcpy(text, data, size);
    FILE *f = fmemopen(text, size, "r");
    if (!f) {
        free(text);
        return 0;
    }
    char err[512] = "";
    int rc = auth_parse(f, "fuzz.creds", err, sizeof err);
    fclose(f);
    if (rc != 0 && strncmp(err, "--credentials fuzz.creds: ", 26) != 0) abort();
    if (rc == 0 && err[0]) abort();
    size_t lines = 1;
    for (size_t i = 0; i < size; i++) lines += data[i] == '\n';
    if (rc == 0 && auth_key_count() > lines) abort();
    auth_free();
    if (auth_key_count() != 0) abort();
    free(text);
    return 0;
}
