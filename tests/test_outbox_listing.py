"""The staff Outbox at scale: 50 a page soonest due first, filters carried in the URL, counts by
status for the filtered set, refused filters answered 400 with the filters shown, and what a
pending row is waiting for (quiet hours in the patient's zone, or its next attempt)."""

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from recovery.extensions import db
from recovery.jobs import dispatch_due
from recovery.models import Reminder, utcnow
from recovery.reminders.outbox import enqueue_invite
from recovery.reminders.rules import Policy
from recovery.services import appointments, outbox_view
from recovery.services.outbox_view import OutboxQuery

CLINIC = ZoneInfo("America/Chicago")
DENVER = ZoneInfo("America/Denver")


@pytest.fixture
def staff(make_user, login):
    return login(make_user("staff"))


def add(patient, due, kind="daily_nudge", channel="email", status="pending", **extra) -> Reminder:
    """One outbox row, written directly (the rules are not under test here)."""
    add.n = getattr(add, "n", 0) + 1
    row = Reminder(idempotency_key=f"test:{add.n}", patient_id=patient.id, kind=kind, channel=channel,
                   due_at=due, status=status, **extra)
    db.session.add(row)
    db.session.commit()
    return row


def listed(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr id="reminder-(\d+)"', html)]


def row_html(html: str, reminder_id: int) -> str:
    match = re.search(rf'<tr id="reminder-{reminder_id}".*?</tr>', html, re.S)
    assert match, f"reminder {reminder_id} not listed"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))


def next_local(clock: time, zone: ZoneInfo, after: datetime) -> datetime:
    """The next moment after `after` that reads `clock` on the wall in `zone`, as UTC."""
    day = after.astimezone(zone).date()
    while (moment := datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)) <= after:
        day += timedelta(days=1)
    return moment


def test_pages_of_50_soonest_first_with_page_links_that_keep_the_filters(client, staff, make_patient):
    patient = make_patient(procedure=False)
    start = utcnow() + timedelta(days=1)
    rows = [add(patient, start + timedelta(hours=(i * 7) % 120)) for i in range(120)]  # written out of order
    soonest = [r.id for r in sorted(rows, key=lambda r: (r.due_at, r.id))]
    first = client.get("/staff/outbox?kind=daily_nudge").get_data(as_text=True)
    assert listed(first) == soonest[:50]
    assert "120 reminders match." in first and "Page 1 of 3" in first
    for page in (2, 3):  # each page link carries the filter
        assert f'href="/staff/outbox?kind=daily_nudge&amp;page={page}"' in first
    third = client.get("/staff/outbox?kind=daily_nudge&page=3").get_data(as_text=True)
    assert listed(third) == soonest[100:] and 'rel="prev" href="/staff/outbox?kind=daily_nudge&amp;page=2"' in third
    beyond = client.get("/staff/outbox?kind=daily_nudge&page=9")
    assert beyond.status_code == 200 and listed(beyond.get_data(as_text=True)) == []
    assert "Go to the last page (3)" in beyond.get_data(as_text=True)


