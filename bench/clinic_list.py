"""The clinician's pages at 100 and 10,000 patients (issue 19 item 7): the list's first page, a
search and a filtered and sorted list, each as the whole page through the app (the test client,
signed in as a clinician: the triage list above it included) and as list_patients alone; then
the patient page and the visit summary of the patient with the most check-ins, and the cohort
page, as whole pages. Median and p95 of 20 runs after 2 warm-ups, and the page's HTML size.

`python -m bench.clinic_list [sqlite|postgresql]` (PostgreSQL under scripts/with-postgres.sh).
"""

import re
import statistics
import sys
import time
from datetime import UTC, datetime

from sqlalchemy import func, select

from recovery.extensions import db
from recovery.models import CheckIn
from recovery.services import patient_list
from recovery.services.cohort import refresh_expected_bands
from recovery.services.completion import refresh_summary as refresh_completion
from recovery.services.patient_list import ListQuery

from .generate import PASSWORD, TABLE_COLUMNS, build, load
from .outbox import LEDGER_COLUMNS, REMINDER_COLUMNS, ledger_rows, outbox_rows
from .support import bench_app, fresh_database

RUNS, WARMUP = 20, 2
TARGET_MS, TARGET_KB = 300, 200
QUERIES = {  # name: (the page's URL, the same query for list_patients)
    "first page (attention order)": ("/clinic/?clinician=all", ListQuery()),
    "search 'patient 42'": ("/clinic/?clinician=all&q=patient+42", ListQuery(q="patient 42")),
    "kyphoplasty, silent 5 days, sorted by pain desc": (
        "/clinic/?clinician=all&procedure=kyphoplasty&silent=5&sort=pain&order=desc",
        ListQuery(procedure="kyphoplasty", silent=5, sort="pain", order="desc")),
}

PAGES = {  # name: the page's URL ({patient}: the patient with the most check-ins)
    "patient page (most check-ins)": "/clinic/patients/{patient}",
    "visit summary (most check-ins)": "/clinic/patients/{patient}/summary",
    "cohort page": "/clinic/cohort",
}


def _times(call) -> tuple[float, float, object]:
    for _ in range(WARMUP):
        call()
    times, result = [], None
    for _ in range(RUNS):
        start = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), statistics.quantiles(times, n=20, method="inclusive")[18], result


def _signed_in(app, login: str):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
    answer = client.post("/login", data={"login": login, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302, answer.status_code
    return client


def main(kind: str = "sqlite") -> None:
    now = datetime.now(UTC)
    results: dict[str, dict[int, float]] = {}
    sizes: dict[str, dict[int, float]] = {}
    for patients in (100, 10_000):
        with fresh_database(kind) as url:
            app = bench_app(url)
            with app.app_context():
                cohort = build(patients, now)
                clinician = next(u for u in cohort["users"] if u[3] == "clinician")
                cohort["reminders"] = outbox_rows(cohort, now)  # the completion figures read these
                cohort["reminder_deliveries"] = ledger_rows(cohort["reminders"])
                load(db.engine, cohort, {**TABLE_COLUMNS, "reminders": REMINDER_COLUMNS,
                                         "reminder_deliveries": LEDGER_COLUMNS})
                refresh_expected_bands(now)  # as the running scheduler keeps them, with the completion summary
                started = time.perf_counter()
                refresh_completion(now)
                print(f"{kind} {patients:>6} completion summary refreshed in "
                      f"{(time.perf_counter() - started) * 1000:.0f} ms", flush=True)
                db.session.commit()
                db.session.remove()
            client = _signed_in(app, clinician[1])
            with app.app_context():
                patient = db.session.execute(select(CheckIn.patient_id).group_by(CheckIn.patient_id)
                                             .order_by(func.count().desc()).limit(1)).scalar()
                db.session.remove()
            for name, path in PAGES.items():
                def get(path=path.format(patient=patient), client=client):
                    response = client.get(path)
                    assert response.status_code == 200, (path, response.status_code)
                    return response.get_data()
                median, p95, body = _times(get)
                results.setdefault(name, {})[patients] = p95
                sizes.setdefault(name, {})[patients] = len(body) / 1024
                print(f"{kind} {patients:>6} {name:<48} page median {median:6.1f} p95 {p95:6.1f} ms "
                      f"{len(body) / 1024:6.1f} KB", flush=True)
            for name, (path, query) in QUERIES.items():
                def get(path=path, client=client):
                    response = client.get(path)
                    assert response.status_code == 200, (path, response.status_code)
                    return response.get_data()
                median, p95, body = _times(get)
                with app.app_context():
                    service_median, service_p95, listing = _times(
                        lambda q=query: patient_list.list_patients(q, datetime.now(UTC)))
                    db.session.remove()
                results.setdefault(name, {})[patients] = p95
                sizes.setdefault(name, {})[patients] = len(body) / 1024
                print(f"{kind} {patients:>6} {name:<48} page median {median:6.1f} p95 {p95:6.1f} ms "
                      f"{len(body) / 1024:6.1f} KB | list_patients median {service_median:6.1f} "
                      f"p95 {service_p95:6.1f} ms ({listing.total} matches)", flush=True)
    for name, by_size in results.items():
        small, large, kb = by_size[100], by_size[10_000], sizes[name][10_000]
        verdict = "met" if large < TARGET_MS and large <= 2 * small and kb < TARGET_KB else "NOT met"
        print(f"{kind} {name:<48} page p95 {small:.1f} -> {large:.1f} ms ({large / small:.1f}x), "
              f"{kb:.0f} KB: {verdict}")


if __name__ == "__main__":
    main(*sys.argv[1:])
