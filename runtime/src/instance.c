/*
 * instance.c — one warm instance of a function version: a worker process
 * (the Python bootstrap or the function's own `bootstrap`) with Lambda's
 * environment and its Runtime API listener; the thread that captures its
 * output and reaps it is in log_capture.c.
 */
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>

extern char **environ;

long instance_max_rss_mb(const instance *in) {
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/status", (int)in->pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return in->max_rss_mb;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return in->max_rss_mb;
    buf[n] = 0;
    const char *p = strstr(buf, "VmHWM:");
    long kb = p ? strtol(p + 6, NULL, 10) : 0;
    long mb = (kb + 1023) / 1024;
    return mb > in->max_rss_mb ? mb : in->max_rss_mb;
}

/* Environment: selected server variables (PATH, HOME, locale, pyenv,
 * AWS_ENDPOINT_URL* so boto3 inside a function reaches the same local
 * endpoints), then the function's own, then Lambda's reserved variables.
 * The server's own AWS credentials and configuration (keys, session token,
 * profile, credential/config file paths, ...) are not passed unless the
 * operator opted in with --pass-aws-credentials (g.pass_aws). */
static int passthrough(const char *kv) {
    static const char *const prefixes[] = {"PATH=", "HOME=", "LANG=", "LC_", "TMPDIR=", "USER=",
                                           "PYENV", "SSL_CERT_", "REQUESTS_CA_BUNDLE=",
                                           "AWS_ENDPOINT_URL", NULL};
    static const char *const reserved[] = {"AWS_REGION=", "AWS_DEFAULT_REGION=", "AWS_LAMBDA_",
                                           "AWS_EXECUTION_ENV=", NULL};
    for (int i = 0; reserved[i]; i++)
        if (strncmp(kv, reserved[i], strlen(reserved[i])) == 0) return 0;
    if (g.pass_aws && strncmp(kv, "AWS_", 4) == 0) return 1;
    for (int i = 0; prefixes[i]; i++)
        if (strncmp(kv, prefixes[i], strlen(prefixes[i])) == 0) return 1;
    return 0;
}

typedef struct envlist {
    char **v;
    size_t n;
} envlist;

static void env_set(envlist *e, const char *name, const char *value) {
    size_t nl = strlen(name);
    sqlambda_buf b = {0};
    xbuf_printf(&b, "%s=%s", name, value);
    for (size_t i = 0; i < e->n; i++)
        if (strncmp(e->v[i], name, nl) == 0 && e->v[i][nl] == '=') {
            free(e->v[i]);
            e->v[i] = b.data;
            return;
        }
    e->v = realloc(e->v, (e->n + 2) * sizeof *e->v);
    e->v[e->n++] = b.data;
    e->v[e->n] = NULL;
}

static void env_free(envlist *e) {
    for (size_t i = 0; i < e->n; i++) free(e->v[i]);
    free(e->v);
}

