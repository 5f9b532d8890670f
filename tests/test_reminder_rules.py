"""The reminder rules as a pure function: what is owed, when, and when nothing is."""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from recovery.reminders.rules import (
    AppointmentFacts,
    PatientFacts,
    Policy,
    hold_for_quiet_hours,
    nudge_days,
    plan,
)

CHICAGO = ZoneInfo("America/Chicago")
UTC = timezone.utc


def chicago(*args) -> datetime:
    return datetime(*args, tzinfo=CHICAGO).astimezone(UTC)


PROCEDURE = chicago(2026, 11, 2, 10, 0)  # Monday 10:00 in Chicago


def facts(**overrides) -> PatientFacts:
    check = AppointmentFacts(1, "check_72h", PROCEDURE + timedelta(hours=72), "scheduled", 1, PROCEDURE)
    values = dict(
        patient_id=7, timezone="America/Chicago", reminder_time=time(18, 0), channels=("email", "in_app"),
        active=True, procedure_at=PROCEDURE, procedure_recorded_at=PROCEDURE + timedelta(hours=1),
        appointments=(check,), checkin_dates=frozenset(),
    )
    values.update(overrides)
    return PatientFacts(**values)


def by_kind(owed, kind, channel="email"):
    return [p for p in owed if p.kind == kind and p.channel == channel]


def test_72_hour_check_is_asked_at_72_hours_again_12_hours_later_then_escalated():
    owed = plan(facts(), PROCEDURE + timedelta(hours=1))
    assert [p.due_at for p in by_kind(owed, "check_72h")] == [PROCEDURE + timedelta(hours=72)]
    # 12 h later is Thursday 22:00 in Chicago: quiet hours hold it until Friday 08:00.
    assert [p.due_at for p in by_kind(owed, "check_72h_repeat")] == [chicago(2026, 11, 6, 8, 0)]
    escalation = by_kind(owed, "escalation", "staff")
    assert [p.due_at for p in escalation] == [PROCEDURE + timedelta(hours=96)]
    # In-app copies go out too; e-mail only when the patient has one and has not opted out.
    assert len(by_kind(owed, "check_72h", "in_app")) == 1
    assert by_kind(plan(facts(channels=("in_app",)), PROCEDURE), "check_72h") == []


def test_no_72_hour_reminders_once_the_check_is_done_or_recorded_too_late():
    done = AppointmentFacts(1, "check_72h", PROCEDURE + timedelta(hours=72), "completed", 1, PROCEDURE)
    assert [p for p in plan(facts(appointments=(done,)), PROCEDURE) if "72h" in p.kind] == []
    late = facts(procedure_recorded_at=PROCEDURE + timedelta(hours=72 + 13))
    owed = plan(late, PROCEDURE + timedelta(hours=86))
    assert [p for p in owed if p.kind in ("check_72h", "check_72h_repeat", "escalation")] == []


def test_quiet_hours_hold_patient_reminders_until_8am_local():
    night = chicago(2026, 11, 5, 23, 30)
    assert hold_for_quiet_hours(night, CHICAGO, Policy()) == chicago(2026, 11, 6, 8, 0)
    early = chicago(2026, 11, 5, 6, 15)
    assert hold_for_quiet_hours(early, CHICAGO, Policy()) == chicago(2026, 11, 5, 8, 0)
    evening = chicago(2026, 11, 5, 20, 59)
    assert hold_for_quiet_hours(evening, CHICAGO, Policy()) == evening
    # A procedure at 23:00 has its 72-hour reminder at 08:00, but staff escalation is not held.
    late_procedure = chicago(2026, 11, 2, 23, 0)
    check = AppointmentFacts(1, "check_72h", late_procedure + timedelta(hours=72), "scheduled", 1,
                             late_procedure)
    owed = plan(facts(procedure_at=late_procedure, procedure_recorded_at=late_procedure,
                      appointments=(check,)), late_procedure)
    assert by_kind(owed, "check_72h")[0].due_at == chicago(2026, 11, 6, 8, 0)
    assert by_kind(owed, "escalation", "staff")[0].due_at == late_procedure + timedelta(hours=96)


def test_daily_nudge_follows_local_time_across_the_dst_change():
    # America/Chicago leaves daylight time on 2026-11-01: 18:00 local is 23:00 UTC before, 00:00 after.
    procedure = chicago(2026, 10, 29, 9, 0)
    check = AppointmentFacts(1, "check_72h", procedure + timedelta(hours=72), "completed", 1, procedure)
    f = facts(procedure_at=procedure, procedure_recorded_at=procedure, appointments=(check,))
    owed = plan(f, chicago(2026, 10, 30, 7, 0))
    nudges = {p.for_date: p.due_at for p in by_kind(owed, "daily_nudge")}
    assert nudges[date(2026, 10, 31)] == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)
    assert nudges[date(2026, 11, 1)] == datetime(2026, 11, 2, 0, 0, tzinfo=UTC)


def test_nudges_skip_checked_in_days_past_days_and_the_72_hour_day():
    f = facts(checkin_dates=frozenset({date(2026, 11, 8)}))
    owed = plan(f, chicago(2026, 11, 4, 9, 0))
    days = sorted(p.for_date for p in by_kind(owed, "daily_nudge"))
    assert date(2026, 11, 3) not in days  # a past day
    assert date(2026, 11, 5) not in days  # the 72-hour reminder's day: no nudge on top
    assert date(2026, 11, 8) not in days  # already checked in
    assert date(2026, 11, 4) in days and date(2026, 11, 6) in days
    assert max(days) <= date(2026, 11, 11)  # planned a week ahead, no further


def test_nudges_are_daily_for_two_weeks_then_weekly_until_twelve_weeks():
    days = nudge_days()
    assert days[:14] == list(range(1, 15))
    assert days[14:] == [21, 28, 35, 42, 49, 56, 63, 70, 77, 84]


def test_follow_up_reminders_two_days_before_and_that_morning():
    visit = AppointmentFacts(2, "follow_up", chicago(2026, 11, 30, 14, 0), "scheduled", 1, PROCEDURE)
    owed = plan(facts(appointments=(visit,)), PROCEDURE)
    assert [p.due_at for p in by_kind(owed, "follow_up_before")] == [chicago(2026, 11, 28, 14, 0)]
    assert [p.due_at for p in by_kind(owed, "follow_up_morning")] == [chicago(2026, 11, 30, 8, 0)]
    moved = AppointmentFacts(2, "follow_up", chicago(2026, 12, 3, 10, 0), "scheduled", 2, PROCEDURE)
    keys = {p.key for p in plan(facts(appointments=(moved,)), PROCEDURE)}
    assert "follow_up_before:7:a2r2:email" in keys and "follow_up_before:7:a2r1:email" not in keys
    for status in ("cancelled", "completed"):
        gone = AppointmentFacts(2, "follow_up", visit.scheduled_for, status, 1, PROCEDURE)
        assert [p for p in plan(facts(appointments=(gone,)), PROCEDURE) if "follow" in p.kind] == []


def test_nothing_for_a_discharged_or_deactivated_patient():
    assert plan(facts(active=False), PROCEDURE) == []


def test_after_the_72_hour_window_closes_only_the_staff_escalation_remains():
    owed = plan(facts(), PROCEDURE + timedelta(hours=97))
    assert {p.kind for p in owed if "72h" in p.kind or p.kind == "escalation"} == {"escalation"}
