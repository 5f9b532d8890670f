"""Cohort statistics: every number checked against values computed here from the raw rows."""

import json
import random
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert

from recovery import bands, charts
from recovery.extensions import db
from recovery.models import FRACTURE_CAUSES, PROCEDURE_TYPES, RED_FLAGS, CheckIn, Patient, Procedure, User
from recovery.services import buckets, cohort
from recovery.services.errors import ValidationError

from .conftest import NOW, statements

CLINIC_TZ = "America/Chicago"
ZONES = ("America/Chicago", "America/New_York", "America/Los_Angeles", "Pacific/Honolulu",
         "Europe/London", "Asia/Tokyo", "Australia/Sydney")
# The bucket bounds the page promises, written out independently of the code.
EXPECTED_BOUNDS = {
    "day0": (0, 0), "day1": (1, 1), "day2": (2, 2), "day3": (3, 3), "week1": (4, 10),
    "week2": (11, 17), "week3": (18, 24), "week4": (25, 31), "week6": (39, 45), "week8": (53, 59),
    "week12": (81, 87),
}

NO_FLAGS = dict.fromkeys(RED_FLAGS, False)  # every red flag answered no


@dataclass
class Raw:
    """What the generator wrote, kept in Python to compute the expected numbers independently."""

    patients: dict = field(default_factory=dict)  # patient id -> dict(tz, clinician, procedures)


def _responder(baseline: int, pain: int) -> bool:
    drop = baseline - pain
    return drop >= 2 and Fraction(drop) >= Fraction(3, 10) * baseline


@pytest.fixture
def clinicians(make_user):
    return [make_user("clinician").id for _ in range(3)]


def _insert_ids(model, rows):
    result = db.session.execute(insert(model).returning(model.id, sort_by_parameter_order=True), rows)
    return list(result.scalars())


def generate(raw: Raw, count: int, seed: int, clinicians: list[int], start: int = 0) -> None:
    """Bulk-insert `count` patients with procedures and check-ins; record them in `raw`."""
    rng = random.Random(seed)
    users = _insert_ids(User, [{"role": "patient", "display_name": f"Gen {start + i}", "active": True}
                               for i in range(count)])
    specs = [{"tz": rng.choice(ZONES), "clinician": rng.choice([*clinicians, None])} for _ in users]
    patient_ids = _insert_ids(Patient, [
        {"user_id": u, "record_number": f"GEN-{start + i:05d}", "date_of_birth": date(1945, 1, 1),
         "phone": "555-0100", "timezone": s["tz"], "clinician_id": s["clinician"]}
        for i, (u, s) in enumerate(zip(users, specs, strict=True))
    ])
    procedures, owners, checkins = [], [], []
    for pid, spec in zip(patient_ids, specs, strict=True):
        # Any minute of the day, so the local date often differs from the UTC one.
        performed = NOW - timedelta(days=rng.randint(0, 120), minutes=rng.randint(0, 1439))
        plan = [(performed, rng.random() < 0.95)]
        if rng.random() < 0.1:  # an earlier procedure whose check-ins must not count
            plan.insert(0, (performed - timedelta(days=300), True))
        spec["procedures"] = []
        for at, logs in plan:
            row = {"patient_id": pid, "type": rng.choice(PROCEDURE_TYPES), "performed_at": at,
                   "levels": "L1", "fracture_cause": rng.choice(FRACTURE_CAUSES), "anaesthesia": "local",
                   "setting": "outpatient", "baseline_pain": rng.randint(3, 10)}
            procedures.append(row)
            owners.append((spec, logs))
    for proc_id, row, (spec, logs) in zip(_insert_ids(Procedure, procedures), procedures, owners, strict=True):
        zone = ZoneInfo(spec["tz"])
        today = NOW.astimezone(zone).date()
        first = row["performed_at"].astimezone(zone).date()
        proc = {**row, "id": proc_id, "checkins": {}}
        spec["procedures"].append(proc)
        rate = rng.uniform(0.1, 0.9)
        for d in range(0, 96):
            day = first + timedelta(days=d)
            if not logs or day > today or rng.random() > rate:
                continue
            pain = rng.randint(0, 10)
            proc["checkins"][day] = pain
            checkins.append({
                "patient_id": row["patient_id"], "procedure_id": proc_id, "local_date": day,
                "pain_now": pain, "worst_pain": min(10, pain + 1), "walking_level": 2,
                "minutes_upright": 60, "medication": "none", "sleep_disturbed": False, **NO_FLAGS,
            })
    raw.patients.update(zip(patient_ids, specs, strict=True))
    if checkins:
        db.session.execute(insert(CheckIn), checkins)
    buckets.rebuild()  # bulk rows bypass save_checkin: fill the cohort summary as after any bulk load
    db.session.commit()


