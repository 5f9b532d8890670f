"""The clinic's hours and closed dates: the parser, seeding from the config, and every booking or
reschedule checked against them and against the clinician's other visits, with an audited override."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from recovery.extensions import db
from recovery.models import Appointment, AuditEvent, ClinicCalendar, OpeningHours, utcnow
from recovery.services import appointments, clinic_calendar
from recovery.services.clinic_hours import HoursError, describe, parse_closed, parse_hours
from recovery.services.errors import ValidationError

from .conftest import app_of_its_own

CLINIC = ZoneInfo("America/Chicago")
HOURS = "Mon-Fri 08:00-12:00,13:00-17:00; Sat 09:00-12:00"
SHOWN = "Mon–Fri 08:00–12:00, 13:00–17:00; Sat 09:00–12:00"
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


@pytest.fixture
def app(_schema, tmp_path):
    """The usual app, but with a clinic that keeps real hours (conftest's is open around the clock)."""
    with app_of_its_own(_schema, tmp_path, CLINIC_HOURS=HOURS, CLINIC_CLOSED="2026-12-25,2027-01-01") as made:
        yield made


@pytest.fixture
def staff(make_user):
    return make_user("staff", name="Sam Desk")


@pytest.fixture
def lee(make_user):
    return make_user("clinician", name="Dr Lee")


def on(weekday: int, clock: str, weeks: int = 1) -> datetime:
    """Clinic wall-clock `clock` on the first `weekday` at least `weeks` weeks from today, as UTC."""
    today = utcnow().astimezone(CLINIC).date()
    day = today + timedelta(days=7 * weeks + (weekday - today.weekday()) % 7)
    return at(day, clock)


def at(day: date, clock: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=CLINIC).astimezone(UTC)


def field(moment: datetime) -> str:
    return moment.astimezone(CLINIC).strftime("%Y-%m-%dT%H:%M")


def book(patient, when, staff, **extra):
    return appointments.schedule_follow_up(patient, {"scheduled_for": field(when), **extra}, staff, utcnow())


def refusal(patient, when, staff, **extra) -> dict:
    with pytest.raises(ValidationError) as caught:
        book(patient, when, staff, **extra)
    db.session.rollback()
    return caught.value.errors


def follow_ups() -> int:
    return db.session.scalar(select(func.count()).select_from(Appointment).where(Appointment.kind != "check_72h"))


# The parser


def test_the_grammar_reads_day_ranges_day_lists_and_several_ranges_a_day():
    week = parse_hours("Mon-Wed, Fri 8:00-12:00, 13:00-17:00; Sat 09:00-12:00; Thu 10:00–14:00")
    assert week[MON] == week[TUE] == week[WED] == week[FRI] == [(480, 720), (780, 1020)]
    assert week[THU] == [(600, 840)] and week[SAT] == [(540, 720)] and SUN not in week
    assert describe(parse_hours(HOURS)) == SHOWN
    assert describe(parse_hours("Mon-Sun 00:00-24:00")) == "Mon–Sun 00:00–24:00"


@pytest.mark.parametrize("text, why", [
    ("Mon-Fri 17:00-08:00", "ends before it starts"),
    ("Mon 08:00-12:00,11:00-13:00", "overlap"),
    ("Mon-Fri 08:00-12:00; Wed 11:00-13:00", "overlap"),
    ("Fri-Mon 08:00-17:00", "runs backwards"),
    ("Mon-Fri 8-17", "not a time of day"),
    ("Mon-Fri 08:00-25:00", "not a time of day"),
    ("Mon-Fri 08:60-17:00", "not a time of day"),
    ("Monday 08:00-17:00", "should be days then times"),
    ("Mox 08:00-17:00", "not a day"),
    ("Mon-Fri", "should be days then times"),
    ("", "at least one day"),
])
def test_the_grammar_refuses_and_says_why(text, why):
    with pytest.raises(HoursError, match=why):
        parse_hours(text)


def test_closed_dates_are_iso_dates_separated_by_commas():
    assert parse_closed(" 2027-01-01, 2026-12-25 ,2026-12-25") == [date(2026, 12, 25), date(2027, 1, 1)]
    assert parse_closed("") == []
    for bad in ("2026-13-01", "25/12/2026", "2026-12-25;2027-01-01"):
        with pytest.raises(HoursError, match="is not a date"):
            parse_closed(bad)


# Seeding


def test_until_seeded_the_config_is_the_calendar_and_reading_writes_nothing(app):
    calendar = clinic_calendar.current()
    assert not calendar.seeded and calendar.describe() == SHOWN
    assert list(calendar.closed) == [date(2026, 12, 25), date(2027, 1, 1)]
    assert db.session.scalar(select(func.count()).select_from(OpeningHours)) == 0


def test_init_db_seeds_the_tables_once_and_a_later_config_changes_nothing(app, runner):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0 and "Clinic hours and closed dates copied" in result.output
    assert db.session.scalar(select(func.count()).select_from(OpeningHours)) == 11  # 5 days x 2 + Sat
    assert clinic_calendar.current().seeded

    app.config["CLINIC_WEEK"] = parse_hours("Sun 10:00-11:00")  # a restart with other settings
    again = runner.invoke(args=["init-db"])
    assert again.exit_code == 0 and "copied" not in again.output
    assert clinic_calendar.current().describe() == SHOWN
    assert db.session.scalar(select(func.count()).select_from(ClinicCalendar)) == 1


def test_staff_may_close_every_day_and_the_config_does_not_come_back(app, staff, runner):
    clinic_calendar.save_week({name: "" for name in clinic_calendar.WEEKDAY_FIELDS}, staff, utcnow())
    db.session.commit()
    runner.invoke(args=["init-db"])
    assert clinic_calendar.current().week == {}


# The checks


def test_a_visit_inside_the_hours_is_booked_without_a_word(app, staff, make_patient):
    patient = make_patient()
    visit = book(patient, on(TUE, "13:00"), staff)
    db.session.commit()
    assert visit.id and follow_ups() == 1


@pytest.mark.parametrize("weekday, clock, problem", [
    (SUN, "10:00", f"Sunday is outside the clinic's hours ({SHOWN})."),
    (SAT, "13:00", f"13:00–13:30 on Saturday is outside the clinic's hours ({SHOWN})."),
    (MON, "12:00", f"12:00–12:30 on Monday is outside the clinic's hours ({SHOWN})."),  # lunch
    (FRI, "16:45", f"16:45–17:15 on Friday is outside the clinic's hours ({SHOWN})."),  # runs past closing
    (WED, "07:59", f"07:59–08:29 on Wednesday is outside the clinic's hours ({SHOWN})."),
    (THU, "03:00", f"03:00–03:30 on Thursday is outside the clinic's hours ({SHOWN})."),
])
def test_outside_the_hours_is_refused_naming_the_problem(app, staff, make_patient, weekday, clock, problem):
    errors = refusal(make_patient(), on(weekday, clock), staff)
    assert errors["scheduled_for"] == problem
    assert "Book anyway" in errors["override"]
    assert follow_ups() == 0


def test_each_range_of_a_split_day_takes_visits_to_its_last_minute(app, staff, make_patient):
    patient = make_patient()
    for clock in ("08:00", "11:30", "13:00", "16:30"):
        book(patient, on(MON, clock), staff)
    book(patient, on(SAT, "11:30"), staff)
    db.session.commit()
    assert follow_ups() == 5


def test_a_closed_date_is_refused_and_a_snow_day_is_one_field(app, staff, make_patient):
    snow = on(THU, "10:00", weeks=2)
    day = snow.astimezone(CLINIC).date()
    clinic_calendar.add_closed({"day": day.isoformat(), "note": "snow day"}, staff, utcnow())
    db.session.commit()
    errors = refusal(make_patient(), snow, staff)
    assert errors["scheduled_for"] == f"{day.day} {day:%b %Y} is a closed date (snow day)."
    assert follow_ups() == 0


def test_a_seeded_closed_date_is_named_like_25_dec_2026(app, staff):
    from recovery.services import booking_checks

    assert booking_checks._calendar_problems(at(date(2026, 12, 25), "10:00"), CLINIC) == [
        "25 Dec 2026 is a closed date."]


def test_an_overlap_with_the_same_clinicians_visit_is_named(app, staff, lee, make_user, make_patient):
    rosa = make_patient(name="Rosa Díaz", clinician_id=lee.id)
    other = make_patient(name="Tom Park", clinician_id=lee.id)
    elsewhere = make_patient(name="Ana Ruiz", clinician_id=make_user("clinician", name="Dr Kim").id)
    book(rosa, on(TUE, "10:00"), staff)
    db.session.commit()

    errors = refusal(other, on(TUE, "10:15"), staff)
    assert errors["scheduled_for"] == "The visit overlaps Rosa Díaz's follow-up 10:00–10:30 with Dr Lee."
    book(other, on(TUE, "10:30"), staff)  # back to back is fine
    book(elsewhere, on(TUE, "10:00"), staff)  # another clinician's patient
    db.session.commit()
    assert follow_ups() == 3


def test_a_patient_cannot_be_in_two_visits_at_once_even_without_a_clinician(app, staff, make_patient):
    patient = make_patient(name="Rosa Díaz")
    book(patient, on(WED, "09:00"), staff)
    db.session.commit()
    errors = refusal(patient, on(WED, "09:20"), staff)
    assert errors["scheduled_for"] == "The visit overlaps Rosa Díaz's follow-up 09:00–09:30."


def test_a_reschedule_is_checked_but_not_against_itself(app, staff, lee, make_patient):
    rosa = make_patient(name="Rosa Díaz", clinician_id=lee.id)
    tom = make_patient(name="Tom Park", clinician_id=lee.id)
    book(rosa, on(TUE, "10:00"), staff)
    visit = book(tom, on(TUE, "14:00"), staff)
    db.session.commit()
    appointments.reschedule(visit, {"scheduled_for": field(on(TUE, "14:15"))}, staff, utcnow())
    db.session.commit()

    for clock, problem in (("10:10", "overlaps Rosa Díaz's follow-up 10:00–10:30 with Dr Lee"),
                           ("18:00", "18:00–18:30 on Tuesday is outside")):
        with pytest.raises(ValidationError) as caught:
            appointments.reschedule(visit, {"scheduled_for": field(on(TUE, clock))}, staff, utcnow())
        db.session.rollback()
        assert problem in caught.value.errors["scheduled_for"]
    assert db.session.get(Appointment, visit.id).scheduled_for == on(TUE, "14:15")


def test_an_override_with_a_reason_books_and_the_audit_log_keeps_the_reason(app, staff, make_patient):
    patient = make_patient()
    when = on(SAT, "14:00")
    visit = book(patient, when, staff, override="1", override_reason="Surgeon's Saturday clinic")
    db.session.commit()
    assert visit.scheduled_for == when
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "appointment.schedule"))
    assert event.actor_id == staff.id and event.patient_id == patient.id
    assert "Surgeon's Saturday clinic" in event.detail and "on Saturday is outside the clinic's hours" in event.detail


