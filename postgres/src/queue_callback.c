/*
 * queue_callback.c — the writing side of callbacks (on_result), shared by
 * enqueue and trigger_invoke: resolves the named procedure or function with
 * the callback's argument types (queue_id bigint, function_name text,
 * status text, payload jsonb, error text), checks that the role the
 * callback will run as may execute it, and returns the name to store
 * (schema-qualified and quoted, so the worker resolves the same object
 * whatever its search_path). The role is the one whose allowlist governs
 * the entry: enqueue's current user, a trigger's table owner; the
 * procedure's owner must be that role or have its privileges. Names, not
 * OIDs, are stored: a dump restores them by name (and pg_upgrade refuses
 * reg* columns in tables). The worker's side is worker_callback.c.
 */
#include "queue.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/syscache.h"

#include <string.h>

const Oid awsq_callback_argtypes[AWSQ_CALLBACK_NARGS] = {INT8OID, TEXTOID, TEXTOID, JSONBOID,
                                                         TEXTOID};

Oid awsq_callback_lookup(const char *name, bool missing_ok) {
    ObjectWithArgs *o = makeNode(ObjectWithArgs);
    o->objname = stringToQualifiedNameList(name);
    for (int i = 0; i < AWSQ_CALLBACK_NARGS; i++)
        o->objargs = lappend(o->objargs, makeTypeNameFromOid(awsq_callback_argtypes[i], -1));
    /* OBJECT_ROUTINE: a procedure or a function */
    return LookupFuncWithArgs(OBJECT_ROUTINE, o, missing_ok);
}

static void name_context(void *arg) { errcontext("%s", (const char *)arg); }

char *awsq_callback_check(const char *who, const char *name, Oid role) {
    ErrorContextCallback ctx;
    if (name[0] == '\0' || strlen(name) > AWSQ_CALLBACK_NAME_MAX)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("%s: on_result must name a procedure (1 to %d bytes, got %zu)", who,
                               AWSQ_CALLBACK_NAME_MAX, strlen(name))));
    ctx.callback = name_context;
    ctx.arg = psprintf("%s: on_result \"%s\"", who, name);
    ctx.previous = error_context_stack;
    error_context_stack = &ctx;
    Oid fn = awsq_callback_lookup(name, true); /* a malformed name errors here (42602) */
    error_context_stack = ctx.previous;
    if (!OidIsValid(fn))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_FUNCTION),
                        errmsg("%s: on_result procedure %s(bigint, text, text, jsonb, text) does not "
                               "exist",
                               who, name),
                        errhint("A callback takes (queue_id bigint, function_name text, status "
                                "text, payload jsonb, error text).")));
    HeapTuple tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
    if (!HeapTupleIsValid(tup)) elog(ERROR, "cache lookup failed for function %u", fn);
    Form_pg_proc p = (Form_pg_proc)GETSTRUCT(tup);
    char kind = p->prokind;
    Oid nsp = p->pronamespace;
    Oid owner = p->proowner;
    char *qualified = quote_qualified_identifier(get_namespace_name(p->pronamespace),
                                                 NameStr(p->proname));
    ReleaseSysCache(tup);
    if (kind != PROKIND_PROCEDURE && kind != PROKIND_FUNCTION)
        ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                        errmsg("%s: on_result %s is not a procedure or a plain function", who,
                               qualified)));
    /* Whoever can change its code must already have the role's rights:
     * its owner is the role, or has the role's privileges (a superuser, or
     * a member of the role). Else a role allowed to name a callback for
     * another (TRIGGER on its table, a SECURITY DEFINER wrapper), or a
     * fellow member of a group that owns it, would run its code with that
     * role's rights. */
    if (owner != role && !has_privs_of_role(owner, role))
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("%s: on_result %s must be owned by role \"%s\", which it runs as "
                               "(its owner is \"%s\")",
                               who, qualified, GetUserNameFromId(role, false),
                               GetUserNameFromId(owner, false)),
                        errhint("The callback runs as the role that queued the entry (a "
                                "trigger's: the table's owner); it must be owned by that role, "
                                "or by a role that has its privileges.")));
    if (pg_proc_aclcheck(fn, role, ACL_EXECUTE) != ACLCHECK_OK ||
        pg_namespace_aclcheck(nsp, role, ACL_USAGE) != ACLCHECK_OK)
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("%s: role \"%s\" may not execute on_result %s", who,
                               GetUserNameFromId(role, false), qualified),
                        errdetail("The callback runs as that role: it needs EXECUTE on it and "
                                  "USAGE on its schema."),
                        errhint("GRANT them to that role, or name another procedure.")));
    return qualified;
}
