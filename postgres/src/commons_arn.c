/*
 * commons_arn.c — aws_commons.create_lambda_function_arn(function_name,
 * region), Amazon RDS's constructor of aws_commons._lambda_function_arn_1.
 * The value is stored for later calls, so both parts are validated here by
 * core's rules (function identifier; region syntax, and the region of a
 * full ARN must agree): a bad one is 22023 naming the argument, at once.
 * NULL parts stay NULL (as RDS's SQL function builds them).
 */
#include "aws_lambda.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(aws_commons_create_lambda_function_arn);

#define FN "aws_commons.create_lambda_function_arn"

Datum aws_commons_create_lambda_function_arn(PG_FUNCTION_ARGS) {
    TupleDesc td;
    Datum values[2] = {0, 0};
    bool nulls[2] = {true, true};
    sqlambda_function_ref ref;
    char err[256];
    bool have_ref = false;

    if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg(FN " must return aws_commons._lambda_function_arn_1")));
    if (!PG_ARGISNULL(0)) {
        char *fn = text_to_cstring(PG_GETARG_TEXT_PP(0));
        if (sqlambda_parse_function(fn, &ref, err, sizeof err) != SQLAMBDA_OK)
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg(FN ": invalid function_name: %s", err)));
        have_ref = true;
        values[0] = PG_GETARG_DATUM(0);
        nulls[0] = false;
    }
    if (PG_NARGS() > 1 && !PG_ARGISNULL(1)) {
        char *region = text_to_cstring(PG_GETARG_TEXT_PP(1));
        if (*region) { /* '' means "no region", as aws_lambda.invoke reads it */
            if (sqlambda_check_region(region, err, sizeof err) != SQLAMBDA_OK)
                ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                                errmsg(FN ": invalid region: %s", err)));
            if (have_ref && ref.region[0] && strcmp(ref.region, region) != 0)
                ereport(ERROR,
                        (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                         errmsg(FN ": region \"%s\" does not match the function ARN's region "
                                "\"%s\"",
                                region, ref.region)));
        }
        values[1] = PG_GETARG_DATUM(1);
        nulls[1] = false;
    }
    td = BlessTupleDesc(td);
    PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, values, nulls)));
}
