"""The benchmark's WSGI app: Recovery in benchmark configuration plus two endpoints of its own.

- /bench/bare answers and does nothing else: what gunicorn and Flask alone allow on this machine.
- /bench/floor (POST) is the durable floor a check-in is measured against (issue 16): it loads
  the signed-in patient from the session, checks the CSRF token, inserts one check-in-sized row
  (the check-in table's columns, in a table of its own) and commits it with the durability the
  product runs with (SQLite WAL with synchronous=FULL; PostgreSQL with fsync and
  synchronous_commit on, see bench/throughput.py). Everything a check-in does beyond that is
  Recovery's own cost.

Both exist only here, never in the real app. `gunicorn bench.app:app` with DATABASE_URL set.
"""

import os

from flask import abort, jsonify
from flask_login import current_user
from sqlalchemy import Column, MetaData, Table

from recovery import create_app
from recovery.extensions import db
from recovery.models import CheckIn, utcnow

from .support import BENCH_CONFIG

app = create_app({**BENCH_CONFIG, "SQLALCHEMY_DATABASE_URI": os.environ["DATABASE_URL"]})

# The check-in table's columns and types, without its keys and checks: a row of the same size.
FLOOR = Table("bench_floor_rows", MetaData(),
              *(Column(c.name, c.type, primary_key=c.primary_key) for c in CheckIn.__table__.columns))
with app.app_context():
    FLOOR.create(db.engine, checkfirst=True)


@app.get("/bench/bare")
def bare():
    return jsonify(ok=True)


@app.post("/bench/floor")
def floor():
    """The durable floor: session user, CSRF (the app's CSRFProtect checks every POST), one row."""
    if not current_user.is_authenticated or current_user.patient is None:
        abort(403)
    now = utcnow()
    db.session.execute(FLOOR.insert().values(
        patient_id=current_user.patient.id, procedure_id=0, local_date=now.date(), pain_now=4, worst_pain=6,
        walking_level=2, minutes_upright=30, medication="otc", sleep_disturbed=False, flag_neuro=False,
        flag_chest=False, flag_infection=False, flag_calf=False, note=None, complete=True,
        is_72h_check=False, created_at=now, updated_at=now))
    db.session.commit()
    return "", 302, {"Location": "/patient/"}
