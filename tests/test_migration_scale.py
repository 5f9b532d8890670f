"""Adding an index and a nullable column to a big check-in table is a matter of seconds.

The rows are generated inside the database (generate_series / a recursive CTE), so loading them
costs little; the migration steps run through Alembic's own operations with batch mode on,
as our migrations do (SQLite adds a column and an index in place, without copying the table).
The full 900,000-row measurement on the realistic benchmark cohort is in bench/RESULTS.md;
here PATIENTS x DAYS rows keep the suite fast while staying far beyond a clinic's size.
"""

import sqlalchemy as sa

from bench.schema_change import add_index_and_column
from recovery.extensions import db

PATIENTS, DAYS = 2_000, 90  # 180,000 check-ins
BOUND_SECONDS = 30  # generous: the point is seconds, not minutes (the table is never copied)


def _fill(conn, dialect: str) -> int:
    if dialect == "postgresql":
        series = "generate_series(1, {n}) AS s(i)"
        day = "date '2026-01-01' + d.i"
        true, stamp = "true", "timestamp '2026-01-01 12:00:00'"
    else:
        series = ("(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n})"
                  " SELECT i FROM s) AS s")
        day = "date('2026-01-01', '+' || d.i || ' days')"
        true, stamp = "1", "'2026-01-01 12:00:00.000000'"
    patients = series.format(n=PATIENTS)
    days = series.format(n=DAYS).replace("AS s", "AS d").replace("s.i", "d.i")
    conn.exec_driver_sql(
        f"INSERT INTO users (id, email, role, active, display_name, created_at) "
        f"SELECT i, 'p' || i || '@example.org', 'patient', {true}, 'P', {stamp} FROM {patients}")
    conn.exec_driver_sql(
        f"INSERT INTO patients (id, user_id, record_number, date_of_birth, phone, preferred_language, timezone,"
        f" discharged, email_reminders, reminder_time, demo, created_at) SELECT i, i, 'M' || i, '1950-01-01',"
        f" '555', 'en', 'America/Chicago', not {true}, {true}, '18:00:00', not {true}, {stamp} FROM {patients}")
    conn.exec_driver_sql(
        f"INSERT INTO procedures (id, patient_id, type, performed_at, levels, fracture_cause, anaesthesia,"
        f" setting, cement_leakage, baseline_pain, recorded_at) SELECT i, i, 'kyphoplasty', {stamp}, 'L1',"
        f" 'osteoporosis', 'local', 'outpatient', not {true}, 8, {stamp} FROM {patients}")
    conn.exec_driver_sql(
        f"INSERT INTO checkins (patient_id, procedure_id, local_date, pain_now, worst_pain, walking_level,"
        f" minutes_upright, medication, sleep_disturbed, flag_neuro, flag_chest, flag_infection, flag_calf,"
        f" is_72h_check, created_at, updated_at) SELECT s.i, s.i, {day}, (s.i + d.i) - 11 * ((s.i + d.i) / 11), 10, d.i - 5 * (d.i / 5), 30,"
        f" 'otc', not {true}, not {true}, not {true}, not {true}, not {true}, not {true}, {stamp}, {stamp}"
        f" FROM {patients} CROSS JOIN {days}")  # no "%": psycopg would read it as a placeholder
    return conn.execute(sa.text("SELECT count(*) FROM checkins")).scalar()


def test_adding_an_index_and_a_column_to_a_big_checkin_table_takes_seconds(app):
    engine = db.engine
    with engine.begin() as conn:
        rows = _fill(conn, engine.dialect.name)
    assert rows == PATIENTS * DAYS
    timings = add_index_and_column(engine)  # the same steps bench/ times at 900,000 rows
    print(f"\n{engine.dialect.name}: {rows:,} check-ins; "
          + ", ".join(f"{step} {seconds:.2f} s" for step, seconds in timings.items()))
    assert all(seconds < BOUND_SECONDS for seconds in timings.values()), timings
    with engine.connect() as conn:  # the rows are all still there
        assert conn.execute(sa.text("SELECT count(*) FROM checkins")).scalar() == rows
