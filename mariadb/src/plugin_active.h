/*
 * plugin_active.h — the daemon-plugin half of the library (INSTALL SONAME):
 * registers the aws_lambda_* system and status variables. The UDFs work
 * without it (settings then come only from the server's environment and
 * AWS config files), but only with it can they raise SQL errors at row time.
 */
#ifndef MDB_PLUGIN_ACTIVE_H
#define MDB_PLUGIN_ACTIVE_H

/* 1 while the plugin is installed: the server has then filled in the
 * plugin services (my_printf_error) this library may call. */
int mdb_plugin_active(void);

#endif /* MDB_PLUGIN_ACTIVE_H */
