"""The expected-recovery band, and how many patients a cohort figure needs (statistics: charts.py
draws them, services/cohort.py computes them; neither imports the other).

The expected-recovery band: where the cohort has at least `min_patients` (default 20) patients in
a bucket, the band is their 25th-75th percentiles there; elsewhere it is DEFAULT_BAND, drawn from
shared CLINICAL.md: a typical responder falls from about 8 to about 3-4 within the first week and
stays there (EVOLVE: 8.7 at baseline, 3.5 at 7 days, 3.3 at 1 month), and relief may be immediate
or take up to 72 hours. So the default upper edge starts near a typical baseline (8) and reaches
5 by day 7, the lower edge reaches 2, and the band then holds 2-5 to week 12. It is a reading
aid chosen by hand, not a measured range and not a target.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# (day since the procedure, low, high); linear in between, flat after the last day.
DEFAULT_BAND = ((0, 4.5, 8.0), (1, 4.0, 7.5), (2, 3.5, 7.0), (3, 3.0, 6.5), (7, 2.0, 5.0),
                (84, 2.0, 5.0))
BAND_DAYS = (0, 1, 2, 3, 7, 14, 21, 28, 42, 56, 84)  # the cohort buckets' nominal days
MIN_PATIENTS = 20
MIN_POINT_N = 5  # a cohort point resting on fewer patients is not drawn as part of the line


@dataclass(frozen=True)
class Band:
    """The expected-recovery band; `sources` says, per day, "cohort" or "default"."""

    days: tuple[int, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    sources: tuple[str, ...]

    @property
    def source(self) -> str:
        """"cohort", "default" or "mixed", for the page's caption."""
        kinds = set(self.sources)
        return kinds.pop() if len(kinds) == 1 else "mixed"


def default_band_at(day: float) -> tuple[float, float]:
    """The default band's (low, high) on a day, interpolated linearly between its table rows."""
    if day <= DEFAULT_BAND[0][0]:
        return DEFAULT_BAND[0][1:]
    for (d0, lo0, hi0), (d1, lo1, hi1) in zip(DEFAULT_BAND, DEFAULT_BAND[1:], strict=False):
        if d0 <= day <= d1:
            t = (day - d0) / (d1 - d0)
            return round(lo0 + t * (lo1 - lo0), 3), round(hi0 + t * (hi1 - hi0), 3)
    return DEFAULT_BAND[-1][1:]


def default_band(days: Sequence[int] = BAND_DAYS) -> Band:
    """The documented default band on the given days."""
    pairs = [default_band_at(d) for d in days]
    return Band(tuple(days), tuple(p[0] for p in pairs), tuple(p[1] for p in pairs),
                ("default",) * len(days))


def expected_band(points: Iterable, min_patients: int = MIN_PATIENTS) -> Band:
    """The band from cohort points (each with day, n, q1, q3): their quartiles where n is at least
    `min_patients`, the default on the other days."""
    days, low, high, sources = [], [], [], []
    for point in points:
        days.append(point.day)
        if point.n >= min_patients and point.q1 is not None:
            low.append(float(point.q1))
            high.append(float(point.q3))
            sources.append("cohort")
        else:
            lo, hi = default_band_at(point.day)
            low.append(lo)
            high.append(hi)
            sources.append("default")
    return Band(tuple(days), tuple(low), tuple(high), tuple(sources))
