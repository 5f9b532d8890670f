"""The agenda: which visits a clinic day or week holds (across DST, at any hour), its filters, the
reminders that went out, marking a visit completed or a no-show, and refused filters."""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from recovery.extensions import db
from recovery.jobs import dispatch_due
from recovery.models import Appointment, AuditEvent, CallTask, Reminder, utcnow
from recovery.reminders import outbox
from recovery.reminders.dispatch import deliver_due
from recovery.reminders.rules import AppointmentFacts, PatientFacts, plan
from recovery.services import agenda, appointments, calls
from recovery.services.errors import ValidationError

from .conftest import csrf_token, statements

TZ = "America/Chicago"
CLINIC = ZoneInfo(TZ)


def at(day: date, clock: str) -> datetime:
    """A clinic wall-clock time as an aware UTC instant."""
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=CLINIC).astimezone(UTC)


def visit(patient, when, kind="follow_up", status="scheduled", clinician=None) -> Appointment:
    row = Appointment(patient_id=patient.id, procedure_id=patient.current_procedure.id, kind=kind,
                      scheduled_for=when, status=status, revision=1, updated_at=when - timedelta(days=10),
                      clinician_id=clinician.id if clinician else None)
    db.session.add(row)
    db.session.commit()
    return row


def shown(listing) -> list[int]:
    return [v.id for d in listing.days for v in d.visits]


def filters(view="day", day=None, **rest) -> agenda.Filters:
    return agenda.Filters(view=view, day=day, **rest)


@pytest.fixture
def patient(make_patient):
    return make_patient(name="Rosa Nowak", phone="(219) 555-0199",
                        performed_at=datetime(2026, 10, 1, 15, 0, tzinfo=UTC))


# --- which visits a day and a week hold -------------------------------------------------------

def test_a_week_across_the_autumn_dst_change_runs_monday_to_sunday_on_the_clinic_clock(app, patient):
    # 2026-11-01 (a Sunday) has 25 hours in Chicago: CDT until 02:00, then CST.
    before = visit(patient, at(date(2026, 10, 25), "23:59"))  # Sunday of the week before
    first = visit(patient, at(date(2026, 10, 26), "00:00"))  # Monday 00:00 CDT
    early = visit(patient, at(date(2026, 11, 1), "00:30"))  # Sunday, still CDT
    late = visit(patient, at(date(2026, 11, 1), "23:30"))  # Sunday, CST: 05:30 UTC on Monday
    after = visit(patient, at(date(2026, 11, 2), "00:00"))  # the next Monday
    now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    week = agenda.agenda(filters("week", date(2026, 10, 29)), now, TZ)
    assert [d.day for d in week.days] == [date(2026, 10, 26) + timedelta(days=n) for n in range(7)]
    assert shown(week) == [first.id, early.id, late.id]
    sunday = agenda.agenda(filters("day", date(2026, 11, 1)), now, TZ)
    assert shown(sunday) == [early.id, late.id]
    assert late.scheduled_for.date() == date(2026, 11, 2)  # in UTC it is Monday already
    assert shown(agenda.agenda(filters("day", date(2026, 11, 2)), now, TZ)) == [after.id]
    assert before.id in shown(agenda.agenda(filters("week", date(2026, 10, 19)), now, TZ))
    assert week.previous == date(2026, 10, 22) and week.next == date(2026, 11, 5)


def test_a_day_across_the_spring_dst_change_has_its_visits_and_no_others(app, patient):
    # 2026-03-08: 23 hours in Chicago (02:00 CST jumps to 03:00 CDT).
    patient.current_procedure.performed_at = datetime(2026, 2, 1, 15, 0, tzinfo=UTC)
    db.session.commit()
    inside = [visit(patient, at(date(2026, 3, 8), clock)) for clock in ("00:00", "01:30", "03:30", "23:59")]
    visit(patient, at(date(2026, 3, 7), "23:59"))
    visit(patient, at(date(2026, 3, 9), "00:00"))
    listing = agenda.agenda(filters("day", date(2026, 3, 8)), datetime(2026, 3, 10, tzinfo=UTC), TZ)
    assert shown(listing) == [v.id for v in inside]


