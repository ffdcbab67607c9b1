/*
 * bulk.h — contracts between the bulk-invocation files of the PostgreSQL
 * extension: bulk_run.c (many requests through core's multi interface on
 * the backend's client, cancelled as one by the latch wait hook),
 * bulk_args.c (argument checks shared by invoke_many and invoke_batch),
 * bulk_many.c (aws_lambda.invoke_many) and bulk_batch.c
 * (aws_lambda.invoke_batch, Amazon Redshift's Lambda UDF protocol).
 */
#ifndef PG_AWS_LAMBDA_BULK_H
#define PG_AWS_LAMBDA_BULK_H

#include "aws_lambda.h"

#include "fmgr.h"
#include "utils/array.h"

/* Largest concurrency a bulk call accepts (each call in flight is a socket;
 * Lambda's default account concurrency, which core's event loop handles). */
#define AWSL_BULK_MAX_CONCURRENCY 1000

/* ---- bulk_run.c ---------------------------------------------------------- */

/*
 * Sends reqs[0..n-1] with up to concurrency in flight; results[i] answers
 * reqs[i] (results: n zeroed entries; members are core's malloc'd strings,
 * release them with awsl_bulk_free()). Records statistics per call. A query
 * cancel, statement_timeout or termination aborts every call in flight at
 * once, frees the results and raises PostgreSQL's own error.
 */
void awsl_bulk_run(const sqlambda_request *reqs, size_t n, int concurrency,
                   sqlambda_result *results);
void awsl_bulk_free(sqlambda_result *results, size_t n);

/* ---- bulk_args.c --------------------------------------------------------- */

/* ERROR naming the argument when it is NULL (fn: SQL function's name). */
void awsl_bulk_require(FunctionCallInfo fcinfo, int argno, const char *fn, const char *name);
/* Text argument, NULL or "" -> NULL. */
char *awsl_bulk_text_or_null(FunctionCallInfo fcinfo, int argno);
/* concurrency argument: 1..AWSL_BULK_MAX_CONCURRENCY, else ERROR. */
int awsl_bulk_concurrency(FunctionCallInfo fcinfo, int argno, const char *fn);
/* A one-dimensional jsonb[] argument as elements and NULL flags. */
void awsl_bulk_jsonb_array(FunctionCallInfo fcinfo, int argno, const char *fn, const char *name,
                           Datum **elems, bool **nulls, int *n);
/*
 * Checks the function name, qualifier, region and allowlist once, before
 * anything is sent (core's sqlambda_validate with an empty payload): a bad
 * one is one ERROR, not a row per payload.
 */
void awsl_bulk_validate(const sqlambda_request *req);
/* s with bytes invalid in the database encoding replaced by '?' (in place). */
char *awsl_bulk_valid_text(char *s);

#endif /* PG_AWS_LAMBDA_BULK_H */
