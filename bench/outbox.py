"""The staff desk's pages at 100 and 10,000 patients, through the app (the test client, signed in
as staff): the Outbox's first page with filters, the agenda's week view and the follow-up
worklist (issue 18 item 7); p95 and median of the whole request, and the HTML's size. Every tenth
patient has no follow-up booked, so the worklist has someone on it.

`python -m bench.outbox [sqlite|postgresql]` (PostgreSQL under scripts/with-postgres.sh). The cohort
is bench/generate.py's; its outbox is written here as the rules would have left it a year on: for
each patient the invitation, the 72-hour check and its repeat, the escalation, the daily then
weekly nudges (past ones sent or cancelled by a check-in, the next week's pending), and the
follow-up's two reminders, on e-mail and in the app; a few e-mails failed. About 55 rows a patient.
"""

import random
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

from recovery.extensions import db
from recovery.reminders.mail import CHECKIN_KINDS
from recovery.reminders.rules import nudge_days

from .generate import PASSWORD, TABLE_COLUMNS, build, load
from .support import bench_app, fresh_database

REMINDER_COLUMNS = ("id", "idempotency_key", "patient_id", "kind", "channel", "due_at", "status", "attempts",
                    "last_error", "sent_at", "created_at", "updated_at", "for_date", "appointment_id")
LEDGER_COLUMNS = ("id", "reminder_id", "channel", "step", "status", "at")
RUNS, WARMUP = 20, 2
TARGET_MS, TARGET_KB = 300, 200


def queries(now: datetime) -> dict[str, str]:
    """The pages measured: the default (not sent yet) and three filters a desk would use."""
    today = now.astimezone(ZoneInfo("America/Chicago")).date()
    week = f"from={today}&to={today + timedelta(days=6)}"
    return {
        "first page (not sent yet)": "/staff/outbox",
        "e-mail nudges due this week, any status": f"/staff/outbox?kind=daily_nudge&channel=email&status=all&{week}",
        "patient search 'patient 42', any status": "/staff/outbox?q=patient+42&status=all",
        "failed": "/staff/outbox?status=failed",
        "every status, first page": "/staff/outbox?status=all",
        "agenda, this week": f"/staff/agenda?view=week&date={today}",
        "follow-up worklist": "/staff/worklist",
    }


def outbox_rows(cohort: dict[str, list[tuple]], now: datetime, seed: int = 7) -> list[tuple]:
    """The reminders of every patient in `cohort` (naive UTC times, REMINDER_COLUMNS order)."""
    rng = random.Random(seed)
    naive_now = now.astimezone(UTC).replace(tzinfo=None)
    rows: list[tuple] = []
    performed = {p[1]: p[3] for p in cohort["procedures"]}

    visits = {(a[1], a[3]): a[0] for a in cohort["appointments"]}  # (patient, kind) -> id

    def add(pid, kind, ref, channel, due, future_status="pending", past_status="sent", for_date=None):
        status = future_status if due > naive_now else past_status
        failed = status == "sent" and channel == "email" and rng.random() < 0.002
        status = "failed" if failed else status
        visit = visits.get((pid, "check_72h" if kind.startswith("check_72h") or kind == "escalation" else "follow_up"))
        rows.append((len(rows) + 1, f"{kind}:{pid}:{ref}:{channel}", pid, kind, channel, due, status,
                     5 if failed else (1 if status == "sent" else 0),
                     "SMTPServerDisconnected: Connection unexpectedly closed" if failed else None,
                     due if status == "sent" else None, due - timedelta(days=1), due, for_date,
                     None if kind in ("invite", "daily_nudge") else visit))

    days = nudge_days()
    for patient in cohort["patients"]:
        pid, zone = patient[0], ZoneInfo(patient[6])
        at = performed[pid]
        local_day = at.replace(tzinfo=UTC).astimezone(zone).date()
        for channel in ("email", "in_app"):
            if channel == "email":
                add(pid, "invite", "i", channel, at)
            add(pid, "check_72h", "a1r1", channel, at + timedelta(hours=72))
            add(pid, "check_72h_repeat", "a1r1", channel, at + timedelta(hours=84), past_status="cancelled")
            for n in days:
                due = (datetime.combine(local_day + timedelta(days=n), clock(18, 0), tzinfo=zone)
                       .astimezone(UTC).replace(tzinfo=None))
                if due > naive_now + timedelta(days=7):
                    break  # the rules plan a week ahead
                add(pid, "daily_nudge", f"d{local_day + timedelta(days=n)}", channel, due,
                    past_status="sent" if rng.random() < 0.1 else "cancelled", for_date=local_day + timedelta(days=n))
            visit = datetime.combine(local_day + timedelta(days=28), clock(10, 0), tzinfo=zone)
            for kind, due in (("follow_up_before", visit - timedelta(days=2)),
                              ("follow_up_morning", visit.replace(hour=8))):
                add(pid, kind, "a2r1", channel, due.astimezone(UTC).replace(tzinfo=None))
        add(pid, "escalation", "a1r1", "staff", at + timedelta(hours=96), past_status="cancelled")
    return rows