def test_filters_patient_kind_channel_status_and_due_dates_in_clinic_time(client, staff, make_patient):
    ana = make_patient(procedure=False, name="Ana Lopez", record_number="MRN-7001")
    bob = make_patient(procedure=False, name="Bob Stone", record_number="MRN-8002")
    day = utcnow().astimezone(CLINIC).date() + timedelta(days=3)
    late = datetime.combine(day, time(23, 30), tzinfo=CLINIC).astimezone(UTC)  # the next day in UTC
    a_late = add(ana, late)
    a_app = add(ana, late - timedelta(hours=5), channel="in_app")
    a_sent = add(ana, late - timedelta(hours=6), status="sent", sent_at=late - timedelta(hours=6))
    b_visit = add(bob, late + timedelta(days=1), kind="follow_up_morning")
    b_staff = add(bob, late + timedelta(days=2), kind="escalation", channel="staff")

    def ids(query: str) -> set[int]:
        response = client.get(f"/staff/outbox?{query}")
        assert response.status_code == 200, query
        return set(listed(response.get_data(as_text=True)))

    assert ids("") == {a_late.id, a_app.id, b_visit.id, b_staff.id}  # not sent yet, by default
    assert ids("status=all") == {a_late.id, a_app.id, a_sent.id, b_visit.id, b_staff.id}
    assert ids("q=ana+lo&status=all") == ids("q=mrn-70&status=all") == {a_late.id, a_app.id, a_sent.id}
    assert ids("q=%25") == set()  # a wildcard matches literally
    assert ids("kind=follow_up_morning") == {b_visit.id}
    assert ids("channel=in_app") == {a_app.id}
    assert ids("status=sent") == {a_sent.id}
    # 23:30 on `day` in Chicago is `day`'s reminder, although it is the next day in UTC.
    assert ids(f"from={day}&to={day}") == {a_late.id, a_app.id}
    assert ids(f"from={day + timedelta(days=1)}") == {b_visit.id, b_staff.id}
    assert ids(f"to={day - timedelta(days=1)}") == set()
    assert ids(f"q=bob&channel=staff&from={day}&status=all") == {b_staff.id}


def test_counts_by_status_are_for_the_filtered_set_and_link_to_each_status(client, staff, make_patient):
    ana = make_patient(procedure=False, name="Ana Lopez")
    bob = make_patient(procedure=False, name="Bob Stone")
    soon = utcnow() + timedelta(days=2)
    for status in ("pending", "pending", "sent", "failed"):
        add(ana, soon, status=status)
    add(bob, soon, status="cancelled")
    html = client.get("/staff/outbox?q=ana&status=failed").get_data(as_text=True)
    counts = re.search(r'<ul class="staff-outbox-counts".*?</ul>', html, re.S).group(0)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", counts)).strip()
    assert text == "Pending: 2 Sending: 0 Sent: 1 Failed: 1 Cancelled: 0"  # Bob's row is filtered out
    assert 'href="/staff/outbox?q=ana&amp;status=sent"' in counts
    assert "1 reminder matches." in html


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("from=2026-02-30", "from", "Please enter a real date (YYYY-MM-DD)."),
        ("to=tomorrow", "to", "Please enter a real date (YYYY-MM-DD)."),
        ("from=2026-12-10&to=2026-12-01", "to", "The end date cannot be before the start date."),
        ("from=9999-12-31", "from", "Please enter a date from 1900-01-01 to 2999-12-31."),
        ("kind=password_reset", "kind", "Unknown value for kind: choose one from the list."),
        ("channel=fax", "channel", "Unknown value for channel: choose one from the list."),
        ("status=lost", "status", "Unknown status “lost”."),
        ("page=0", "page", "Please enter a whole number from 1 to 100000."),
        ("q=" + "x" * 101, "q", "Please search with 100 characters or fewer."),
    ],
)
def test_a_bad_filter_is_refused_with_400_by_the_field_and_the_filters_shown(
    client, staff, make_patient, query, field, message
):
    add(make_patient(procedure=False), utcnow() + timedelta(days=1))
    response = client.get(f"/staff/outbox?{query}&channel=email&q=x")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(rf'<span class="error" id="{field}-error" role="alert">[^<]*{re.escape(message)}', html)
    assert "no reminders are listed" in html and listed(html) == []
    assert field == "page" or f'aria-invalid="true" aria-describedby="{field}-error"' in html
    assert '<form method="get" action="/staff/outbox"' in html and 'name="from"' in html