@pytest.mark.parametrize("utc_hour", [0, 5, 6, 12, 23])
def test_today_is_the_clinic_calendar_day_at_any_hour(app, patient, utc_hour):
    now = datetime(2026, 12, 3, utc_hour, 30, tzinfo=UTC)
    today = (now - timedelta(hours=6)).date()  # Chicago is UTC-6 in December
    assert agenda.clinic_today(now, TZ) == today
    own = visit(patient, at(today, "00:15"))
    parsed = agenda.parse_filters({}, agenda.clinic_today(now, TZ), [])
    assert parsed == filters("day", today)
    listing = agenda.agenda(parsed, now, TZ)
    assert shown(listing) == [own.id] and listing.today == today


# --- filters and what a row says ---------------------------------------------------------------

def test_filters_by_kind_and_clinician_and_each_row_has_what_the_desk_needs(app, patient, make_user):
    shah, okafor = make_user("clinician", name="Dr Shah"), make_user("clinician", name="Dr Okafor")
    day = date(2026, 11, 10)
    follow = visit(patient, at(day, "09:00"), clinician=shah)
    other = visit(patient, at(day, "11:00"), kind="other", clinician=okafor)
    check = visit(patient, at(day, "13:00"), kind="check_72h", status="completed")
    now = datetime(2026, 11, 20, tzinfo=UTC)
    assert shown(agenda.agenda(filters(day=day), now, TZ)) == [follow.id, other.id, check.id]
    assert shown(agenda.agenda(filters(day=day, kind="other"), now, TZ)) == [other.id]
    assert shown(agenda.agenda(filters(day=day, clinician=shah.id), now, TZ)) == [follow.id]
    assert shown(agenda.agenda(filters(day=day, clinician="none"), now, TZ)) == [check.id]
    row = agenda.agenda(filters(day=day, kind="follow_up"), now, TZ).days[0].visits[0]
    assert (row.patient_name, row.record_number, row.phone, row.clinician_name, row.status) == (
        "Rosa Nowak", patient.record_number, "(219) 555-0199", "Dr Shah", "scheduled")
    assert row.can_complete and row.can_miss  # past and still scheduled
    check_row = agenda.agenda(filters(day=day, kind="check_72h"), now, TZ).days[0].visits[0]
    assert not check_row.can_complete and not check_row.can_miss  # the system's
    parsed = agenda.parse_filters({"view": "week", "date": "2026-11-10", "kind": "other",
                                   "clinician": str(okafor.id)}, day, agenda.clinicians())
    assert parsed == filters("week", day, kind="other", clinician=okafor.id)


@pytest.mark.parametrize("args, field", [
    ({"date": "2026-02-30"}, "date"), ({"date": "yesterday"}, "date"), ({"date": "0001-01-01"}, "date"),
    ({"view": "month"}, "view"), ({"kind": "surgery"}, "kind"), ({"clinician": "999999"}, "clinician"),
    ({"clinician": "Dr Shah"}, "clinician"), ({"clinician": "-1"}, "clinician"),
])
def test_bad_filters_are_refused_by_name(app, args, field):
    with pytest.raises(ValidationError) as refused:
        agenda.parse_filters(args, date(2026, 12, 3), [])
    assert list(refused.value.errors) == [field]


def test_the_reminders_for_each_visit_say_which_went_out(app, patient, smtp_sink, make_user):
    patient.clinician_id = make_user("clinician").id
    db.session.commit()
    booked_at = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    when = at(date(2026, 11, 25), "10:00")
    follow = appointments.schedule_follow_up(patient, {"scheduled_for": when}, patient.user, booked_at)
    db.session.commit()
    # The dispatcher runs once the "2 days before" reminder is due, and not yet that morning.
    dispatch_due(when - timedelta(days=2) + timedelta(hours=1))
    row = agenda.agenda(filters(day=date(2026, 11, 25)), booked_at, TZ).days[0].visits[0]
    states = {r.kind: r for r in row.reminders}
    assert list(states) == ["follow_up_before", "follow_up_morning", "visit_summary"]
    assert states["follow_up_before"].went_out and states["follow_up_before"].status == "sent"
    assert states["visit_summary"].status == "pending" and not states["visit_summary"].went_out
    assert states["follow_up_morning"].status == "pending"
    assert any(m["To"] == patient.email for m in smtp_sink.messages)
    # Moved: the reminders are those of the new time, none of them out yet.
    appointments.reschedule(follow, {"scheduled_for": when + timedelta(days=1)}, patient.user,
                            when - timedelta(days=2) + timedelta(hours=2))
    db.session.commit()
    moved = agenda.agenda(filters(day=date(2026, 11, 26)), booked_at, TZ).days[0].visits[0]
    assert moved.reminders and not any(r.went_out for r in moved.reminders)


