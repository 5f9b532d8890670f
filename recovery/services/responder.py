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


# Meaningful improvement on an outcome questionnaire, by instrument (../shared/CLINICAL.md): the
# RMDQ needs a fall of 5 points AND 30% from baseline (the stricter reading, as for pain), the
# ODI a fall of 10 points. Both score higher-is-worse. Instruments not listed have no rule here.
MEANINGFUL_FALL = {"rmdq": (5, 30), "odi": (10, 0)}  # (points, percent of baseline)


def meaningful_improvement(instrument: str, baseline: float | None, score: float | None) -> bool | None:
    """True when `score` fell from `baseline` by the instrument's meaningful change; None when
    either is missing or the instrument has no rule (the EQ-5D-5L, the global impression)."""
    rule = MEANINGFUL_FALL.get(instrument)
    if rule is None or baseline is None or score is None:
        return None
    points, percent = rule
    drop = baseline - score
    return drop >= points and drop * 100 >= baseline * percent
