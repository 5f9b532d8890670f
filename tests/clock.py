"""The test clock: every run of the suite lives at an hour of the day chosen at random, so no test can
pass only at the hour CI happens to run it.

At start-up (pytest_configure) the whole test process travels, with time-machine and tick=True, to
today's UTC date at an hour:minute drawn from a seed; the clock then runs on from there at normal
speed. Everything that reads the wall clock moves with it: the app's `utcnow()`, `datetime.now`,
`date.today`, `time.time` (session idle limits, Flask's signed cookies and CSRF tokens, rate-limit
windows), in the test process and in the threads it starts (the browser tests' werkzeug server).
The monotonic clocks are not shifted (timeouts and Playwright's waits stay real).

Subprocesses that the tests start (the `flask` CLI, schedulers, gunicorn) see the same shifted clock
through tests/clockhook/sitecustomize.py: the plugin puts that folder first on PYTHONPATH and the
offset in RECOVERY_TEST_CLOCK, and the hook travels by that offset when Python starts. The hook
lives only in tests/; a deployed app never has it on its path, so the variable alone moves nothing.

Not shifted (and harmless): the database servers' own clocks (the app never asks SQL for now(); it
passes its own times), and Chromium's clock (the pages compute no dates in JavaScript, and the app's
cookies are session cookies without an expiry date that a shifted server could put in the past).

Choose the instant with environment variables:
  RECOVERY_CLOCK_SEED=12345              the run's seed (printed in the header and the summary)
  RECOVERY_CLOCK_AT=06:40                today at 06:40 UTC (or "2026-07-15 05:10" for another date)
  RECOVERY_CLOCK_HOUR=6.66               today at 6.66 h UTC (06:39)
  RECOVERY_CLOCK_AT=real                 no travel: the real clock
scripts/test-both.sh draws one seed and exports it, so both passes of `make test` use the same hour.
"""

import os
import random
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

CLINIC_ZONE = ZoneInfo("America/Chicago")  # the zone the test patients live in
HOOK_DIR = Path(__file__).resolve().parent / "clockhook"
OFFSET_VARIABLE = "RECOVERY_TEST_CLOCK"  # read only by tests/clockhook/sitecustomize.py


def instant_for_seed(seed: int, day) -> datetime:
    """The instant a seed stands for on `day` (a UTC date): a minute of that day, the same for a seed."""
    minute = random.Random(seed).randrange(24 * 60)  # noqa: S311 (a test's choice, not a secret)
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(minutes=minute)


def parse_at(value: str, day) -> datetime:
    """RECOVERY_CLOCK_AT: "HH:MM" today (UTC) or "YYYY-MM-DD HH:MM" (UTC)."""
    match = re.fullmatch(r"\s*(?:(\d{4}-\d{2}-\d{2})[ T])?(\d{1,2}):(\d{2})\s*", value)
    if not match:
        raise ValueError(f"RECOVERY_CLOCK_AT={value!r}: expected HH:MM or YYYY-MM-DD HH:MM (UTC)")
    if match.group(1):
        day = datetime.strptime(match.group(1), "%Y-%m-%d").date()
    hour, minute = int(match.group(2)), int(match.group(3))
    if hour > 23 or minute > 59:
        raise ValueError(f"RECOVERY_CLOCK_AT={value!r}: no such time of day")
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def parse_hour(value: str, day) -> datetime:
    """RECOVERY_CLOCK_HOUR: a (fractional) hour of today, UTC, 0 <= h < 24."""
    hour = float(value)
    if not 0 <= hour < 24:
        raise ValueError(f"RECOVERY_CLOCK_HOUR={value!r}: expected an hour from 0 to 23.99")
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(minutes=int(hour * 60))


def choose(environ, today) -> tuple[datetime | None, int, str]:
    """The instant to travel to (None: the real clock), the seed, and how it was chosen."""
    seed_text = environ.get("RECOVERY_CLOCK_SEED", "").strip()
    seed = int(seed_text) if seed_text else random.SystemRandom().randrange(1_000_000)
    at, hour = environ.get("RECOVERY_CLOCK_AT", "").strip(), environ.get("RECOVERY_CLOCK_HOUR", "").strip()
    if at.lower() == "real":
        return None, seed, "RECOVERY_CLOCK_AT=real"
    if at:
        return parse_at(at, today), seed, f"pinned by RECOVERY_CLOCK_AT={at}"
    if hour:
        return parse_hour(hour, today), seed, f"pinned by RECOVERY_CLOCK_HOUR={hour}"
    return instant_for_seed(seed, today), seed, f"seed {seed}; replay with RECOVERY_CLOCK_SEED={seed}"


_state: dict = {"line": "clock: not set"}


def describe(instant: datetime | None, how: str) -> str:
    if instant is None:
        return f"clock: real ({how})"
    local = instant.astimezone(CLINIC_ZONE)
    return (f"clock: {instant:%Y-%m-%d %H:%M} UTC ({local:%H:%M} {CLINIC_ZONE.key}, {local:%Y-%m-%d}), {how} "
            f"(another day: RECOVERY_CLOCK_AT='{instant:%Y-%m-%d %H:%M}')")


def pytest_configure(config):
    import time_machine

    instant, seed, how = choose(os.environ, datetime.now(UTC).date())
    _state.update(seed=seed, instant=instant, line=describe(instant, how))
    if instant is None:
        os.environ.pop(OFFSET_VARIABLE, None)
        return
    # A timestamp, not the aware datetime: time-machine would also set TZ=UTC for a UTC datetime.
    traveller = time_machine.travel(instant.timestamp(), tick=True)
    _state["real_start"] = time.time()  # the real clock, read just before the travel starts
    traveller.start()
    _state["traveller"] = traveller
    # The shift, measured after the first shifted read so parent and children agree to the microsecond.
    offset = time.time() - time_machine.escape_hatch.time.time()
    os.environ[OFFSET_VARIABLE] = repr(offset)
    path = os.environ.get("PYTHONPATH", "")
    if str(HOOK_DIR) not in path.split(os.pathsep):
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(HOOK_DIR), path) if p)


def pytest_unconfigure(config):
    traveller = _state.pop("traveller", None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config):
    return _state["line"]


def pytest_terminal_summary(terminalreporter):
    # Said again at the end, where a failure is read (and where `-q`, which hides the header, shows it).
    terminalreporter.write_line(_state["line"])