def expected(raw: Raw, keep=lambda proc, spec: True) -> dict:
    """Per type and bucket: (n, median, q1, q3); per type and time: (n, responders)."""
    values = {(t, b): [] for t in PROCEDURE_TYPES for b in EXPECTED_BOUNDS}
    rates = {(t, k): [0, 0] for t in PROCEDURE_TYPES for k in ("72h", "1w", "4w")}
    for spec in raw.patients.values():
        current = max(spec["procedures"], key=lambda p: p["performed_at"])
        if not keep(current, spec):
            continue
        first = current["performed_at"].astimezone(ZoneInfo(spec["tz"])).date()
        for key, (lo, hi) in EXPECTED_BOUNDS.items():
            days = [d for d in current["checkins"] if lo <= (d - first).days <= hi]
            if not days:
                continue
            pain = current["checkins"][max(days)]  # the last check-in in the bucket
            values[(current["type"], key)].append(pain)
            for time, bucket in (("72h", "day3"), ("1w", "week1"), ("4w", "week4")):
                if bucket == key:
                    rates[(current["type"], time)][0] += 1
                    rates[(current["type"], time)][1] += _responder(current["baseline_pain"], pain)
    stats = {}
    for (kind, key), vals in values.items():
        if not vals:
            stats[(kind, key)] = (0, None, None, None)
        elif len(vals) == 1:
            stats[(kind, key)] = (1, vals[0], vals[0], vals[0])
        else:
            q1, _, q3 = statistics.quantiles(vals, n=4, method="inclusive")
            stats[(kind, key)] = (len(vals), statistics.median(vals), q1, q3)
    return {"points": stats, "rates": {k: tuple(v) for k, v in rates.items()}}


def observed(stats: cohort.CohortStats) -> dict:
    points, rates = {}, {}
    for series in stats.series:
        for p in series.points:
            points[(series.name, p.bucket.key)] = (p.n, p.median, p.q1, p.q3)
        for r in series.responders:
            rates[(series.name, r.key)] = (r.n, r.responders)
    return {"points": points, "rates": rates}




def test_buckets_are_days_0_to_3_then_weeks_centred_on_day_7n():
    assert {b.key: (b.first_day, b.last_day) for b in cohort.BUCKETS} == EXPECTED_BOUNDS
    assert [str(b.label) for b in cohort.BUCKETS][:5] == ["Day 0", "Day 1", "Day 2", "Day 3", "Week 1"]
    assert all(b.first_day <= b.day <= b.last_day for b in cohort.BUCKETS)


def test_medians_quartiles_counts_and_responders_match_statistics_on_a_generated_cohort(clinicians):
    raw = Raw()
    generate(raw, 400, seed=7, clinicians=clinicians)
    stats = cohort.cohort_statistics(cohort.CohortFilters(), CLINIC_TZ)
    want, got = expected(raw), observed(stats)
    assert got == want
    assert stats.patients == 400 and not stats.empty
    assert sum(p.n for s in stats.series for p in s.points) > 1000  # the comparison is not vacuous
    assert any(p.n > 1 and p.q1 != p.q3 for s in stats.series for p in s.points)


