"""The test clock (tests/clock.py): the run lives at the hour its seed chose, the app and the processes
the tests start agree on it, and a seed or a pinned time always gives the same instant."""

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from recovery.models import utcnow
from tests import clock

pytestmark = pytest.mark.no_test_database
DAY = date(2026, 12, 2)
_PRINT_NOW = "import time; print(repr(time.time()))"


def _real_now() -> float:
    return time_machine.escape_hatch.time.time()


def _shifted():
    if clock._state.get("instant") is None:
        pytest.skip("RECOVERY_CLOCK_AT=real: the run is on the real clock")
    return clock._state["instant"]


def test_the_apps_clock_runs_from_the_chosen_instant():
    instant = _shifted()
    now = utcnow()
    real_elapsed = _real_now() - clock._state["real_start"]
    # utcnow() is the chosen instant plus the real time the run has taken, not the wall clock.
    assert instant <= now <= instant + timedelta(seconds=real_elapsed)
    assert datetime.now(UTC) >= now
    assert clock._state["line"].startswith(f"clock: {instant:%Y-%m-%d %H:%M} UTC (")


def test_a_process_the_tests_start_sees_the_same_shifted_clock():
    _shifted()
    before = utcnow().timestamp()
    child = float(subprocess.run([sys.executable, "-c", _PRINT_NOW], capture_output=True, text=True,
                                 check=True).stdout)
    after = utcnow().timestamp()
    assert before <= child <= after


def test_the_offset_alone_shifts_nothing_without_the_test_only_hook(tmp_path):
    """A deployed process that had RECOVERY_TEST_CLOCK set by mistake stays on the real clock: only
    tests/clockhook, which nothing but the test run puts on the path, reads the variable."""
    instant = _shifted()
    if abs(instant.timestamp() - _real_now()) < 120:
        pytest.skip("the chosen instant is the real time give or take two minutes")
    env = {**os.environ, "PYTHONPATH": ""}
    assert env[clock.OFFSET_VARIABLE]
    before = _real_now()
    child = float(subprocess.run([sys.executable, "-c", _PRINT_NOW], capture_output=True, text=True,
                                 check=True, env=env, cwd=tmp_path).stdout)
    assert before <= child <= _real_now()


def test_the_same_seed_gives_the_same_instant_and_seeds_cover_the_day():
    assert clock.instant_for_seed(12345, DAY) == clock.instant_for_seed(12345, DAY)
    assert clock.instant_for_seed(12345, DAY).date() == DAY
    chosen, seed, how = clock.choose({"RECOVERY_CLOCK_SEED": "12345"}, DAY)
    assert (chosen, seed) == (clock.instant_for_seed(12345, DAY), 12345)
    assert "replay with RECOVERY_CLOCK_SEED=12345" in how
    hours = {clock.instant_for_seed(seed, DAY).hour for seed in range(300)}
    assert hours == set(range(24))  # every hour of the day comes up for some seed


def test_a_pinned_time_overrides_the_seed():
    assert clock.choose({"RECOVERY_CLOCK_SEED": "1", "RECOVERY_CLOCK_AT": "06:40"}, DAY)[0] == \
        datetime(2026, 12, 2, 6, 40, tzinfo=UTC)
    assert clock.choose({"RECOVERY_CLOCK_AT": "2026-07-15 05:10"}, DAY)[0] == \
        datetime(2026, 7, 15, 5, 10, tzinfo=UTC)
    assert clock.choose({"RECOVERY_CLOCK_HOUR": "6.66"}, DAY)[0] == datetime(2026, 12, 2, 6, 39, tzinfo=UTC)
    assert clock.choose({"RECOVERY_CLOCK_AT": "real"}, DAY)[0] is None
    for bad in ({"RECOVERY_CLOCK_AT": "25:00"}, {"RECOVERY_CLOCK_AT": "6.40"}, {"RECOVERY_CLOCK_HOUR": "24"}):
        with pytest.raises(ValueError):
            clock.choose(bad, DAY)


def test_the_header_names_the_utc_and_chicago_times_and_the_replay():
    line = clock.describe(datetime(2026, 12, 2, 6, 40, tzinfo=UTC), "seed 12345; replay with RECOVERY_CLOCK_SEED=12345")
    assert line.startswith("clock: 2026-12-02 06:40 UTC (00:40 America/Chicago, 2026-12-02), seed 12345; "
                           "replay with RECOVERY_CLOCK_SEED=12345")
