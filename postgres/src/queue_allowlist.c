/*
 * queue_allowlist.c — the allowlist that governs a queued call. A queue
 * entry is written on someone else's authority: a trigger's row is written
 * by whoever writes the table, but the function is the trigger's. So an
 * entry must be allowed by
 *   1. the aws_lambda.allowed_functions of the role it is queued for — the
 *      table's owner for trigger_invoke, the current user for enqueue (the
 *      caller, or the owner of a SECURITY DEFINER function calling it) — as
 *      configured for that role, never the writing session's value: ALTER
 *      ROLE r IN DATABASE d SET, else ALTER ROLE r SET, else ALTER DATABASE
 *      d SET, else ALTER ROLE ALL SET, else the server's value
 *      (postgresql.conf, ALTER SYSTEM, -c); and
 *   2. the delivery worker's own (the same lookup for the bootstrap
 *      superuser it runs as), which it applies again at delivery.
 * Lookups read pg_db_role_setting and are kept while nothing could have
 * changed them: a change of pg_db_role_setting sends a shared invalidation
 * message (a snapshot invalidation: the catalog has no cache of its own),
 * which every backend processes at its next transaction start and counts
 * in SharedInvalidMessageCounter; so a lookup is read again once that
 * counter has moved (any message, a conservative test) or the server's
 * value was reloaded. An INSERT-only workload sends none, and its
 * transactions skip the up to eight index scans per transaction.
 */
#include "queue.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_db_role_setting.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "storage/lockdefs.h"
#include "storage/proc.h"
#include "storage/sinval.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include <stdlib.h>
#include <string.h>

#define SETTING "aws_lambda.allowed_functions"

/* The server's value as last loaded (postgresql.conf, ALTER SYSTEM after a
 * reload, command line, default): noted by the check hook. */
static char *server_value;
static uint64 server_value_gen; /* bumped at each change of server_value */

void awsq_note_server_allowlist(const char *value, GucSource source) {
    if (source > PGC_S_ARGV) return;
    if (IsTransactionState() && !awsl_defining_settings) return; /* ALTER SYSTEM's check */
    char *copy = MemoryContextStrdup(TopMemoryContext, value ? value : "");
    if (server_value) pfree(server_value);
    server_value = copy;
    server_value_gen++;
}

/* The setting stored for (database, role) in pg_db_role_setting, or NULL. */
static char *stored(Relation rel, Oid db, Oid role) {
    ScanKeyData keys[2];
    SysScanDesc scan;
    HeapTuple tup;
    char *found = NULL;

    ScanKeyInit(&keys[0], Anum_pg_db_role_setting_setdatabase, BTEqualStrategyNumber, F_OIDEQ,
                ObjectIdGetDatum(db));
    ScanKeyInit(&keys[1], Anum_pg_db_role_setting_setrole, BTEqualStrategyNumber, F_OIDEQ,
                ObjectIdGetDatum(role));
    scan = systable_beginscan(rel, DbRoleSettingDatidRolidIndexId, true, NULL, 2, keys);
    if (HeapTupleIsValid(tup = systable_getnext(scan))) {
        bool isnull;
        Datum d = heap_getattr(tup, Anum_pg_db_role_setting_setconfig, RelationGetDescr(rel),
                               &isnull);
        if (!isnull) {
            Datum *elems;
            bool *nulls;
            int n;
            deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT, &elems,
                              &nulls, &n);
            for (int i = 0; i < n; i++) {
                char *name, *value;
                if (nulls[i]) continue;
                ParseLongOption(TextDatumGetCString(elems[i]), &name, &value);
                if (value && pg_strcasecmp(name, SETTING) == 0) found = value;
            }
        }
    }
    systable_endscan(scan);
    return found;
}

/* One lookup per role, kept while no invalidation arrived (see above). */
typedef struct cached {
    Oid role;
    LocalTransactionId lxid;
    uint64 inval, gen;
    char *list;
} cached;
static cached cache[2];

static const char *allowlist_of(Oid role, int slot) {
    cached *c = &cache[slot];
    if (c->list && c->role == role &&
        (c->lxid == MyProc->lxid ||
         (c->inval == SharedInvalidMessageCounter && c->gen == server_value_gen)))
        return c->list;
    Relation rel = table_open(DbRoleSettingRelationId, AccessShareLock);
    char *v = stored(rel, MyDatabaseId, role);
    if (!v) v = stored(rel, InvalidOid, role);
    if (!v) v = stored(rel, MyDatabaseId, InvalidOid);
    if (!v) v = stored(rel, InvalidOid, InvalidOid);
    table_close(rel, AccessShareLock);
    if (c->list) pfree(c->list);
    c->list = MemoryContextStrdup(TopMemoryContext, v ? v : server_value ? server_value : "");
    c->role = role;
    c->lxid = MyProc->lxid;
    c->inval = SharedInvalidMessageCounter;
    c->gen = server_value_gen;
    return c->list;
}

/* The region plain allowlist entries are read in (core's client resolves
 * the same first three; a region from a profile or IMDS is not known here,
 * so then plain entries match only calls that name no region). */
static const char *configured_region(void) {
    const char *r = awsl_region && *awsl_region ? awsl_region : getenv("AWS_REGION");
    if (!r || !*r) r = getenv("AWS_DEFAULT_REGION");
    return r && *r ? r : NULL;
}

static char *role_name(Oid role) {
    char *n = GetUserNameFromId(role, true);
    return n ? n : psprintf("%u", role);
}

void awsq_check_role_allowlist(Oid role, const char *function, const char *qualifier,
                               const char *region) {
    const char *list = allowlist_of(role, 0);
    if (!sqlambda_function_allowed(list, function, qualifier, region, configured_region()))
        ereport(ERROR,
                (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                 errmsg("cannot enqueue: function \"%s\" is not allowed by the "
                        "aws_lambda.allowed_functions of role \"%s\"",
                        function, role_name(role)),
                 errdetail("A queued call is governed by the allowlist of the role it is queued "
                           "for (a trigger's table owner; enqueue's current user) as configured "
                           "(ALTER ROLE / ALTER DATABASE / server), not the writing session's."),
                 errhint("Add the function to that role's aws_lambda.allowed_functions.")));
}

void awsq_check_worker_allowlist(const char *function, const char *qualifier, const char *region) {
    const char *list = allowlist_of(BOOTSTRAP_SUPERUSERID, 1);
    if (!sqlambda_function_allowed(list, function, qualifier, region, configured_region()))
        ereport(ERROR,
                (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                 errmsg("cannot enqueue: function \"%s\" is not allowed by the delivery "
                        "worker's aws_lambda.allowed_functions",
                        function),
                 errdetail("The worker applies the server's (or this database's) allowlist again "
                           "at delivery; the entry would be dead-lettered.")));
}
