"""Run every benchmark on SQLite and (when TEST_DATABASE_URL is set) PostgreSQL, print one table
and write bench/RESULTS.md. `make bench` runs it inside scripts/with-postgres.sh.

python -m bench.run [--patients 10000] [--runs 5] [--sweep 100000] [--smtp 20000] [--seconds 10]
"""

import argparse
import os
import platform
import sqlite3
import statistics
import time
from datetime import UTC, datetime

from sqlalchemy import func, select, text

from recovery.extensions import db
from recovery.jobs import plan_all
from recovery.models import CheckIn, Patient

from . import cohort, schema_change, sweep, throughput
from .generate import build, load
from .support import bench_app, fresh_database, median_time, timed

HERE = os.path.dirname(os.path.abspath(__file__))


def _row(rows, database, name, value, target, ok):
    rows.append((database, name, value, target, "yes" if ok else "NO"))
    print(f"{database:<10} {name:<52} {value:<34} {target:<22} {'yes' if ok else 'NO'}", flush=True)


def run_database(kind: str, args, rows: list, notes: list) -> str:
    """Every benchmark on one kind of database; returns its server version."""
    now = datetime.now(UTC)
    with fresh_database(kind) as url:
        app = bench_app(url)
        with app.app_context():
            version = db.session.scalar(text("SELECT sqlite_version()" if kind == "sqlite" else "SHOW server_version"))
            seconds, _ = timed(lambda: load(db.engine, build(args.patients, now)))
            checkins = db.session.scalar(select(func.count()).select_from(CheckIn))
            _row(rows, kind, f"generate {args.patients:,} patients, {checkins:,} check-ins",
                 f"{seconds:.1f} s", "< 60 s", seconds < 60)

            with app.test_request_context():
                fast, runs = median_time(cohort.page_data, args.runs)
                stats, _ = cohort.page_data()
                naive_s, expected = timed(cohort.naive)
            agree = cohort.numbers(stats) == expected
            _row(rows, kind, "cohort page data + figure JSON (median)", f"{fast * 1000:.0f} ms",
                 "< 300 ms", fast < 0.3)
            _row(rows, kind, "  vs naive per-patient ORM loop", f"naive {naive_s:.1f} s: page {naive_s / fast:.0f}x faster",
                 ">= 20x, same numbers", naive_s / fast >= 20 and agree)
            notes.append(f"{kind}: cohort runs (s): {', '.join(f'{t:.3f}' for t in runs)}; numbers agree: {agree}")

            first, _ = timed(plan_all, now)
            again, _ = timed(plan_all, now)
            eligible = db.session.scalar(select(func.count()).select_from(Patient))
            _row(rows, kind, f"sweep plan_all over {eligible:,} patients: first / again",
                 f"{first:.1f} s / {again:.1f} s", "< 30 s (interval)", max(first, again) < 30)
            db.session.remove()

        emails = [f"patient{i}@bench.local" for i in range(1, min(args.patients, 64) + 1)]
        with throughput.durable(kind):
            results = [throughput.measure(url, emails, args.workers, args.seconds) for _ in range(args.web_runs)]
        ratio = statistics.median(r["ratio"] for r in results)
        mid = sorted(results, key=lambda r: r["ratio"])[len(results) // 2]
        errors = sum(r[name]["errors"] for r in results for name in ("bare", "floor", "checkin"))
        _row(rows, kind, f"bare JSON endpoint, gunicorn {args.workers} workers (wrk)",
             f"{mid['bare']['rps']:.0f} rps, p50 {mid['bare']['p50_ms']:.1f} / p99 {mid['bare']['p99_ms']:.1f} ms",
             "for reference", True)
        _row(rows, kind, "durable floor: session, CSRF, one check-in-sized row committed (bench/app.py)",
             f"{mid['floor']['rps']:.0f} rps, p50 {mid['floor']['p50_ms']:.1f} / p99 {mid['floor']['p99_ms']:.1f} ms",
             "the floor", True)
        _row(rows, kind, f"check-in POSTs by {len(emails)} logged-in patients",
             f"{mid['checkin']['rps']:.0f} rps, p50 {mid['checkin']['p50_ms']:.0f} / p99 "
             f"{mid['checkin']['p99_ms']:.0f} ms", "", True)
        _row(rows, kind, "  check-in rps / durable floor rps (median), errors", f"{ratio:.0%}, {errors} errors",
             ">= 50%, 0 errors", ratio >= 0.5 and errors == 0)

        with app.app_context():
            timings = schema_change.add_index_and_column(db.engine)
            _row(rows, kind, f"migration on {checkins:,} check-ins: add index / add column",
                 f"{timings['index']:.2f} s / {timings['column']:.2f} s", "seconds (< 30 s)",
                 max(timings.values()) < 30)
            db.session.remove()

    patients = args.sweep // 4
    with fresh_database(kind) as url:
        result = sweep.in_memory(bench_app(url), patients)
    _row(rows, kind, f"reminder sweep, {result['due']:,} due, in-memory channel",
         f"{result['total_s']:.1f} s (plan {result['plan_s']:.1f} + send {result['deliver_s']:.1f})",
         "< 10 s for 100,000" if args.sweep == 100_000 else "(100,000 in < 10 s)",
         result["exactly_once"] and result["total_s"] * 100_000 / max(result["due"], 1) < 10)
    _row(rows, kind, "  each delivered exactly once", str(result["exactly_once"]), "True", result["exactly_once"])
    bare = sweep.bare_client(max(args.smtp // 4, 1000))
    _row(rows, kind, "bare smtplib client against the same sink (ready-made messages)", f"{bare:.0f} msg/s",
         "for reference", True)
    for dispatchers in (1, 2):
        with fresh_database(kind) as url:
            result = sweep.through_smtp(bench_app(url), url, args.smtp // 4, dispatchers)
        target = ">= 70% of the bare client" if dispatchers == 1 else "exactly once"
        met = result["exactly_once"] and (dispatchers == 2 or result["rate"] >= 0.7 * bare)
        _row(rows, kind, f"e-mail through aiosmtpd, {dispatchers} dispatcher process(es)",
             f"{result['rate']:.0f} msg/s = {result['rate'] / bare:.0%} of bare ({result['emails']:,}; "
             f"{result['seconds']:.1f} s with start-up)", target, met)
        _row(rows, kind, f"  exactly once (Message-IDs = sent rows); split {result['per_process']}",
             str(result["exactly_once"]), "True", result["exactly_once"])
    return version


def machine() -> dict:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "sqlite_module": sqlite3.sqlite_version}


def write_results(path, args, rows, notes, versions, info, started, load_before, load_after):
    lines = [
        "# Benchmark results", "",
        f"Run {started:%Y-%m-%d %H:%M} UTC by `make bench` "
        f"(`python -m bench.run --patients {args.patients} --runs {args.runs} --sweep {args.sweep} "
        f"--smtp {args.smtp} --seconds {args.seconds} --web-runs {args.web_runs} --workers {args.workers}`).", "",
        f"- Machine: {info['platform']}, {info['cpu']}, {info['cores']} CPUs",
        f"- Python {info['python']}; " + "; ".join(f"{k} {v}" for k, v in versions.items()),
        f"- Load average (1, 5, 15 min) before: {load_before}; after: {load_after}",
        "", "| database | benchmark | result | target | met |", "|---|---|---|---|---|",
    ]
    lines += [f"| {' | '.join(str(c).replace('|', '/') for c in row)} |" for row in rows]
    lines += ["", "## Notes", ""] + [f"- {n}" for n in notes] + [""]
    extra = os.path.join(HERE, "NOTES.md")
    if os.path.exists(extra):
        with open(extra) as f:
            lines += [f.read()]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5, help="timed runs of the cohort page (median)")
    parser.add_argument("--sweep", type=int, default=100_000, help="due reminders for the in-memory sweep")
    parser.add_argument("--smtp", type=int, default=20_000, help="due reminders (half e-mails) through SMTP")
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per endpoint")
    parser.add_argument("--web-runs", type=int, default=3, help="wrk runs per endpoint (median)")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1)))
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database only")
    parser.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    args = parser.parse_args()
    started, load_before = datetime.now(UTC), tuple(round(x, 1) for x in os.getloadavg())
    kinds = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
    kinds = [k for k in kinds if args.only in (None, k)]
    rows, notes, versions = [], [], {}
    print(f"{'database':<10} {'benchmark':<52} {'result':<34} {'target':<22} met")
    for kind in kinds:  # RESULTS.md is rewritten after each database, so a cut-short run leaves one
        start = time.perf_counter()
        versions[kind] = run_database(kind, args, rows, notes)
        notes.append(f"{kind}: whole run {time.perf_counter() - start:.0f} s")
        load_after = tuple(round(x, 1) for x in os.getloadavg())
        write_results(args.out, args, rows, notes, {f"{k} server": v for k, v in versions.items()}, machine(),
                      started, load_before, load_after)
    print(f"\nWritten to {args.out}")


if __name__ == "__main__":
    main()
