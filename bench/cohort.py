"""The cohort dashboard at scale: the page's data and figure JSON, against a naive ORM loop.

The naive version is what one writes first: for each patient, load the current procedure and
its check-ins through the ORM and bucket them. Both must produce the same numbers.
"""

import json
import statistics
from zoneinfo import ZoneInfo

from sqlalchemy import select

from recovery.extensions import db
from recovery.models import CheckIn, Patient
from recovery.services import cohort, figures
from recovery.services.responder import is_responder


def page_data() -> tuple[cohort.CohortStats, str]:
    """What the cohort page builds: the statistics and the figure as JSON."""
    stats = cohort.cohort_statistics()
    return stats, json.dumps(figures.cohort_chart(stats))


def numbers(stats: cohort.CohortStats) -> dict:
    """The statistics as plain values, to compare the two ways of computing them."""
    return {s.name: {"patients": s.patients,
                     "points": [(p.bucket.key, p.n, p.median, p.q1, p.q3) for p in s.points],
                     "responders": [(r.key, r.n, r.responders) for r in s.responders]}
            for s in stats.series}


def naive() -> dict:
    """Per patient through the ORM: current procedure, its check-ins, last one in each bucket."""
    values: dict[str, dict[str, list[int]]] = {}
    baselines: dict[str, dict[str, list[tuple[int, int]]]] = {}
    counts: dict[str, int] = {}
    for patient_id in db.session.scalars(select(Patient.id)).all():
        patient = db.session.get(Patient, patient_id)
        procedure = max(patient.procedures, key=lambda p: (p.performed_at, p.id), default=None)
        if procedure is None:
            continue
        counts[procedure.type] = counts.get(procedure.type, 0) + 1
        day0 = procedure.performed_at.astimezone(ZoneInfo(patient.timezone)).date()
        last: dict[str, CheckIn] = {}
        for checkin in db.session.scalars(select(CheckIn).where(CheckIn.procedure_id == procedure.id)):
            bucket = next((b for b in cohort.BUCKETS
                           if b.first_day <= (checkin.local_date - day0).days <= b.last_day), None)
            if bucket and (bucket.key not in last or checkin.local_date > last[bucket.key].local_date):
                last[bucket.key] = checkin
        for key, checkin in last.items():
            values.setdefault(procedure.type, {}).setdefault(key, []).append(checkin.pain_now)
            baselines.setdefault(procedure.type, {}).setdefault(key, []).append(
                (procedure.baseline_pain, checkin.pain_now))
        db.session.expunge_all()  # as a loop over thousands of patients must, to stay in memory
    result = {}
    for kind in cohort.PROCEDURE_TYPES:
        points = []
        for b in cohort.BUCKETS:
            v = values.get(kind, {}).get(b.key, [])
            if not v:
                points.append((b.key, 0, None, None, None))
            elif len(v) == 1:
                points.append((b.key, 1, float(v[0]), float(v[0]), float(v[0])))
            else:
                q1, _, q3 = statistics.quantiles(v, n=4, method="inclusive")
                points.append((b.key, len(v), float(statistics.median(v)), float(q1), float(q3)))
        responders = []
        for key, _label, bucket_key in cohort.RESPONDER_TIMES:
            pairs = baselines.get(kind, {}).get(bucket_key, [])
            responders.append((key, len(pairs), sum(1 for b, p in pairs if is_responder(b, p))))
        result[kind] = {"patients": counts.get(kind, 0), "points": points, "responders": responders}
    return result
