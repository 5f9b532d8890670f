"""Check-in throughput against gunicorn, compared in the same run with the durable floor.

gunicorn serves bench.app (Recovery + /bench/bare + /bench/floor, rate limits off) with
WEB_CONCURRENCY sync workers; wrk (Debian's package) generates the load from its own process on
127.0.0.1: the bare endpoint, then the durable floor (session user, CSRF, one check-in-sized row
committed durably: bench/app.py), then POSTs of valid check-ins by the same logged-in patients,
each with its own session cookie and CSRF token (checkin.lua). The target (issue 16): check-ins
at 50% or more of the floor's rate, 0 errors, on both databases. On PostgreSQL the run turns
fsync on for its cluster (scripts/with-postgres.sh starts it with fsync off) and back off after.
"""

import contextlib
import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from .generate import PASSWORD
from .sweep import free_port

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.dirname(os.path.abspath(__file__))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _login(base: str, email: str) -> tuple[str, str]:
    """Log in through the real form; return the Cookie header and the check-in form's CSRF token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())

    def token(path):
        html = opener.open(base + path, timeout=60).read().decode()
        return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)

    data = urllib.parse.urlencode({"login": email, "password": PASSWORD, "csrf_token": token("/login")})
    try:
        opener.open(base + "/login", data.encode(), timeout=60)
    except urllib.error.HTTPError as answer:
        assert answer.code == 302, f"login as {email}: {answer.code}"
    csrf = token("/patient/checkin")
    return "; ".join(f"{c.name}={c.value}" for c in jar), csrf


def _wrk(url: str, seconds: int, connections: int, script: str | None = None, *args) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency"]
    if script:
        command += ["-s", script]
    command += [url]
    if args:
        command += ["--", *args]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(bad.group(1)) if bad else 0) + (sum(map(int, sock.groups())) if sock else 0)

    def ms(p):
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    return {"rps": rps, "requests": total, "errors": errors, "p50_ms": ms(50), "p99_ms": ms(99)}


def _cpu_seconds(parent: int) -> float:
    """User + system CPU seconds used so far by the children (gunicorn's workers) of `parent`."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:  # fields[1] is the parent pid; utime, stime follow at 11, 12
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _measured(run, pid: int) -> dict:
    """Run wrk and add the workers' CPU time per request (ms), which load on the machine inflates less
    than it does the rates."""
    before = _cpu_seconds(pid)
    result = run()
    result["cpu_ms"] = (_cpu_seconds(pid) - before) * 1000 / max(result["requests"], 1)
    return result


def measure(url: str, patients: list[str], workers: int, seconds: int = 10, connections: int = 16) -> dict:
    """Start gunicorn on `url`, log the patients in, run wrk on the bare endpoint, then on check-ins."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    folder = tempfile.mkdtemp(prefix="recovery-bench-web-")
    env = {**os.environ, "DATABASE_URL": url, "RECOVERY_INSTANCE_PATH": folder}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--workers", str(workers),
         "--bind", f"127.0.0.1:{port}", "bench.app:app"], env=env, cwd=REPO,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/bench/bare", timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        sessions = os.path.join(folder, "sessions.tsv")
        with open(sessions, "w") as f:
            for email in patients:
                f.write("\t".join(_login(base, email)) + "\n")
        script = os.path.join(HERE, "checkin.lua")
        bare = _measured(lambda: _wrk(base + "/bench/bare", seconds, connections), server.pid)
        floor = _measured(lambda: _wrk(base, seconds, connections, script, sessions, "/bench/floor"), server.pid)
        checkin = _measured(lambda: _wrk(base, seconds, connections, script, sessions, "/patient/checkin"),
                            server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=60)
    return {"workers": workers, "connections": connections, "seconds": seconds, "patients": len(patients),
            "bare": bare, "floor": floor, "checkin": checkin, "ratio": checkin["rps"] / floor["rps"]}


@contextlib.contextmanager
def durable(kind: str):
    """PostgreSQL with fsync on for the run (its cluster may run without), as production would;
    synchronous_commit is on by default. SQLite needs nothing: WAL with synchronous=FULL."""
    if kind != "postgresql":
        yield
        return
    from sqlalchemy import create_engine

    # The cluster's superuser (scripts/with-postgres.sh exports it): only it may change fsync.
    admin = create_engine(os.environ.get("RECOVERY_PG_ADMIN_URL", os.environ["TEST_DATABASE_URL"]),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        before = conn.exec_driver_sql("SHOW fsync").scalar()
        conn.exec_driver_sql("ALTER SYSTEM SET fsync = on")
        conn.exec_driver_sql("SELECT pg_reload_conf()")
        time.sleep(0.5)  # the backends read the reloaded setting
        assert conn.exec_driver_sql("SHOW fsync").scalar() == "on", "fsync did not turn on"
    try:
        yield
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"ALTER SYSTEM SET fsync = {before}")
            conn.exec_driver_sql("SELECT pg_reload_conf()")
        admin.dispose()


def main() -> None:
    """Only the throughput rows: `python -m bench.throughput [--patients 2000] [--only sqlite]`."""
    import argparse
    import statistics
    from datetime import UTC, datetime

    from .generate import build, load
    from .support import bench_app, fresh_database

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--web-runs", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--logged-in", type=int, default=64)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--connections", type=int, default=16, help="wrk's open connections")
    args = parser.parse_args()
    kinds = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
    for kind in [k for k in kinds if args.only in (None, k)]:
        with fresh_database(kind) as url, durable(kind):
            app = bench_app(url)
            with app.app_context():
                from recovery.extensions import db

                load(db.engine, build(args.patients, datetime.now(UTC)))
                db.session.remove()
                db.engine.dispose()
            emails = [f"patient{i}@bench.local" for i in range(1, min(args.patients, args.logged_in) + 1)]
            results = [measure(url, emails, args.workers, args.seconds, args.connections)
                       for _ in range(args.web_runs)]
            mid = sorted(results, key=lambda r: r["ratio"])[len(results) // 2]
            for name in ("bare", "floor", "checkin"):
                r = mid[name]
                print(f"{kind:<10} {name:<8} {r['rps']:7.0f} rps  p50 {r['p50_ms']:7.1f} ms  "
                      f"p99 {r['p99_ms']:7.1f} ms  errors {r['errors']}  app CPU {r['cpu_ms']:.1f} ms/request",
                      flush=True)
            print(f"{kind:<10} check-in / floor {statistics.median(r['ratio'] for r in results):.0%}", flush=True)


if __name__ == "__main__":
    main()
