"""The clinician's patient list at 100 and 10,000 patients (SQLite): first page, a search, and a
filtered and sorted list, median server time of list_patients (python -m bench.clinic_list)."""

import sys
from datetime import UTC, datetime

from recovery.extensions import db
from recovery.services import patient_list
from recovery.services.patient_list import ListQuery

from .generate import build, load
from .support import bench_app, fresh_database, median_time

QUERIES = {
    "first page (attention order)": ListQuery(),
    "search 'lee'": ListQuery(q="lee"),
    "kyphoplasty, silent 5 days, sorted by pain desc": ListQuery(procedure="kyphoplasty", silent=5,
                                                                 sort="pain", order="desc"),
}


def main(kind: str = "sqlite") -> None:
    now = datetime.now(UTC)
    for patients in (100, 10_000):
        with fresh_database(kind) as url:
            app = bench_app(url)
            with app.app_context():
                load(db.engine, build(patients, now))
                for name, query in QUERIES.items():
                    median, _ = median_time(lambda q=query: patient_list.list_patients(q, now), 5)
                    print(f"{kind} {patients:>6} {name:<50} {median * 1000:7.1f} ms", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
