"""The current procedure and the recovery day: the SQL and Python forms agree, and every page,
rule and job that asks gets the same answer, on generated data full of ties and time-zone edges."""

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select

from recovery.extensions import db
from recovery.models import (
    Patient,
    Procedure,
    User,
    current_procedure,
    is_current,
    recovery_day,
    recovery_day_between,
)
from recovery.reminders.outbox import load_facts
from recovery.services import clinic
from recovery.services.triage import evaluate

# Zones with daylight saving at 02:00 or at midnight (Santiago, Havana), half hours (Kolkata),
# the earliest (Kiritimati, +14) and latest (Pago Pago, -11) clocks, and UTC.
ZONES = ("America/Chicago", "America/Santiago", "America/Havana", "Asia/Kolkata", "Pacific/Kiritimati",
         "Pacific/Pago_Pago", "Europe/London", "UTC")
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def _insert_ids(model, rows):
    result = db.session.execute(insert(model).returning(model.id, sort_by_parameter_order=True), rows)
    return list(result.scalars())


def _patients(zones):
    users = _insert_ids(User, [{"role": "patient", "display_name": f"Tl {i}", "active": True}
                               for i in range(len(zones))])
    return _insert_ids(Patient, [
        {"user_id": u, "record_number": f"TL-{i:05d}", "date_of_birth": date(1945, 1, 1),
         "phone": "555-0100", "timezone": zone}
        for i, (u, zone) in enumerate(zip(users, zones, strict=True))])


def _procedure(patient_id, performed_at, recorded_at=None, baseline=5):
    return {"patient_id": patient_id, "type": "vertebroplasty", "performed_at": performed_at,
            "levels": "L1", "fracture_cause": "osteoporosis", "anaesthesia": "local",
            "setting": "outpatient", "baseline_pain": baseline, "recorded_at": recorded_at or performed_at}


def _transitions(zone: ZoneInfo, start: datetime, days: int) -> list[datetime]:
    """The UTC instants in the period where the zone's offset changes (daylight saving)."""
    found, hour = [], start
    for _ in range(days * 24):
        later = hour + timedelta(hours=1)
        if hour.astimezone(zone).utcoffset() != later.astimezone(zone).utcoffset():
            low, high = hour, later  # narrow to the second
            while high - low > timedelta(seconds=1):
                mid = low + (high - low) / 2
                if mid.astimezone(zone).utcoffset() == hour.astimezone(zone).utcoffset():
                    low = mid
                else:
                    high = mid
            found.append(high)
        hour = later
    return found


def _edges(zone_name: str, rng: random.Random) -> list[datetime]:
    """Instants where the day number is easy to get wrong: around local midnights (on ordinary
    days and on the days the clocks change) and around the changes themselves."""
    zone = ZoneInfo(zone_name)
    start = datetime(2025, 11, 1, tzinfo=UTC)
    days = [NOW.astimezone(zone).date() - timedelta(days=d) for d in (0, 1, 2, 3, 13, 14, 15, 84, 85)]
    changes = _transitions(zone, start, 400)
    days += [c.astimezone(zone).date() + timedelta(days=k) for c in changes for k in (-1, 0, 1)]
    points = []
    for day in days:
        midnight = datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
        points += [midnight - timedelta(seconds=1), midnight, midnight + timedelta(seconds=1),
                   midnight + timedelta(hours=rng.randint(1, 23))]
    points += [c + timedelta(seconds=s) for c in changes for s in (-1, 0, 1)]
    return [p for p in points if p <= NOW]