def test_each_filter_narrows_the_cohort_exactly(clinicians):
    raw = Raw()
    generate(raw, 250, seed=11, clinicians=clinicians)
    cases = [
        ({"type": "kyphoplasty"}, lambda p, s: p["type"] == "kyphoplasty"),
        ({"cause": "trauma"}, lambda p, s: p["fracture_cause"] == "trauma"),
        ({"clinician": str(clinicians[1])}, lambda p, s: s["clinician"] == clinicians[1]),
        ({"from": "2026-09-01", "to": "2026-10-15"}, lambda p, s: date(2026, 9, 1)
         <= p["performed_at"].astimezone(ZoneInfo(CLINIC_TZ)).date() <= date(2026, 10, 15)),
    ]
    for data, keep in cases:
        stats = cohort.cohort_statistics(cohort.parse_filters(data), CLINIC_TZ)
        got = observed(stats)
        want = expected(raw, keep)
        names = {s.name for s in stats.series}
        assert got["points"] == {k: v for k, v in want["points"].items() if k[0] in names}, data
        assert got["rates"] == {k: v for k, v in want["rates"].items() if k[0] in names}, data
    only = cohort.cohort_statistics(cohort.parse_filters({"type": "vertebroplasty"}), CLINIC_TZ)
    assert [s.name for s in only.series] == ["vertebroplasty"]


def test_the_query_count_does_not_grow_with_the_cohort(clinicians):
    raw = Raw()
    generate(raw, 20, seed=1, clinicians=clinicians)
    filters = {"type": "", "cause": "", "from": "2026-01-01", "to": "2026-12-31", "clinician": str(clinicians[0])}
    with statements() as small:
        cohort.cohort_statistics(cohort.parse_filters(filters), CLINIC_TZ)
    generate(raw, 180, seed=2, clinicians=clinicians, start=20)
    with statements() as large:
        stats = cohort.cohort_statistics(cohort.parse_filters(filters), CLINIC_TZ)
    assert stats.patients > 20
    assert len(small) == len(large) == 2  # the clinician lookup and the one data query


def _patient(clinicians, performed_at, kind="kyphoplasty", tz=CLINIC_TZ, baseline=8, pains=None, cause="osteoporosis"):
    user = _insert_ids(User, [{"role": "patient", "display_name": "Hand made", "active": True}])[0]
    pid = _insert_ids(Patient, [{"user_id": user, "record_number": f"H-{user}", "date_of_birth": date(1950, 1, 1),
                                 "phone": "555-0100", "timezone": tz, "clinician_id": clinicians[0]}])[0]
    proc = _insert_ids(Procedure, [{"patient_id": pid, "type": kind, "performed_at": performed_at, "levels": "L1",
                                    "fracture_cause": cause, "anaesthesia": "local", "setting": "outpatient",
                                    "baseline_pain": baseline}])[0]
    rows = [{"patient_id": pid, "procedure_id": proc, "local_date": day, "pain_now": pain, "worst_pain": pain,
             "walking_level": 2, "minutes_upright": 60, "medication": "none", "sleep_disturbed": False, **NO_FLAGS}
            for day, pain in (pains or {}).items()]
    if rows:
        db.session.execute(insert(CheckIn), rows)
    buckets.rebuild([proc])  # bulk rows bypass save_checkin
    db.session.commit()


def _point(stats, key, kind="kyphoplasty"):
    series = next(s for s in stats.series if s.name == kind)
    return next(p for p in series.points if p.bucket.key == key)


def test_a_frequent_logger_counts_once_per_bucket_with_their_last_checkin(clinicians):
    start = date(2026, 10, 1)
    performed = datetime(2026, 10, 1, 15, 0, tzinfo=ZoneInfo("UTC"))
    _patient(clinicians, performed, pains={start + timedelta(days=d): p for d, p in ((4, 8), (5, 6), (6, 3))})
    _patient(clinicians, performed, pains={start + timedelta(days=9): 5})
    stats = cohort.cohort_statistics(cohort.CohortFilters(), CLINIC_TZ)
    week1 = _point(stats, "week1")
    assert (week1.n, week1.median, week1.q1, week1.q3) == (2, 4.0, 3.5, 4.5)  # values 3 and 5


