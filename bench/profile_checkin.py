"""Where a check-in POST's CPU goes: cProfile of check-ins through the test client.

`python -m bench.profile_checkin [--posts 300] [--patients 40] [--top 40] [--sort cumulative]`
on a fresh SQLite file (or PostgreSQL with `--only postgresql` under scripts/with-postgres.sh).
Patients log in through the real form and post in turn, as bench/checkin.lua does against
gunicorn, so the profile shows the same request path without the server and wrk in it.
`--plain` times without the profiler. On SQLite it also reports how long each check-in holds
the write lock (BEGIN IMMEDIATE to the end of the commit, its fsync included): writers hold it
one at a time, so 1 / that time bounds the check-ins per second of one database file.
"""

import argparse
import cProfile
import os
import pstats
import re
import statistics
import time
from datetime import UTC, datetime

from .generate import PASSWORD, build, load
from .support import bench_app, fresh_database

FORM = {"worst_pain": "9", "walking_level": "2", "minutes_upright": "30", "medication": "otc",
        "sleep_disturbed": "no", "flag_neuro": "no", "flag_chest": "no", "flag_infection": "no",
        "flag_calf": "no"}


def _token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def _logged_in(app, email: str):
    client = app.test_client()
    answer = client.post("/login", data={"login": email, "password": PASSWORD,
                                         "csrf_token": _token(client, "/login")})
    assert answer.status_code == 302, answer.status_code
    return client, _token(client, "/patient/checkin")


def _time_write_lock(engine) -> list[float]:
    """Record, in ms, how long each SQLite write transaction started with BEGIN IMMEDIATE (as a
    check-in starts: database.begin_write) holds the write lock, to its commit or rollback."""
    from sqlalchemy import event

    held: list[float] = []
    started: dict[int, float] = {}

    @event.listens_for(engine, "before_cursor_execute")
    def _begin(conn, _cursor, statement, *_args):
        if statement.strip().upper() == "BEGIN IMMEDIATE":
            started[id(conn.connection.dbapi_connection)] = time.perf_counter()

    def _end(conn):
        begun = started.pop(id(conn.connection.dbapi_connection), None)
        if begun is not None:
            held.append((time.perf_counter() - begun) * 1000)

    event.listen(engine, "commit", _end)
    event.listen(engine, "rollback", _end)
    return held


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--patients", type=int, default=40)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--plain", action="store_true", help="time without the profiler, print no profile")
    args = parser.parse_args()
    with fresh_database(args.only) as url:
        app = bench_app(url)
        with app.app_context():
            from recovery.extensions import db

            load(db.engine, build(args.patients, datetime.now(UTC)))
            db.session.remove()
        sessions = [_logged_in(app, f"patient{i}@bench.local") for i in range(1, args.patients + 1)]

        def post(n):
            client, token = sessions[n % len(sessions)]
            answer = client.post("/patient/checkin", data={**FORM, "pain_now": str(n % 8), "csrf_token": token})
            assert answer.status_code == 302, answer.status_code

        for n in range(len(sessions)):  # warm up: caches, and every patient has today's row
            post(n)
        with app.app_context():
            from recovery.extensions import db

            held = _time_write_lock(db.engine) if db.engine.dialect.name == "sqlite" else []
        profile = cProfile.Profile()
        start = time.process_time()
        if not args.plain:
            profile.enable()
        for n in range(args.posts):
            post(n)
        profile.disable()
        spent = time.process_time() - start
        print(f"{args.only}: {args.posts} check-in POSTs, {spent * 1000 / args.posts:.2f} ms CPU each "
              f"({'plain' if args.plain else 'profiled'}; {os.getloadavg()[0]:.1f} load)")
        if held:
            held.sort()
            median, p90 = statistics.median(held), held[int(0.9 * (len(held) - 1))]
            print(f"write lock held per check-in: median {median:.2f} ms, p90 {p90:.2f} ms, mean "
                  f"{statistics.mean(held):.2f} ms -> at most {1000 / statistics.mean(held):.0f} check-ins/s")
        if not args.plain:
            pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
