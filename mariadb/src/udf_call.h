/*
 * udf_call.h — what every Lambda UDF shares: argument checks in xxx_init,
 * the per-statement state behind initid->ptr (which owns the returned
 * bytes), and one invocation through the thread's client.
 */
#ifndef MDB_UDF_CALL_H
#define MDB_UDF_CALL_H

#include "udf_abi.h"

#include "sqlambda.h"

typedef struct mdb_udf_spec {
    const char *name;      /* SQL name, e.g. "awslambda_fn" */
    const char *arg_names[2]; /* e.g. {"fn_name", "fn_argsJson"} */
    sqlambda_invocation_type type;
} mdb_udf_spec;

typedef struct mdb_udf_state {
    sqlambda_result res; /* last call's result; its payload is what we return */
} mdb_udf_state;

/* xxx_init: checks arity and types, refuses when the aws_lambda plugin is
 * not active (fail closed), sets maybe_null / max_length, allocates the
 * state. Returns 1 with message filled on error. The server shows only the
 * first 80 characters of an init message, so these are short; argument
 * values are checked at each row instead, where the full text (up to 511
 * characters) reaches the client. */
mdb_bool mdb_udf_init(const mdb_udf_spec *spec, UDF_INIT *initid, UDF_ARGS *args, char *message);
void mdb_udf_deinit(UDF_INIT *initid);

/*
 * The row-time call: refuses when the plugin went away, checks that both
 * arguments and the response are UTF-8 and that the function name parses.
 * Returns 1 when any argument is NULL (result NULL, no
 * error), 0 on success (state->res.payload/payload_len hold the response),
 * -1 on failure (already reported; *error set), or when an earlier row of
 * the statement failed (the server then returns NULL for every later row).
 */
int mdb_udf_invoke(const mdb_udf_spec *spec, UDF_INIT *initid, UDF_ARGS *args, char *error);

#endif /* MDB_UDF_CALL_H */
