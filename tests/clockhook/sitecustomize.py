"""Test-only start-up hook: a Python process started by the test suite runs on the suite's shifted clock.

tests/clock.py puts this folder first on PYTHONPATH of the test run (so only processes the tests start
import it) and the clock's offset from real time, in seconds, in RECOVERY_TEST_CLOCK. Python imports
`sitecustomize` at start-up; this one travels by that offset with time-machine, ticking, so a `flask
scheduler` or gunicorn started by a test agrees with the test about what time it is. A deployed app
never has this folder on its path, so RECOVERY_TEST_CLOCK alone shifts nothing anywhere else.
"""

import os

_offset = os.environ.get("RECOVERY_TEST_CLOCK")
if _offset:
    import time

    import time_machine

    time_machine.travel(time.time() + float(_offset), tick=True).start()
