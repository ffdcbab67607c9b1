"""awsclient — test function: calls STS and IAM with boto3, using the
credentials and AWS_ENDPOINT_URL the server passes through (a local moto)."""
import os

import boto3


def main(event, context):
    ident = boto3.client("sts").get_caller_identity()
    users = [u["UserName"] for u in boto3.client("iam").list_users()["Users"]]
    return {"account": ident["Account"], "arn": ident["Arn"], "users": users,
            "endpoint": os.environ.get("AWS_ENDPOINT_URL")}
