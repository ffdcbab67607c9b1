/*
 * serve_main.c — `sqlambda serve`: parses options, loads the function
 * directory, makes the process non-dumpable (its secrets stay out of
 * functions' reach through /proc), starts the Invoke API, waits for
 * SIGTERM/SIGINT, then drains:
 * stops accepting, lets in-flight invocations finish, stops the Event
 * threads, terminates every worker process group, and cleans up.
 */
#include "serve.h"
#include "net.h"
#include "sqlambda_serve.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

serve_state g = {.mu = PTHREAD_MUTEX_INITIALIZER, .idle = PTHREAD_COND_INITIALIZER};

/* python/bootstrap.py, embedded at build time (build/gen/python_bootstrap.c) */
/* aws-lambda-ric's entry point as scripts/setup-node installs it in this
 * tree (runtime/Makefile defines it); --node-ric names another */
#ifndef SQLAMBDA_NODE_RIC
#define SQLAMBDA_NODE_RIC "node_modules/aws-lambda-ric/bin/index.mjs"
#endif
extern unsigned char python_bootstrap_py[];
extern unsigned int python_bootstrap_py_len;

/* The option list is `sqlambda serve --help`, which the CLI prints from
 * cli/sqlambda.help (the source of the man page too): one text to keep true. */
static void usage(FILE *f) {
    fputs("usage: sqlambda serve --functions DIR [options] (see 'sqlambda serve --help', man sqlambda)\n", f);
}

static int num_arg(const char *opt, const char *v, long min, long max, long *out) {
    char *end;
    errno = 0;
    long n = v ? strtol(v, &end, 10) : 0;
    if (!v || !*v || *end || errno || n < min || n > max) {
        fprintf(stderr, "sqlambda serve: %s needs a number from %ld to %ld\n", opt, min, max);
        return -1;
    }
    *out = n;
    return 0;
}

/* Every Invoke API connection is a descriptor, and each instance needs a
 * few: raise the soft limit toward the hard one so --max-connections fits,
 * else lower the connection limit to what the descriptors allow. */
static void fit_fd_limit(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
    rlim_t want = (rlim_t)g.max_connections + 1024;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
        rlim_t old = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) rl.rlim_cur = old;
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
        unsigned fit = rl.rlim_cur > 1024 + 16 ? (unsigned)(rl.rlim_cur - 1024) : 16;
        serve_log("warning: the open-file limit (%llu) allows %u connections, not %u",
                  (unsigned long long)rl.rlim_cur, fit, g.max_connections);
        g.max_connections = fit;
    }
}

static int write_bootstrap(char *err, size_t errlen) {
    const char *tmp = getenv("TMPDIR");
    snprintf(g.tmpdir, sizeof g.tmpdir, "%s/sqlambda-serve.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(g.tmpdir)) {
        snprintf(err, errlen, "mkdtemp %.200s: %s", g.tmpdir, strerror(errno));
        return -1;
    }
    snprintf(g.bootstrap_py, sizeof g.bootstrap_py, "%s/bootstrap.py", g.tmpdir);
    FILE *f = fopen(g.bootstrap_py, "w");
    if (!f || fwrite(python_bootstrap_py, 1, python_bootstrap_py_len, f) != python_bootstrap_py_len ||
        fclose(f) != 0) {
        snprintf(err, errlen, "cannot write %.400s", g.bootstrap_py);
        return -1;
    }
    return 0;
}

static void remove_bootstrap(void) {
    if (g.bootstrap_py[0]) unlink(g.bootstrap_py);
    if (g.tmpdir[0]) rmdir(g.tmpdir);
}

/* serve holds secrets (its own environment, possibly the operator's AWS
 * keys; the --credentials secrets in memory): non-dumpable, its /proc
 * environ, mem and maps are root's and functions running as the same user
 * cannot ptrace it (issue 11). No core dumps either. Workers are execs, so
 * dumpable again (the Runtime API peer check reads their /proc). */
static int was_dumpable = -1;

