/*
 * plugin.c — the plugin declaration (a daemon plugin named aws_lambda) with
 * its system variables aws_lambda_endpoint_url, _region,
 * _allowed_functions, _ca_bundle, _request_timeout_ms, _connect_timeout_ms,
 * _max_attempts, _credential_timeout_ms (global only: SET GLOBAL needs SUPER) and status variables
 * aws_lambda_calls, _errors, _clients_built. Values go to settings.c.
 */
#include "udf_abi.h"

#include "plugin_active.h"
#include "settings.h"
#include "sqlambda.h"
#include "stats.h"
#include "validate.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if MDB_MARIADB
typedef struct st_mysql_sys_var mdb_sysvar;
typedef struct st_mysql_show_var mdb_show_var;
#define MDB_SHOW_LONG(name, var) {name, (char *)&(var), SHOW_LONG}
#define MDB_SHOW_END {NULL, NULL, SHOW_LONG}
#else /* MySQL 8 names */
typedef SYS_VAR mdb_sysvar;
typedef SHOW_VAR mdb_show_var;
#define MDB_SHOW_LONG(name, var) {name, (char *)&(var), SHOW_LONG, SHOW_SCOPE_GLOBAL}
#define MDB_SHOW_END {NULL, NULL, SHOW_UNDEF, SHOW_SCOPE_UNDEF}
#endif

static atomic_int plugin_active;
static atomic_int startup_refused; /* the last plugin_init refused a value */
int mdb_plugin_active(void) { return atomic_load(&plugin_active); }
const char *mdb_plugin_missing(void) {
    return atomic_load(&startup_refused) ? MDB_PLUGIN_REFUSED : MDB_PLUGIN_MISSING;
}

/* Held for reading around each service call, for writing while the plugin
 * goes inactive (see plugin_active.h). */
static pthread_rwlock_t services_lock = PTHREAD_RWLOCK_INITIALIZER;

int mdb_services_enter(void) {
    pthread_rwlock_rdlock(&services_lock);
    if (atomic_load(&plugin_active)) return 1;
    pthread_rwlock_unlock(&services_lock);
    return 0;
}
void mdb_services_leave(void) { pthread_rwlock_unlock(&services_lock); }

static char *var_endpoint_url;
static char *var_region;
static char *var_allowed_functions;
static char *var_ca_bundle;
static unsigned long var_request_timeout_ms;
static unsigned long var_connect_timeout_ms;
static unsigned long var_credential_timeout_ms;
static unsigned int var_max_attempts;

/* ---- checks: reject bad values at SET GLOBAL time --------------------- */

/* Fetches the string being set and stores a THD-owned copy (or NULL) in
 * *save, as the server's own string check does; the update copies it. */
static const char *take_string(MYSQL_THD thd, void *save, struct st_mysql_value *value,
                               int *len) {
    char buf[256];
    int n = (int)sizeof buf;
    const char *s = value->val_str(value, buf, &n);
    if (s) s = thd_strmake(thd, s, (size_t)n);
    *(const char **)save = s;
    *len = s ? n : 0;
    return s;
}

/* Runs check on the value; on failure the reason goes to the client as a
 * warning (the server then raises ER_WRONG_VALUE_FOR_VAR itself). */
static int check_with(MYSQL_THD thd, void *save, struct st_mysql_value *value, const char *var,
                      int (*check)(const char *, char *, size_t)) {
    int n;
    const char *s = take_string(thd, save, value, &n);
    char err[256];
    if (s && strlen(s) != (size_t)n) /* the copy would be cut at the NUL */
        snprintf(err, sizeof err, "the value contains a NUL byte");
    else if (check(s, err, sizeof err) == 0)
        return 0;
#if MDB_MARIADB
    my_printf_error(MDB_ERROR_CODE, "aws_lambda_%s: %s", ME_WARNING, var, err);
#endif
    return 1;
}

static int check_endpoint(MYSQL_THD thd, mdb_sysvar *var, void *save, struct st_mysql_value *value) {
    return check_with(thd, save, value, "endpoint_url", mdb_check_endpoint_url);
}
static int check_region(MYSQL_THD thd, mdb_sysvar *var, void *save, struct st_mysql_value *value) {
    return check_with(thd, save, value, "region", mdb_check_region);
}
static int check_allowed(MYSQL_THD thd, mdb_sysvar *var, void *save, struct st_mysql_value *value) {
    return check_with(thd, save, value, "allowed_functions", mdb_check_allowlist);
}
static int check_ca_bundle(MYSQL_THD thd, mdb_sysvar *var, void *save,
                           struct st_mysql_value *value) {
    return check_with(thd, save, value, "ca_bundle", mdb_check_ca_bundle);
}

