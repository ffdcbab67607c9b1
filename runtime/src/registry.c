/*
 * registry.c — loads the function directory: each subdirectory of
 * --functions holding a function.json is a function (format: docs/serve.md),
 * with its versions and aliases. Read once at startup, then read-only.
 */
#include "serve.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int valid_name(const char *s, size_t max) {
    size_t n = strlen(s);
    if (n == 0 || n > max) return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return 0;
    return 1;
}

static long long code_size_acc;
static int add_size(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)path;
    (void)ftw;
    if (flag == FTW_F) code_size_acc += st->st_size;
    return 0;
}

/* Applies the settings in obj (the top level or a version's overrides) to v. */
static int apply_settings(fn_version *v, json_t *obj, const char *fdir, int top, const char *file,
                          char *err, size_t errlen) {
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val) {
        if (strcmp(key, "runtime") == 0) {
            const char *r = json_string_value(val);
            if (!r) goto type;
            if (strcmp(r, "python3") == 0 || strncmp(r, "python3.", 8) == 0)
                r = "python3";
            else if (strcmp(r, "provided") == 0 || strcmp(r, "provided.al2") == 0 ||
                     strcmp(r, "provided.al2023") == 0) {
                snprintf(v->runtime_name, sizeof v->runtime_name, "%s", r);
                r = "provided";
            } else if (strcmp(r, "nodejs20.x") == 0 || strcmp(r, "nodejs22.x") == 0) {
                snprintf(v->runtime_name, sizeof v->runtime_name, "%s", r);
                r = "nodejs";
            } else if (strncmp(r, "nodejs", 6) == 0) {
                snprintf(err, errlen, "%s: runtime \"%s\" is not supported (Node.js: nodejs20.x or nodejs22.x)",
                         file, r);
                return -1;
            } else if (strncmp(r, "provided.", 9) == 0) {
                snprintf(err, errlen,
                         "%s: runtime \"%s\" is not one of Lambda's (provided, provided.al2, provided.al2023)",
                         file, r);
                return -1;
            }
            else {
                snprintf(err, errlen, "%s: runtime \"%s\" is not supported (use \"python3\", \"nodejs20.x\", "
                         "\"nodejs22.x\" or \"provided\")",
                         file, r);
                return -1;
            }
            free(v->runtime);
            v->runtime = xstrdup(r);
        } else if (strcmp(key, "handler") == 0) {
            if (!json_is_string(val) || !json_string_length(val)) goto type;
            free(v->handler);
            v->handler = xstrdup(json_string_value(val));
        } else if (strcmp(key, "description") == 0) {
            if (!json_is_string(val)) goto type;
            free(v->description);
            v->description = xstrdup(json_string_value(val));
        } else if (strcmp(key, "timeout") == 0) {
            if (!json_is_integer(val) || json_integer_value(val) < 1 || json_integer_value(val) > 900) {
                snprintf(err, errlen, "%s: timeout must be an integer number of seconds from 1 to 900", file);
                return -1;
            }
            v->timeout_s = (int)json_integer_value(val);
        } else if (strcmp(key, "memory_size") == 0) {
            if (!json_is_integer(val) || json_integer_value(val) < 128 ||
                json_integer_value(val) > 10240) {
                snprintf(err, errlen, "%s: memory_size must be an integer number of MB from 128 to 10240", file);
                return -1;
            }
            v->memory_mb = (int)json_integer_value(val);
        } else if (strcmp(key, "environment") == 0) {
            if (!json_is_object(val)) goto type;
            const char *k;
            json_t *s;
            json_object_foreach(val, k, s) {
                if (!json_is_string(s)) {
                    snprintf(err, errlen, "%s: environment variable %s must be a string", file, k);
                    return -1;
                }
            }
            json_t *merged = json_deep_copy(v->environment);
            json_object_update(merged, val);
            json_decref(v->environment);
            v->environment = merged;
        } else if (strcmp(key, "code") == 0) {
            if (!json_is_string(val)) goto type;
            char path[PATH_MAX], real[PATH_MAX];
            snprintf(path, sizeof path, "%s/%s", fdir, json_string_value(val));
            if (!realpath(path, real)) {
                snprintf(err, errlen, "%s: code directory %s: %s", file, path, strerror(errno));
                return -1;
            }
            free(v->code_dir);
            v->code_dir = xstrdup(real);
        } else if (top && (strcmp(key, "reserved_concurrency") == 0 || strcmp(key, "versions") == 0 ||
                           strcmp(key, "aliases") == 0)) {
            continue; /* handled by the caller */
        } else {
            snprintf(err, errlen, "%s: unknown setting \"%s\"%s", file, key,
                     top ? "" : " in a version");
            return -1;
        }
        continue;
    type:
        snprintf(err, errlen, "%s: %s has the wrong type", file, key);
        return -1;
    }
    return 0;
}