def test_a_reminder_due_in_quiet_hours_says_it_is_held_until_08_00_in_the_patients_zone(
    client, staff, make_patient
):
    here = make_patient(procedure=False, name="Night Owl")
    there = make_patient(procedure=False, name="Mountain Owl", tz="America/Denver")
    now = utcnow()
    night = add(here, next_local(time(23, 47), CLINIC, now))
    mountain = add(there, next_local(time(5, 15), DENVER, now), channel="in_app")
    staff_task = add(here, next_local(time(23, 47), CLINIC, now), kind="escalation", channel="staff")
    daytime = add(here, next_local(time(12, 0), CLINIC, now))
    html = client.get("/staff/outbox").get_data(as_text=True)
    assert "11:47:00 PM" in row_html(html, night.id) and "held until 08:00 (quiet hours)" in row_html(html, night.id)
    assert "held until 08:00 MST (quiet hours)" in row_html(html, mountain.id)
    assert "held until" not in row_html(html, staff_task.id)  # quiet hours are for patients
    assert "held until" not in row_html(html, daytime.id)


def test_an_invitation_the_dispatcher_held_overnight_still_says_so(app, client, staff, make_patient):
    patient = make_patient(procedure=False, email="late.night@example.org")
    patient.user.password_hash = None  # enrolled, not yet signed in: the invitation applies
    evening = next_local(time(23, 47), CLINIC, utcnow() + timedelta(days=1))
    invite = enqueue_invite(patient, evening)
    db.session.commit()
    report = dispatch_due(evening + timedelta(minutes=1))
    assert invite.id in report.held
    db.session.refresh(invite)
    assert invite.status == "pending" and invite.next_attempt_at.astimezone(CLINIC).time() == time(8, 0)
    row = row_html(client.get("/staff/outbox").get_data(as_text=True), invite.id)
    assert "Set-password invitation" in row and "held until 08:00 (quiet hours)" in row and "Pending" in row


def test_a_reminder_waiting_to_retry_says_when(app, client, staff, make_patient):
    patient = make_patient()
    visit_day = utcnow().astimezone(CLINIC).date() + timedelta(days=10)
    when = datetime.combine(visit_day, time(10, 30), tzinfo=CLINIC).astimezone(UTC)
    visit = appointments.schedule_follow_up(
        patient, {"scheduled_for": when.astimezone(CLINIC).strftime("%Y-%m-%dT%H:%M")}, staff, utcnow())
    db.session.commit()
    port = app.config.get("MAIL_PORT")
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_TIMEOUT=1)  # nothing listens on 1
    attempt_at = when - timedelta(days=2)
    dispatch_due(attempt_at)
    app.config["MAIL_PORT"] = port
    failed = db.session.scalar(select(Reminder).where(
        Reminder.appointment_id == visit.id, Reminder.kind == "follow_up_before", Reminder.channel == "email"))
    assert (failed.status, failed.attempts) == ("pending", 1)
    retry = failed.next_attempt_at.astimezone(CLINIC).strftime("%H:%M")
    assert retry == (attempt_at + timedelta(minutes=1)).astimezone(CLINIC).strftime("%H:%M")
    row = row_html(client.get("/staff/outbox").get_data(as_text=True), failed.id)
    assert f"will retry at {retry} (after 1 failed attempt)" in row


def test_timing_at_night_for_a_row_already_overdue_and_never_for_rows_not_pending(app, make_patient):
    patient = make_patient(procedure=False)
    day = utcnow().astimezone(CLINIC).date() + timedelta(days=5)
    due = datetime.combine(day, time(20, 30), tzinfo=CLINIC).astimezone(UTC)
    now = datetime.combine(day, time(22, 0), tzinfo=CLINIC).astimezone(UTC)
    overdue = add(patient, due)
    sent = add(patient, due, status="sent", sent_at=due)
    page = outbox_view.list_page(OutboxQuery(status="all"), now, "America/Chicago", Policy())
    timings = {row.reminder.id: row.timing for row in page.rows}
    assert timings[overdue.id].reason == "held"
    assert timings[overdue.id].at == datetime.combine(day + timedelta(days=1), time(8, 0), tzinfo=CLINIC)
    assert timings[sent.id] is None
    morning = datetime.combine(day, time(20, 45), tzinfo=CLINIC).astimezone(UTC)
    later = outbox_view.list_page(OutboxQuery(), morning, "America/Chicago", Policy())
    assert later.rows[0].timing is None  # due 20:30, 20:45 now: goes at the next run


