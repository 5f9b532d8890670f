"""Migration a20e5d3c9b71 (texts) on a database with data: SQLite rebuilds `patients` and
`checkins` while other rows refer to them; everything is kept, foreign keys stay enforced, a
pain-only incomplete check-in is allowed after it, and the downgrade refuses to drop one."""


from sqlalchemy import create_engine, text

from .conftest import NOW
from .databases import flask_command, fresh_database, insert_an_old_patient

BEFORE = "5c1e7b9d2f40"


def test_the_texts_migration_keeps_every_row_and_the_foreign_keys(tmp_path):
    def flask(url, *args):
        return flask_command(tmp_path, url, *args)

    at = NOW.replace(tzinfo=None)
    with fresh_database(tmp_path) as url:
        assert flask(url, "db", "upgrade", BEFORE).returncode == 0
        engine = create_engine(url)
        with engine.begin() as conn:
            insert_an_old_patient(conn, at)
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
