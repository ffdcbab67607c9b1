/*
 * plugin_active.h — the daemon-plugin half of the library (INSTALL SONAME):
 * registers the aws_lambda_* system and status variables. The UDFs refuse
 * to call without it (fail closed: without the plugin there would be no
 * allowlist, no endpoint setting and no way to raise an SQL error).
 */
#ifndef MDB_PLUGIN_ACTIVE_H
#define MDB_PLUGIN_ACTIVE_H

/* What a UDF says when the plugin is not active (the server shows at most
 * 80 characters of an xxx_init message: both fit): not installed, or
 * installed but refused to load because of a bad startup value. */
#define MDB_PLUGIN_MISSING "the aws_lambda plugin is not installed: INSTALL SONAME 'aws_lambda_udf.so'"
#define MDB_PLUGIN_REFUSED "the aws_lambda plugin refused a startup value: see the error log"
const char *mdb_plugin_missing(void);

/* 1 while the plugin is installed (initialised and not uninstalled). */
int mdb_plugin_active(void);

/* The plugin service pointers (my_printf_error, thd_kill_level) are only
 * valid while the plugin is installed: UNINSTALL PLUGIN restores them to
 * their version numbers before it unloads the library (which stays mapped,
 * -z nodelete), so calling one then would crash the server. Bracket every
 * service call: mdb_services_enter() returns 1 when the services may be
 * used (call mdb_services_leave() after), 0 when the plugin is gone. The
 * plugin's deinit waits for threads inside the bracket. */
int mdb_services_enter(void);
void mdb_services_leave(void);

#endif /* MDB_PLUGIN_ACTIVE_H */
