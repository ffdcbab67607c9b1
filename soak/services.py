"""soak/services.py — starting, stopping and finding the soak's servers:
`sqlambda serve` and the fault proxy (owned here as subprocesses), the
PostgreSQL started by scripts/pg-start (pg_ctl, as the postgres user when
root) and the MariaDB started by scripts/mariadb-start (restarted on the
same data directory, port and options)."""
import json, os, signal, subprocess, time
import psycopg2, pymysql


def start_serve(ctx):
    c = ctx.cfg
    log = open(os.path.join(c["work"], "serve.log"), "a")
    p = subprocess.Popen([c["sqlambda"], "serve", "--functions", c["functions"],
                          "--listen", f"127.0.0.1:{c['serve_port']}", "--event-retry-delay-ms", "200",
                          "--max-concurrency", "8"], stdout=log, stderr=log, start_new_session=True)
    ctx.procs["serve"] = p
    write_pid(ctx, "serve", p.pid)
    return wait_port(c["serve_port"], 20)


def start_proxy(ctx):
    c = ctx.cfg
    log = open(os.path.join(c["work"], "proxy.err"), "a")
    p = subprocess.Popen(["/usr/bin/python3", os.path.join(c["soak"], "proxy.py"), "--port", str(c["proxy_port"]),
                          "--upstream", str(c["serve_port"]), "--control", c["control"],
                          "--log", os.path.join(c["work"], "proxy.jsonl"), "--seed", str(c["seed"])],
                         stdout=log, stderr=log, start_new_session=True)
    ctx.procs["proxy"] = p
    write_pid(ctx, "proxy", p.pid)
    return wait_port(c["proxy_port"], 20)


def write_pid(ctx, name, pid):
    with open(os.path.join(ctx.cfg["work"], name + ".pid"), "w") as f:
        f.write(str(pid))


def stop_owned(ctx):
    """SIGTERM to serve and the proxy (serve drains and stops its workers)."""
    for name in ("serve", "proxy"):
        p = ctx.procs.get(name)
        if p and p.poll() is None:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill(); p.wait()
        try:
            os.unlink(os.path.join(ctx.cfg["work"], name + ".pid"))
        except OSError:
            pass


def set_proxy(ctx, **mode):
    mode.update({k: v for k, v in ctx.cfg.get("break", {}).items()})
    tmp = ctx.cfg["control"] + ".tmp"
    with open(tmp, "w") as f:
        json.dump(mode, f)
    os.replace(tmp, ctx.cfg["control"])


def wait_port(port, secs):
    import socket
    end = time.time() + secs
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def pg_conn(ctx, timeout=3):
    c = ctx.cfg
    conn = psycopg2.connect(host=c["pghost"], port=c["pgport"], user="postgres", dbname="postgres",
                            application_name="soak_driver", connect_timeout=timeout)
    conn.autocommit = True
    return conn


def pg_query(ctx, sql, args=None):
    conn = pg_conn(ctx)
    try:
        cur = conn.cursor()
        cur.execute(sql, args)
        return cur.fetchall() if cur.description else None
    finally:
        conn.close()


def pg_ready(ctx, secs=60):
    end = time.time() + secs
    while time.time() < end:
        try:
            pg_query(ctx, "SELECT 1")
            return True
        except psycopg2.Error:
            time.sleep(0.1)
    return False


def pg_ctl(ctx, *args):
    c = ctx.cfg
    cmd = [os.path.join(c["pgbin"], "pg_ctl"), "-D", os.path.join(c["pgdir"], "data"), *args]
    if os.getuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    return subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode


def postmaster_pid(ctx):
    try:
        with open(os.path.join(ctx.cfg["pgdir"], "data", "postmaster.pid")) as f:
            return int(f.readline())
    except (OSError, ValueError):
        return None


def maria_pid(ctx):
    try:
        with open(os.path.join(ctx.cfg["maria_dir"], "server.pid")) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def maria_ready(ctx, secs=60):
    end = time.time() + secs
    while time.time() < end:
        try:
            pymysql.connect(host="127.0.0.1", port=ctx.cfg["maria_port"], user="soak", password="soak",
                            database="soak", connect_timeout=1).close()
            return True
        except pymysql.Error:
            time.sleep(0.1)
    return False


def maria_restart(ctx):
    """SIGTERM (a clean shutdown), wait for the exit, start again with the
    command line soak/run recorded."""
    c = ctx.cfg
    pid = maria_pid(ctx)
    if pid:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        for _ in range(600):
            if not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z":
                break
            time.sleep(0.05)
    log = open(os.path.join(c["maria_dir"], "stdout.log"), "a")
    p = subprocess.Popen(c["maria_cmd"], stdout=log, stderr=log, start_new_session=True)
    with open(os.path.join(c["maria_dir"], "server.pid"), "w") as f:
        f.write(str(p.pid))
    ctx.procs["maria"] = p
    return maria_ready(ctx)
