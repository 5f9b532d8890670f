"""The benchmark's WSGI app: Recovery in benchmark configuration plus a bare JSON endpoint.

The bare endpoint does nothing but answer, so its rate is what gunicorn and Flask alone allow
on this machine; the check-in's rate is compared with it. It exists only here, never in the
real app. `gunicorn bench.app:app` with DATABASE_URL set.
"""

import os

from flask import jsonify

from recovery import create_app

from .support import BENCH_CONFIG

app = create_app({**BENCH_CONFIG, "SQLALCHEMY_DATABASE_URI": os.environ["DATABASE_URL"]})


@app.get("/bench/bare")
def bare():
    return jsonify(ok=True)