static void finish_version(fn_version *v, const char *file) {
    if (!v->handler)
        v->handler = xstrdup(strcmp(v->runtime, "python3") == 0  ? "lambda_function.lambda_handler"
                             : strcmp(v->runtime, "nodejs") == 0 ? "index.handler"
                                                                 : "bootstrap");
    if (!v->description) v->description = xstrdup("");
    code_size_acc = 0;
    nftw(v->code_dir, add_size, 16, FTW_PHYS);
    v->code_size = code_size_acc;
    code_sha256(v->code_dir, v->code_sha256, sizeof v->code_sha256);
    if (!v->runtime_name[0]) snprintf(v->runtime_name, sizeof v->runtime_name, "provided.al2023");
    struct stat st;
    time_t t = stat(file, &st) == 0 ? st.st_mtime : time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(v->last_modified, sizeof v->last_modified, "%Y-%m-%dT%H:%M:%S.000+0000", &tm);
}

static fn_version *copy_version(const fn_version *base, function *f, const char *version) {
    fn_version *v = xcalloc(1, sizeof *v);
    v->fn = f;
    v->version = xstrdup(version);
    v->runtime = xstrdup(base->runtime);
    memcpy(v->runtime_name, base->runtime_name, sizeof v->runtime_name);
    v->handler = base->handler ? xstrdup(base->handler) : NULL;
    v->code_dir = xstrdup(base->code_dir);
    v->description = base->description ? xstrdup(base->description) : NULL;
    v->timeout_s = base->timeout_s;
    v->memory_mb = base->memory_mb;
    v->environment = json_deep_copy(base->environment);
    return v;
}

static void free_version(fn_version *v) {
    if (!v) return;
    free(v->version);
    free(v->runtime);
    free(v->handler);
    free(v->code_dir);
    free(v->description);
    json_decref(v->environment);
    free(v);
}

static void free_function(function *f) {
    if (!f) return;
    for (size_t i = 0; i < f->nversions; i++) free_version(f->versions[i]);
    free(f->versions);
    for (size_t i = 0; i < f->naliases; i++) free(f->aliases[i].name);
    free(f->aliases);
    pthread_cond_destroy(&f->freed);
    free(f->name);
    free(f->dir);
    free(f);
}

