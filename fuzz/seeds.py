#!/usr/bin/env python3
"""fuzz/seeds.py — (re)writes the seed corpora in fuzz/corpus/<target>/ from
real shapes: Lambda Invoke answers and AWS error bodies as the docs show them,
AWS shared-file examples, the official SigV4 test vectors in
core/tests/fixtures (plus Lambda requests signed by botocore), credential
provider documents. Run by hand after changing a target's input format."""
import base64, glob, json, os, sys

top = os.path.dirname(os.path.abspath(__file__))
corpus = os.path.join(top, "corpus")


def put(target, name, data):
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def response():
    # byte 0: status index (0=200 ... 7=429, 8=500), byte 1: chunk size/cap, headers, blank line, body
    def r(st, hdrs, body, chunk=b"\x10"):
        return bytes([st]) + chunk + "".join(h + "\r\n" for h in hdrs).encode() + b"\r\n" + body.encode()
    put("fuzz_response", "ok", r(0, ["HTTP/1.1 200 OK", "Content-Type: application/json",
        "Content-Length: 17", "x-amzn-RequestId: 1b3c9e2a-7f39-4c2e-9b1d-0d5f0a1e2b3c",
        "X-Amz-Executed-Version: $LATEST"], '{"hello":"world"}'))
    put("fuzz_response", "function_error", r(0, ["HTTP/1.1 200 OK", "X-Amz-Function-Error: Unhandled",
        "X-Amz-Log-Result: " + base64.b64encode(b"START RequestId: x\nEND\n").decode()],
        '{"errorMessage":"boom","errorType":"ValueError","stackTrace":["  File \\"f.py\\""]}'))
    put("fuzz_response", "throttled", r(7, ["HTTP/1.1 429 Too Many Requests", "Retry-After: 2",
        "x-amzn-ErrorType: TooManyRequestsException:http://internal.amazon.com/coral/",
        "x-amz-retry-after: 1500"], '{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded",'
        '"Type":"User","message":"Rate Exceeded."}'))
    put("fuzz_response", "not_found", r(5, ["HTTP/1.1 404 Not Found", "Content-Length: 120"],
        '{"Type":"User","message":"Function not found: arn:aws:lambda:us-east-1:123456789012:function:f",'
        '"__type":"com.amazon.coral#ResourceNotFoundException"}'))
    put("fuzz_response", "xml_error", r(4, ["HTTP/1.1 403 Forbidden", "Content-Type: text/xml"],
        "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>"
        "<Message>The security token included in the request is invalid.</Message></Error></ErrorResponse>"))
    put("fuzz_response", "continue_then_ok", r(0, ["HTTP/1.1 100 Continue", "", "HTTP/1.1 200 OK",
        "Content-Length: 2"], "{}"))
    put("fuzz_response", "oversize", r(0, ["HTTP/1.1 200 OK", "Content-Length: 9999999"], "{}", b"\x90"))
    put("fuzz_response", "bad_length", r(8, ["HTTP/1.1 500 Internal", "Content-Length: 12x",
        "X-Amz-Function-Error: Handled"], "<html>oops</html>"))


def ini():
    creds = ("[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
             "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY ; comment\n"
             "\n[dev]\naws_access_key_id=AKIDDEV\naws_secret_access_key=s\naws_session_token=tok\n"
             "  continued token\n# full-line comment\n")
    config = ("[default]\nregion = us-west-2\nmax_attempts = 5\n\n[profile dev]\nregion=eu-west-1\n"
              "services = local\ncredential_process = /opt/bin/creds --profile dev\n"
              "s3 =\n  max_concurrent_requests = 20\n"
              "[services local]\nlambda =\n  endpoint_url = http://127.0.0.1:9001\n"
              "[profile   web]\nrole_arn = arn:aws:iam::123456789012:role/r\n"
              "web_identity_token_file = /var/run/token\n[profile default]\nregion=us-east-1\n"
              "endpoint_url = https://lambda.example.com\n[broken\nkey=value\n")
    put("fuzz_ini", "default", "default\0" + creds + "\0" + config)
    put("fuzz_ini", "dev", "dev\0" + creds + "\0" + config)
    put("fuzz_ini", "web", "web\0\0" + config)
    for name in ("default", "dev", "web"):  # fuzz_config reads the same input format
        src = os.path.join(corpus, "fuzz_ini", name)
        put("fuzz_config", name, open(src, "rb").read())
    put("fuzz_config", "endpoints", "\0[default]\naws_access_key_id=A\n\0[default]\nregion = us-gov-west-1\n"
        "max_attempts = 7\nignore_configured_endpoint_urls = false\nendpoint_url = http://localhost:4566\n"
        "[profile p]\nregion=cn-north-1\nmax_attempts=101\nservices=s\n[services s]\nlambda =\n"
        "  endpoint_url = https://[::1]:9001/x\n")
    put("fuzz_config", "fips_retry", "p\0[p]\nuse_fips_endpoint = false\nretry_mode = standard\n\0"
        "[profile p]\nregion = us-isob-east-1-fips\nuse_fips_endpoint = TRUE\n"
        "use_dualstack_endpoint = true\nretry_mode = legacy\n"
        "[default]\nretry_mode = adaptive\nuse_dualstack_endpoint = yes\n")