static void undumpable(void) {
    was_dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

static void restore_dumpable(void) {
    if (was_dumpable > 0) prctl(PR_SET_DUMPABLE, was_dumpable, 0, 0, 0);
    was_dumpable = -1;
}

static int serve_main(int argc, char **argv) {
    const char *listen_spec = "127.0.0.1:9001", *functions = NULL, *credentials = NULL;
    long retry_ms = 60000, init_ms = 10000, maxc = 32, evthreads = 4, maxq = 10000, idle_s = 60,
         maxconn = 4096;
    const char *region = getenv("AWS_REGION");
    if (!region || !*region) region = getenv("AWS_DEFAULT_REGION");
    if (!region || !*region) region = "us-east-1";
    const char *account = "123456789012";
    g.python = "python3";
    g.node = "node";
    g.node_ric = SQLAMBDA_NODE_RIC;
    g.verbose = 0;
    g.pass_aws = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define TAKES_VALUE                                                                   \
    do {                                                                              \
        if (!v) {                                                                     \
            fprintf(stderr, "sqlambda serve: %s needs a value\n", a);                 \
            return 2;                                                                 \
        }                                                                             \
        i++;                                                                          \
    } while (0)
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
            g.verbose = 1;
        } else if (strcmp(a, "--pass-aws-credentials") == 0) {
            g.pass_aws = 1;
        } else if (strcmp(a, "--listen") == 0) {
            TAKES_VALUE;
            listen_spec = v;
        } else if (strcmp(a, "--functions") == 0) {
            TAKES_VALUE;
            functions = v;
        } else if (strcmp(a, "--credentials") == 0) {
            TAKES_VALUE;
            credentials = v;
        } else if (strcmp(a, "--region") == 0) {
            TAKES_VALUE;
            region = v;
        } else if (strcmp(a, "--account") == 0) {
            TAKES_VALUE;
            if (strlen(v) != 12 || strspn(v, "0123456789") != 12) {
                fprintf(stderr, "sqlambda serve: --account needs a 12-digit account id\n");
                return 2;
            }
            account = v;
        } else if (strcmp(a, "--python") == 0) {
            TAKES_VALUE;
            g.python = v;
        } else if (strcmp(a, "--node") == 0) {
            TAKES_VALUE;
            g.node = v;
        } else if (strcmp(a, "--node-ric") == 0) {
            TAKES_VALUE;
            g.node_ric = v;
        } else if (strcmp(a, "--event-retry-delay-ms") == 0) {
            TAKES_VALUE;
            if (num_arg(a, v, 0, 3600000, &retry_ms)) return 2;
        } else if (strcmp(a, "--init-timeout-ms") == 0) {
            TAKES_VALUE;
            if (num_arg(a, v, 1, 600000, &init_ms)) return 2;
        } else if (strcmp(a, "--max-concurrency") == 0) {
            TAKES_VALUE;
            if (num_arg(a, v, 1, 1000, &maxc)) return 2;
        } else if (strcmp(a, "--event-threads") == 0) {
            TAKES_VALUE;
            if (num_arg(a, v, 1, 256, &evthreads)) return 2;
        } else if (strcmp(a, "--idle-timeout") == 0) {
            TAKES_VALUE;
            if (num_arg(a, v, 1, 86400, &idle_s)) return 2;
        } else if (strcmp(a, "--max-connections") == 0) {
            TAKES_VALUE;
            if (num_arg(a, v, 16, 100000, &maxconn)) return 2;
        } else if (strcmp(a, "--max-queued-events") == 0) {
            TAKES_VALUE;
            if (num_arg(a, v, 1, 1000000, &maxq)) return 2;
        } else {
            fprintf(stderr, "sqlambda serve: unknown option %s\n", a);
            usage(stderr);
            return 2;
        }
#undef TAKES_VALUE
    }
    if (!functions) {
        fprintf(stderr, "sqlambda serve: --functions DIR is required\n");
        usage(stderr);
        return 2;
    }
    if (strlen(region) >= sizeof g.region) {
        fprintf(stderr, "sqlambda serve: --region is too long\n");
        return 2;
    }
    snprintf(g.region, sizeof g.region, "%s", region);
    snprintf(g.account, sizeof g.account, "%s", account);
    g.event_retry_delay_ms = retry_ms;
    g.init_timeout_ms = init_ms;
    g.max_concurrency = (int)maxc;
    g.idle_timeout_s = (unsigned)idle_s;
    g.max_connections = (unsigned)maxconn;
    fit_fd_limit();
    g.stopping = 0;
    g.inflight = 0;

    char err[512], host[64];
    int port, bound;
    if (parse_listen(listen_spec, host, sizeof host, &port, err, sizeof err)) {
        fprintf(stderr, "sqlambda serve: %s\n", err);
        return 2;
    }
    undumpable(); /* before the secrets are read */
    if (credentials && auth_load(credentials, err, sizeof err)) {
        fprintf(stderr, "sqlambda serve: %s\n", err);
        return 2;
    }
    if (registry_load(functions, &g.reg, err, sizeof err)) {
        fprintf(stderr, "sqlambda serve: %s\n", err);
        auth_free();
        return 2;
    }
    if (g.reg.n == 0) serve_log("warning: no function directories (with function.json) in %s", functions);
    snprintf(g.python_runtime, sizeof g.python_runtime, "python3");
    {
        int need = 0;
        for (size_t i = 0; i < g.reg.n; i++)
            for (size_t v = 0; v < g.reg.fns[i]->nversions; v++)
                need |= strcmp(g.reg.fns[i]->versions[v]->runtime, "python3") == 0;
        if (need && python_resolve(g.python, g.python_path, sizeof g.python_path, g.python_runtime,
                                   sizeof g.python_runtime) == 0) {
            if (!strchr(g.python, '/')) g.python = g.python_path; /* else /usr/bin/env finds it at each start */
        } else if (need) {
            serve_log("warning: cannot run %s; python3 functions will fail to start", g.python);
        }
    }
    {
        int need = 0;
        for (size_t i = 0; i < g.reg.n; i++)
            for (size_t v = 0; v < g.reg.fns[i]->nversions; v++)
                need |= strcmp(g.reg.fns[i]->versions[v]->runtime, "nodejs") == 0;
        g.node_path[0] = g.node_version[0] = 0;
        if (need && node_resolve(g.node, g.node_path, sizeof g.node_path, g.node_version,
                                 sizeof g.node_version) != 0)
            serve_log("warning: cannot run %s; nodejs functions will fail to start", g.node);
        else if (need && access(g.node_ric, R_OK) != 0)
            serve_log("warning: %s: %s; nodejs functions will fail to start (install it with scripts/setup-node)",
                      g.node_ric, strerror(errno));
    }
    int lfd = listen_tcp(host, port, &bound, err, sizeof err);
    if (lfd < 0 || write_bootstrap(err, sizeof err)) {
        fprintf(stderr, "sqlambda serve: %s\n", err);
        if (lfd >= 0) close(lfd);
        remove_bootstrap();
        registry_free(&g.reg);
        auth_free();
        return lfd < 0 ? 2 : 1; /* an unusable --listen is bad input */
    }

    /* Signals are taken by sigwait below; every thread inherits the mask. */
    sigset_t stopsigs, oldmask;
    sigemptyset(&stopsigs);
    sigaddset(&stopsigs, SIGTERM);
    sigaddset(&stopsigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stopsigs, &oldmask);
    signal(SIGPIPE, SIG_IGN);

    int rc = 0;
    orphans_adopt();
    if (spawner_start() || event_queue_start((int)evthreads, maxq) || invoke_api_start(lfd)) {
        fprintf(stderr, "sqlambda serve: cannot start the server threads\n");
        rc = 1;
    } else {
        printf("listening on http://%s:%d\n", host, bound);
        fflush(stdout);
        serve_debug("%zu function(s) from %s; region %s%s", g.reg.n, functions, g.region,
                    credentials ? "; SigV4 verification on" : "");
        int sig = 0;
        sigwait(&stopsigs, &sig);
        serve_log("%s: draining in-flight invocations", sig == SIGINT ? "SIGINT" : "SIGTERM");
    }

    /* drain */
    invoke_api_quiesce();
    pthread_mutex_lock(&g.mu);
    g.stopping = 1;
    for (size_t i = 0; i < g.reg.n; i++) pthread_cond_broadcast(&g.reg.fns[i]->freed);
    while (g.inflight > 0) pthread_cond_wait(&g.idle, &g.mu);
    pthread_mutex_unlock(&g.mu);
    event_queue_stop();
    pool_stop_all();
    invoke_api_stop();
    spawner_stop();
    orphans_sweep();
    remove_bootstrap();
    registry_free(&g.reg);
    auth_free();
    pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
    serve_log("stopped");
    return rc;
}

int sqlambda_serve_main(int argc, char **argv) {
    int rc = serve_main(argc, argv);
    restore_dumpable();
    return rc;
}
