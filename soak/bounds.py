"""soak/bounds.py — the stated bounds the checker holds the run to
(docs/reliability.md lists them).

BOUNDS: the most any sample may show. serve runs 5 functions with at most 8
instances each (--max-concurrency 8): 1 + 40 processes plus Python's; the
worker holds at most worker_concurrency (16) connections; PostgreSQL has
max_connections 50; MariaDB's buffer pool is 64 MB.
GROWTH: how much more the second half of the run may reach than the first
(kills restart processes, so a leak shows as a higher plateau, not as
one process's slope). The worker's allowance covers the SIGHUP step raising
worker_concurrency to 16: up to 16 more sockets, and their wait-set fds.
The worker's fds are those outside the data directory (sockets, pipes,
epoll: what the extension opens); PostgreSQL's cache of relation files is
its own (a crash restart alone added 40 catalog files to a new worker).
SYNC_SLACK_S: beyond attempts x request timeout, what a call may take
(backoff, a Retry-After of 1 s, a cold start).
CALM_GRACE_S: how long after a fault window a call may still fail (a
restarted serve's cold starts, a stalled connection's timeout).
PG_SYNC_CLASSES: the SQLSTATEs docs/postgres.md lists for a failed call
that a fault can cause (connection, protocol, I/O timeout, service error,
throttling, function error)."""

BOUNDS = {
    "pg_procs": 70, "pg_fds": 4000, "pg_rss_kb": 2_000_000,
    "worker_fds": 128, "worker_rss_kb": 150_000,
    "serve_procs": 60, "serve_fds": 300, "serve_rss_kb": 200_000,
    "maria_fds": 600, "maria_rss_kb": 800_000, "maria_threads": 120,
    "proxy_fds": 300,
}
GROWTH = {"worker_fds": 32, "worker_rss_kb": 32_000, "serve_fds": 64, "serve_rss_kb": 48_000,
          "maria_fds": 64, "maria_rss_kb": 96_000}
SYNC_SLACK_S = 4.0
CALM_GRACE_S = 3.0
PG_SYNC_CLASSES = ("08006", "08P01", "58030", "58000", "53000", "38000")
