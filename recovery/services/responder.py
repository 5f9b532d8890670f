"""The responder rule, one function used everywhere (see shared CLINICAL.md)."""


def is_responder(baseline: int | None, pain_now: int | None) -> bool | None:
    """True when pain fell by at least 2 points AND at least 30% from baseline.

    Both published thresholds at once (the stricter reading): baseline 4 must reach 2,
    baseline 9 must reach 6. None when either number is missing.
    """
    if baseline is None or pain_now is None:
        return None
    drop = baseline - pain_now
    return drop >= 2 and drop * 10 >= baseline * 3


def responder_sql(baseline, pain_now):
    """is_responder as a SQL condition over two columns (NULL, hence not true, when one is NULL)."""
    drop = baseline - pain_now
    return (drop >= 2) & (drop * 10 >= baseline * 3)