def test_the_agenda_costs_the_same_statements_for_2_and_20_visits(app, make_patient, make_user):
    clinician = make_user("clinician")
    day = date(2026, 11, 24)
    now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)

    def count(n):
        for i in range(n):
            p = make_patient(performed_at=datetime(2026, 10, 1, tzinfo=UTC))
            visit(p, at(day, "08:00") + timedelta(minutes=10 * i), clinician=clinician)
            outbox.sync_patient(p, now)  # each with its reminders planned
        db.session.commit()
        db.session.expire_all()
        with statements() as seen:
            listing = agenda.agenda(filters("week", day), now, TZ)
        assert all(v.reminders for d in listing.days for v in d.visits)
        return listing.count, len(seen)

    two = count(2)
    twenty = count(18)
    assert two[0] == 2 and twenty[0] == 20
    assert two[1] == twenty[1]


# --- completed and no-show ---------------------------------------------------------------------

def test_a_no_show_makes_a_call_task_and_stops_the_reminders(app, patient, make_user):
    staff = make_user("staff")
    booked_at = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    when = at(date(2026, 11, 24), "10:00")
    follow = appointments.schedule_follow_up(patient, {"scheduled_for": when}, staff, booked_at)
    db.session.commit()
    assert db.session.scalars(select(Reminder).where(Reminder.appointment_id == follow.id,
                                                     Reminder.status == "pending")).all()
    # The scheduler was down that morning: the reminders are still pending when staff mark it.
    after = when + timedelta(minutes=40)
    appointments.mark(follow, "missed", staff, after)
    db.session.commit()
    assert follow.status == "missed"
    task = db.session.scalar(select(CallTask).where(CallTask.appointment_id == follow.id))
    assert (task.reason, task.closed_at, task.due_by) == ("missed_visit", None, after + timedelta(hours=24))
    assert [t.patient_name for t in calls.open_tasks(after)] == ["Rosa Nowak"]
    assert "rebook" in calls.open_tasks(after)[0].reason
    statuses = set(db.session.scalars(select(Reminder.status).where(Reminder.appointment_id == follow.id)))
    assert "pending" not in statuses
    report = dispatch_due(after + timedelta(minutes=1))
    sent = set(db.session.scalars(select(Reminder.id).where(Reminder.appointment_id == follow.id)))
    assert not sent & set(report.sent)
    # Came after all (late): the call is no longer needed.
    appointments.mark(follow, "completed", staff, after + timedelta(hours=1))
    db.session.commit()
    assert task.closed_at is not None and calls.open_tasks(after) == []
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.patient_id == patient.id)))
    assert {"appointment.missed", "appointment.completed"} <= actions


def test_a_visit_rebooked_and_missed_again_reopens_its_one_call_task(app, patient, make_user):
    staff = make_user("staff")
    t0 = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # a Friday, 09:00 in Chicago
    follow = appointments.schedule_follow_up(patient, {"scheduled_for": t0 + timedelta(hours=2)}, staff, t0)
    appointments.mark(follow, "missed", staff, t0 + timedelta(hours=3))
    calls.close_task(db.session.scalar(select(CallTask.id)), "reached", "Rebooked.", staff, t0 + timedelta(hours=4))
    appointments.reschedule(follow, {"scheduled_for": t0 + timedelta(days=3)}, staff, t0 + timedelta(hours=4))
    appointments.mark(follow, "missed", staff, t0 + timedelta(days=3, hours=1))
    db.session.commit()
    tasks = db.session.scalars(select(CallTask)).all()
    assert len(tasks) == 1 and tasks[0].closed_at is None and tasks[0].outcome is None