def test_day_zero_is_the_procedure_day_in_the_patients_own_zone(clinicians):
    # 20:00 UTC on 1 November is 05:00 on 2 November in Tokyo: 2 November is day 0 there.
    performed = datetime(2026, 11, 1, 20, 0, tzinfo=ZoneInfo("UTC"))
    _patient(clinicians, performed, tz="Asia/Tokyo", pains={date(2026, 11, 2): 7, date(2026, 11, 5): 4})
    stats = cohort.cohort_statistics(cohort.CohortFilters(), CLINIC_TZ)
    assert _point(stats, "day0").median == 7.0 and _point(stats, "day3").median == 4.0
    assert _point(stats, "day1").n == 0


def test_responder_rates_use_the_bucket_value_and_the_shared_rule(clinicians):
    performed = datetime(2026, 10, 1, 15, 0, tzinfo=ZoneInfo("UTC"))
    day3 = date(2026, 10, 4)
    for baseline, pain in ((8, 5), (8, 6), (4, 2), (9, 7)):  # responder, not, responder, not
        _patient(clinicians, performed, baseline=baseline, pains={day3: pain})
    series = cohort.cohort_statistics(cohort.CohortFilters(), CLINIC_TZ).series[1]
    at_72h = next(r for r in series.responders if r.key == "72h")
    assert (at_72h.n, at_72h.responders, at_72h.rate) == (4, 2, 0.5)
    assert next(r for r in series.responders if r.key == "1w").rate is None
    assert "2 points" in str(cohort.RESPONDER_RULE) and "30%" in str(cohort.RESPONDER_RULE)


def test_the_procedure_date_range_is_read_in_the_clinic_time_zone(clinicians):
    # 23:30 in Chicago on 1 October is already 2 October in UTC.
    late = datetime(2026, 10, 2, 4, 30, tzinfo=ZoneInfo("UTC"))
    _patient(clinicians, late, pains={date(2026, 10, 2): 5})
    until_first = cohort.cohort_statistics(cohort.parse_filters({"to": "2026-10-01"}), CLINIC_TZ)
    from_second = cohort.cohort_statistics(cohort.parse_filters({"from": "2026-10-02"}), CLINIC_TZ)
    assert until_first.patients == 1 and from_second.patients == 0


def test_an_empty_cohort_says_no_checkins_match(clinicians):
    stats = cohort.cohort_statistics(cohort.CohortFilters(), CLINIC_TZ)
    assert stats.empty and stats.patients == 0
    assert [s.name for s in stats.series] == list(PROCEDURE_TYPES)
    assert all(p.n == 0 and p.median is None for s in stats.series for p in s.points)
    assert str(cohort.NO_DATA) == "No check-ins match these filters."
    # Patients without a single check-in in any bucket: still "no data", but they are counted.
    _patient(clinicians, datetime(2026, 11, 1, 15, 0, tzinfo=ZoneInfo("UTC")))
    stats = cohort.cohort_statistics(cohort.CohortFilters(), CLINIC_TZ)
    assert stats.empty and stats.patients == 1


@pytest.mark.parametrize("data, field, words", [
    ({"type": "spinal fusion"}, "type", "Unknown procedure type"),
    ({"cause": "gravity"}, "cause", "Unknown fracture cause"),
    ({"from": "2026-10-10", "to": "2026-10-01"}, "to", "before the start date"),
    ({"from": "yesterday"}, "from", "real date"),
    ({"clinician": "999999"}, "clinician", "no clinician"),
    ({"clinician": "-1"}, "clinician", "Please choose a clinician"),
    ({"clinician": "12abc"}, "clinician", "Please choose a clinician"),
])
def test_nonsense_filters_get_a_message_for_the_field(clinicians, data, field, words):
    with pytest.raises(ValidationError) as caught:
        cohort.parse_filters(data)
    assert set(caught.value.errors) == {field}
    assert words in caught.value.errors[field]


