#!/usr/bin/env python3
"""conn_listener.py — a loopback TCP listener for the no-connection tests
(t_hostile_inputs.sh): appends one line to --log for every connection it
accepts, then closes it. With --imds-region R it instead answers like EC2
instance metadata (IMDSv2 token, then region R), to feed core an untrusted
region. Writes its port to --port-file once listening."""
import argparse
import http.server
import socket
import threading

ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--log")
ap.add_argument("--imds-region")
a = ap.parse_args()

if a.imds_region is not None:
    class H(http.server.BaseHTTPRequestHandler):
        def _send(self, body):
            b = body.encode("utf-8", "surrogateescape")
            self.send_response(200)
            self.send_header("Content-Length", str(len(b)))
            self.end_headers()
            self.wfile.write(b)

        def do_PUT(self):
            self._send("token-for-tests")

        def do_GET(self):
            self._send(a.imds_region if self.path.endswith("/region") else "")

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    open(a.port_file, "w").write(str(srv.server_address[1]))
    srv.serve_forever()
else:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    open(a.port_file, "w").write(str(s.getsockname()[1]))
    lock = threading.Lock()
    while True:
        c, peer = s.accept()
        with lock, open(a.log, "a") as f:
            f.write("connection from %s:%d\n" % peer)
        c.close()