@pytest.mark.parametrize("status", ["completed", "missed", "cancelled"])
def test_the_rules_owe_no_reminder_for_a_visit_that_is_no_longer_scheduled(status):
    now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    ahead = AppointmentFacts(7, "follow_up", now + timedelta(days=3), status, 1, now - timedelta(days=1))
    facts = PatientFacts(1, TZ, time(18, 0), ("email", "in_app"), True, now - timedelta(days=40), now - timedelta(days=40),
                         appointments=(ahead,), clinician_ids=(5,))
    assert [p for p in plan(facts, now) if p.appointment_id == 7] == []
    scheduled = PatientFacts(**{**facts.__dict__, "appointments": (ahead.__class__(
        **{**ahead.__dict__, "status": "scheduled"}),)})
    assert {p.kind for p in plan(scheduled, now) if p.appointment_id == 7} == {
        "follow_up_before", "follow_up_morning", "visit_summary"}


def test_the_dispatcher_drops_a_due_reminder_whose_visit_was_marked_meanwhile(app, patient, make_user):
    staff = make_user("staff")
    t0 = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    when = at(date(2026, 11, 24), "10:00")
    follow = appointments.schedule_follow_up(patient, {"scheduled_for": when}, staff, t0)
    db.session.commit()
    # Marked completed early by another process that did not re-plan (a race): rows still pending.
    db.session.execute(Appointment.__table__.update().where(Appointment.__table__.c.id == follow.id)
                       .values(status="completed"))
    db.session.commit()
    due = db.session.scalars(select(Reminder.id).where(Reminder.appointment_id == follow.id,
                                                       Reminder.status == "pending")).all()
    assert due
    report = deliver_due(when - timedelta(hours=1))
    assert set(due) <= set(report.dropped) and not set(due) & set(report.sent)


# --- the pages ---------------------------------------------------------------------------------

@pytest.fixture
def staff(make_user, login):
    return login(make_user("staff"))


def rows(html: str) -> list[str]:
    return re.findall(r'<tr id="visit-\d+".*?</tr>', html, re.S)


def day_sections(html: str) -> dict[date, str]:
    """The week view's day sections by date, as text with their links."""
    found = re.findall(r'<section class="agenda-day" aria-labelledby="day-([\d-]+)".*?</section>', html, re.S)
    sections = re.findall(r'<section class="agenda-day".*?</section>', html, re.S)
    return {date.fromisoformat(d): re.sub(r"\s+", " ", body) for d, body in zip(found, sections, strict=True)}


def test_the_week_is_in_counts_per_day_that_link_to_the_day(client, staff, make_patient, make_user):
    """A busy week stays one screen: each day says how many visits, of which kinds and statuses,
    from when to when; the visits themselves, their reminders and buttons are in the day view."""
    shah = make_user("clinician", name="Dr Shah")
    patient = make_patient(performed_at=datetime(2026, 10, 1, 15, 0, tzinfo=UTC))
    monday = date(2026, 11, 23)
    visit(patient, at(monday, "08:30"), status="completed", clinician=shah)
    visit(patient, at(monday, "16:00"), status="missed")
    visit(patient, at(monday, "11:00"), kind="other", clinician=shah)
    visit(patient, at(monday + timedelta(days=2), "09:15"), kind="check_72h")
    visit(patient, at(monday + timedelta(days=7), "09:00"))  # next week
    html = client.get(f"/staff/agenda?view=week&date={(monday + timedelta(days=3)).isoformat()}").get_data(
        as_text=True)
    days = day_sections(html)
    assert sorted(days) == [monday + timedelta(days=n) for n in range(7)]
    mon, wed = days[monday], days[monday + timedelta(days=2)]
    assert "3 visits</strong>, from 8:30 AM CST to 4:00 PM CST" in mon
    assert "Follow-up visit: 2" in mon and "Other visit: 1" in mon
    assert "Completed: 1" in mon and "No-show: 1" in mon and "Scheduled: 1" in mon
    assert "1 visit</strong>, at 9:15 AM CST" in wed and "72-hour check: 1" in wed
    assert "No visits." in days[monday + timedelta(days=1)]
    assert f'href="/staff/agenda?view=day&amp;date={monday.isoformat()}' in mon
    assert rows(html) == [] and "Mark no-show" not in html and "4 visits shown." in html
    # The filters apply to the counts as to the day.
    mine = client.get(f"/staff/agenda?view=week&date={monday.isoformat()}&clinician={shah.id}").get_data(
        as_text=True)
    assert "2 visits</strong>, from 8:30 AM CST to 11:00 AM CST" in day_sections(mine)[monday]
    others = client.get(f"/staff/agenda?view=week&date={monday.isoformat()}&kind=other").get_data(as_text=True)
    assert "1 visit</strong>, at 11:00 AM CST" in day_sections(others)[monday] and "1 visit shown." in others


