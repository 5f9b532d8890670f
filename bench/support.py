"""What the benchmarks share: fresh databases, the app in benchmark configuration, timing."""

import os
import statistics
import tempfile
import time
import uuid
from contextlib import contextmanager

from flask_migrate import upgrade
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from recovery import create_app
from recovery.extensions import db

BENCH_CONFIG = {
    "SECRET_KEY": "bench-secret",
    "RATELIMIT_ENABLED": False,  # the benchmark measures the app, not the limiter
    "SCHEDULER_REQUIRED": False,
    "BASE_URL": "http://127.0.0.1",
    "WTF_CSRF_TIME_LIMIT": None,
}


@contextmanager
def fresh_database(kind: str):
    """Yield the URL of an empty database: a temporary SQLite file or a new PostgreSQL database
    on the server named by TEST_DATABASE_URL (scripts/with-postgres.sh starts one)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="recovery-bench-") as folder:
            yield f"sqlite:///{folder}/bench.sqlite"
        return
    with scratch_postgres(os.environ["TEST_DATABASE_URL"], "bench") as url:
        yield url


@contextmanager
def scratch_postgres(server: str, prefix: str):
    """Yield the URL of a new, empty database on the PostgreSQL `server`; drop it afterwards
    (the suite's fresh databases use this too)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def bench_app(url: str, **extra):
    """The app on `url` in benchmark configuration, schema migrated."""
    os.environ.setdefault("RECOVERY_INSTANCE_PATH", tempfile.mkdtemp(prefix="recovery-bench-instance-"))
    app = create_app({**BENCH_CONFIG, "SQLALCHEMY_DATABASE_URI": url, **extra})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        db.session.remove()
    return app


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    """Seconds taken by one call, and its result."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def median_time(fn, runs: int, warmup: int = 1) -> tuple[float, list[float]]:
    """Median seconds of `runs` calls after `warmup` calls, and every run's time."""
    for _ in range(warmup):
        fn()
    times = [timed(fn)[0] for _ in range(runs)]
    return statistics.median(times), times