static envlist build_env(const instance *in) {
    const fn_version *fv = in->fv;
    envlist e = {xcalloc(1, sizeof(char *)), 0};
    for (char **p = environ; *p; p++) {
        if (!passthrough(*p)) continue;
        char *eq = strchr(*p, '=');
        if (!eq) continue;
        char *name = xstrndup(*p, (size_t)(eq - *p));
        env_set(&e, name, eq + 1);
        free(name);
    }
    if (!g.pass_aws) {
        /* keep SDKs in the function off the operator's ~/.aws files and the
         * instance metadata service; the function's environment may set its
         * own credentials (as Lambda's execution role does) */
        env_set(&e, "AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
        env_set(&e, "AWS_CONFIG_FILE", "/dev/null");
        env_set(&e, "AWS_EC2_METADATA_DISABLED", "true");
    }
    const char *k;
    json_t *v;
    json_object_foreach(fv->environment, k, v) env_set(&e, k, json_string_value(v));
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "127.0.0.1:%d", in->port);
    env_set(&e, "AWS_LAMBDA_RUNTIME_API", buf);
    env_set(&e, "_HANDLER", fv->handler);
    env_set(&e, "LAMBDA_TASK_ROOT", fv->code_dir);
    env_set(&e, "LAMBDA_RUNTIME_DIR", g.tmpdir);
    env_set(&e, "AWS_LAMBDA_FUNCTION_NAME", fv->fn->name);
    env_set(&e, "AWS_LAMBDA_FUNCTION_VERSION", fv->version);
    snprintf(buf, sizeof buf, "%d", fv->memory_mb);
    env_set(&e, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", buf);
    env_set(&e, "AWS_REGION", g.region);
    env_set(&e, "AWS_DEFAULT_REGION", g.region);
    snprintf(buf, sizeof buf, "/aws/lambda/%s", fv->fn->name);
    env_set(&e, "AWS_LAMBDA_LOG_GROUP_NAME", buf);
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    char day[16], id[37];
    strftime(day, sizeof day, "%Y/%m/%d", &tm);
    make_uuid(id);
    snprintf(buf, sizeof buf, "%s/[%s]%s", day, fv->version, id);
    env_set(&e, "AWS_LAMBDA_LOG_STREAM_NAME", buf);
    env_set(&e, "AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
    if (strcmp(fv->runtime, "nodejs") == 0) {
        snprintf(buf, sizeof buf, "AWS_Lambda_%s", fv->runtime_name); /* AWS_Lambda_nodejs20.x */
        env_set(&e, "AWS_EXECUTION_ENV", buf);
        /* the base image's: modules in the code directory's node_modules, as /var/task's */
        snprintf(buf, sizeof buf, "%s/node_modules", fv->code_dir);
        env_set(&e, "NODE_PATH", buf);
    } else {
        env_set(&e, "AWS_EXECUTION_ENV",
                strcmp(fv->runtime, "python3") == 0 ? "AWS_Lambda_python3" : "AWS_Lambda_provided");
    }
    env_set(&e, "TZ", ":UTC");
    if (strcmp(fv->runtime, "python3") == 0) {
        env_set(&e, "PYTHONUNBUFFERED", "1");
        env_set(&e, "PYTHONDONTWRITEBYTECODE", "1"); /* the code directory is Lambda's read-only /var/task */
    }
    return e;
}

instance *instance_start(fn_version *fv, char *err, size_t errlen) {
    instance *in = xcalloc(1, sizeof *in);
    in->fv = fv;
    in->log_fd = -1;
    in->pid = -1;
    in->state = INST_STARTING;
    in->cold = 1;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* pool.c waits with monotonic deadlines */
    pthread_cond_init(&in->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_lock(&g.mu);
    in->id = ++g.next_instance_id;
    pthread_mutex_unlock(&g.mu);
    if (strcmp(fv->runtime, "nodejs") == 0 && node_check(fv, err, errlen) != 0) goto fail;
    if (runtime_api_start(in, err, errlen) != 0) goto fail;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        goto fail;
    }
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    in->log_fd = fds[0];
    envlist env = build_env(in);
    char *argv[4] = {0};
    char bootstrap[PATH_MAX];
    if (strcmp(fv->runtime, "python3") == 0) {
        if (strchr(g.python, '/')) {
            argv[0] = (char *)g.python;
            argv[1] = g.bootstrap_py;
        } else {
            argv[0] = "/usr/bin/env";
            argv[1] = (char *)g.python;
            argv[2] = g.bootstrap_py;
        }
    } else if (strcmp(fv->runtime, "nodejs") == 0) {
        /* as AWS's Node images run the RIC (`npx aws-lambda-ric index.handler`
         * in the code directory): node <ric>/bin/index.mjs <handler> */
        argv[0] = g.node_path;
        argv[1] = (char *)g.node_ric;
        argv[2] = fv->handler;
    } else {
        snprintf(bootstrap, sizeof bootstrap, "%s/bootstrap", fv->code_dir);
        argv[0] = bootstrap;
    }
    in->spawn_ms = sqlambda_now_ms();
    __atomic_store_n(&in->pid, spawner_spawn(argv, env.v, fv->code_dir, fds[1]), __ATOMIC_RELEASE);
    close(fds[1]);
    env_free(&env);
    if (in->pid < 0) {
        snprintf(err, errlen, "cannot start a worker for %s (fork failed or server stopping)",
                 fv->fn->name);
        goto fail;
    }
    if (pthread_create(&in->log_thread, NULL, log_capture_thread, in) != 0) {
        kill(-in->pid, SIGKILL);
        spawner_reap(in->pid, NULL, NULL);
        in->exited = 1;
        snprintf(err, errlen, "cannot start the log thread");
        goto fail;
    }
    in->log_thread_started = 1;
    serve_debug("started instance %d of %s:%s (pid %d, runtime API port %d)", in->id,
                fv->fn->name, fv->version, (int)in->pid, in->port);
    return in;
fail:
    instance_destroy(in);
    return NULL;
}

void instance_destroy(instance *in) {
    if (!in) return;
    if (in->pid > 0) {
        pthread_mutex_lock(&g.mu);
        int exited = in->exited;
        pthread_mutex_unlock(&g.mu);
        if (!exited) kill(-in->pid, SIGKILL);
    }
    if (in->log_thread_started) pthread_join(in->log_thread, NULL);
    /* wake any Runtime API handler still waiting for this instance */
    pthread_mutex_lock(&g.mu);
    in->state = INST_DEAD;
    in->cur = NULL;
    pthread_cond_broadcast(&in->cv);
    pthread_mutex_unlock(&g.mu);
    if (in->rapi) MHD_stop_daemon(in->rapi);
    if (in->log_fd >= 0) close(in->log_fd);
    serve_debug("stopped instance %d of %s", in->id, in->fv->fn->name);
    sqlambda_buf_free(&in->log);
    pthread_cond_destroy(&in->cv);
    free(in);
}
