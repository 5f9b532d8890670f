"""One place for how hard hypothesis (and schemathesis) try, so `make test` stays fast.

`HYPOTHESIS_PROFILE=thorough` runs ten times more examples for a local deep check.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=50,
    deadline=None,  # the first request of a run pays for app start-up; speed lives in bench/
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile("thorough", parent=settings.get_profile("ci"), max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
