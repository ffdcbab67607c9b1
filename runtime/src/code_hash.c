/*
 * code_hash.c — the CodeSha256 serve reports for a function's code. AWS's
 * is the base64 SHA-256 of the uploaded zip; serve has no zip (the
 * directory is the code), so it hashes what a zip of it would hold: every
 * regular file under the directory in byte order of its relative path,
 * each as its path, a NUL, its size (8 bytes, big-endian) and its bytes.
 * It changes whenever a file's name or content does. Symbolic links are
 * not followed (a link out of the directory adds nothing); directories
 * deeper than 32 levels or a walk over 100,000 files give "" (unknown).
 */
#include "serve.h"

#include <dirent.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>

#define MAX_DEPTH 32
#define MAX_FILES 100000

static int by_name(const struct dirent **a, const struct dirent **b) {
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int hash_file(EVP_MD_CTX *md, int dirfd, const char *name, const char *rel, long long size) {
    unsigned char len[8];
    for (int i = 0; i < 8; i++) len[i] = (unsigned char)((unsigned long long)size >> (56 - 8 * i));
    if (!EVP_DigestUpdate(md, rel, strlen(rel) + 1) || !EVP_DigestUpdate(md, len, sizeof len)) return -1;
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return 0; /* unreadable: its name and size still count */
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        if (!EVP_DigestUpdate(md, buf, (size_t)n)) break;
    close(fd);
    return 0;
}

/* Hashes dir (open as dirfd, relative name prefix) in name order. */
static int walk(EVP_MD_CTX *md, int dirfd, const char *prefix, int depth, long *files) {
    if (depth > MAX_DEPTH) return -1;
    int dup_fd = dup(dirfd);
    if (dup_fd < 0) return -1;
    DIR *d = fdopendir(dup_fd);
    if (!d) {
        close(dup_fd);
        return -1;
    }
    /* scandir needs a path: collect and sort the entries ourselves */
    struct dirent **ents = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            struct dirent **ne = realloc(ents, cap * sizeof *ents);
            if (!ne) abort();
            ents = ne;
        }
        size_t sz = offsetof(struct dirent, d_name) + strlen(e->d_name) + 1;
        ents[n] = malloc(sz < sizeof *e ? sizeof *e : sz);
        if (!ents[n]) abort();
        memcpy(ents[n], e, sz);
        n++;
    }
    closedir(d);
    qsort(ents, n, sizeof *ents, (int (*)(const void *, const void *))by_name);
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct stat st;
        char rel[4096];
        if (snprintf(rel, sizeof rel, "%s%s", prefix, ents[i]->d_name) >= (int)sizeof rel) {
            rc = -1;
            break;
        }
        if (fstatat(dirfd, ents[i]->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (S_ISREG(st.st_mode)) {
            if (++*files > MAX_FILES) rc = -1;
            else rc = hash_file(md, dirfd, ents[i]->d_name, rel, (long long)st.st_size);
        } else if (S_ISDIR(st.st_mode)) {
            int sub = openat(dirfd, ents[i]->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
            if (sub < 0) continue;
            char next[4097];
            snprintf(next, sizeof next, "%s/", rel);
            rc = walk(md, sub, next, depth + 1, files);
            close(sub);
        }
    }
    for (size_t i = 0; i < n; i++) free(ents[i]);
    free(ents);
    return rc;
}

void code_sha256(const char *dir, char *out, size_t outlen) {
    unsigned char dig[32];
    unsigned int dlen = 0;
    long files = 0;
    out[0] = 0;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) && walk(md, fd, "", 0, &files) == 0 &&
        EVP_DigestFinal_ex(md, dig, &dlen) && dlen == sizeof dig) {
        char *b64 = sqlambda_b64_encode(dig, sizeof dig);
        if (b64 && strlen(b64) < outlen) snprintf(out, outlen, "%s", b64);
        free(b64);
    }
    EVP_MD_CTX_free(md);
    close(fd);
}