def test_an_override_without_a_reason_is_refused_and_writes_nothing(app, staff, make_patient):
    patient = make_patient()
    audits = db.session.scalar(select(func.count()).select_from(AuditEvent))
    errors = refusal(patient, on(SUN, "10:00"), staff, override="1", override_reason="   ")
    assert "reason" in errors["override_reason"] and "Sunday is outside" in errors["scheduled_for"]
    assert follow_ups() == 0 and db.session.scalar(select(func.count()).select_from(AuditEvent)) == audits


def test_past_times_stay_refused_whatever_the_override(app, staff, make_patient):
    patient = make_patient()
    errors = refusal(patient, utcnow() - timedelta(minutes=5), staff, override="1", override_reason="x")
    assert errors == {"scheduled_for": "The visit must be in the future."}


def test_72_hour_checks_are_exempt_and_never_an_overlap(app, staff, lee, make_patient):
    sunday_night = on(SUN, "03:00", weeks=-1)  # last Sunday, 03:00: always past
    patient = make_patient(name="Rosa Díaz", clinician_id=lee.id, performed_at=sunday_night)
    check = patient.current_procedure.appointments[0]
    assert check.kind == "check_72h" and check.scheduled_for == sunday_night + timedelta(hours=72)
    other = make_patient(clinician_id=lee.id)
    # a follow-up at the same time as a 72-hour check (in the hours) is no overlap
    check.scheduled_for = on(TUE, "10:00")
    db.session.commit()
    book(other, on(TUE, "10:00"), staff)
    db.session.commit()
    assert follow_ups() == 1


