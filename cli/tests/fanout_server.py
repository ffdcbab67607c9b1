#!/usr/bin/env python3
"""fanout_server.py — a loopback Lambda-Invoke-shaped HTTP/1.1 server (asyncio,
keep-alive, backlog 4096) for the tests of `sqlambda invoke --payloads`:
every call's answer is chosen by its JSON payload, and it counts how many
calls are in flight at once.

Start:  python3 fanout_server.py --port-file FILE   (127.0.0.1, any free port;
        the port is written to FILE once listening). Stop it with SIGTERM.

Invoke: POST /2015-03-31/functions/<NAME>/invocations with a JSON object:
  "sleep_ms": N     answer after N milliseconds
  "fail": "func"    200 + X-Amz-Function-Error: Unhandled, errorType ValueError
  "fail": "service" 400 InvalidRequestContentException (not retried)
  "pretty": true    the answer spans several lines (json indent)
  "mark": true      the call is "marked": calls arriving while it is in
                    flight are counted in "during_mark"
  otherwise 200 {"echo": <payload>}; X-Amz-Invocation-Type Event -> 202, empty.
Control:
  GET  /_stats  {"requests": n, "max_in_flight": n, "during_mark": n}
  POST /_reset  clears them
"""
import argparse, asyncio, json, os, signal

stats = {"requests": 0, "in_flight": 0, "max_in_flight": 0, "marked": 0, "during_mark": 0}


def reset():
    stats.update(requests=0, max_in_flight=0, during_mark=0)


async def answer(path, headers, body):
    if path == "/_stats":
        return 200, {}, json.dumps(stats).encode()
    if path == "/_reset":
        reset()
        return 200, {}, b"{}"
    if not path.startswith("/2015-03-31/functions/"):
        return 404, {}, b'{"message":"no such path"}'
    stats["requests"] += 1
    if stats["marked"]:
        stats["during_mark"] += 1
    stats["in_flight"] += 1
    stats["max_in_flight"] = max(stats["max_in_flight"], stats["in_flight"])
    try:
        try:
            p = json.loads(body)
        except ValueError:
            p = None
        if not isinstance(p, dict):
            p = {"value": p}
        mark = bool(p.get("mark"))
        if mark:
            stats["marked"] += 1
        try:
            await asyncio.sleep(float(p.get("sleep_ms", 0)) / 1000.0)
        finally:
            if mark:
                stats["marked"] -= 1
        if headers.get("x-amz-invocation-type") == "Event":
            return 202, {}, b""
        if p.get("fail") == "func":
            err = {"errorType": "ValueError", "errorMessage": "failed for id %s" % p.get("id")}
            return 200, {"X-Amz-Function-Error": "Unhandled"}, json.dumps(err).encode()
        if p.get("fail") == "service":
            return 400, {"x-amzn-ErrorType": "InvalidRequestContentException"}, json.dumps(
                {"Type": "User", "message": "rejected id %s" % p.get("id")}).encode()
        out = {"echo": p}
        text = json.dumps(out, indent=1) if p.get("pretty") else json.dumps(out)
        return 200, {"X-Amz-Executed-Version": "$LATEST"}, text.encode()
    finally:
        stats["in_flight"] -= 1


async def handle(reader, writer):
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            method, path, _ = line.decode("latin-1").split(" ", 2)
            headers = {}
            while True:
                h = await reader.readline()
                if h in (b"\r\n", b"\n", b""):
                    break
                k, _, v = h.decode("latin-1").partition(":")
                headers[k.strip().lower()] = v.strip()
            n = int(headers.get("content-length", "0"))
            body = await reader.readexactly(n) if n else b""
            code, extra, out = await answer(path.split("?")[0], headers, body)
            head = "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %d\r\n" % (
                code, len(out))
            head += "x-amzn-RequestId: fanout-%d\r\n" % stats["requests"]
            for k, v in extra.items():
                head += "%s: %s\r\n" % (k, v)
            writer.write(head.encode() + b"\r\n" + out)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError, ValueError):
        pass
    finally:
        writer.close()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    a = ap.parse_args()
    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=4096)
    port = server.sockets[0].getsockname()[1]
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.rename(tmp, a.port_file)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with server:
        await stop.wait()


asyncio.run(main())
