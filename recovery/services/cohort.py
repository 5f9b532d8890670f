"""Cohort statistics: pain by time since the procedure, per procedure type, and responder rates.

How the numbers are made (the cohort page states the same):

- Each patient counts once, through their current procedure (the latest, as on every other page);
  the filters apply to that procedure. Only check-ins recorded against it count.
- Days since the procedure = the check-in's local date minus the procedure's calendar date in
  the patient's own time zone (day 0 is the procedure day).
- One value per patient per bucket: the patient's last check-in in it (by local date), so a
  frequent logger weighs no more than anyone else. Median and quartiles use the inclusive
  method (`statistics.quantiles(method="inclusive")`, which equals PostgreSQL's percentile_cont).

How they are computed: SQLite has no time-zone database, so the day number is worked out in
Python when a check-in is saved, and each procedure's last check-in per bucket is kept in the
`procedure_buckets` summary (services/buckets.py). One statement then reads the current
procedures with their summary row (one row per patient, not every check-in); Python counts the
0-10 pain values per bucket, giving the exact quartiles and responder rates, identical on SQLite
and PostgreSQL.
"""

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..bands import MIN_POINT_N, Band, expected_band
from ..extensions import db
from ..models import (
    FRACTURE_CAUSES,
    PROCEDURE_TYPES,
    ExpectedBand,
    Patient,
    Procedure,
    User,
    is_current,
    procedure_buckets,
)
from .responder import is_responder
from .timepoints import BUCKETS, BUCKETS_BY_KEY, Bucket
from .validate import Fields, record_id

RESPONDER_RULE = _l(
    "A responder is a patient whose pain now has fallen from their baseline by at least 2 points "
    "and by at least 30% (both at once)."
)
NO_DATA = _l("No check-ins match these filters.")


# The responder rates: at 72 hours (day 3), at 1 week and at 4 weeks.
RESPONDER_TIMES = (("72h", _l("72 hours"), "day3"), ("1w", _l("1 week"), "week1"),
                   ("4w", _l("4 weeks"), "week4"))
RESPONDER_BUCKETS = {bucket_key for _, _, bucket_key in RESPONDER_TIMES}


@dataclass(frozen=True)
class CohortFilters:
    """Validated filters; None means "any"."""

    procedure_type: str | None = None
    fracture_cause: str | None = None
    performed_from: date | None = None  # clinic calendar days, both ends included
    performed_to: date | None = None
    clinician_id: int | None = None


@dataclass(frozen=True)
class Point:
    """One bucket of one series: how many patients, their median and quartiles (None if none)."""

    bucket: Bucket
    n: int
    median: float | None
    q1: float | None
    q3: float | None

    @property
    def day(self) -> int:
        return self.bucket.day

    @property
    def label(self):
        return self.bucket.label

    @property
    def too_few(self) -> bool:
        """Some patients, but fewer than MIN_POINT_N: listed, not drawn as part of the line."""
        return 0 < self.n < MIN_POINT_N


@dataclass(frozen=True)
class ResponderRate:
    """Responders among the patients with a value in the bucket (rate None when there are none)."""

    key: str
    label: object
    bucket: Bucket
    n: int
    responders: int

    @property
    def rate(self) -> float | None:
        return self.responders / self.n if self.n else None


@dataclass(frozen=True)
class Series:
    """One procedure type's curve."""

    name: str  # the procedure type
    patients: int  # patients in the cohort with this type, with or without check-ins
    points: tuple[Point, ...]
    responders: tuple[ResponderRate, ...]

    @property
    def label(self) -> str:
        return self.name.capitalize()

    @property
    def empty(self) -> bool:
        return all(p.n == 0 for p in self.points)


@dataclass(frozen=True)
class CohortStats:
    """What the cohort page shows."""

    filters: CohortFilters
    series: tuple[Series, ...]

    @property
    def patients(self) -> int:
        return sum(s.patients for s in self.series)

    @property
    def empty(self) -> bool:
        """True when no check-in matches: the page says NO_DATA instead of drawing a chart."""
        return all(s.empty for s in self.series)


def parse_filters(data) -> CohortFilters:
    """Validate the cohort page's filters; raise ValidationError with a message per bad field."""
    fields = Fields(data)
    values = {
        "procedure_type": _one_of(fields, "type", PROCEDURE_TYPES,
                                  _l("Unknown procedure type: choose vertebroplasty or kyphoplasty.")),
        "fracture_cause": _one_of(fields, "cause", FRACTURE_CAUSES,
                                  _l("Unknown fracture cause: choose one from the list.")),
        "performed_from": fields.day("from", required=False),
        "performed_to": fields.day("to", required=False),
        "clinician_id": _clinician(fields),
    }
    start, end = values["performed_from"], values["performed_to"]
    if start and end and end < start:
        fields.fail("to", _l("The end date is before the start date."))
    fields.done()
    return CohortFilters(**values)


def _one_of(fields: Fields, name: str, choices: tuple[str, ...], message) -> str | None:
    value = fields.raw(name)
    if value in (None, "", "all"):
        return None
    if value not in choices:
        fields.fail(name, message)
        return None
    return value


def _clinician(fields: Fields) -> int | None:
    raw = fields.raw("clinician")
    if raw in (None, "", "all"):
        return None
    text = str(raw)
    number = record_id(text)
    if number is None:
        fields.fail("clinician", _l("Please choose a clinician from the list."))
        return None
    role = db.session.scalar(select(User.role).where(User.id == number))
    if role != "clinician":
        fields.fail("clinician", _l("There is no clinician with the number %(id)s.", id=text))
        return None
    return number