def sigv4():
    suite = os.path.join(os.path.dirname(top), "core/tests/fixtures/aws-sig-v4-test-suite/v4")
    for d in sorted(glob.glob(os.path.join(suite, "*"))):
        req = os.path.join(d, "request.txt")
        signed = os.path.join(d, "header-signed-request.txt")
        if not os.path.exists(signed):
            continue
        text = open(signed, encoding="utf-8").read()
        head, _, body = text.partition("\n\n")
        lines = head.split("\n")
        method, _, rest = lines[0].partition(" ")
        target = rest.rsplit(" ", 1)[0]
        path, _, query = target.partition("?")
        auth = ""
        hdrs = []
        for l in lines[1:]:
            if l.lower().startswith("authorization:"):
                auth = l.split(":", 1)[1]
            elif ":" in l:
                hdrs.append(l)
        name = os.path.basename(d)
        date = "20150830T123600Z"
        put("fuzz_sigv4", name, "\n".join([method, path, query, "us-east-1", "service", date] + hdrs))
        if "\n" not in body:
            put("fuzz_sigv4_verify", name, "\n".join([auth, method, path, query, body] + hdrs))
    # Lambda Invoke requests signed by botocore (what sqlambda serve receives)
    try:
        import botocore.auth
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        import datetime
        from unittest import mock
    except ImportError:
        print("seeds.py: botocore missing, Lambda-signed seeds skipped", file=sys.stderr)
        return
    cr = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    for name, path, query, body in [
            ("lambda_invoke", "/2015-03-31/functions/my-function/invocations", "", '{"a":1}'),
            ("lambda_qualified", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af/invocations",
             "Qualifier=prod", "{}")]:
        url = "http://127.0.0.1:9001" + path + ("?" + query if query else "")
        r = AWSRequest(method="POST", url=url, data=body.encode(),
                       headers={"X-Amz-Invocation-Type": "RequestResponse", "Content-Type": "application/json"})
        fixed = datetime.datetime(2026, 12, 1, 6, 0, 0)  # reproducible seeds
        what = "get_current_datetime" if hasattr(botocore.auth, "get_current_datetime") else "datetime"
        with mock.patch("botocore.auth." + what) as dt:
            dt.return_value = fixed
            dt.datetime.utcnow.return_value = fixed
            SigV4Auth(cr, "lambda", "us-east-1").add_auth(r)
        hdrs = ["host:127.0.0.1:9001"] + ["%s:%s" % (k, v) for k, v in r.headers.items() if k.lower() != "authorization"]
        put("fuzz_sigv4_verify", name, "\n".join([r.headers["Authorization"], "POST", path, query, body] + hdrs))
        put("fuzz_sigv4", name, "\n".join(["POST", path, query, "us-east-1", "lambda", r.headers["X-Amz-Date"]] + hdrs[1:]))


def redshift():
    # byte 0: rows in the batch; then the body (shapes from AWS's Redshift Lambda UDF docs)
    for name, rows, body in [
            ("ok", 2, '{"success": true, "num_records": 2, "results": [4080, null]}'),
            ("no_num_records", 3, '{"success": true, "results": ["a", {"k": [1.5, true]}, [1]]}'),
            ("json_dumps", 3, json.dumps(json.dumps({"success": True, "results": [4080, 2750, 1650]}))),
            ("failed", 1, '{"success": false, "error_msg": "cannot score rows: model not loaded"}'),
            ("failed_dumps", 2, json.dumps(json.dumps({"success": False, "error_msg": "unsupported operand"}))),
            ("count_mismatch", 2, '{"success": true, "num_records": 3, "results": [1, 2, 3]}'),
            ("real_count", 2, '{"success": true, "num_records": 2.0, "results": [1e400, 123456789012345678901234]}'),
            ("not_redshift", 1, '{"statusCode": 200, "body": "[\\"x\\"]"}'),
            ("truncated", 2, '{"success": true, "results": [1,')]:
        put("fuzz_redshift_reply", name, bytes([rows]) + body.encode())