/* The numeric variables' bounds are core's caps (SQLAMBDA_*_MAX, the same
 * in PostgreSQL and the CLI). SET GLOBAL past them is refused
 * (ER_WRONG_VALUE_FOR_VAR, the range as a warning) where the server's own
 * check would adjust the value silently but for a warning. */
static int check_range(void *save, struct st_mysql_value *value, const char *var, long long min,
                       long long max, int is_uint) {
    long long v;
    if (value->val_int(value, &v) != 0) return 1; /* NULL */
    if ((v < 0 && value->is_unsigned(value)) || v < min || v > max) {
#if MDB_MARIADB
        my_printf_error(MDB_ERROR_CODE, "aws_lambda_%s: %s%lld is outside %lld..%lld", ME_WARNING,
                        var, v < 0 && value->is_unsigned(value) ? "+" : "", v, min, max);
#endif
        return 1;
    }
    if (is_uint)
        *(unsigned int *)save = (unsigned int)v;
    else
        *(unsigned long *)save = (unsigned long)v;
    return 0;
}
static int check_request_timeout(MYSQL_THD thd, mdb_sysvar *var, void *save,
                                 struct st_mysql_value *value) {
    return check_range(save, value, "request_timeout_ms", 1, SQLAMBDA_REQUEST_TIMEOUT_MS_MAX, 0);
}
static int check_connect_timeout(MYSQL_THD thd, mdb_sysvar *var, void *save,
                                 struct st_mysql_value *value) {
    return check_range(save, value, "connect_timeout_ms", 1, SQLAMBDA_CONNECT_TIMEOUT_MS_MAX, 0);
}
static int check_credential_timeout(MYSQL_THD thd, mdb_sysvar *var, void *save,
                                    struct st_mysql_value *value) {
    return check_range(save, value, "credential_timeout_ms", 0,
                       SQLAMBDA_CREDENTIAL_TIMEOUT_MS_MAX, 0);
}
static int check_max_attempts(MYSQL_THD thd, mdb_sysvar *var, void *save,
                              struct st_mysql_value *value) {
    return check_range(save, value, "max_attempts", 0, SQLAMBDA_MAX_ATTEMPTS_MAX, 1);
}

/* ---- updates: store the value (server contract), then tell settings.c --- */

/* The string variables are not PLUGIN_VAR_MEMALLOC (the server would then
 * free our copies with its own allocator): we own the copies the variables
 * point at. The server calls updates and reads the variables under its
 * LOCK_global_system_variables, so swapping the pointer here is safe. */
static char *owned_str[4];

static void update_str(mdb_setting_str which, void *var_ptr, const void *save) {
    const char *v = *(const char *const *)save;
    char *copy = v ? strdup(v) : NULL;
    if (v && !copy) return; /* out of memory: keep the old value */
    *(char **)var_ptr = copy;
    free(owned_str[which]);
    owned_str[which] = copy;
    mdb_settings_set_str(which, copy);
}
static void update_endpoint(MYSQL_THD thd, mdb_sysvar *var, void *var_ptr, const void *save) {
    update_str(MDB_SET_ENDPOINT_URL, var_ptr, save);
}
static void update_region(MYSQL_THD thd, mdb_sysvar *var, void *var_ptr, const void *save) {
    update_str(MDB_SET_REGION, var_ptr, save);
}
static void update_allowed(MYSQL_THD thd, mdb_sysvar *var, void *var_ptr, const void *save) {
    update_str(MDB_SET_ALLOWED_FUNCTIONS, var_ptr, save);
}
static void update_ca_bundle(MYSQL_THD thd, mdb_sysvar *var, void *var_ptr, const void *save) {
    update_str(MDB_SET_CA_BUNDLE, var_ptr, save);
}
static void update_request_timeout(MYSQL_THD thd, mdb_sysvar *var, void *var_ptr, const void *save) {
    *(unsigned long *)var_ptr = *(const unsigned long *)save;
    mdb_settings_set_num(MDB_SET_REQUEST_TIMEOUT_MS, (long)*(const unsigned long *)save);
}
static void update_connect_timeout(MYSQL_THD thd, mdb_sysvar *var, void *var_ptr, const void *save) {
    *(unsigned long *)var_ptr = *(const unsigned long *)save;
    mdb_settings_set_num(MDB_SET_CONNECT_TIMEOUT_MS, (long)*(const unsigned long *)save);
}
static void update_credential_timeout(MYSQL_THD thd, mdb_sysvar *var, void *var_ptr,
                                     const void *save) {
    *(unsigned long *)var_ptr = *(const unsigned long *)save;
    mdb_settings_set_num(MDB_SET_CREDENTIAL_TIMEOUT_MS, (long)*(const unsigned long *)save);
}
static void update_max_attempts(MYSQL_THD thd, mdb_sysvar *var, void *var_ptr, const void *save) {
    *(unsigned int *)var_ptr = *(const unsigned int *)save;
    mdb_settings_set_num(MDB_SET_MAX_ATTEMPTS, (long)*(const unsigned int *)save);
}

