"""The migrations build exactly the models' schema, and the database itself refuses bad values."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from recovery.extensions import db
from recovery.models import CheckIn, User


def test_migrations_produce_exactly_the_models_schema(app):
    # The test database was built by running every migration from empty (see conftest).
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_database_rejects_out_of_range_pain_even_without_the_service(app, make_patient):
    patient = make_patient()
    row = dict(patient_id=patient.id, procedure_id=patient.current_procedure.id,
               local_date=patient.current_procedure.performed_at.date(), pain_now=11, worst_pain=11,
               walking_level=2, minutes_upright=10, medication="none", sleep_disturbed=False,
               flag_neuro=False, flag_chest=False, flag_infection=False, flag_calf=False,
               is_72h_check=False)
    with pytest.raises(IntegrityError):
        db.session.execute(insert(CheckIn).values(**row))
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(CheckIn)) == 0


def test_database_keeps_one_checkin_per_patient_per_day(app, make_patient):
    patient = make_patient()
    row = dict(patient_id=patient.id, procedure_id=patient.current_procedure.id,
               local_date=patient.current_procedure.performed_at.date(), pain_now=3, worst_pain=5,
               walking_level=2, minutes_upright=10, medication="none", sleep_disturbed=False,
               flag_neuro=False, flag_chest=False, flag_infection=False, flag_calf=False,
               is_72h_check=False)
    db.session.execute(insert(CheckIn).values(**row))
    with pytest.raises(IntegrityError):
        db.session.execute(insert(CheckIn).values(**row))
    db.session.rollback()


def test_database_refuses_an_unknown_role_and_mixed_case_email(app):
    for values in ({"email": "x@example.org", "role": "admin"},
                   {"email": "Mixed@Example.org", "role": "staff"}):
        with pytest.raises(IntegrityError):
            db.session.execute(insert(User).values(display_name="X", active=True, **values))
        db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(User)) == 0


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas only")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
