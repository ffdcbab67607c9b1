/*
 * ini.c — parses the AWS shared config/credentials file format: [sections],
 * key = value lines, full-line comments (# ;) and inline comments after
 * whitespace, case-insensitive keys, nested properties under an empty-valued
 * key ("lambda =" + indented lines), and continuation lines. Also finds the
 * files (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE, $HOME/.aws).
 * Oversize input is an error, never a truncated value: a file over
 * SQLAMBDA_INI_MAX_FILE bytes, a line over SQLAMBDA_INI_MAX_LINE bytes or a
 * NUL byte stops parsing with a message naming the file and line.
 */
#include "ini.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

typedef struct ini_entry {
    char *section, *key, *value;
} ini_entry;

struct sqlambda_ini {
    ini_entry *e;
    size_t n, cap;
    char **sections;
    size_t nsections, capsections;
    /* index of entries and sections by name, so a file of many keys or
     * sections parses in linear time: open addressing, power-of-two size,
     * a slot holds (index << 1 | is_section) + 1, 0 when empty */
    size_t *slots, nslots;
    char error[300]; /* non-empty: the input was refused (see ini.h) */
};

static char *dupn(const char *s, size_t n) {
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

static void trim(const char **s, const char **e) {
    while (*s < *e && isspace((unsigned char)**s)) (*s)++;
    while (*e > *s && isspace((unsigned char)(*e)[-1])) (*e)--;
}

/* Cuts an inline comment: '#' or ';' preceded by whitespace. */
static const char *cut_comment(const char *s, const char *e) {
    for (const char *p = s; p < e; p++)
        if ((*p == '#' || *p == ';') && p > s && isspace((unsigned char)p[-1])) return p;
    return e;
}

/* FNV-1a of the section and the lowercased key (key NULL: the section's own). */
static size_t name_hash(const char *section, const char *key) {
    uint64_t h = 14695981039346656037ULL;
    for (const unsigned char *p = (const unsigned char *)section; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    h = (h ^ (key ? 0x100u : 0x200u)) * 1099511628211ULL;
    for (const unsigned char *p = (const unsigned char *)key; key && *p; p++)
        h = (h ^ (unsigned char)tolower(*p)) * 1099511628211ULL;
    h ^= h >> 33; /* spread into the low bits the mask keeps (murmur3's finalizer) */
    h *= 0xff51afd7ed558ccdULL;
    return (size_t)(h ^ (h >> 33));
}

static int slot_is(const sqlambda_ini *ini, size_t v, const char *section, const char *key) {
    size_t i = (v - 1) >> 1;
    if ((v - 1) & 1) return !key && strcmp(ini->sections[i], section) == 0;
    return key && strcmp(ini->e[i].section, section) == 0 && strcasecmp(ini->e[i].key, key) == 0;
}

/* The slot holding section/key, or the empty slot where it would go. */
static size_t *slot_for(const sqlambda_ini *ini, const char *section, const char *key) {
    size_t mask = ini->nslots - 1;
    for (size_t i = name_hash(section, key) & mask;; i = (i + 1) & mask)
        if (!ini->slots[i] || slot_is(ini, ini->slots[i], section, key)) return &ini->slots[i];
}

/* Indexes the item just appended (an entry, or a section); the table stays
 * at most half full. 0, or -1 out of memory. */
static int index_last(sqlambda_ini *ini, int is_section) {
    size_t count = ini->n + ini->nsections;
    if (count * 2 > ini->nslots) {
        size_t ns = ini->nslots ? ini->nslots * 2 : 64;
        size_t *t = calloc(ns, sizeof *t);
        if (!t) return -1;
        free(ini->slots);
        ini->slots = t;
        ini->nslots = ns;
        for (size_t i = 0; i < ini->n; i++)
            *slot_for(ini, ini->e[i].section, ini->e[i].key) = (i << 1) + 1;
        for (size_t i = 0; i < ini->nsections; i++)
            *slot_for(ini, ini->sections[i], NULL) = (i << 1 | 1) + 1;
        return 0;
    }
    if (is_section)
        *slot_for(ini, ini->sections[ini->nsections - 1], NULL) = ((ini->nsections - 1) << 1 | 1) + 1;
    else
        *slot_for(ini, ini->e[ini->n - 1].section, ini->e[ini->n - 1].key) = ((ini->n - 1) << 1) + 1;
    return 0;
}

static int add_section(sqlambda_ini *ini, const char *name) {
    if (ini->nslots && *slot_for(ini, name, NULL)) return 0; /* already there */
    if (ini->nsections == ini->capsections) {
        size_t nc = ini->capsections ? ini->capsections * 2 : 8;
        char **ns = realloc(ini->sections, nc * sizeof *ns);
        if (!ns) return -1;
        ini->sections = ns;
        ini->capsections = nc;
    }
    if (!(ini->sections[ini->nsections] = strdup(name))) return -1;
    ini->nsections++;
    return index_last(ini, 1);
}

static ini_entry *find(const sqlambda_ini *ini, const char *section, const char *key) {
    if (!ini || !section || !key || !ini->nslots) return NULL;
    size_t v = *slot_for(ini, section, key);
    return v ? &ini->e[(v - 1) >> 1] : NULL;
}

/* Sets section/key (later definitions win); takes ownership of value. */
static int set(sqlambda_ini *ini, const char *section, const char *key, char *value) {
    ini_entry *x = find(ini, section, key);
    if (x) {
        free(x->value);
        x->value = value;
        return 0;
    }
    if (ini->n == ini->cap) {
        size_t nc = ini->cap ? ini->cap * 2 : 16;
        ini_entry *ne = realloc(ini->e, nc * sizeof *ne);
        if (!ne) goto fail;
        ini->e = ne;
        ini->cap = nc;
    }
    ini_entry *en = &ini->e[ini->n];
    en->section = strdup(section);
    en->key = strdup(key);
    if (!en->section || !en->key) {
        free(en->section);
        free(en->key);
        goto fail;
    }
    for (char *k = en->key; *k; k++) *k = (char)tolower((unsigned char)*k);
    en->value = value;
    ini->n++;
    return index_last(ini, 0); /* on failure the entry stays, freed with the ini */
fail:
    free(value);
    return -1;
}

sqlambda_ini *sqlambda_ini_parse(const char *text, size_t len) {
    sqlambda_ini *ini = calloc(1, sizeof *ini);
    if (!ini) return NULL;
    char *section = NULL;  /* current section, NULL before the first */
    char *lastkey = NULL;  /* last top-level key in this section */
    int last_empty = 0;    /* its value was empty: indented lines nest */
    const char *p = text, *end = text + len;
    int oom = 0;
    unsigned long lineno = 0;
    while (p < end && !oom) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *s = p, *e = le;
        p = nl ? nl + 1 : end;
        lineno++;
        if ((size_t)(le - s) > SQLAMBDA_INI_MAX_LINE) {
            sqlambda_fmt(ini->error, sizeof ini->error, "line %lu is %zu bytes long (at most %d)",
                         lineno, (size_t)(le - s), SQLAMBDA_INI_MAX_LINE);
            break;
        }
        if (memchr(s, '\0', (size_t)(le - s))) {
            sqlambda_fmt(ini->error, sizeof ini->error, "line %lu has a NUL byte", lineno);
            break;
        }
        int indented = s < e && (*s == ' ' || *s == '\t');
        trim(&s, &e);
        if (s == e || *s == '#' || *s == ';') continue;
        if (*s == '[') {
            const char *close = memchr(s, ']', (size_t)(e - s));
            free(lastkey);
            lastkey = NULL;
            free(section);
            section = NULL;
            if (!close) continue; /* malformed header: ignore until the next one */
            const char *ns = s + 1, *ne = close;
            trim(&ns, &ne);
            /* collapse the whitespace between "profile" and the name */
            char *name = dupn(ns, (size_t)(ne - ns));
            if (!name) { oom = 1; break; }
            char *sp = name;
            while (*sp && !isspace((unsigned char)*sp)) sp++;
            if (*sp) {
                char *rest = sp;
                while (isspace((unsigned char)*rest)) rest++;
                *sp = ' ';
                memmove(sp + 1, rest, strlen(rest) + 1);
            }
            section = name;
            if (add_section(ini, section) != 0) oom = 1;
            continue;
        }
        if (!section) continue;
        e = cut_comment(s, e);
        trim(&s, &e);
        if (s == e) continue;
        const char *eq = memchr(s, '=', (size_t)(e - s));
        if (indented && lastkey) {
            if (last_empty && eq) { /* nested property: parent.sub */
                const char *ks = s, *ke = eq, *vs = eq + 1, *ve = e;
                trim(&ks, &ke);
                trim(&vs, &ve);
                if (ks == ke) continue;
                size_t kl = strlen(lastkey) + 1 + (size_t)(ke - ks);
                char *k = malloc(kl + 1);
                char *v = dupn(vs, (size_t)(ve - vs));
                if (!k || !v) { free(k); free(v); oom = 1; break; }
                snprintf(k, kl + 1, "%s.%.*s", lastkey, (int)(ke - ks), ks);
                if (set(ini, section, k, v) != 0) oom = 1;
                free(k);
            } else if (!last_empty) { /* continuation of the last value */
                ini_entry *x = find(ini, section, lastkey);
                if (!x) continue;
                size_t ol = strlen(x->value), al = (size_t)(e - s);
                char *v = realloc(x->value, ol + 1 + al + 1);
                if (!v) { oom = 1; break; }
                v[ol] = '\n';
                memcpy(v + ol + 1, s, al);
                v[ol + 1 + al] = 0;
                x->value = v;
            }
            continue;
        }
        if (!eq) continue; /* not a key = value line */
        const char *ks = s, *ke = eq, *vs = eq + 1, *ve = e;
        trim(&ks, &ke);
        trim(&vs, &ve);
        if (ks == ke) continue;
        char *k = dupn(ks, (size_t)(ke - ks));
        char *v = dupn(vs, (size_t)(ve - vs));
        if (!k || !v) { free(k); free(v); oom = 1; break; }
        if (set(ini, section, k, v) != 0) { free(k); oom = 1; break; }
        free(lastkey);
        lastkey = k;
        last_empty = (ve == vs);
    }
    free(section);
    free(lastkey);
    if (oom) {
        sqlambda_ini_free(ini);
        return NULL;
    }
    return ini;
}

sqlambda_ini *sqlambda_ini_load(const char *path, time_t *mtime) {
    if (mtime) *mtime = 0;
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (!f) return sqlambda_ini_parse("", 0);
    struct stat st;
    if (mtime && fstat(fileno(f), &st) == 0) *mtime = st.st_mtime;
    /* read as it comes (files are small; no 4 MB buffer per load), past the
     * limit by at most a chunk: a longer file is refused, not cut */
    sqlambda_buf b = {0};
    char chunk[8192];
    size_t got;
    while (b.len <= SQLAMBDA_INI_MAX_FILE && (got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (sqlambda_buf_append(&b, chunk, got) != 0) {
            fclose(f);
            sqlambda_buf_free(&b);
            return NULL;
        }
    }
    explicit_bzero(chunk, sizeof chunk); /* a credentials file holds secrets */
    int rerr = ferror(f);
    fclose(f);
    const char *buf = b.data ? b.data : "";
    size_t n = b.len;
    sqlambda_ini *ini;
    char why[300] = "";
    if (rerr) {
        ini = sqlambda_ini_parse("", 0);
        sqlambda_fmt(why, sizeof why, "could not be read");
    } else if (n > SQLAMBDA_INI_MAX_FILE) {
        ini = sqlambda_ini_parse("", 0);
        sqlambda_fmt(why, sizeof why, "is over %d bytes long", SQLAMBDA_INI_MAX_FILE);
    } else {
        ini = sqlambda_ini_parse(buf, n);
        if (ini && ini->error[0]) memcpy(why, ini->error, sizeof why);
    }
    if (b.data) explicit_bzero(b.data, b.len);
    sqlambda_buf_free(&b);
    if (ini && why[0]) {
        char shown[200];
        sqlambda_show_value(shown, sizeof shown, path, strlen(path), 120);
        sqlambda_fmt(ini->error, sizeof ini->error, "AWS shared file \"%s\": %s", shown, why);
    }
    return ini;
}

void sqlambda_ini_free(sqlambda_ini *ini) {
    if (!ini) return;
    for (size_t i = 0; i < ini->n; i++) {
        free(ini->e[i].section);
        free(ini->e[i].key);
        free(ini->e[i].value);
    }
    for (size_t i = 0; i < ini->nsections; i++) free(ini->sections[i]);
    free(ini->sections);
    free(ini->e);
    free(ini->slots);
    free(ini);
}

const char *sqlambda_ini_error(const sqlambda_ini *ini) {
    return ini && ini->error[0] ? ini->error : NULL;
}

int sqlambda_ini_has_section(const sqlambda_ini *ini, const char *section) {
    if (!ini || !section || !ini->nslots) return 0;
    return *slot_for(ini, section, NULL) != 0;
}

const char *sqlambda_ini_get(const sqlambda_ini *ini, const char *section, const char *key) {
    ini_entry *x = find(ini, section, key);
    return x ? x->value : NULL;
}

static char *file_path(const char *env, const char *leaf) {
    const char *v = getenv(env);
    const char *home = getenv("HOME");
    char *out = NULL;
    if (v && *v) {
        if (strncmp(v, "~/", 2) == 0 && home) {
            if (asprintf(&out, "%s/%s", home, v + 2) < 0) out = NULL;
            return out;
        }
        return strdup(v);
    }
    if (!home || !*home) return NULL;
    if (asprintf(&out, "%s/.aws/%s", home, leaf) < 0) out = NULL;
    return out;
}

char *sqlambda_credentials_file_path(void) {
    return file_path("AWS_SHARED_CREDENTIALS_FILE", "credentials");
}
char *sqlambda_config_file_path(void) { return file_path("AWS_CONFIG_FILE", "config"); }

int sqlambda_is_true(const char *v) {
    if (!v) return 0;
    while (isspace((unsigned char)*v)) v++;
    size_t n = strlen(v);
    while (n && isspace((unsigned char)v[n - 1])) n--;
    return n == 4 && strncasecmp(v, "true", 4) == 0;
}
