"""A schema change on the big check-in table, as a migration would make it (Alembic, batch mode)."""

import time

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations


def add_index_and_column(engine) -> dict[str, float]:
    """Seconds to add an index and a nullable column to `checkins` (both undone afterwards)."""
    timings = {}
    with engine.begin() as conn:
        ops = Operations(MigrationContext.configure(conn))
        start = time.perf_counter()
        with ops.batch_alter_table("checkins") as batch:
            batch.create_index("ix_checkins_bench_probe", ["pain_now", "local_date"])
        timings["index"] = time.perf_counter() - start
        start = time.perf_counter()
        with ops.batch_alter_table("checkins") as batch:
            batch.add_column(sa.Column("bench_probe", sa.String(40), nullable=True))
        timings["column"] = time.perf_counter() - start
        with ops.batch_alter_table("checkins") as batch:
            batch.drop_index("ix_checkins_bench_probe")
        ops.drop_column("checkins", "bench_probe")
    return timings
