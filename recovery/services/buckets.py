"""The cohort summary: each procedure's last check-in in each cohort bucket, kept with the check-ins.

Why a summary: a check-in's bucket is its day since the procedure, and that day depends on the
patient's time zone, which SQLite cannot apply. Working it out when a check-in is written (the
zone is at hand then) lets the cohort page read one row per procedure instead of every check-in.
The summary (models.procedure_buckets) is derived data, so:

- `record` runs in the check-in's own transaction: one upsert that keeps the later local date
  (not simply the newest write: after a move west a new check-in can be dated before an old one);
- `rebuild` recomputes procedures whose day numbers changed (a corrected procedure time, a new
  time zone), and everything for `flask rebuild-cohort-summary` after a bulk load or a repair.
"""

from collections.abc import Iterable
from datetime import date

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import (
    COHORT_BUCKETS,
    CheckIn,
    Patient,
    Procedure,
    procedure_buckets,
    procedure_day,
    recovery_day,
)
from .timepoints import bucket_of_day

BATCH = 2_000


def record(procedure: Procedure, tz_name: str, local_date: date, pain: int) -> None:
    """Count a just-saved check-in (`local_date`, `pain`) of `procedure` in its bucket unless the
    bucket already holds a later day.

    The check-in's own procedure decides the day (an update of today's check-in keeps the
    procedure it was first saved against). One upsert, prebuilt per dialect and bucket.
    """
    bucket = bucket_of_day(recovery_day(procedure.performed_at, local_date, tz_name))
    if bucket is None:
        return
    conn = db.session.connection()
    cached = (conn.dialect.name, bucket.key)
    stmt = _UPSERTS.get(cached)
    if stmt is None:
        stmt = _UPSERTS[cached] = _upsert(*cached)
    conn.execute(stmt, {"procedure_id": procedure.id, f"{bucket.key}_date": local_date,
                        f"{bucket.key}_pain": pain})  # the VALUES: the columns given here


_UPSERTS: dict[tuple[str, str], object] = {}


def _upsert(dialect_name: str, key: str):
    """INSERT ... ON CONFLICT DO UPDATE of one bucket's date and pain, keeping the later date."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    day, pain = f"{key}_date", f"{key}_pain"
    stmt = dialect.insert(procedure_buckets)
    stored = procedure_buckets.c[day]
    return stmt.on_conflict_do_update(
        index_elements=[procedure_buckets.c.procedure_id],
        set_={day: stmt.excluded[day], pain: stmt.excluded[pain]},
        where=or_(stored.is_(None), stmt.excluded[day] >= stored),  # same day: the update wins
    )


def rebuild_patient(patient: Patient) -> int:
    """Recompute the summary of every procedure of this patient (after a time-zone change)."""
    ids = list(db.session.scalars(select(Procedure.id).where(Procedure.patient_id == patient.id)))
    return rebuild(ids)


def rebuild(procedure_ids: Iterable[int] | None = None) -> int:
    """Recompute the summary from the check-ins, for these procedures or for all; return its rows."""
    ids = None if procedure_ids is None else list(procedure_ids)
    if ids == []:
        return 0
    days = select(Procedure.id, Procedure.performed_at, Patient.timezone).join(Patient)
    checkins = select(CheckIn.procedure_id, CheckIn.local_date, CheckIn.pain_now)
    clear = delete(procedure_buckets)
    if ids is not None:
        days = days.where(Procedure.id.in_(ids))
        checkins = checkins.where(CheckIn.procedure_id.in_(ids))
        clear = clear.where(procedure_buckets.c.procedure_id.in_(ids))
    db.session.execute(clear)
    day0 = {pid: procedure_day(at, tz) for pid, at, tz in db.session.execute(days)}
    empty = {f"{key}_{part}": None for key in COHORT_BUCKETS for part in ("date", "pain")}
    rows: dict[int, dict] = {}
    for pid, day, pain in db.session.execute(checkins, execution_options={"yield_per": 20_000}):
        bucket = bucket_of_day((day - day0[pid]).days)
        if bucket is None:
            continue
        row = rows.get(pid) or rows.setdefault(pid, {"procedure_id": pid, **empty})
        seen = row[f"{bucket.key}_date"]
        if seen is None or day > seen:
            row[f"{bucket.key}_date"], row[f"{bucket.key}_pain"] = day, pain
    values = list(rows.values())
    for start in range(0, len(values), BATCH):
        db.session.execute(insert(procedure_buckets), values[start:start + BATCH])
    return len(values)