def _statement(filters: CohortFilters, clinic_tz: ZoneInfo):
    """Each current procedure's type, baseline and pain in each bucket (None where it has none)."""
    summary = procedure_buckets.c
    stmt = (
        select(Procedure.type, Procedure.baseline_pain, *(summary[f"{b.key}_pain"] for b in BUCKETS))
        .join(Patient, Patient.id == Procedure.patient_id)
        .outerjoin(procedure_buckets, summary.procedure_id == Procedure.id)
        .where(is_current(Procedure))
    )
    return filtered(stmt, filters, clinic_tz)


def filtered(stmt, filters: CohortFilters, clinic_tz: ZoneInfo):
    """`stmt` (which joins Procedure and Patient) narrowed by the cohort page's filters; the CSV
    export narrows by these same ones, so page and file never read a filter differently."""
    if filters.procedure_type:
        stmt = stmt.where(Procedure.type == filters.procedure_type)
    if filters.fracture_cause:
        stmt = stmt.where(Procedure.fracture_cause == filters.fracture_cause)
    if filters.performed_from:
        stmt = stmt.where(Procedure.performed_at >= _clinic_midnight(filters.performed_from, clinic_tz))
    if filters.performed_to:
        end = _clinic_midnight(filters.performed_to + timedelta(days=1), clinic_tz)
        stmt = stmt.where(Procedure.performed_at < end)
    if filters.clinician_id:
        stmt = stmt.where(Patient.clinician_id == filters.clinician_id)
    return stmt


def _clinic_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def cohort_statistics(filters: CohortFilters = CohortFilters(), clinic_tz: str | None = None) -> CohortStats:
    """Pain by bucket and responder rates, per procedure type, in one query over the summary."""
    zone = ZoneInfo(clinic_tz or current_app.config["CLINIC_TIMEZONE"])
    rows = db.session.execute(_statement(filters, zone)).all()
    # Columns: type, baseline, then one pain value (or None) per bucket, in BUCKETS order.
    columns = list(zip(*rows, strict=True)) or [()] * (2 + len(BUCKETS))
    types, baselines = columns[0], columns[1]
    pains = {b.key: Counter(zip(types, columns[2 + i], strict=True)) for i, b in enumerate(BUCKETS)}
    outcomes = {b.key: Counter(zip(types, baselines, columns[2 + i], strict=True))
                for i, b in enumerate(BUCKETS) if b.key in RESPONDER_BUCKETS}
    kinds = (filters.procedure_type,) if filters.procedure_type else PROCEDURE_TYPES
    patients = Counter(types)
    return CohortStats(filters, tuple(_series(k, patients[k], pains, outcomes) for k in kinds))


def _series(kind: str, patients: int, pains: dict, outcomes: dict) -> Series:
    # Pain is a 0-10 integer: the sorted values are each score repeated as often as it was given.
    points = tuple(
        _point(b, [p for p in range(11) for _ in range(pains[b.key][(kind, p)])]) for b in BUCKETS
    )
    rates = []
    for key, label, bucket_key in RESPONDER_TIMES:
        pairs = [(base, pain, n) for (k, base, pain), n in outcomes[bucket_key].items()
                 if k == kind and pain is not None]
        hits = sum(n for base, pain, n in pairs if is_responder(base, pain))
        rates.append(ResponderRate(key, label, BUCKETS_BY_KEY[bucket_key], sum(n for *_, n in pairs), hits))
    return Series(kind, patients, points, tuple(rates))


def _point(bucket: Bucket, values: list[int]) -> Point:
    if not values:
        return Point(bucket, 0, None, None, None)
    if len(values) == 1:  # statistics.quantiles needs two; one value is its own quartiles
        value = float(values[0])
        return Point(bucket, 1, value, value, value)
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return Point(bucket, len(values), float(statistics.median(values)), float(q1), float(q3))


def expected_band_for(procedure_type: str) -> Band:
    """The expected-recovery band for one procedure type, as last stored by
    refresh_expected_bands (at most scheduler.BAND_REFRESH_MINUTES old while a scheduler runs),
    or computed now if none is stored yet."""
    row = db.session.get(ExpectedBand, procedure_type)
    if row is None:
        return compute_expected_band(procedure_type)
    band = row.band
    return Band(tuple(band["days"]), tuple(band["low"]), tuple(band["high"]), tuple(band["sources"]))


def compute_expected_band(procedure_type: str, clinic_tz: str | None = None, min_patients: int = 20) -> Band:
    """The band from the whole cohort now: its quartiles where it is large enough, the documented
    default elsewhere (see bands.expected_band). Reads every procedure of the type."""
    stats = cohort_statistics(CohortFilters(procedure_type=procedure_type), clinic_tz)
    return expected_band(stats.series[0].points, min_patients)


def refresh_expected_bands(now: datetime) -> None:
    """Store each procedure type's band as computed now (the scheduler's job, every
    scheduler.BAND_REFRESH_MINUTES): a patient's chart then costs one row, not the cohort's work."""
    for kind in PROCEDURE_TYPES:
        band = compute_expected_band(kind)
        values = {"days": list(band.days), "low": list(band.low), "high": list(band.high),
                  "sources": list(band.sources)}
        row = db.session.get(ExpectedBand, kind)
        if row is None:
            db.session.add(ExpectedBand(procedure_type=kind, computed_at=now, band=values))
        else:
            row.computed_at, row.band = now, values
    db.session.flush()

