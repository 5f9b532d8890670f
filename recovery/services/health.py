"""Can the database take a write now? /healthz asks, so a full or read-only database is noticed
before patients' check-ins fail (they still get their guidance then: recovery/unsaved.py)."""

import os
import shutil
import uuid
from datetime import datetime

from flask import current_app
from sqlalchemy import insert
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models import SchedulerHeartbeat


def database_writes(now: datetime) -> bool:
    """True when a tiny write succeeds: one row inserted and rolled back (never seen by anyone),
    and on SQLite, at least HEALTHZ_MIN_FREE_MB free on the database file's disk (a rolled-back
    write never reaches the disk, so a full disk is caught by its free space)."""
    probe = {"name": f"healthz-{uuid.uuid4().hex}", "beat_at": now}  # unique: no wait on another probe
    try:
        db.session.execute(insert(SchedulerHeartbeat.__table__), probe)
    except SQLAlchemyError:
        current_app.logger.error("healthz: the database cannot write", exc_info=True)
        return False
    finally:
        db.session.rollback()
    path = db.engine.url.database if db.engine.dialect.name == "sqlite" else None
    if path and path != ":memory:":
        free_mb = shutil.disk_usage(os.path.dirname(os.path.abspath(path))).free / 2**20
        if free_mb < current_app.config["HEALTHZ_MIN_FREE_MB"]:
            current_app.logger.error("healthz: %.0f MB free beside the database file", free_mb)
            return False
    return True
