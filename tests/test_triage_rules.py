"""The triage rules as pure functions: cases that must fire, cases that must not, and episodes."""

from datetime import date, timedelta

import pytest

from recovery.services.triage import (
    Entry,
    Episode,
    Existing,
    Facts,
    missed_checkins,
    non_responder,
    reconcile,
    worsening,
)

DAY0 = date(2026, 11, 1)


def facts(pains=None, *, today=None, baseline=8, check_72h=None, discharged=False, days=None):
    """Facts for a patient whose check-ins on `days` (default 1, 2, ...) had `pains`."""
    pains = pains or []
    days = days or list(range(1, len(pains) + 1))
    entries = tuple(
        Entry(id=100 + d, local_date=DAY0 + timedelta(days=d), pain_now=p, is_72h_check=d == check_72h)
        for d, p in zip(days, pains, strict=True)
    )
    today = DAY0 + timedelta(days=today if today is not None else (days[-1] if days else 0))
    return Facts(patient_id=1, procedure_id=7, procedure_day=DAY0, baseline=baseline, today=today,
                 discharged=discharged, checkins=entries)


# Non-responder at the 72-hour check -------------------------------------------------------------

@pytest.mark.parametrize("baseline, pain", [(8, 7), (8, 6), (4, 3), (9, 7), (10, 8)])
def test_a_72_hour_check_short_of_2_points_and_30_percent_is_a_non_responder(baseline, pain):
    episode = non_responder(facts([pain], days=[3], check_72h=3, baseline=baseline))
    assert episode == Episode("non_responder", 103, "p7:72h")
    assert episode.severity == "routine"


@pytest.mark.parametrize("baseline, pain", [(8, 5), (4, 2), (9, 6), (10, 7), (8, 0)])
def test_a_72_hour_check_meeting_the_responder_rule_raises_nothing(baseline, pain):
    assert non_responder(facts([pain], days=[3], check_72h=3, baseline=baseline)) is None


def test_without_a_72_hour_check_there_is_no_non_responder_alert_however_high_the_pain():
    assert non_responder(facts([8, 8, 8], days=[1, 2, 3])) is None


# Worsening after relief ---------------------------------------------------------------------------

def test_pain_3_points_above_the_lowest_of_the_last_14_days_is_worsening():
    episode = worsening(facts([7, 5, 3, 6]))
    assert episode == Episode("worsening", 104, "p7:since:2026-11-05")
    assert episode.severity == "high"


@pytest.mark.parametrize("pains", [[7, 5, 3, 5], [8, 8, 8, 8], [3, 2, 1, 0], [7]])
def test_less_than_3_points_above_the_lowest_is_not_worsening(pains):
    assert worsening(facts(pains)) is None


def test_relief_older_than_14_days_does_not_count():
    # Lowest 2 on day 1; pain 6 on day 16 and 20 has no check-in in its previous 14 days below 6.
    assert worsening(facts([2, 6, 6], days=[1, 16, 20])) is None
    assert worsening(facts([2, 6], days=[1, 15])) == Episode("worsening", 115, "p7:since:2026-11-16")


def test_a_worsening_episode_keeps_its_key_while_it_lasts_and_gets_a_new_one_when_it_returns():
    first = worsening(facts([3, 6]))
    assert worsening(facts([3, 6, 7, 8])) == first  # still the same episode: same key
    assert worsening(facts([3, 6, 7, 3])) is None  # cleared
    again = worsening(facts([3, 6, 7, 3, 6]))
    assert again is not None and again.key != first.key


# Missed check-ins ---------------------------------------------------------------------------------

@pytest.mark.parametrize("days, today, fires", [
    ([], 3, False),  # days 1 and 2 missed, day 3 not over yet
    ([], 4, True),  # days 1, 2 and 3 missed
    ([1], 4, False),
    ([1], 5, True),  # days 2, 3 and 4 missed
    (list(range(12)), 14, False),  # days 12 and 13 missed so far
    (list(range(12)), 15, True),  # days 12, 13 and 14: the last three of the first 2 weeks
    (list(range(13)), 20, False),  # days 13 and 14; later days are not expected daily
    ([12], 22, False),  # checked in on day 12; 9 silent days in the weekly phase are allowed
    ([12], 23, True),  # 10 silent days (13-22): the weekly phase's threshold
    ([8], 40, True),  # silent since day 8: still an ongoing episode
    ([8, 30], 40, False),  # came back on day 30: the silence ended
])
def test_missed_checkins_need_3_whole_silent_days_within_the_first_2_weeks(days, today, fires):
    episode = missed_checkins(facts([5] * len(days), days=days, today=today))
    assert (episode is not None) is fires


def test_a_missed_checkins_episode_is_keyed_by_the_last_checkin_before_the_silence():
    assert missed_checkins(facts([5], days=[1], today=6)) == Episode(
        "missed_checkins", 101, "p7:since:2026-11-02")
    assert missed_checkins(facts([], today=6)) == Episode("missed_checkins", None, "p7:since:2026-11-01")


def test_discharged_patients_are_not_expected_to_check_in():
    assert missed_checkins(facts([], today=6, discharged=True)) is None


# Reconciling episodes with the alerts on file -------------------------------------------------------

def test_an_episode_already_on_file_is_not_raised_again_open_or_acknowledged():
    f = facts([7, 5, 3, 6])
    key = worsening(f)
    for is_open in (True, False):
        to_raise, to_close = reconcile(f, [Existing(1, key.kind, key.checkin_id, key.detail, is_open)])
        assert to_raise == [] and to_close == []


def test_ended_episodes_close_missed_and_non_responder_alerts_but_not_worsening():
    f = facts([5, 5, 5])  # nothing ongoing
    existing = [
        Existing(1, "missed_checkins", None, "p7:since:2026-11-01", True),
        Existing(2, "non_responder", 103, "p7:72h", True),
        Existing(3, "worsening", 102, "p7:since:2026-11-02", True),
        Existing(4, "missed_checkins", None, "p6:since:2026-01-01", True),  # an earlier procedure's
        Existing(5, "missed_checkins", None, "p7:since:2026-10-01", False),  # already closed
    ]
    to_raise, to_close = reconcile(f, existing)
    assert to_raise == [] and [e.id for e in to_close] == [1, 2]


def test_a_returning_condition_is_raised_as_a_new_episode():
    f = facts([3, 6, 7, 3, 6])
    old = Existing(1, "worsening", 102, "p7:since:2026-11-03", False)
    to_raise, _ = reconcile(f, [old])
    assert [e.detail for e in to_raise] == ["p7:since:2026-11-06"]
