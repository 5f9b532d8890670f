"""Outcome time points as pure functions of the procedure's time, the patient's zone and `now`:
each window opens and closes on the patient's local days, and each point is upcoming, due,
answered or missed."""

from datetime import UTC, datetime, timedelta

import pytest

from recovery.services.timepoints import (
    ANSWERED,
    DUE,
    MISSED,
    UPCOMING,
    ScheduleError,
    parse_schedule,
    point_open_at,
    statuses,
    window,
)

pytestmark = pytest.mark.no_test_database
KNOWN = {"rmdq", "global_impression", "odi"}
TZ = "America/Chicago"
# The procedure at 10:00 in Chicago (16:00 UTC) on Monday 2 November 2026: day 0.
PERFORMED = datetime(2026, 11, 2, 16, 0, tzinfo=UTC)
SCHEDULE = parse_schedule(None, "", KNOWN)


def _chicago(year, month, day, hour=12, minute=0):
    from zoneinfo import ZoneInfo

    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(TZ)).astimezone(UTC)


def _point(key):
    return next(p for p in SCHEDULE if p.key == key)


def test_the_default_schedule_asks_rmdq_at_baseline_and_rmdq_with_the_global_impression_after():
    assert [(p.key, p.instruments) for p in SCHEDULE] == [("baseline", ("rmdq",))] + [
        (key, ("rmdq", "global_impression")) for key in ("72h", "week1", "month1", "month3", "month6", "month12")]


def test_each_window_runs_over_the_patients_local_days():
    # Week 1: days 5 to 9 (7 Nov 00:00 to the end of 11 Nov, Chicago).
    assert window(_point("week1"), PERFORMED, TZ) == (_chicago(2026, 11, 7, 0), _chicago(2026, 11, 12, 0))
    # Month 1: days 23 to 37; month 3: days 76 to 120; month 12: days 351 to 425.
    assert window(_point("month1"), PERFORMED, TZ) == (_chicago(2026, 11, 25, 0), _chicago(2026, 12, 10, 0))
    assert window(_point("month3"), PERFORMED, TZ) == (_chicago(2027, 1, 17, 0), _chicago(2027, 3, 3, 0))
    assert window(_point("month12"), PERFORMED, TZ) == (_chicago(2027, 10, 19, 0), _chicago(2028, 1, 2, 0))
    # The 72-hour point is the 72-hour check's window (60 to 96 hours); baseline ends at the procedure.
    assert window(_point("72h"), PERFORMED, TZ) == (PERFORMED + timedelta(hours=60), PERFORMED + timedelta(hours=96))
    assert window(_point("baseline"), PERFORMED, TZ) == (None, PERFORMED)


def test_a_window_follows_the_patients_zone_not_utc():
    # The same instant is 2 November in Chicago but 3 November in Tokyo, so Tokyo's day 5 comes later.
    opens, _ = window(_point("week1"), PERFORMED, "Asia/Tokyo")
    assert opens == datetime(2026, 11, 7, 15, 0, tzinfo=UTC)  # 8 Nov 00:00 in Tokyo


@pytest.mark.parametrize("now, expected", [
    (PERFORMED - timedelta(days=2), "baseline"),
    (PERFORMED + timedelta(hours=61), "72h"),
    (_chicago(2026, 11, 6, 23, 59), None),  # day 4: between the 72-hour check and week 1
    (_chicago(2026, 11, 11, 23, 59), "week1"),  # the last minute of day 9
    (_chicago(2026, 11, 12, 0, 0), None),
    (_chicago(2027, 3, 2, 20), "month3"),  # day 120, the month-3 window's 30 late days
])
def test_the_point_open_at_now(now, expected):
    point = point_open_at(SCHEDULE, PERFORMED, TZ, now)
    assert (point.key if point else None) == expected


def test_statuses_at_now_upcoming_due_answered_missed():
    now = _chicago(2026, 11, 30)  # day 28: month 1 is open
    answered = {("baseline", "rmdq"), ("72h", "rmdq"), ("72h", "global_impression"), ("month1", "rmdq")}
    found = {s.point.key: s for s in statuses(SCHEDULE, PERFORMED, TZ, answered, now)}
    assert {k: s.status for k, s in found.items()} == {
        "baseline": ANSWERED, "72h": ANSWERED, "week1": MISSED, "month1": DUE,
        "month3": UPCOMING, "month6": UPCOMING, "month12": UPCOMING}
    assert found["month1"].instruments == (("rmdq", ANSWERED), ("global_impression", DUE))
    assert found["week1"].instruments == (("rmdq", MISSED), ("global_impression", MISSED))


def test_a_late_answer_inside_the_window_still_counts_and_the_day_after_it_is_missed():
    last_day = _chicago(2027, 3, 2, 23, 30)  # day 120
    (month3,) = [s for s in statuses(SCHEDULE, PERFORMED, TZ, set(), last_day) if s.point.key == "month3"]
    assert month3.status == DUE
    (month3,) = [s for s in statuses(SCHEDULE, PERFORMED, TZ, set(), last_day + timedelta(hours=1))
                 if s.point.key == "month3"]
    assert month3.status == MISSED


def test_a_clinic_can_choose_instruments_and_windows():
    schedule = parse_schedule({"baseline": ["rmdq", "odi"], "month3": "odi"}, "month3=91-7+21", KNOWN)
    assert [(p.key, p.instruments) for p in schedule] == [("baseline", ("rmdq", "odi")), ("month3", ("odi",))]
    assert (schedule[1].day, schedule[1].before, schedule[1].after) == (91, 7, 21)
    from_env = parse_schedule("baseline=rmdq; month12=rmdq,global_impression", "", KNOWN)
    assert [p.key for p in from_env] == ["baseline", "month12"]


BAD_SETTINGS = [
    (("month1=rmdq,sf36", ""), "OUTCOME_INSTRUMENTS names instrument 'sf36' at month1, which is not defined"),
    (("month2=rmdq", ""), "OUTCOME_INSTRUMENTS names time point 'month2'"),
    (("baseline=global_impression", ""), "cannot be asked at baseline"),
    (("month1 rmdq", ""), "OUTCOME_INSTRUMENTS must be entries such as"),
    ((None, "month1=thirty"), "OUTCOME_WINDOWS: month1 must be its day after the procedure"),
    ((None, "month1=30-40+7"), "OUTCOME_WINDOWS: month1 must be"),
    ((None, "week1=7-4+2"), "week1 opens on day 3, before the 72-hour check has closed"),
    ((None, "month1=30-7+60"), "month3 opens on day 76"),  # month 1 would run into month 3
    ((None, "month9=270-14+30"), "OUTCOME_WINDOWS names 'month9'"),
]


@pytest.mark.parametrize("values, message", BAD_SETTINGS)
def test_a_time_point_setting_that_cannot_work_is_refused_naming_it(values, message):
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(*values, KNOWN)
    assert message in str(caught.value) and "\n" not in str(caught.value)
