/*
 * check_ca_file.c — the rule for a CA bundle (options ca_file,
 * AWS_CA_BUNDLE, the profile's ca_bundle, the adapters' settings): a path
 * of at most 4096 bytes without control bytes, naming a regular file this
 * process can open that holds a PEM certificate ("-----BEGIN" within its
 * first 64 KB, what libcurl's CURLOPT_CAINFO reads with OpenSSL). Checked
 * when set, so a bad path is named then rather than as a TLS failure of
 * every call.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CA_PATH_MAX 4096
#define CA_SCAN_BYTES (64 * 1024)

int sqlambda_ca_file_check(const char *path, char *why, size_t whylen) {
    size_t n = path ? strlen(path) : 0;
    if (n == 0) {
        sqlambda_fmt(why, whylen, "is empty");
        return -1;
    }
    if (n > CA_PATH_MAX) {
        sqlambda_fmt(why, whylen, "is longer than %d bytes", CA_PATH_MAX);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)path[i] < 0x20 || path[i] == 0x7f) {
            sqlambda_fmt(why, whylen, "has a control byte");
            return -1;
        }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        sqlambda_fmt(why, whylen, "cannot be read: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        sqlambda_fmt(why, whylen, "is not a regular file");
        return -1;
    }
    char *local = malloc(CA_SCAN_BYTES); /* not on a host thread's small stack */
    if (!local) {
        close(fd);
        sqlambda_fmt(why, whylen, "cannot be read: out of memory");
        return -1;
    }
    size_t got = 0;
    ssize_t r;
    while (got < CA_SCAN_BYTES && (r = read(fd, local + got, CA_SCAN_BYTES - got)) > 0)
        got += (size_t)r;
    close(fd);
    int pem = memmem(local, got, "-----BEGIN", 10) != NULL;
    free(local);
    if (!pem) {
        sqlambda_fmt(why, whylen, "holds no PEM certificate (no -----BEGIN in its first 64 KB)");
        return -1;
    }
    return 0;
}

sqlambda_status sqlambda_check_ca_file(const char *path, char *err, size_t errlen) {
    char why[160];
    if (err && errlen) err[0] = '\0';
    if (sqlambda_ca_file_check(path, why, sizeof why) == 0) return SQLAMBDA_OK;
    char shown[300];
    sqlambda_show_value(shown, sizeof shown, path ? path : "", path ? strlen(path) : 0, 200);
    sqlambda_fmt(err, errlen, "CA bundle \"%s\" %s", shown, why);
    return SQLAMBDA_E_INVALID;
}