def test_hours_are_clinic_wall_clock_on_both_sides_of_a_dst_change(app, staff, make_patient):
    today = utcnow().astimezone(CLINIC).date()
    march = date(today.year + (today.month >= 3), 3, 8)  # the US springs forward on March's 2nd Sunday
    spring = march + timedelta(days=(SUN - march.weekday()) % 7)
    before, after = spring - timedelta(days=6), spring + timedelta(days=1)  # the Mondays around it
    patient = make_patient()
    # 14:00 UTC is 08:00 CST before the change and 09:00 CDT after it; 13:30 UTC is 07:30 CST, 08:30 CDT
    book(patient, datetime.combine(before, time(14, 0), tzinfo=UTC), staff)
    book(patient, datetime.combine(after, time(13, 30), tzinfo=UTC), staff)
    db.session.commit()
    errors = refusal(patient, datetime.combine(before, time(13, 30), tzinfo=UTC), staff)
    assert errors["scheduled_for"].startswith("07:30–08:00 on Monday is outside")
    stored = db.session.scalars(select(Appointment.scheduled_for).where(Appointment.kind == "follow_up")
                                .order_by(Appointment.scheduled_for)).all()
    assert [s.astimezone(CLINIC).strftime("%H:%M %Z") for s in stored] == ["08:00 CST", "08:30 CDT"]


def test_the_api_warns_the_same_and_takes_the_override(app, client, staff, make_patient):
    from .api_helpers import Api

    api, patient = Api(client, staff), make_patient()
    body = {"patient_id": patient.id, "scheduled_for": on(SUN, "10:00").isoformat()}
    refused = api.post("/appointments", json=body)
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["scheduled_for"] == f"Sunday is outside the clinic's hours ({SHOWN})."
    no_reason = api.post("/appointments", json={**body, "override": True})
    assert no_reason.status_code == 422 and "override_reason" in no_reason.get_json()["errors"]
    assert follow_ups() == 0
    booked = api.post("/appointments", json={**body, "override": True, "override_reason": "Open day"})
    assert booked.status_code == 201 and follow_ups() == 1
    assert "Reason: Open day" in db.session.scalar(
        select(AuditEvent.detail).where(AuditEvent.action == "appointment.schedule"))
