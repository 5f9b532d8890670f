"""Migration a20e5d3c9b71 (texts) on a database with data: SQLite rebuilds `patients` and
`checkins` while other rows refer to them; everything is kept, foreign keys stay enforced, a
pain-only incomplete check-in is allowed after it, and the downgrade refuses to drop one."""

import os
import subprocess
import sys

from sqlalchemy import create_engine, text

from .conftest import NOW
from .databases import fresh_database

BEFORE = "5c1e7b9d2f40"


def test_the_texts_migration_keeps_every_row_and_the_foreign_keys(tmp_path):
    def flask(url, *args):
        env = {**os.environ, "RECOVERY_INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "migration-test",
               "DATABASE_URL": url}
        return subprocess.run([sys.executable, "-m", "flask", "--app", "recovery", *args], env=env,
                              capture_output=True, text=True, timeout=120)

    at = NOW.replace(tzinfo=None)
    with fresh_database(tmp_path) as url:
        assert flask(url, "db", "upgrade", BEFORE).returncode == 0
        engine = create_engine(url)
        with engine.begin() as conn:
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
            conn.execute(text(
                "INSERT INTO checkins (id, patient_id, procedure_id, local_date, pain_now, flag_neuro,"
                " flag_chest, flag_infection, flag_calf, is_72h_check, complete, created_at, updated_at)"
                " VALUES (1, 1, 1, '2026-11-21', 4, NULL, true, NULL, NULL, false, false, :at, :at)"), {"at": at})
            conn.execute(text("INSERT INTO alerts (id, patient_id, checkin_id, kind, detail, severity, created_at)"
                              " VALUES (1, 1, 1, 'red_flag', 'flag_chest', 'urgent', :at)"), {"at": at})
        result = flask(url, "db", "upgrade")
        assert result.returncode == 0, result.stderr
        with engine.begin() as conn:
            assert conn.execute(text("SELECT record_number, sms_reminders FROM patients")).one() == ("MRN-OLD", False)
            assert conn.execute(text("SELECT checkin_id FROM alerts")).scalar() == 1
            conn.execute(text(  # a texted pain score alone: incomplete, no red flag
                "INSERT INTO checkins (id, patient_id, procedure_id, local_date, pain_now, is_72h_check,"
                " complete, created_at, updated_at) VALUES (2, 1, 1, '2026-11-22', 5, false, false, :at, :at)"),
                {"at": at})
        if url.startswith("sqlite"):
            with engine.connect() as conn:
                assert conn.execute(text("PRAGMA foreign_key_check")).fetchall() == []
        refused = flask(url, "db", "downgrade", BEFORE)
        assert refused.returncode != 0 and "texted pain score" in refused.stderr
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM checkins WHERE id = 2"))
        result = flask(url, "db", "downgrade", BEFORE)
        assert result.returncode == 0, result.stderr
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alerts")).scalar() == 1
        engine.dispose()