def test_pages_of_every_status_never_overlap_or_skip_when_many_share_a_due_time(client, staff, make_patient):
    patients = [make_patient(procedure=False) for _ in range(3)]
    same = utcnow().replace(microsecond=0) + timedelta(days=2)
    statuses = ("pending", "sent", "cancelled", "failed")
    made = {add(patients[i % 3], same + timedelta(minutes=i % 2), channel=("email", "in_app")[i % 2],
                status=statuses[i % 4]).id for i in range(110)}
    seen = []
    for page in (1, 2, 3):
        seen += listed(client.get(f"/staff/outbox?status=all&page={page}").get_data(as_text=True))
    assert len(seen) == len(set(seen)) == 110 and set(seen) == made
    due = {r.id: r.due_at for r in db.session.scalars(select(Reminder))}
    assert [due[i] for i in seen] == sorted(due[i] for i in seen)


def test_counts_stop_at_the_cap_and_say_so_while_paging_goes_on(client, staff, make_patient, monkeypatch):
    """Each status is counted up to COUNT_CAP (bounded work on a large outbox): the page shows
    "3+" rather than a number it did not count, and the rows past the cap are still reachable."""
    monkeypatch.setattr(outbox_view, "COUNT_CAP", 3)
    monkeypatch.setattr(outbox_view, "PAGE_SIZE", 2)
    patient = make_patient(procedure=False)
    start = utcnow() + timedelta(days=1)
    rows = [add(patient, start + timedelta(hours=i)) for i in range(7)]
    add(patient, start, status="failed")
    for i in range(4):
        add(patient, start - timedelta(days=i + 1), status="sent", sent_at=start - timedelta(days=i + 1))

    def counts(html):
        block = re.search(r'<ul class="staff-outbox-counts".*?</ul>', html, re.S).group(0)
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", block)).strip()

    first = client.get("/staff/outbox?status=pending").get_data(as_text=True)
    assert counts(first) == "Pending: 3+ Sending: 0 Sent: 3+ Failed: 1 Cancelled: 0"
    assert "More than 3 reminders match; counting stops at 3 a status." in first
    assert "Page 1 of more than 2" in first and listed(first) == [r.id for r in rows[:2]]
    assert 'rel="next" href="/staff/outbox?status=pending&amp;page=2"' in first
    # Past the pages the count vouches for, the rows are still there, and the end is found.
    third = client.get("/staff/outbox?status=pending&page=3").get_data(as_text=True)
    assert listed(third) == [r.id for r in rows[4:6]] and "Page 3 of more than 3" in third
    last = client.get("/staff/outbox?status=pending&page=4").get_data(as_text=True)
    assert listed(last) == [rows[6].id] and "Page 4 of 4" in last and 'rel="next"' not in last
    assert 'rel="prev" href="/staff/outbox?status=pending&amp;page=3"' in last
    beyond = client.get("/staff/outbox?status=pending&page=5").get_data(as_text=True)
    assert listed(beyond) == [] and "No reminders on this page." in beyond
    # Under the cap every count is exact, as before.
    failed = client.get("/staff/outbox?status=failed").get_data(as_text=True)
    assert "1 reminder matches." in failed and "Failed: 1" in counts(failed)
    # A search counts its patients' reminders exactly, whatever the cap.
    searched = client.get(f"/staff/outbox?q={patient.record_number}&status=pending").get_data(as_text=True)
    assert "Pending: 7 " in counts(searched) + " " and "7 reminders match." in searched
