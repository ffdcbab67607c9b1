"""echo — test function: returns the event and what the handler sees
(context fields, selected environment variables, its pid)."""
import os

ENV = ["MY_VAR", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
       "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_LOG_GROUP_NAME", "LAMBDA_TASK_ROOT", "_HANDLER",
       "AWS_LAMBDA_RUNTIME_API", "AWS_ENDPOINT_URL", "_X_AMZN_TRACE_ID"]


def main(event, context):
    print("echo handler called")
    cc = context.client_context
    return {
        "event": event,
        "pid": os.getpid(),
        "request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "log_group_name": context.log_group_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "client_context": None if cc is None else {"custom": cc.custom, "env": cc.env, "client": cc.client},
        "env": {k: os.environ.get(k) for k in ENV},
    }