def function():
    # function, qualifier, call region, client region, allowlist, endpoint URL (Lambda's identifier forms)
    for name, fields in [
            ("name", ["my-function", "", "", "us-east-1", "", "https://lambda.us-east-1.amazonaws.com"]),
            ("name_qualifier", ["my-function:prod", "", "", "us-east-1", "my-function:*,other", "http://127.0.0.1:9001"]),
            ("full_arn", ["arn:aws:lambda:us-west-2:123456789012:function:my-function:$LATEST", "", "us-west-2",
                          "us-east-1", "arn:aws:lambda:*:123456789012:function:my-*", "http://[::1]:9001/prefix/"]),
            ("partial_arn", ["123456789012:function:my-function", "7", "", "eu-west-1",
                             "123456789012:function:my-function:7", "https://lambda.eu-west-1.amazonaws.com:443"]),
            ("govcloud", ["arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f:v1", "v1", "us-gov-west-1",
                          "us-gov-west-1", "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f:v1",
                          "https://lambda.us-gov-west-1.amazonaws.com"]),
            ("china", ["arn:aws-cn:lambda:cn-north-1:123456789012:function:f", "", "cn-north-1", "cn-north-1",
                       "f, g:*, arn:aws-cn:lambda:cn-north-1:123456789012:function:f",
                       "https://lambda.cn-north-1.amazonaws.com.cn"]),
            ("bad", ["bad name!", "$LATEST", "us-east-1x", "us-east-1", ",,", "http://user:pw@host:99999/?q#f"])]:
        put("fuzz_function", name, "\n".join(fields))


def creds():
    # byte 0: 0 credential_process, 1 container, 2 IMDS, 3 STS XML (AWS documentation shapes),
    # 4 SSO token cache, 5 SSO GetRoleCredentials, 6 its refresh fields, 7 CreateToken
    proc = {"Version": 1, "AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "SecretAccessKey":
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "SessionToken": "FwoGZXIvYXdzEJr",
            "Expiration": "2026-12-01T07:00:00Z"}
    put("fuzz_creds", "process", b"\0" + json.dumps(proc).encode())
    put("fuzz_creds", "process_v2", b"\0" + json.dumps(dict(proc, Version=2)).encode())
    put("fuzz_creds", "container", b"\1" + json.dumps({"AccessKeyId": "ASIAIOSFODNN7EXAMPLE",
        "SecretAccessKey": "s", "Token": "t", "Expiration": "2026-12-01T07:00:00.123+01:00",
        "RoleArn": "arn:aws:iam::123456789012:role/task"}).encode())
    put("fuzz_creds", "imds", b"\2" + json.dumps({"Code": "Success", "LastUpdated": "2026-12-01T06:00:00Z",
        "Type": "AWS-HMAC", "AccessKeyId": "ASIA", "SecretAccessKey": "s", "Token": "t",
        "Expiration": "2026-12-01T12:00:00Z"}, indent=2).encode())
    put("fuzz_creds", "sts", b"\3" + (
        '<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n'
        "  <AssumeRoleWithWebIdentityResult>\n    <SubjectFromWebIdentityToken>amzn1.account</SubjectFromWebIdentityToken>\n"
        "    <Credentials>\n      <SessionToken>AQoDYXdzE&amp;</SessionToken>\n"
        "      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>\n"
        "      <Expiration>2026-12-01T07:00:00Z</Expiration>\n      <AccessKeyId>ASgeIAIOSFODNN7EXAMPLE</AccessKeyId>\n"
        "    </Credentials>\n  </AssumeRoleWithWebIdentityResult>\n</AssumeRoleWithWebIdentityResponse>\n").encode())
    put("fuzz_creds", "sts_error", b"\3" + (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
        "<Code>InvalidIdentityToken</Code><Message>Couldn&apos;t retrieve verification key &lt;x&gt;</Message>"
        "</Error><RequestId>c6104cbe</RequestId></ErrorResponse>").encode())
    # 4: the token file aws sso login caches; 5: the portal's GetRoleCredentials answer
    put("fuzz_creds", "sso_token", b"\4" + json.dumps({
        "startUrl": "https://d-1234567890.awsapps.com/start", "region": "us-east-1",
        "accessToken": "aoaAAAAAGZ0eXAiOiJKV1Qi", "expiresAt": "2026-12-02T10:00:00Z",
        "clientId": "c", "clientSecret": "s", "registrationExpiresAt": "2027-01-01T00:00:00Z",
        "refreshToken": "r"}, indent=2).encode())
    # 6: the same file read for a refresh; 7: sso-oidc CreateToken's answer
    put("fuzz_creds", "sso_refresh", b"\6" + json.dumps({
        "startUrl": "https://d-1234567890.awsapps.com/start", "region": "us-east-1",
        "accessToken": "aoaAAAAAGZ0eXAiOiJKV1Qi", "expiresAt": "2026-12-02T10:00:00Z",
        "clientId": "_yzkThXVzLWVhc3QtMQEXAMPLECLIENTID", "clientSecret": "eyJraWQiOiJrZXktMTU2",
        "registrationExpiresAt": "2027-03-01T00:00:00Z", "refreshToken": "aorvJYubGpU6i91YnH7Mfo"},
        indent=2).encode())
    put("fuzz_creds", "create_token", b"\7" + json.dumps({
        "accessToken": "aoal-YigITUDiNX1xZwOMXM5MxOWDL0E0jg9P6_C_jKQPxS_SKCP6f0kh1Up4g7TtvQqkMnD-GJiU_S1gvug6SrggAkc0:MGYCMQD3IatVjV7jAJU91kK3PkS/SfA2wtgWzOgZWDOR7sDGN9t0phCZz5It/aes/3C1Zj0CMQCKWOgRaiz6AIhza3DSXQNMLjRKXC8F8ceCsHlgYLMZ7hZidEXAMPLEACCESSTOKEN",
        "expiresIn": 28800, "idToken": "eyJraWQiOiJrZXktMTU2",
        "refreshToken": "aorvJYubGpU6i91YnH7Mfo", "tokenType": "Bearer"}).encode())
    put("fuzz_creds", "sso_role", b"\5" + json.dumps({"roleCredentials": {
        "accessKeyId": "ASIAIOSFODNN7EXAMPLE", "secretAccessKey": "wJalrXUtnFEMI/K7MDENG",
        "sessionToken": "IQoJb3JpZ2lu", "expiration": 1764669600000}}).encode())


