"""The cohort's time points: spans of days since the procedure that check-ins are counted in.

Kept apart from the statistics because saving a check-in (services/buckets.py), the benchmark's
generator and the cohort page all need the same day-to-bucket rule.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ..models import COHORT_BUCKETS


@dataclass(frozen=True)
class Bucket:
    """A span of days since the procedure, both ends included; `day` is its nominal day.

    Check-ins between buckets (days 32-38, 46-52, 60-80) and after day 87 count in none.
    """

    key: str
    label: object  # a lazy, translatable string
    first_day: int
    last_day: int
    day: int


def _week(n: int) -> Bucket:
    # Week n is the 7 days centred on day 7n: the weekly reminders fall on day 7n, and a centred
    # window does not let "the last check-in in the bucket" drift late.
    return Bucket(f"week{n}", _l("Week %(n)s", n=n), 7 * n - 3, 7 * n + 3, 7 * n)


BUCKETS: tuple[Bucket, ...] = tuple(
    Bucket(f"day{d}", _l("Day %(n)s", n=d), d, d, d) for d in range(4)
) + tuple(_week(n) for n in (1, 2, 3, 4, 6, 8, 12))
assert tuple(b.key for b in BUCKETS) == COHORT_BUCKETS, "the summary table has a column pair per bucket"
BUCKETS_BY_KEY = {b.key: b for b in BUCKETS}
_BUCKET_OF_DAY = {d: b for b in BUCKETS for d in range(b.first_day, b.last_day + 1)}


def bucket_of_day(days: int) -> Bucket | None:
    """The bucket of a check-in `days` after the procedure day, or None between and after them."""
    return _BUCKET_OF_DAY.get(days)
