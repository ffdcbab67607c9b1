#!/usr/bin/env python3
"""bench/arrival_server.py — a loopback Lambda Invoke endpoint that records
when each request arrives, for commit-to-invoke latency (bench/postgres_queue.sh).

Answers every POST with 202 (empty body, keep-alive) and appends one line
"<i> <arrival epoch seconds>" per request to --log, where <i> is the "i"
field of the JSON payload (or of each record of a {"records": [...]} batch).
Usage: arrival_server.py --port-file F --log F
"""
import argparse
import json
import socket
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        now = time.time()
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            event = json.loads(body)
            items = event["records"] if isinstance(event, dict) and "records" in event else [event]
            lines = "".join("%s %.6f\n" % (e.get("i"), now) for e in items if isinstance(e, dict))
        except ValueError:
            lines = "bad %.6f\n" % now
        with open(self.server.log, "a") as f:
            f.write(lines)
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.log = a.log
    srv.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