def test_a_user_who_is_not_a_clinician_is_refused_as_a_clinician_filter(make_user, clinicians):
    staff = make_user("staff")
    with pytest.raises(ValidationError) as caught:
        cohort.parse_filters({"clinician": str(staff.id), "type": "nonsense"})
    assert set(caught.value.errors) == {"clinician", "type"}  # every problem at once


def test_blank_and_all_filters_mean_everyone(clinicians):
    assert cohort.parse_filters({"type": "all", "cause": "", "clinician": "all"}) == cohort.CohortFilters()
    assert cohort.parse_filters({"clinician": str(clinicians[0])}).clinician_id == clinicians[0]


def test_the_expected_band_comes_from_the_cohort_where_a_bucket_has_20_patients(clinicians):
    raw = Raw()
    generate(raw, 150, seed=5, clinicians=clinicians)
    stats = cohort.cohort_statistics(cohort.CohortFilters(procedure_type="kyphoplasty"), CLINIC_TZ)
    band = cohort.compute_expected_band("kyphoplasty", CLINIC_TZ)
    assert "cohort" in band.sources and "default" in band.sources  # early days are thinly logged
    for point, low, high, source in zip(stats.series[0].points, band.low, band.high, band.sources, strict=True):
        if point.n >= 20:
            assert (source, low, high) == ("cohort", point.q1, point.q3)
        else:
            assert (source, (low, high)) == ("default", bands.default_band_at(point.day))


def test_pages_use_the_band_the_scheduler_stored_and_compute_one_only_until_then(clinicians):
    """expected_band_for (every patient chart) reads the band refresh_expected_bands stored, so
    it costs one row however big the cohort; with none stored yet it computes the cohort's."""
    from recovery.models import ExpectedBand

    raw = Raw()
    generate(raw, 150, seed=5, clinicians=clinicians)
    live = cohort.compute_expected_band("kyphoplasty")
    assert cohort.expected_band_for("kyphoplasty") == live  # nothing stored yet
    cohort.refresh_expected_bands(NOW)
    db.session.commit()
    stored = db.session.get(ExpectedBand, "kyphoplasty")
    assert stored.computed_at == NOW and cohort.expected_band_for("kyphoplasty") == live
    assert db.session.get(ExpectedBand, "vertebroplasty") is not None  # every type
    generate(raw, 60, seed=9, clinicians=clinicians, start=150)  # the cohort changes; pages keep the stored band
    assert cohort.expected_band_for("kyphoplasty") == live
    later = cohort.compute_expected_band("kyphoplasty")
    assert later != live  # (the new patients did move it)
    cohort.refresh_expected_bands(NOW + timedelta(minutes=10))  # until the next refresh
    db.session.commit()
    assert cohort.expected_band_for("kyphoplasty") == later
    assert db.session.get(ExpectedBand, "kyphoplasty").computed_at == NOW + timedelta(minutes=10)


def test_the_cohort_figure_takes_the_statistics_as_they_are(clinicians):
    raw = Raw()
    generate(raw, 40, seed=3, clinicians=clinicians)
    stats = cohort.cohort_statistics(cohort.CohortFilters(), CLINIC_TZ)
    figure = charts.cohort_figure(stats.series)
    median = next(t for t in figure["data"] if t["name"] == "Kyphoplasty (median)")
    assert median["x"] == [b.day for b in cohort.BUCKETS] == [0, 1, 2, 3, 7, 14, 21, 28, 42, 56, 84]
    points = stats.series[1].points
    assert any(p.n >= 5 for p in points)  # not a vacuous comparison
    assert median["y"] == [p.median if p.n >= 5 else None for p in points]
    assert [c[0] for c in median["customdata"]] == [p.n for p in points]
    json.dumps(figure)
