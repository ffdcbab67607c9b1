/*
 * udf_abi.h — the server-side ABI this plugin is built against: UDF_INIT /
 * UDF_ARGS and the plugin API (plugin.h, services). Builds with MariaDB's
 * server headers (libmariadbd-dev: /usr/include/mariadb/server) and is
 * written to build with MySQL 8's (see docs/mariadb.md for what was tested).
 */
#ifndef MDB_UDF_ABI_H
#define MDB_UDF_ABI_H

#ifndef MYSQL_DYNAMIC_PLUGIN
#define MYSQL_DYNAMIC_PLUGIN 1
#endif
#include <stdbool.h>
#include <mysql/plugin.h>
#include <mysql_com.h>

#ifdef MARIA_PLUGIN_INTERFACE_VERSION
#define MDB_MARIADB 1
#include <mysql/service_my_print_error.h>
#include <mysql/service_thd_alloc.h>
typedef my_bool mdb_bool; /* return type of xxx_init */
#else
#define MDB_MARIADB 0
typedef bool mdb_bool;
#endif

/* ER_UNKNOWN_ERROR (SQLSTATE HY000): the code our row-time errors carry. */
#define MDB_ERROR_CODE 1105
/* ER_QUERY_INTERRUPTED (SQLSTATE 70100): a call stopped by KILL QUERY or
 * max_statement_time. */
#define MDB_ERROR_INTERRUPTED 1317
/* MYSQL_ERRMSG_SIZE: longest message the server passes on. */
#define MDB_ERRMSG_SIZE 512

#endif /* MDB_UDF_ABI_H */
