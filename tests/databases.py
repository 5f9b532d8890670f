"""A fresh, empty database of the kind the suite runs on (SQLite file or a new PostgreSQL database)."""

import os
import uuid
from contextlib import contextmanager

from bench.support import scratch_postgres


@contextmanager
def fresh_database(tmp_path):
    """Yield the URL of an empty database; a PostgreSQL one is dropped afterwards."""
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp_path / f'fresh-{uuid.uuid4().hex[:8]}.sqlite'}"
        return
    with scratch_postgres(server, "fresh") as url:
        yield url
