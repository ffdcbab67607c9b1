#!/usr/bin/env python3
"""conn_counter.py — a loopback listener that only counts: every TCP
connection it accepts adds one to the number in --count-file (rewritten
after each accept), then it reads what arrives for a moment and closes.
The hostile-value tests point every endpoint a request could reach at it
and assert the count stays 0: nothing connected.

Start:  python3 conn_counter.py --port-file FILE --count-file FILE
        (127.0.0.1, any free port, written to --port-file once listening).
        Stop it with SIGTERM.
"""
import argparse, os, socket, threading

ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--count-file", required=True)
a = ap.parse_args()

count = 0
lock = threading.Lock()


def write_count():
    tmp = a.count_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % count)
    os.replace(tmp, a.count_file)


def drain(c):
    try:
        c.settimeout(0.5)
        c.recv(65536)
    except OSError:
        pass
    finally:
        c.close()


s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(64)
write_count()
with open(a.port_file + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
os.replace(a.port_file + ".tmp", a.port_file)
while True:
    c, _ = s.accept()
    with lock:
        count += 1
        write_count()
    threading.Thread(target=drain, args=(c,), daemon=True).start()
