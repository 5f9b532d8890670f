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


def test_the_durable_floor_writes_one_row_for_a_signed_in_patient_with_a_valid_token(app, make_patient,
                                                                                     monkeypatch, tmp_path):
    """/bench/floor, what check-ins are measured against, does the floor's work and no less: it
    needs the signed-in patient and a valid CSRF token, and commits one check-in-sized row."""
    import importlib
    import re
    import sys

    from sqlalchemy import func, select, text

    from .conftest import TEST_PASSWORD

    patient = make_patient()
    db.session.commit()
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("RECOVERY_INSTANCE_PATH", str(tmp_path))
    sys.modules.pop("bench.app", None)
    floor_app = importlib.import_module("bench.app").app
    try:
        client = floor_app.test_client()

        def rows() -> int:
            with floor_app.app_context():
                return db.session.scalar(select(func.count()).select_from(text("bench_floor_rows")))

        def token(path: str) -> str:
            html = client.get(path).get_data(as_text=True)
            return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)

        assert client.post("/bench/floor").status_code in (302, 400, 403) and rows() == 0  # nobody signed in
        answer = client.post("/login", data={"login": patient.user.email, "password": TEST_PASSWORD,
                                             "csrf_token": token("/login")})
        assert answer.status_code == 302
        assert client.post("/bench/floor", data={"csrf_token": "forged"}).status_code == 400 and rows() == 0
        answer = client.post("/bench/floor", data={"csrf_token": token("/patient/checkin")})
        assert answer.status_code == 302 and rows() == 1
    finally:
        with floor_app.app_context():
            db.session.execute(text("DROP TABLE IF EXISTS bench_floor_rows"))
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        sys.modules.pop("bench.app", None)


def test_completion_over_the_benchmarks_outbox_matches_a_plain_count_of_its_rows(app):
    """The cohort's check-ins made / asked for (services/completion.py, in SQL) against the same
    definition counted in Python over the generated reminders and ledger."""
    from collections import defaultdict
    from datetime import timedelta

    from bench.generate import TABLE_COLUMNS
    from bench.outbox import LEDGER_COLUMNS, REMINDER_COLUMNS, ledger_rows, outbox_rows
    from recovery.reminders.mail import CHECKIN_KINDS
    from recovery.services.cohort import CohortFilters
    from recovery.services.completion import cohort_completion

    now = datetime(2026, 11, 20, 15, tzinfo=UTC)
    cohort = build(60, now)
    cohort["reminders"] = outbox_rows(cohort, now)
    cohort["reminder_deliveries"] = ledger_rows(cohort["reminders"])
    load(db.engine, cohort, {**TABLE_COLUMNS, "reminders": REMINDER_COLUMNS, "reminder_deliveries": LEDGER_COLUMNS})

    answered = {d[1] for d in cohort["reminder_deliveries"]}
    asks = defaultdict(list)  # ask -> [(channel, sent_at, answered)]
    for r in (dict(zip(REMINDER_COLUMNS, row, strict=True)) for row in cohort["reminders"]):
        if r["kind"] in CHECKIN_KINDS and r["status"] == "sent":
            day = str(r["for_date"]) if r["for_date"] else f"a{r['appointment_id']}"
            asks[(r["patient_id"], day)].append((r["channel"], r["sent_at"], r["id"] in answered))
    cutoff = now.replace(tzinfo=None) - timedelta(days=1)
    settled = {k: v for k, v in asks.items() if any(a for *_, a in v) or min(s for _, s, _ in v) <= cutoff}
    with app.test_request_context():
        result = cohort_completion(CohortFilters(), now)
    assert result.overall.asked == len(settled) > 50
    assert result.overall.made == sum(any(a for *_, a in v) for v in settled.values()) > 0
    email = [v for v in settled.values() if any(c == "email" for c, *_ in v)]
    assert result.by_channel["email"].asked == len(email)
    assert result.by_channel["email"].made == sum(any(c == "email" and a for c, _, a in v) for v in email)
    assert result.by_channel["in_app"].made == 0  # the generated ledger credits e-mails only
    assert sum(r.asked for r in result.by_week.values()) >= result.overall.asked
