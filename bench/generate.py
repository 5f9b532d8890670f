"""A realistic cohort at scale, bulk-loaded: 10,000 patients, a year of procedures, ~850k check-ins.

Trajectories follow CLINICAL.md: baseline pain about 8-9; about 70% respond, falling to about 3-4
within the first week and staying there; the rest improve by less than the responder threshold.
Walking and time upright improve, medication steps down, red flags are rare. Every user shares
one precomputed password hash (scrypt is slow on purpose; 10,000 hashes would take minutes).

Rows go in with the driver's fastest bulk path: COPY on PostgreSQL, executemany on SQLite.
The cohort summary (procedure_buckets: each procedure's last check-in per bucket, its latest pain
and last check-in) is built here alongside the check-ins, as save_checkin keeps it in the app.
"""

import math
import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from werkzeug.security import generate_password_hash

from recovery.models import COHORT_BUCKETS
from recovery.services.timepoints import bucket_of_day

PASSWORD = "bench-password-1"
ZONES = ("America/Chicago",) * 8 + ("America/New_York", "America/Denver")
TABLE_COLUMNS = {
    "users": ("id", "email", "password_hash", "role", "active", "display_name", "created_at"),
    "patients": ("id", "user_id", "record_number", "date_of_birth", "phone", "preferred_language",
                 "timezone", "clinician_id", "discharged", "email_reminders", "reminder_time", "demo",
                 "created_at"),
    "procedures": ("id", "patient_id", "type", "performed_at", "levels", "fracture_cause", "anaesthesia",
                   "setting", "cement_leakage", "baseline_pain", "recorded_at"),
    "appointments": ("id", "patient_id", "procedure_id", "kind", "scheduled_for", "status", "revision",
                     "updated_at"),
    "checkins": ("id", "patient_id", "procedure_id", "local_date", "pain_now", "worst_pain", "walking_level",
                 "minutes_upright", "medication", "sleep_disturbed", "flag_neuro", "flag_chest",
                 "flag_infection", "flag_calf", "is_72h_check", "created_at", "updated_at"),
    "procedure_buckets": ("procedure_id", *(f"{key}_{part}" for key in COHORT_BUCKETS for part in ("date", "pain")),
                          "latest_date", "latest_pain", "last_date"),
}


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def build(patients: int, now: datetime, seed: int = 6, days_back: int = 365, max_days: int = 90,
          first_id: int = 1) -> dict[str, list[tuple]]:
    """Every row of the cohort as tuples in TABLE_COLUMNS order (ids from `first_id`; naive UTC times)."""
    rng = random.Random(seed)
    hashed = generate_password_hash(PASSWORD)
    rows = {name: [] for name in TABLE_COLUMNS}
    clinicians = 20
    for c in range(clinicians):
        uid = first_id + c
        rows["users"].append((uid, f"clinician{uid}@bench.local", hashed, "clinician", True,
                              f"Clinician {uid}", now.astimezone(UTC).replace(tzinfo=None)))
    checkin_id = first_id
    appointment_id = first_id
    rand = rng.random
    naive_now = now.astimezone(UTC).replace(tzinfo=None)
    for i in range(patients):
        pid = first_id + i
        uid = first_id + clinicians + i
        zone_name = ZONES[int(rand() * len(ZONES))]
        zone = ZoneInfo(zone_name)
        ago = timedelta(days=7 + rand() * (days_back - 7), hours=rand() * 8)
        performed = (now - ago).replace(microsecond=0)
        naive_performed = performed.astimezone(UTC).replace(tzinfo=None)
        rows["users"].append((uid, f"patient{pid}@bench.local", hashed, "patient", True, f"Patient {pid}",
                              naive_now))
        born = date(1935 + rng.randrange(40), 1 + rng.randrange(12), 1 + rng.randrange(28))
        language = "en" if rand() < 0.85 else "es"
        rows["patients"].append((pid, uid, f"B{pid:07d}", born, "219-555-0100", language,
                                 zone_name, first_id + rng.randrange(clinicians), False, True, time(18, 0),
                                 False, naive_performed))
        kind = "kyphoplasty" if rand() < 0.55 else "vertebroplasty"
        baseline = _clamp(8.5 + (rand() + rand() - 1) * 2.5, 5, 10)
        rows["procedures"].append((pid, pid, kind, naive_performed, rng.choice(("T12", "L1", "T12,L1", "L2")),
                                   rng.choice(("osteoporosis",) * 8 + ("spinal_tumour", "trauma")),
                                   rng.choice(("local", "general")), "outpatient", rand() < 0.05,
                                   baseline, naive_performed + timedelta(hours=2)))
        responder = rand() < 0.7
        settled = 2.5 + rand() * 2 if responder else baseline - rand() * 1.5
        speed = 1.5 + rand() * 2.5
        local_performed = performed.astimezone(zone)
        first_day = local_performed.date()
        # Check-ins at about 19:00 local: one UTC offset per patient is close enough for timestamps.
        evening = (datetime.combine(first_day, time(19, 0), tzinfo=zone).astimezone(UTC).replace(tzinfo=None))
        elapsed = (now.astimezone(zone).date() - first_day).days
        skip = rand() * 0.07
        check_done = False
        span = baseline - settled
        append = rows["checkins"].append
        last_in_bucket: dict[str, tuple] = {}  # days ascend: the last one written is the bucket's latest
        latest = None  # (date, pain) of the last check-in written: the latest pain and last check-in
        for day in range(0, min(max_days, elapsed + 1)):
            if rand() < skip:
                continue
            noise = (rand() + rand() + rand() - 1.5) * 1.4
            pain = _clamp(settled + span * math.exp(-day / speed) + noise, 0, 10)
            flag = int(rand() * 4) if rand() < 0.002 else -1
            at = evening + timedelta(days=day, minutes=int(rand() * 60))
            is_72h = day == 3
            check_done = check_done or is_72h
            append((checkin_id, pid, pid, first_day + timedelta(days=day), pain,
                    _clamp(pain + rand() * 2.5, 0, 10), _clamp(day / 10 + rand() * 2, 0, 4),
                    _clamp(20 + day * 4 + (rand() - 0.5) * 30, 0, 1440),
                    "prescription" if day < 5 else ("otc" if day < 30 or rand() < 0.5 else "none"),
                    rand() < max(0.1, 0.6 - day / 60), flag == 0, flag == 1, flag == 2, flag == 3,
                    is_72h, at, at))
            checkin_id += 1
            latest = (first_day + timedelta(days=day), pain)
            bucket = bucket_of_day(day)
            if bucket is not None:
                last_in_bucket[bucket.key] = (first_day + timedelta(days=day), pain)
        if latest:
            rows["procedure_buckets"].append(
                (pid, *(v for key in COHORT_BUCKETS for v in last_in_bucket.get(key, (None, None))),
                 *latest, latest[0]))
        check_at = naive_performed + timedelta(hours=72)
        follow_at = (datetime.combine(first_day + timedelta(days=28), time(10, 0), tzinfo=zone)
                     .astimezone(UTC).replace(tzinfo=None))
        for kind_, when in (("check_72h", check_at), ("follow_up", follow_at)):
            status = "scheduled" if when > naive_now else ("completed" if kind_ == "follow_up" or check_done
                                                           else "missed")
            rows["appointments"].append((appointment_id, pid, pid, kind_, when, status, 1, naive_performed))
            appointment_id += 1
    return rows


def _sqlite_adapters() -> None:
    """Write dates and times as the ISO text SQLAlchemy reads back (naive UTC datetimes)."""
    import sqlite3

    sqlite3.register_adapter(datetime, lambda v: v.isoformat(" "))
    sqlite3.register_adapter(date, date.isoformat)
    sqlite3.register_adapter(time, time.isoformat)


def load(engine: Engine, rows: dict[str, list[tuple]], tables: dict[str, tuple] | None = None) -> dict[str, int]:
    """Bulk-insert the rows (COPY on PostgreSQL, executemany on SQLite); return counts per table.
    `tables` names the tables and their columns, in insertion order (default TABLE_COLUMNS)."""
    tables = tables or TABLE_COLUMNS
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for table, columns in tables.items():
            data = rows[table]
            if engine.dialect.name == "postgresql":
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in data:
                        copy.write_row(row)
            else:
                _sqlite_adapters()
                marks = ", ".join("?" * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", data)
        if engine.dialect.name == "postgresql":  # COPY with explicit ids leaves the sequences behind
            for table in tables:
                if table == "procedure_buckets":
                    continue  # no id column
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT coalesce(max(id), 1) FROM {table}))")
            raw.commit()
            cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    return {table: len(data) for table, data in rows.items()}