def request():
    # byte 0: invocation type (0 sync, 1 Event, 2 DryRun) | log type << 2; function, qualifier,
    # region, client context, then the payload
    for name, head, fields in [
            ("plain", 0, ["my-function", "", "", "", '{"key": "value"}']),
            ("arn_event", 1, ["arn:aws:lambda:us-west-2:123456789012:function:f:prod", "prod", "us-west-2",
                              '{"custom": {"a": 1}, "env": {"x": "y"}}', '[1, 2.5, null, "\\u00e9"]']),
            ("bad", 4, ["f:1", "2", "eu-west-1", "[]", '{"unterminated": '])]:
        put("fuzz_request", name, bytes([head]) + "\n".join(fields).encode())


def eventstream():
    # byte 0: piece size - 1, then an InvokeWithResponseStream body (AWS's event stream framing)
    import struct, zlib

    def msg(headers, payload):
        hb = b""
        for k, v in headers:
            hb += bytes([len(k)]) + k.encode() + b"\x07" + struct.pack(">H", len(v)) + v.encode()
        total = 16 + len(hb) + len(payload)
        prelude = struct.pack(">II", total, len(hb))
        m = prelude + struct.pack(">I", zlib.crc32(prelude)) + hb + payload
        return m + struct.pack(">I", zlib.crc32(m))

    def ev(kind, ct, payload):
        return msg([(":event-type", kind), (":content-type", ct), (":message-type", "event")], payload)

    done = ev("InvokeComplete", "application/json", b"{}")
    put("fuzz_eventstream", "stream", b"\x07" + ev("PayloadChunk", "text/plain", b"chunk 0\n") +
        ev("PayloadChunk", "text/plain", b"chunk 1\n") + done)
    put("fuzz_eventstream", "buffered", b"\xff" + ev("PayloadChunk", "application/octet-stream", b'{"a":1}') +
        ev("InvokeComplete", "application/json", b'{"LogResult":"U1RBUlQK"}'))
    put("fuzz_eventstream", "midstream_error", b"\x00" + ev("PayloadChunk", "text/plain", b"partial") +
        ev("InvokeComplete", "application/json", b'{"ErrorCode":"ValueError","ErrorDetails":"stream broke"}'))
    put("fuzz_eventstream", "exception", b"\x10" + msg([(":exception-type", "ServiceException"),
        (":content-type", "application/json"), (":message-type", "exception")], b'{"message":"boom"}'))
    put("fuzz_eventstream", "error", b"\x10" + msg([(":error-code", "InternalError"),
        (":error-message", "went wrong"), (":message-type", "error")], b""))
    put("fuzz_eventstream", "truncated", b"\x03" + ev("PayloadChunk", "text/plain", b"cut here")[:-5])
    bad = bytearray(ev("PayloadChunk", "text/plain", b"bad crc"))
    bad[-1] ^= 1
    put("fuzz_eventstream", "bad_crc", b"\x03" + bytes(bad))
    put("fuzz_eventstream", "after_complete", b"\x40" + done + ev("PayloadChunk", "text/plain", b"late"))


if __name__ == "__main__":
    eventstream()
    request()
    creds()
    function()
    redshift()
    response()
    ini()
    sigv4()
