"""A fresh, empty database of the kind the suite runs on (SQLite file or a new PostgreSQL database)."""

import os
import uuid
from contextlib import contextmanager

from bench.support import scratch_postgres


@contextmanager
def fresh_database(tmp_path):
    """Yield the URL of an empty database; a PostgreSQL one is dropped afterwards."""
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp_path / f'fresh-{uuid.uuid4().hex[:8]}.sqlite'}"
        return
    with scratch_postgres(server, "fresh") as url:
        yield url


def flask_command(tmp_path, url, *args):
    """`flask --app recovery ARGS` in a process of its own on database `url` (for migrations)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "RECOVERY_INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "migration-test",
           "DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "recovery", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def insert_an_old_patient(conn, at) -> None:
    """User 1, patient 1 (MRN-OLD) and procedure 1 in raw SQL, as a database of an older version
    holds them (columns every version since the first has)."""
    from sqlalchemy import text

    conn.execute(text("INSERT INTO users (id, email, role, active, display_name, created_at)"
                      " VALUES (1, 'old@example.org', 'patient', true, 'Old', :at)"), {"at": at})
    conn.execute(text(
        "INSERT INTO patients (id, user_id, record_number, date_of_birth, phone, preferred_language,"
        " timezone, discharged, email_reminders, reminder_time, demo, created_at) VALUES (1, 1,"
        " 'MRN-OLD', '1950-01-01', '555', 'en', 'America/Chicago', false, true, '18:00:00', false,"
        " :at)"), {"at": at})
    conn.execute(text(
        "INSERT INTO procedures (id, patient_id, type, performed_at, levels, fracture_cause,"
        " anaesthesia, setting, cement_leakage, baseline_pain, recorded_at) VALUES (1, 1,"
        " 'kyphoplasty', :at, 'L1', 'osteoporosis', 'local', 'outpatient', false, 8, :at)"), {"at": at})
