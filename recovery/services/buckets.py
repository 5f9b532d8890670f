"""The cohort summary: each procedure's last check-in in each cohort bucket, kept with the check-ins.

Why a summary: a check-in's bucket is its day since the procedure, and that day depends on the
patient's time zone, which SQLite cannot apply. Working it out when a check-in is written (the
zone is at hand then) lets the cohort page read at most 11 rows per procedure, grouped by the
database, instead of every check-in. The summary is derived data, so:

- `record` runs in the check-in's own transaction: one upsert that keeps the later local date;
- `rebuild` recomputes procedures whose day numbers changed (a corrected procedure time, a new
  time zone), and everything for `flask rebuild-cohort-summary` after a bulk load or a repair.
"""

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import CheckIn, CheckInBucket, Patient, Procedure
from .cohort import bucket_of_day

BATCH = 5_000


def procedure_day(performed_at: datetime, tz_name: str) -> date:
    """Day 0: the procedure's calendar date in the patient's own time zone."""
    return performed_at.astimezone(ZoneInfo(tz_name)).date()


def record(checkin: CheckIn, patient: Patient) -> None:
    """Count a just-saved check-in in its bucket unless the bucket already holds a later day.

    Call after the check-in is flushed. The check-in's own procedure decides the day (an update of
    today's check-in keeps the procedure it was first saved against).
    """
    procedure = checkin.procedure  # loaded already: no query
    bucket = bucket_of_day((checkin.local_date - procedure_day(procedure.performed_at, patient.timezone)).days)
    if bucket is None:
        return
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(CheckInBucket).values(
        procedure_id=procedure.id, bucket=bucket.key, local_date=checkin.local_date, pain_now=checkin.pain_now)
    db.session.execute(stmt.on_conflict_do_update(
        index_elements=[CheckInBucket.procedure_id, CheckInBucket.bucket],
        set_={"local_date": stmt.excluded.local_date, "pain_now": stmt.excluded.pain_now},
        where=stmt.excluded.local_date >= CheckInBucket.local_date,  # same day: the update wins
    ))


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
    clear = delete(CheckInBucket)
    if ids is not None:
        days = days.where(Procedure.id.in_(ids))
        checkins = checkins.where(CheckIn.procedure_id.in_(ids))
        clear = clear.where(CheckInBucket.procedure_id.in_(ids))
    db.session.execute(clear)
    day0 = {pid: procedure_day(at, tz) for pid, at, tz in db.session.execute(days)}
    latest: dict[tuple[int, str], tuple[date, int]] = {}
    for pid, day, pain in db.session.execute(checkins, execution_options={"yield_per": 20_000}):
        bucket = bucket_of_day((day - day0[pid]).days)
        if bucket is not None:
            seen = latest.get((pid, bucket.key))
            if seen is None or day > seen[0]:
                latest[(pid, bucket.key)] = (day, pain)
    rows = [{"procedure_id": pid, "bucket": key, "local_date": day, "pain_now": pain}
            for (pid, key), (day, pain) in latest.items()]
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(CheckInBucket), rows[start:start + BATCH])
    return len(rows)