def ledger_rows(reminders: list[tuple], seed: int = 8) -> list[tuple]:
    """Each sent check-in reminder's "answered" step for about four in five e-mails (the in-app
    copy of the same ask is then never the one credited), as the delivery ledger records them."""
    rng = random.Random(seed)
    rows: list[tuple] = []
    for r in reminders:  # REMINDER_COLUMNS order
        if r[3] in CHECKIN_KINDS and r[4] == "email" and r[6] == "sent" and rng.random() < 0.8:
            rows.append((len(rows) + 1, r[0], r[4], "answered", "checkin", r[9] + timedelta(hours=1)))
    return rows


def _signed_in(app):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
    answer = client.post("/login", data={"login": "desk@bench.local", "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302, answer.status_code
    return client


def _staff_user(cohort: dict[str, list[tuple]], now: datetime) -> None:
    hashed = cohort["users"][0][2]
    uid = max(u[0] for u in cohort["users"]) + 1
    cohort["users"].append((uid, "desk@bench.local", hashed, "staff", True, "Dana Desk",
                            now.astimezone(UTC).replace(tzinfo=None)))


def measure(client, path: str) -> tuple[float, float, int, int]:
    """Median and p95 ms of GET `path`, the HTML's bytes and the rows it lists."""
    for _ in range(WARMUP):
        client.get(path)
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    body = response.get_data()
    p95 = statistics.quantiles(times, n=20, method="inclusive")[18]
    return statistics.median(times), p95, len(body), body.count(b'<tr id="reminder-')


def main(kind: str = "sqlite") -> None:
    now = datetime.now(UTC)
    results: dict[str, dict[int, tuple]] = {}
    for patients in (100, 10_000):
        with fresh_database(kind) as url:
            app = bench_app(url)
            with app.app_context():
                cohort = build(patients, now)
                _staff_user(cohort, now)
                cohort["appointments"] = [a for a in cohort["appointments"]  # (id, patient_id, _, kind, ...)
                                          if not (a[3] == "follow_up" and a[1] % 10 == 0)]
                reminders = outbox_rows(cohort, now)
                cohort["reminders"] = reminders
                cohort["reminder_deliveries"] = ledger_rows(reminders)
                load(db.engine, cohort, {**TABLE_COLUMNS, "reminders": REMINDER_COLUMNS,
                                         "reminder_deliveries": LEDGER_COLUMNS})
                db.session.remove()
                if kind == "postgresql":  # as autovacuum leaves a table that has been there a while
                    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                        conn.exec_driver_sql("VACUUM ANALYZE reminders")
            print(f"{kind} {patients:>6} patients, {len(reminders):,} reminders", flush=True)
            client = _signed_in(app)
            for name, path in queries(now).items():
                median, p95, size, listed = measure(client, path)
                results.setdefault(name, {})[patients] = (median, p95)
                print(f"{kind} {patients:>6} {name:<42} median {median:7.1f} ms  p95 {p95:7.1f} ms  "
                      f"{size / 1024:6.1f} KB  {listed:>2} rows", flush=True)
    for name, by_size in results.items():
        small, large = by_size[100][1], by_size[10_000][1]
        verdict = "met" if large < TARGET_MS and large <= 2 * small else "NOT met"
        print(f"{kind} {name:<42} p95 {small:.1f} -> {large:.1f} ms ({large / small:.1f}x): {verdict}")


if __name__ == "__main__":
    main(*sys.argv[1:])