static MYSQL_SYSVAR_STR(endpoint_url, var_endpoint_url, PLUGIN_VAR_RQCMDARG,
                        "Lambda endpoint URL (http:// or https://). Empty: resolved from "
                        "AWS_ENDPOINT_URL_LAMBDA, AWS_ENDPOINT_URL, the AWS config file, "
                        "else https://lambda.<region>.amazonaws.com",
                        check_endpoint, update_endpoint, NULL);
static MYSQL_SYSVAR_STR(region, var_region, PLUGIN_VAR_RQCMDARG,
                        "AWS region for calls by name. Empty: AWS_REGION, AWS_DEFAULT_REGION, "
                        "the AWS config file, EC2 instance metadata",
                        check_region, update_region, NULL);
static MYSQL_SYSVAR_STR(allowed_functions, var_allowed_functions, PLUGIN_VAR_RQCMDARG,
                        "Comma-separated functions (names, name:qualifier, ARNs; '*' globs) "
                        "that may be invoked. Empty: any",
                        check_allowed, update_allowed, NULL);
static MYSQL_SYSVAR_STR(ca_bundle, var_ca_bundle, PLUGIN_VAR_RQCMDARG,
                        "PEM file of the CA certificates TLS trusts for Lambda, STS and the "
                        "SSO portal (readable by the server). Empty: AWS_CA_BUNDLE, the AWS "
                        "config file's ca_bundle, else the system store",
                        check_ca_bundle, update_ca_bundle, NULL);
static MYSQL_SYSVAR_ULONG(request_timeout_ms, var_request_timeout_ms, PLUGIN_VAR_RQCMDARG,
                          "Time limit of one HTTP attempt in ms, connect included",
                          check_request_timeout, update_request_timeout, 60000, 1,
                          SQLAMBDA_REQUEST_TIMEOUT_MS_MAX, 0);
static MYSQL_SYSVAR_ULONG(connect_timeout_ms, var_connect_timeout_ms, PLUGIN_VAR_RQCMDARG,
                          "Time limit of a TCP/TLS connect in ms", check_connect_timeout,
                          update_connect_timeout, 1000, 1, SQLAMBDA_CONNECT_TIMEOUT_MS_MAX, 0);
static MYSQL_SYSVAR_UINT(max_attempts, var_max_attempts, PLUGIN_VAR_RQCMDARG,
                         "HTTP attempts per call (retries of throttling, 5xx, connection "
                         "failures). 0: AWS_MAX_ATTEMPTS, the AWS config file, else 3",
                         check_max_attempts, update_max_attempts, 0, 0, SQLAMBDA_MAX_ATTEMPTS_MAX, 0);

static MYSQL_SYSVAR_ULONG(credential_timeout_ms, var_credential_timeout_ms, PLUGIN_VAR_RQCMDARG,
                          "Time limit of each credential source in ms (credential_process, STS, "
                          "container endpoint, each EC2 metadata request); KILL QUERY stops "
                          "it too. 0: each source's default (60 s, 5 s, 2 s, 1 s)",
                          check_credential_timeout, update_credential_timeout, 0, 0,
                          SQLAMBDA_CREDENTIAL_TIMEOUT_MS_MAX, 0);

static mdb_sysvar *system_variables[] = {
    MYSQL_SYSVAR(endpoint_url),       MYSQL_SYSVAR(region),
    MYSQL_SYSVAR(allowed_functions),  MYSQL_SYSVAR(request_timeout_ms),
    MYSQL_SYSVAR(connect_timeout_ms), MYSQL_SYSVAR(max_attempts),
    MYSQL_SYSVAR(credential_timeout_ms), MYSQL_SYSVAR(ca_bundle), NULL};

static mdb_show_var status_variables[] = {
    MDB_SHOW_LONG("aws_lambda_calls", mdb_stat_calls),
    MDB_SHOW_LONG("aws_lambda_errors", mdb_stat_errors),
    MDB_SHOW_LONG("aws_lambda_clients_built", mdb_stat_clients_built), MDB_SHOW_END};

/* Logs a refused startup value (error log only: at server start there is
 * no client; during INSTALL PLUGIN the client sees it too). */
static void startup_error(const char *var, const char *err) {
#if MDB_MARIADB
    my_printf_error(MDB_ERROR_CODE,
                    "aws_lambda: refusing to load: startup value of aws_lambda_%s: %s; "
                    "fix the --aws-lambda-* option or option file entry",
                    ME_ERROR_LOG, var, err);
#else
    (void)var;
    (void)err;
#endif
}

/* Startup values (command line / option files) are not passed to the check
 * or update callbacks: check them here with the SET GLOBAL rules, and
 * refuse to load on a bad one (the UDFs then refuse every call), so the
 * server never calls with an unchecked endpoint, region or allowlist. */
