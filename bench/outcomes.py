"""The cohort page at 10,000 patients with outcome questionnaires answered: before and after the
RMDQ-by-time-point table, on SQLite and (with TEST_DATABASE_URL) PostgreSQL.

bench/generate.py's cohort plus RMDQ answers at every time point whose window has opened: baseline
about 16, most patients falling by 5+ points by month 1, a fifth of time points missed. Times
cohort.page_data (what bench.run times; the page before the RMDQ table) and the RMDQ table
(services/cohort_outcomes.outcome_statistics), which the page now adds.

python -m bench.outcomes [--patients 10000] [--runs 5]
"""

import argparse
import json
import os
import random
import subprocess  # nosec B404: only `uptime`, no input
from datetime import UTC, datetime, timedelta

from recovery.extensions import db
from recovery.services import cohort, cohort_outcomes

from . import cohort as cohort_bench
from .generate import build, load
from .support import bench_app, fresh_database, median_time, timed

# Days after the procedure each time point's window opens (services/timepoints.DEFAULT_WINDOWS).
OPENS = {"baseline": -1, "72h": 3, "week1": 5, "month1": 23, "month3": 76, "month6": 168, "month12": 351}
QR_COLUMNS = ("id", "patient_id", "procedure_id", "time_point", "instrument", "instrument_version", "answers",
              "score", "score_parts", "submitted_at", "updated_at")


def questionnaire_rows(rows: dict, now: datetime, seed: int = 21) -> list[tuple]:
    """RMDQ responses for every generated procedure at each time point already opened."""
    rng = random.Random(seed)
    naive_now = now.astimezone(UTC).replace(tzinfo=None)
    found, next_id = [], 1
    for pid, patient_id, _kind, performed, *_ in rows["procedures"]:
        baseline = rng.randint(8, 24)
        improves = rng.random() < 0.7
        for point, day in OPENS.items():
            at = performed + timedelta(days=day, hours=2)
            if at > naive_now or rng.random() < 0.2:  # not open yet, or missed
                continue
            if point == "baseline":
                score = baseline
            else:
                fall = baseline * (0.5 if improves else 0.1) * min(1.0, day / 30)
                score = max(0, min(24, round(baseline - fall + rng.randint(-2, 2))))
            answers = json.dumps({str(n): True for n in range(1, score + 1)})
            found.append((next_id, patient_id, pid, point, "rmdq", "bench", answers, float(score), "{}", at, at))
            next_id += 1
    return found


def run(kind: str, patients: int, runs: int) -> None:
    now = datetime.now(UTC)
    with fresh_database(kind) as url:
        app = bench_app(url)
        with app.app_context():
            rows = build(patients, now)
            answered = {"questionnaire_responses": questionnaire_rows(rows, now)}
            seconds, counts = timed(lambda: load(db.engine, rows))
            counts.update(load(db.engine, answered, {"questionnaire_responses": QR_COLUMNS}))
            print(f"{kind}: generated {counts} in {seconds:.1f} s", flush=True)
            with app.test_request_context():
                fast, times = median_time(cohort_bench.page_data, runs)
                print(f"{kind}: cohort page data + figure JSON: median {fast * 1000:.0f} ms; runs "
                      f"{', '.join(f'{t:.3f}' for t in times)}", flush=True)
                table, times = median_time(
                    lambda: cohort_outcomes.outcome_statistics(cohort.CohortFilters(), now), runs)
                print(f"{kind}: RMDQ by time point (outcome_statistics): median {table * 1000:.0f} ms; runs "
                      f"{', '.join(f'{t:.3f}' for t in times)}", flush=True)
            db.session.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip())  # nosec
    run("sqlite", args.patients, args.runs)
    if os.environ.get("TEST_DATABASE_URL"):
        run("postgresql", args.patients, args.runs)
    print(subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip())  # nosec


if __name__ == "__main__":
    main()