static function *load_function(const char *dir, const char *name, char *err, size_t errlen) {
    char file[PATH_MAX + 32], real[PATH_MAX];
    snprintf(file, sizeof file, "%s/%s", dir, name);
    if (!realpath(file, real)) {
        snprintf(err, errlen, "%s: %s", file, strerror(errno));
        return NULL;
    }
    snprintf(file, sizeof file, "%s/function.json", real);
    json_error_t je;
    json_t *root = json_load_file(file, 0, &je);
    if (!root) {
        snprintf(err, errlen, "%s: line %d: %s", file, je.line, je.text);
        return NULL;
    }
    function *f = xcalloc(1, sizeof *f);
    pthread_cond_init(&f->freed, NULL);
    f->name = xstrdup(name);
    f->dir = xstrdup(real);
    f->reserved = -1;
    fn_version *latest = xcalloc(1, sizeof *latest);
    latest->fn = f;
    latest->version = xstrdup("$LATEST");
    latest->timeout_s = 3;
    latest->memory_mb = 128;
    latest->environment = json_object();
    latest->code_dir = xstrdup(real);
    f->versions = xcalloc(1, sizeof *f->versions);
    f->versions[0] = latest;
    f->nversions = 1;
    if (!json_is_object(root)) {
        snprintf(err, errlen, "%s: must hold a JSON object", file);
        goto fail;
    }
    if (!valid_name(name, 64)) {
        snprintf(err, errlen, "%s: \"%s\" is not a valid Lambda function name (letters, digits, - and _, at most 64)",
                 file, name);
        goto fail;
    }
    json_t *rt = json_object_get(root, "runtime");
    if (!rt) {
        snprintf(err, errlen, "%s: runtime is missing (\"python3\", \"nodejs20.x\", \"nodejs22.x\" or \"provided\")", file);
        goto fail;
    }
    if (apply_settings(latest, root, real, 1, file, err, errlen)) goto fail;
    json_t *rc = json_object_get(root, "reserved_concurrency");
    if (rc) {
        if (!json_is_integer(rc) || json_integer_value(rc) < 0 || json_integer_value(rc) > 1000) {
            snprintf(err, errlen, "%s: reserved_concurrency must be an integer from 0 to 1000", file);
            goto fail;
        }
        f->reserved = (int)json_integer_value(rc);
    }
    json_t *vers = json_object_get(root, "versions");
    if (vers) {
        if (!json_is_object(vers)) {
            snprintf(err, errlen, "%s: versions must be an object of version number -> settings", file);
            goto fail;
        }
        const char *vk;
        json_t *vo;
        json_object_foreach(vers, vk, vo) {
            char *end;
            long num = strtol(vk, &end, 10);
            if (*end || num < 1 || !json_is_object(vo)) {
                snprintf(err, errlen, "%s: version \"%s\" must be a positive integer holding an object", file, vk);
                goto fail;
            }
            fn_version *v = copy_version(latest, f, vk);
            f->versions = realloc(f->versions, (f->nversions + 1) * sizeof *f->versions);
            f->versions[f->nversions++] = v;
            if (apply_settings(v, vo, real, 0, file, err, errlen)) goto fail;
        }
    }
    for (size_t i = 0; i < f->nversions; i++) finish_version(f->versions[i], file);
    json_t *al = json_object_get(root, "aliases");
    if (al) {
        if (!json_is_object(al)) {
            snprintf(err, errlen, "%s: aliases must be an object of alias -> version", file);
            goto fail;
        }
        const char *ak;
        json_t *av;
        json_object_foreach(al, ak, av) {
            int digits = ak[0] != 0 && strspn(ak, "0123456789") == strlen(ak);
            if (!valid_name(ak, 128) || digits) {
                snprintf(err, errlen, "%s: alias \"%s\" is not a valid alias name", file, ak);
                goto fail;
            }
            fn_version *t = json_is_string(av) ? function_qualify(f, json_string_value(av)) : NULL;
            if (!t || (json_is_string(av) && strcmp(json_string_value(av), "$LATEST") != 0 &&
                       strcmp(json_string_value(av), t->version) != 0)) {
                snprintf(err, errlen, "%s: alias \"%s\" must name a version of the function", file, ak);
                goto fail;
            }
            f->aliases = realloc(f->aliases, (f->naliases + 1) * sizeof *f->aliases);
            f->aliases[f->naliases].name = xstrdup(ak);
            f->aliases[f->naliases].target = t;
            f->naliases++;
        }
    }
    for (size_t i = 0; i < f->nversions; i++) {
        fn_version *v = f->versions[i];
        if (strcmp(v->runtime, "provided") == 0) {
            char bs[PATH_MAX];
            snprintf(bs, sizeof bs, "%s/bootstrap", v->code_dir);
            if (access(bs, X_OK) != 0)
                serve_log("warning: %s: %s is not an executable bootstrap", f->name, bs);
        }
    }
    json_decref(root);
    return f;
fail:
    json_decref(root);
    free_function(f);
    return NULL;
}

static int cmp_fn(const void *a, const void *b) {
    return strcmp((*(function *const *)a)->name, (*(function *const *)b)->name);
}

int registry_load(const char *dir, registry *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "--functions %s: %s", dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[PATH_MAX];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s/function.json", dir, e->d_name);
        if (stat(path, &st) != 0) continue; /* not a function directory */
        function *f = load_function(dir, e->d_name, err, errlen);
        if (!f) {
            closedir(d);
            registry_free(out);
            return -1;
        }
        out->fns = realloc(out->fns, (out->n + 1) * sizeof *out->fns);
        out->fns[out->n++] = f;
    }
    closedir(d);
    if (out->n) qsort(out->fns, out->n, sizeof *out->fns, cmp_fn);
    return 0;
}

void registry_free(registry *r) {
    for (size_t i = 0; i < r->n; i++) free_function(r->fns[i]);
    free(r->fns);
    memset(r, 0, sizeof *r);
}

function *registry_find(const registry *r, const char *name) {
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->fns[i]->name, name) == 0) return r->fns[i];
    return NULL;
}

fn_version *function_qualify(function *f, const char *q) {
    if (!q || !*q || strcmp(q, "$LATEST") == 0) return f->versions[0];
    for (size_t i = 1; i < f->nversions; i++)
        if (strcmp(f->versions[i]->version, q) == 0) return f->versions[i];
    for (size_t i = 0; i < f->naliases; i++)
        if (strcmp(f->aliases[i].name, q) == 0) return f->aliases[i].target;
    return NULL;
}

char *function_arn(const function *f, const char *qualifier) {
    sqlambda_buf b = {0};
    xbuf_printf(&b, "arn:aws:lambda:%s:%s:function:%s", g.region, g.account, f->name);
    if (qualifier && *qualifier) xbuf_printf(&b, ":%s", qualifier);
    return b.data;
}
