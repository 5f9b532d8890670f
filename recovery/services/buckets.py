"""The cohort summary: each procedure's last check-in in each cohort bucket, kept with the check-ins.

Why a summary: a check-in's bucket is its day since the procedure, and that day depends on the
patient's time zone, which SQLite cannot apply. Working it out when a check-in is written (the
zone is at hand then) lets the cohort page read one row per procedure instead of every check-in.
The summary (models.procedure_buckets) is derived data, so:

- `record` runs in the check-in's own transaction: one upsert that keeps the later local date
  (not simply the newest write: after a move west a new check-in can be dated before an old one);
  it also keeps the procedure's latest pain and last check-in, which the clinician's list reads;
- `rebuild` recomputes procedures whose day numbers changed (a corrected procedure time, a new
  time zone), and everything for `flask rebuild-cohort-summary` after a bulk load or a repair.
"""

from collections.abc import Iterable
from datetime import date
from functools import cache

from sqlalchemy import case, column, delete, insert, or_, select, table
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


def record(procedure: Procedure, tz_name: str, local_date: date, pain: int | None) -> None:
    """Count a just-saved check-in (`local_date`, `pain`, None if not answered) of `procedure`:
    in its bucket and as the latest pain unless they already hold a later day, and as the last
    check-in of any kind.

    The check-in's own procedure decides the day (an update of today's check-in keeps the
    procedure it was first saved against). One upsert.
    """
    day = recovery_day(procedure.performed_at, local_date, tz_name)
    bucket = None if pain is None else bucket_of_day(day)
    conn = db.session.connection()
    stmt = _upsert(conn.dialect.name, bucket.key if bucket else None, pain is not None)
    values = {"procedure_id": procedure.id, "last_date": local_date}
    if pain is not None:
        values.update(latest_date=local_date, latest_pain=pain)
    if bucket is not None:
        values.update({f"{bucket.key}_date": local_date, f"{bucket.key}_pain": pain})
    conn.execute(stmt, values)  # the VALUES: the columns given here


@cache
def _upsert(dialect_name: str, key: str | None, with_pain: bool):
    """INSERT ... ON CONFLICT DO UPDATE of the last check-in, and with a pain answer of the latest
    pain and of bucket `key`'s date and pain, each pair keeping the later date (same day: the
    update wins).

    Built once per (dialect, bucket, with pain): at most 2 x 12 x 2 statements, immutable. Building
    one (its CASE expressions, the compiled cache key) cost about 0.6 ms of a check-in's CPU, which
    is what the PostgreSQL row "check-ins >= 50% of the durable floor" needs (bench/RESULTS.md)."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    stmt = dialect.insert(procedure_buckets)
    c = procedure_buckets.c
    pairs = [("latest_date", "latest_pain")] if with_pain else []
    if key is not None:
        pairs.append((f"{key}_date", f"{key}_pain"))
    # The proposed row, as both dialects name it: a plain table() of the columns used, not
    # stmt.excluded, an alias that copies all 26 columns on every call.
    new = table("excluded", *(column(name) for name in ("last_date", *(n for pair in pairs for n in pair)))).c
    set_ = {"last_date": case((or_(c.last_date.is_(None), new.last_date > c.last_date), new.last_date),
                              else_=c.last_date)}
    for day, pain in pairs:
        later = or_(c[day].is_(None), new[day] >= c[day])
        set_[day] = case((later, new[day]), else_=c[day])
        set_[pain] = case((later, new[pain]), else_=c[pain])
    return stmt.on_conflict_do_update(index_elements=[c.procedure_id], set_=set_)


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
    empty.update(latest_date=None, latest_pain=None, last_date=None)
    rows: dict[int, dict] = {}
    for pid, day, pain in db.session.execute(checkins, execution_options={"yield_per": 20_000}):
        row = rows.get(pid) or rows.setdefault(pid, {"procedure_id": pid, **empty})
        if row["last_date"] is None or day > row["last_date"]:
            row["last_date"] = day
        if pain is None:  # a check-in without a pain answer (incomplete, kept for its red flag)
            continue      # is no point of the curve
        if row["latest_date"] is None or day > row["latest_date"]:
            row["latest_date"], row["latest_pain"] = day, pain
        bucket = bucket_of_day((day - day0[pid]).days)
        if bucket is None:
            continue
        seen = row[f"{bucket.key}_date"]
        if seen is None or day > seen:
            row[f"{bucket.key}_date"], row[f"{bucket.key}_pain"] = day, pain
    values = list(rows.values())
    for start in range(0, len(values), BATCH):
        db.session.execute(insert(procedure_buckets), values[start:start + BATCH])
    return len(values)
