/*
 * sqlambda_redshift.h — the protocol of Amazon Redshift's Lambda UDFs, as
 * far as checking an answer goes: {"success": true, "num_records": N,
 * "results": [N values]} or {"success": false, "error_msg": "..."}; the body
 * may also be a JSON string holding that object (Redshift's examples return
 * json.dumps(...)), unwrapped one level. Adapters keep their own JSON values
 * for the results; this only says whether the answer is usable.
 */
#ifndef SQLAMBDA_REDSHIFT_H
#define SQLAMBDA_REDSHIFT_H

#include <stddef.h>

/* SQLAMBDA_API: exported from libsqlambda.so (see sqlambda.h). */
#ifndef SQLAMBDA_API
#if defined(__GNUC__) || defined(__clang__)
#define SQLAMBDA_API __attribute__((visibility("default")))
#else
#define SQLAMBDA_API
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sqlambda_rs_status {
    SQLAMBDA_RS_OK = 0,   /* success true, num_records (if present) and the
                             results array's size equal the rows sent */
    SQLAMBDA_RS_FAILED,   /* success false: error_msg is the function's text */
    SQLAMBDA_RS_PROTOCOL  /* anything else: problem says what is wrong */
} sqlambda_rs_status;

typedef struct sqlambda_rs_reply {
    sqlambda_rs_status status;
    char *error_msg;       /* FAILED: "error_msg" when a string, else NULL */
    char *unwrapped;       /* the object's JSON text when the body was a JSON
                              string holding it, else NULL (NUL-terminated) */
    size_t unwrapped_len;
    char problem[200];     /* PROTOCOL: e.g. response has no "results" array */
} sqlambda_rs_reply;

/* Checks body (len bytes, need not be NUL-terminated) as the answer to a
 * batch of rows rows. Always fills *out (free with sqlambda_rs_reply_free);
 * returns out->status. Out of memory is PROTOCOL with that as problem. */
SQLAMBDA_API sqlambda_rs_status sqlambda_redshift_reply_check(const char *body, size_t len, long rows,
                                                              sqlambda_rs_reply *out);
SQLAMBDA_API void sqlambda_rs_reply_free(sqlambda_rs_reply *r);

#ifdef __cplusplus
}
#endif
#endif
