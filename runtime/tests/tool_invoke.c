/* tool_invoke.c — core's client against the local runtime, for the tests:
 *   tool_invoke ENDPOINT FUNCTION PAYLOAD [Event|DryRun|RequestResponse] [Tail]
 * prints "status=<http> error=<function error> type=<errorType>
 * version=<executed version>" then the payload, then the decoded log tail. */
#include "sqlambda.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: tool_invoke ENDPOINT FUNCTION PAYLOAD [TYPE] [Tail]\n");
        return 2;
    }
    sqlambda_options o = {0};
    o.endpoint_url = argv[1];
    o.region = "us-east-1";
    o.access_key_id = "AKIDTEST";
    o.secret_access_key = "secret";
    o.max_attempts = 1;
    sqlambda_client *c = sqlambda_client_new(&o);
    sqlambda_request r = {0};
    r.function = argv[2];
    r.payload = argv[3];
    if (argc > 4 && strcmp(argv[4], "Event") == 0) r.invocation_type = SQLAMBDA_EVENT;
    if (argc > 4 && strcmp(argv[4], "DryRun") == 0) r.invocation_type = SQLAMBDA_DRY_RUN;
    if (argc > 5 && strcmp(argv[5], "Tail") == 0) r.log_type = SQLAMBDA_LOG_TAIL;
    sqlambda_result res;
    sqlambda_status st = sqlambda_invoke(c, &r, &res);
    printf("status=%ld error=%s type=%s version=%s\n", res.http_status,
           res.function_error ? res.function_error : "", res.error_type ? res.error_type : "",
           res.executed_version ? res.executed_version : "");
    printf("%s\n", res.payload ? res.payload : "");
    if (res.log_result) printf("%s", res.log_result);
    if (st != SQLAMBDA_OK) fprintf(stderr, "%s\n", res.message);
    sqlambda_result_free(&res);
    sqlambda_client_free(c);
    return st == SQLAMBDA_OK || st == SQLAMBDA_E_FUNCTION ? 0 : 1;
}