def test_the_current_procedure_is_the_latest_then_the_last_recorded_in_sql_python_and_every_caller(app):
    rng = random.Random(16)
    pids = _patients([rng.choice(ZONES) for _ in range(40)])
    # Few distinct instants, so many procedures tie on performed_at; inserted in a shuffled order,
    # so ids do not follow performed_at. Each has its own recorded_at, to tell them apart below.
    instants = [NOW - timedelta(days=d) for d in (1, 1.5, 3, 20)]
    rows = [_procedure(pid, rng.choice(instants), baseline=n)  # baselines tell a patient's apart
            for pid in pids for n in range(rng.randint(0, 4))]
    rng.shuffle(rows)
    for i, row in enumerate(rows):
        row["recorded_at"] = NOW - timedelta(minutes=len(rows) - i)
    _insert_ids(Procedure, rows)
    db.session.commit()

    python = {}
    for pid in pids:
        chosen = current_procedure(db.session.get(Patient, pid).procedures)
        if chosen is not None:
            python[pid] = chosen
    ties = sum(1 for p in python.values()
               if db.session.scalar(select(db.func.count()).where(
                   Procedure.patient_id == p.patient_id, Procedure.performed_at == p.performed_at)) > 1)
    assert ties >= 5, "the data must have patients whose latest procedures tie"

    sql = dict(db.session.execute(select(Procedure.patient_id, Procedure.id).where(is_current(Procedure))).all())
    assert sql == {pid: p.id for pid, p in python.items()}
    for pid, p in python.items():  # ties: the later recorded, never merely the latest performed
        assert p.id == max(r.id for r in db.session.get(Patient, pid).procedures
                           if r.performed_at == p.performed_at)
        assert db.session.get(Patient, pid).current_procedure is p
        assert clinic.patient_record(pid, NOW).procedure is p
    # The reminder sweep, the triage facts and the clinician's list read the same procedure.
    facts = {f.patient_id: f for f in load_facts(pids, NOW)}
    for pid in pids:
        expected = python.get(pid)
        assert facts[pid].procedure_recorded_at == (expected.recorded_at if expected else None)
    for pid, p in python.items():
        assert [facts.procedure_id for facts, _ in evaluate.load(NOW, pid)] == [p.id]
    summaries = {s.id: s for s in clinic.patient_summaries(NOW)}
    for pid in pids:
        expected = python.get(pid)
        assert summaries[pid].baseline_pain == (expected.baseline_pain if expected else None)
        assert summaries[pid].days_since_procedure == (
            recovery_day(expected.performed_at, NOW, db.session.get(Patient, pid).timezone)
            if expected else None)


def test_python_form_counts_an_unsaved_procedure_as_the_last_recorded():
    at = NOW - timedelta(days=2)
    saved, unsaved = Procedure(id=7, performed_at=at), Procedure(performed_at=at)
    assert current_procedure([unsaved, saved]) is unsaved
    assert current_procedure([Procedure(id=9, performed_at=at - timedelta(seconds=1)), saved]) is saved
    assert current_procedure([]) is None


@pytest.mark.parametrize("performed, now, zone, day", [
    # 23:30 in Chicago is already the next day in UTC; one hour later it is day 1 in Chicago.
    ("2026-11-19 05:30", "2026-11-19 06:30", "America/Chicago", 1),
    ("2026-11-19 05:30", "2026-11-19 06:30", "UTC", 0),
    ("2026-11-19 05:59:59", "2026-11-19 06:00", "America/Chicago", 1),  # 23:59:59 then midnight
    ("2026-11-19 06:00", "2026-11-20 05:59:59", "America/Chicago", 0),  # the whole day is day 0
    # The clocks go forward at 02:00 on 8 March 2026 in Chicago: that day has 23 hours.
    ("2026-03-08 06:00", "2026-03-09 05:00", "America/Chicago", 1),
    # Santiago skips its midnight: on 6 September 2026 the day begins at 01:00 (04:00 UTC).
    ("2026-09-06 03:59:59", "2026-09-06 04:00", "America/Santiago", 1),
])
def test_recovery_day_is_the_calendar_day_in_the_patients_zone(performed, now, zone, day):
    at = lambda text: datetime.fromisoformat(text).replace(tzinfo=UTC)  # noqa: E731
    assert recovery_day(at(performed), at(now), zone) == day
    assert recovery_day(at(performed), at(now).astimezone(ZoneInfo(zone)).date(), zone) == day


@pytest.mark.parametrize("hours_later", [0, 9, 17.5])
def test_sql_and_python_recovery_days_agree_at_time_zone_edges(app, hours_later):
    rng = random.Random(18)
    now = NOW + timedelta(hours=hours_later)
    cases = [(zone, at) for zone in ZONES for at in _edges(zone, rng) if at <= now]
    pids = _patients([zone for zone, _ in cases])
    ids = _insert_ids(Procedure, [_procedure(pid, at) for pid, (_, at) in zip(pids, cases, strict=True)])
    db.session.commit()
    python = {pid: recovery_day(at, now, zone) for pid, (zone, at) in zip(pids, cases, strict=True)}
    assert set(python.values()) >= {0, 1, 14, 85}

    def sql(first=None, last=None):
        stmt = (select(Procedure.patient_id).join(Patient, Patient.id == Procedure.patient_id)
                .where(Procedure.id.in_(ids),
                       recovery_day_between(Procedure.performed_at, Patient.timezone, now, ZONES, first, last)))
        return set(db.session.scalars(stmt))

    for n in sorted(set(python.values())):
        assert sql(n, n) == {pid for pid, day in python.items() if day == n}, n
    for n in (1, 14, 85, 400):
        assert sql(first=n) == {pid for pid, day in python.items() if day >= n}, n
        assert sql(last=n) == {pid for pid, day in python.items() if day <= n}, n
    assert sql(2, 13) == {pid for pid, day in python.items() if 2 <= day <= 13}
