"""The benchmarks' own scenarios at a tiny size, so a change to the app cannot quietly break
`make bench` (a generator column, a summary table) or the checks the benchmark relies on."""

from datetime import UTC, datetime

from bench import cohort as cohort_bench
from bench import sweep as sweep_bench
from bench.generate import build, load
from recovery.extensions import db


def test_the_generated_cohort_gives_the_page_the_naive_loops_numbers(app):
    load(db.engine, build(60, datetime(2026, 11, 20, 15, tzinfo=UTC)))
    with app.test_request_context():
        stats, figure = cohort_bench.page_data()
        expected = cohort_bench.naive()
    assert stats.patients == 60 and not stats.empty and figure
    assert cohort_bench.numbers(stats) == expected


def test_the_sweep_scenario_delivers_every_due_reminder_exactly_once(app):
    result = sweep_bench.in_memory(app, 25)
    assert result["due"] > 0 and result["sent"] > 0
    assert result["exactly_once"] is True


def test_the_text_bench_sends_every_text_once_through_the_sink(app):
    from bench import sms as sms_bench

    result = sms_bench.through_sms(app, app.config["SQLALCHEMY_DATABASE_URI"], 10, dispatchers=2)
    assert result["texts"] == 20 and result["exactly_once"] is True
