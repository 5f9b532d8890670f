"""The sweep: re-plan every patient the rules may owe something, a batch at a time.

Each batch goes through the same planning as one patient's change (outbox.sync: the facts in a
few queries for the whole batch, the pure rules, the differences written in bulk) and is
committed on its own, so the SQLite write lock is held briefly and web requests are not kept
waiting.
"""

from datetime import datetime

from ..extensions import db
from ..models import Patient
from .outbox import sweep_scope, sync

BATCH = 500


def sync_all(now: datetime, batch: int = BATCH) -> int:
    """Bring every sweep patient's pending reminders in line with the rules; return how many."""
    ids = list(db.session.scalars(sweep_scope(now).order_by(Patient.id)))
    for start in range(0, len(ids), batch):
        sync(ids[start:start + batch], now)
        db.session.commit()
    return len(ids)