static int plugin_init(void *p) {
    static const struct {
        const char *name;
        char **value;
        int (*check)(const char *, char *, size_t);
    } startup[] = {{"endpoint_url", &var_endpoint_url, mdb_check_endpoint_url},
                   {"region", &var_region, mdb_check_region},
                   {"allowed_functions", &var_allowed_functions, mdb_check_allowlist},
                   {"ca_bundle", &var_ca_bundle, mdb_check_ca_bundle}};
    for (size_t i = 0; i < sizeof startup / sizeof startup[0]; i++) {
        char err[256];
        if (startup[i].check(*startup[i].value, err, sizeof err) != 0) {
            /* core's message quotes the value: not in the log if it may
             * hold credentials (user:password@) */
            if (strchr(*startup[i].value, '@'))
                snprintf(err, sizeof err, "the value (not shown: it contains '@', as "
                                          "'user:password@' would) is invalid");
            startup_error(startup[i].name, err);
            atomic_store(&startup_refused, 1);
            return 1;
        }
    }
    if (mdb_settings_set_str(MDB_SET_ENDPOINT_URL, var_endpoint_url) ||
        mdb_settings_set_str(MDB_SET_REGION, var_region) ||
        mdb_settings_set_str(MDB_SET_ALLOWED_FUNCTIONS, var_allowed_functions) ||
        mdb_settings_set_str(MDB_SET_CA_BUNDLE, var_ca_bundle))
        return 1;
    atomic_store(&startup_refused, 0);
    mdb_settings_set_num(MDB_SET_REQUEST_TIMEOUT_MS, (long)var_request_timeout_ms);
    mdb_settings_set_num(MDB_SET_CONNECT_TIMEOUT_MS, (long)var_connect_timeout_ms);
    mdb_settings_set_num(MDB_SET_MAX_ATTEMPTS, (long)var_max_attempts);
    mdb_settings_set_num(MDB_SET_CREDENTIAL_TIMEOUT_MS, (long)var_credential_timeout_ms);
    mdb_settings_set_active(1);
    pthread_rwlock_wrlock(&services_lock);
    atomic_store(&plugin_active, 1);
    pthread_rwlock_unlock(&services_lock);
    return 0;
}

/* Uninstalled: the UDFs refuse to call from now on (the settings say
 * inactive first, so no thread builds a client without the allowlist). */
static int plugin_deinit(void *p) {
    mdb_settings_set_active(0);
    pthread_rwlock_wrlock(&services_lock); /* no thread is inside a service call */
    atomic_store(&plugin_active, 0);
    pthread_rwlock_unlock(&services_lock);
    for (int i = 0; i < 4; i++) {
        free(owned_str[i]);
        owned_str[i] = NULL;
    }
    var_endpoint_url = var_region = var_allowed_functions = var_ca_bundle = NULL;
    mdb_settings_set_str(MDB_SET_ENDPOINT_URL, NULL);
    mdb_settings_set_str(MDB_SET_REGION, NULL);
    mdb_settings_set_str(MDB_SET_ALLOWED_FUNCTIONS, NULL);
    mdb_settings_set_str(MDB_SET_CA_BUNDLE, NULL);
    mdb_settings_set_num(MDB_SET_REQUEST_TIMEOUT_MS, 0);
    mdb_settings_set_num(MDB_SET_CONNECT_TIMEOUT_MS, 0);
    mdb_settings_set_num(MDB_SET_MAX_ATTEMPTS, 0);
    mdb_settings_set_num(MDB_SET_CREDENTIAL_TIMEOUT_MS, 0);
    return 0;
}

static struct st_mysql_daemon daemon_info = {MYSQL_DAEMON_INTERFACE_VERSION};

#define MDB_PLUGIN_FIELDS                                                                       \
    .type = MYSQL_DAEMON_PLUGIN, .info = &daemon_info, .name = "aws_lambda",                  \
    .author = "sqlambda", .descr = "Invoke AWS Lambda from SQL: settings for the "            \
                                   "awslambda_fn / lambda_sync UDFs",                          \
    .license = PLUGIN_LICENSE_GPL, .init = plugin_init, .deinit = plugin_deinit,              \
    .version = 0x0001, .status_vars = status_variables, .system_vars = system_variables

#if MDB_MARIADB
/* GAMMA: the lowest maturity a stock server loads (plugin_maturity=gamma). */
maria_declare_plugin(aws_lambda){MDB_PLUGIN_FIELDS, .version_info = SQLAMBDA_VERSION,
                                 .maturity = MariaDB_PLUGIN_MATURITY_GAMMA} maria_declare_plugin_end;
#else
mysql_declare_plugin(aws_lambda){MDB_PLUGIN_FIELDS} mysql_declare_plugin_end;
#endif