def test_the_week_view_costs_one_statement_for_its_visits_whatever_their_number(app, make_patient):
    patient = make_patient(performed_at=datetime(2026, 10, 1, 15, 0, tzinfo=UTC))
    monday = date(2026, 11, 23)
    now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    for n in range(3):
        visit(patient, at(monday + timedelta(days=n), "10:00"))
    with statements() as seen:
        few = agenda.week(filters("week", monday), now, TZ)
    for n in range(30):
        visit(patient, at(monday + timedelta(days=n % 7), "12:00") + timedelta(minutes=n))
    with statements() as again:
        many = agenda.week(filters("week", monday), now, TZ)
    assert (few.count, many.count) == (3, 33) and len(seen) == len(again) == 1
    assert [d.count for d in many.days] == [a + b for a, b in zip([1, 1, 1, 0, 0, 0, 0], [5, 5, 4, 4, 4, 4, 4],
                                                                   strict=True)]


def test_the_agenda_page_shows_today_in_clinic_time_with_a_phone_link_and_moves_between_days(
        client, staff, make_patient, make_user):
    now = utcnow()
    today = now.astimezone(CLINIC).date()
    shah = make_user("clinician", name="Dr Shah")
    patient = make_patient(name="Ada Kowalski", phone="(219) 555-0123", clinician_id=shah.id,
                           performed_at=now - timedelta(days=30))
    visit(patient, at(today, "00:05"), clinician=shah)
    visit(patient, at(today + timedelta(days=1), "09:00"), kind="other")
    assert 'href="/staff/agenda"' in client.get("/staff/").get_data(as_text=True)
    html = client.get("/staff/agenda").get_data(as_text=True)
    [row] = rows(html)
    assert "Ada Kowalski" in row and "MRN-" in row and 'href="tel:(219) 555-0123"' in row
    assert "Dr Shah" in row and "12:05" in row and "Follow-up visit" in row
    assert f"date={(today + timedelta(days=1)).isoformat()}" in html  # next day
    assert f"date={(today - timedelta(days=1)).isoformat()}" in html  # previous day
    tomorrow = client.get(f"/staff/agenda?date={(today + timedelta(days=1)).isoformat()}").get_data(as_text=True)
    [other] = rows(tomorrow)
    assert "Other visit" in other and "Not assigned" in other and "other visits get no reminders" in other
    week = client.get(f"/staff/agenda?view=week&date={today.isoformat()}").get_data(as_text=True)
    assert week.count('class="agenda-day"') == 7 and rows(week) == []  # the week in counts
    days = day_sections(week)
    tomorrow_day = today + timedelta(days=1)
    assert "1 visit</strong>, at 12:05 AM" in days[today] and "Follow-up visit: 1" in days[today]
    assert f'href="/staff/agenda?view=day&amp;date={today.isoformat()}' in days[today]
    if tomorrow_day in days:  # the same week
        assert "1 visit</strong>, at 9:00 AM" in days[tomorrow_day] and "Other visit: 1" in days[tomorrow_day]
    assert "2 visits shown." in week or "1 visit shown." in week
    assert "data-print" in html and "print.js" in html


