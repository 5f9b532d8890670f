"""Migration c4d8e2f6a1b3 (the delivery ledger) on a database with data: the status callbacks
already recorded take the step their status means, a step without a provider's message can be
written after it, and the downgrade drops only what had no place before."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from .conftest import NOW
from .databases import flask_command, fresh_database, insert_an_old_patient

BEFORE = "62b95c5b90b9"


def test_the_ledger_migration_gives_every_recorded_callback_its_step(tmp_path):
    def flask(url, *args):
        return flask_command(tmp_path, url, *args)

    at = NOW.replace(tzinfo=None)
    with fresh_database(tmp_path) as url:
        assert flask(url, "db", "upgrade", BEFORE).returncode == 0
        engine = create_engine(url)
        with engine.begin() as conn:
            insert_an_old_patient(conn, at)
            conn.execute(text(
                "INSERT INTO reminders (id, idempotency_key, patient_id, kind, channel, due_at, status, attempts,"
                " sent_at, created_at, updated_at) VALUES (1, 'daily_nudge:1:d:sms', 1, 'daily_nudge', 'sms', :at,"
                " 'sent', 1, :at, :at, :at)"), {"at": at})
            for status in ("queued", "sent", "delivered", "undelivered"):
                conn.execute(text("INSERT INTO reminder_deliveries (reminder_id, channel, provider_id, status, at)"
                                  " VALUES (1, 'sms', 'SM1', :status, :at)"), {"status": status, "at": at})
        result = flask(url, "db", "upgrade")
        assert result.returncode == 0, result.stderr
        with engine.begin() as conn:
            steps = conn.execute(text("SELECT status, step FROM reminder_deliveries ORDER BY id")).all()
            assert [tuple(s) for s in steps] == [("queued", "sent"), ("sent", "sent"), ("delivered", "delivered"),
                                                 ("undelivered", "failed")]
            conn.execute(text("INSERT INTO reminder_deliveries (reminder_id, channel, step, status, at)"
                              " VALUES (1, 'sms', 'opened', 'link', :at)"), {"at": at})
        with pytest.raises(IntegrityError), engine.begin() as conn:  # each step of a reminder once
            conn.execute(text("INSERT INTO reminder_deliveries (reminder_id, channel, step, status, at)"
                              " VALUES (1, 'sms', 'opened', 'link', :at)"), {"at": at})
        result = flask(url, "db", "downgrade", BEFORE)
        assert result.returncode == 0, result.stderr
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM reminder_deliveries")).scalar() == 4
        engine.dispose()
