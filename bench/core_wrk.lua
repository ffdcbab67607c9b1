-- bench/core_wrk.lua — wrk request shaped like one of core's Invoke calls
-- (POST, same JSON body, headers of similar size incl. a SigV4-sized
-- Authorization); the baseline of bench/core.sh.
wrk.method = "POST"
wrk.body = '{"bench":true,"user":"bob","n":12345}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["User-Agent"] = "sqlambda/0.1.0 bench"
wrk.headers["X-Amz-Date"] = "20261126T230000Z"
wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIDBENCHEXAMPLE/20261126/us-east-1/lambda/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000"
wrk.path = "/2015-03-31/functions/bench/invocations"