@pytest.mark.parametrize("query, field, typed", [
    ("date=2026-13-01", "date", "2026-13-01"), ("view=month", "view", None),
    ("kind=surgery", "kind", None), ("clinician=999999", "clinician", None), ("date=9999-99-99&kind=x", "date", None),
])
def test_bad_filters_answer_400_with_the_filters_shown(client, staff, make_patient, query, field, typed):
    patient = make_patient(performed_at=utcnow() - timedelta(days=30))
    visit(patient, utcnow() + timedelta(minutes=5))
    response = client.get(f"/staff/agenda?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html and 'aria-invalid="true"' in html
    assert 'class="agenda-filters' in html and rows(html) == []
    if typed:
        assert f'value="{typed}"' in html


def test_staff_mark_yesterdays_visit_a_no_show_from_the_agenda_and_see_the_call(client, staff, make_patient):
    now = utcnow()
    yesterday = now.astimezone(CLINIC).date() - timedelta(days=1)
    patient = make_patient(name="Ben Walker", performed_at=now - timedelta(days=30))
    follow = visit(patient, at(yesterday, "10:00"))
    later = visit(patient, now + timedelta(days=5))
    page = f"/staff/agenda?date={yesterday.isoformat()}&kind=follow_up"
    html = client.get(page).get_data(as_text=True)
    [row] = rows(html)
    assert "Mark no-show" in row and "Mark completed" in row
    future = client.get(f"/staff/agenda?date={(now + timedelta(days=5)).astimezone(CLINIC).date()}")
    assert "Mark no-show" not in future.get_data(as_text=True)  # not before its time
    response = client.post(f"/staff/agenda/visits/{follow.id}/mark", data={
        "status": "missed", "view": "day", "date": yesterday.isoformat(), "kind": "follow_up",
        "clinician": "all", "csrf_token": csrf_token(client, page)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"date={yesterday.isoformat()}&kind=follow_up&clinician=all"
                                                  f"#visit-{follow.id}")
    after = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "did not come" in after and "No-show" in rows(after)[0]
    home = client.get("/staff/").get_data(as_text=True)
    assert "Ben Walker" in home and "call to rebook" in home
    db.session.refresh(later)
    assert later.status == "scheduled"
    # Again: refused beside the visit, nothing changed.
    again = client.post(f"/staff/agenda/visits/{follow.id}/mark", data={
        "status": "missed", "date": yesterday.isoformat(), "csrf_token": csrf_token(client, page)})
    assert again.status_code == 400
    assert "already marked" in again.get_data(as_text=True)
    assert db.session.scalar(select(CallTask.id).where(CallTask.appointment_id == follow.id))


def test_a_72_hour_check_cannot_be_marked_from_the_agenda(client, staff, make_patient):
    patient = make_patient(performed_at=utcnow() - timedelta(days=4))
    check = patient.current_procedure.appointments[0]
    day = check.scheduled_for.astimezone(CLINIC).date().isoformat()
    html = client.get(f"/staff/agenda?date={day}").get_data(as_text=True)
    [row] = rows(html)
    assert "72-hour check" in row and "Mark" not in row
    before = check.status
    response = client.post(f"/staff/agenda/visits/{check.id}/mark", data={
        "status": "missed", "date": day, "csrf_token": csrf_token(client, "/staff/agenda")})
    assert response.status_code == 400 and "managed by the system" in response.get_data(as_text=True)
    db.session.refresh(check)
    assert check.status == before and db.session.scalar(select(CallTask.id)) is None


def test_booking_takes_the_patients_clinician_by_default_and_another_when_chosen(
        client, staff, make_patient, make_user):
    shah, okafor = make_user("clinician", name="Dr Shah"), make_user("clinician", name="Dr Okafor")
    patient = make_patient(clinician_id=shah.id, performed_at=utcnow() - timedelta(days=10))
    page = f"/staff/patients/{patient.id}"
    html = client.get(page).get_data(as_text=True)
    assert re.search(rf'<option value="{shah.id}" selected>Dr Shah</option>', html)
    day = utcnow().astimezone(CLINIC).date() + timedelta(days=7)
    day += timedelta(days=max(0, 7 - day.weekday()) if day.weekday() >= 5 else 0)  # a weekday: the clinic is open
    when, later = f"{day.isoformat()}T10:00", f"{day.isoformat()}T11:00"
    token = csrf_token(client, page)
    assert client.post(f"{page}/appointments", data={"scheduled_for": when, "csrf_token": token}).status_code == 302
    assert client.post(f"{page}/appointments", data={"scheduled_for": later, "clinician_id": str(okafor.id),
                                                     "csrf_token": token}).status_code == 302
    refused = client.post(f"{page}/appointments", data={"scheduled_for": later, "clinician_id": "999999",
                                                        "csrf_token": token})
    assert refused.status_code == 400 and 'id="clinician_id-error"' in refused.get_data(as_text=True)
    booked = db.session.scalars(select(Appointment).where(Appointment.patient_id == patient.id,
                                                          Appointment.kind == "follow_up")
                                .order_by(Appointment.id)).all()
    assert [b.clinician_id for b in booked] == [shah.id, okafor.id]
    assert patient.current_procedure.appointments[0].clinician_id == shah.id  # the 72-hour check too
    # Moved to the other clinician only (same time): accepted.
    moved = client.post(f"/staff/appointments/{booked[0].id}/reschedule", data={
        "scheduled_for": when, "clinician_id": str(okafor.id), "csrf_token": token})
    assert moved.status_code == 302
    db.session.refresh(booked[0])
    assert booked[0].clinician_id == okafor.id


def test_the_migration_gives_existing_visits_their_patients_clinician(tmp_path):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import create_engine, text

    from .conftest import _make_app
    from .databases import fresh_database

    with fresh_database(tmp_path) as url:
        app = _make_app(url, tmp_path / "instance")
        with app.app_context():
            directory = app.extensions["migrate"].directory
            upgrade(directory=directory)
            downgrade(directory=directory, revision="8946313e8ad4-1")  # the schema before this one
            engine = create_engine(url)
            try:
                with engine.begin() as conn:
                    for sql in (
                        "INSERT INTO users (id, email, role, active, display_name, created_at) VALUES"
                        " (1, 'doc@example.org', 'clinician', true, 'Dr Lee', '2026-11-01 10:00:00'),"
                        " (2, NULL, 'patient', true, 'Ann', '2026-11-01 10:00:00'),"
                        " (3, NULL, 'patient', true, 'Bo', '2026-11-01 10:00:00')",
                        "INSERT INTO patients (id, user_id, record_number, date_of_birth, phone, preferred_language,"
                        " timezone, clinician_id, discharged, demo, created_at) VALUES"
                        " (1, 2, 'M1', '1950-01-01', '555', 'en', 'America/Chicago', 1, false, false,"
                        " '2026-11-01 10:00:00'),"
                        " (2, 3, 'M2', '1950-01-01', '555', 'en', 'America/Chicago', NULL, false, false,"
                        " '2026-11-01 10:00:00')",
                        "INSERT INTO procedures (id, patient_id, type, performed_at, levels, fracture_cause,"
                        " anaesthesia, setting, cement_leakage, baseline_pain, recorded_at) VALUES"
                        " (1, 1, 'kyphoplasty', '2026-11-01 10:00:00', 'L1', 'trauma', 'local', 'outpatient',"
                        " false, 8, '2026-11-01 11:00:00'),"
                        " (2, 2, 'kyphoplasty', '2026-11-01 10:00:00', 'L1', 'trauma', 'local', 'outpatient',"
                        " false, 8, '2026-11-01 11:00:00')",
                        "INSERT INTO appointments (patient_id, procedure_id, kind, scheduled_for, status, revision,"
                        " updated_at) VALUES (1, 1, 'follow_up', '2026-11-20 10:00:00', 'scheduled', 1,"
                        " '2026-11-01 11:00:00'), (2, 2, 'follow_up', '2026-11-20 10:00:00', 'scheduled', 1,"
                        " '2026-11-01 11:00:00')",
                    ):
                        conn.execute(text(sql))
                upgrade(directory=directory)
                with engine.begin() as conn:
                    owners = conn.execute(text(
                        "SELECT patient_id, clinician_id FROM appointments ORDER BY patient_id")).all()
                assert [tuple(row) for row in owners] == [(1, 1), (2, None)]
                downgrade(directory=directory, revision="8946313e8ad4-1")
                upgrade(directory=directory)
            finally:
                engine.dispose()
                db.session.remove()
                db.engine.dispose()
