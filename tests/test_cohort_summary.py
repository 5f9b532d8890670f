"""The cohort summary kept with each check-in equals one rebuilt from scratch, and the cohort page's
numbers equal the plain per-patient computation over the raw check-ins (bench/cohort.py's naive)."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

from bench.cohort import naive, numbers
from recovery.extensions import db
from recovery.models import COHORT_BUCKETS, procedure_buckets
from recovery.services import buckets, cohort, preferences, procedures
from recovery.services.checkins import save_checkin
from tests.answers import checkin_answers

from .conftest import NOW

T0 = NOW - timedelta(days=60)  # 15:00 UTC: 09:00 in Chicago, 00:00 the next day in Tokyo
ANSWERS = checkin_answers(without=('pain_now',), worst_pain=10, walking_level=3, minutes_upright=60)


def _checkin(patient, day: float, pain: int) -> None:
    save_checkin(patient, {**ANSWERS, "worst_pain": max(pain, 5), "pain_now": pain}, T0 + timedelta(days=day))
    db.session.commit()


def _procedure_data(performed_at) -> dict:
    return {"type": "kyphoplasty", "performed_at": performed_at, "levels": "L1", "fracture_cause": "osteoporosis",
            "anaesthesia": "local", "setting": "outpatient", "baseline_pain": 8}


def _move(patient, zone: str, day: float) -> None:
    preferences.update_preferences(patient, {**preferences.current_values(patient), "timezone": zone},
                                   T0 + timedelta(days=day))
    db.session.commit()


def _summary() -> list[tuple]:
    return [tuple(r) for r in db.session.execute(
        select(procedure_buckets).order_by(procedure_buckets.c.procedure_id))]


def _kept_equals_rebuilt() -> int:
    """Check the summary as kept so far against a rebuild (which then replaces it); return its rows."""
    kept = _summary()
    assert buckets.rebuild() == len(kept)
    assert _summary() == kept
    return len(kept)


def _pain(patient, bucket: str) -> int | None:
    column = procedure_buckets.c[f"{bucket}_pain"]
    return db.session.scalar(select(column).where(
        procedure_buckets.c.procedure_id == patient.current_procedure.id))


def test_the_summary_kept_with_each_checkin_equals_a_rebuild_and_gives_the_naive_numbers(
        make_patient, make_user):
    staff = make_user("staff")
    a = make_patient(performed_at=T0)
    b = make_patient(performed_at=T0 + timedelta(hours=3), tz="America/New_York")
    c = make_patient(performed_at=T0, tz="Asia/Tokyo")
    for day, pain in ((0, 9), (1, 8), (3, 7), (4, 6), (6, 5), (9, 4), (12, 4), (26, 3), (30, 2)):
        _checkin(a, day, pain)
    _checkin(a, 6.1, 7)  # the same day again: the update is the day's value
    for day, pain in ((1, 8), (2, 8), (2.2, 6), (10, 5), (11, 3)):
        _checkin(b, day, pain)
    for day, pain in ((3, 7), (4, 6), (5, 5)):  # Tokyo dates: T0 + 4, 5, 6 days
        _checkin(c, day, pain)
    assert _pain(c, "week1") == 5
    _kept_equals_rebuilt()

    # C moves west: the day being lived keeps its Tokyo date (T0 + 6) until the next day has begun
    # in both zones, so this check-in updates that day's, the bucket's last: its pain counts.
    _move(c, "Pacific/Honolulu", 5.05)
    _checkin(c, 5.1, 9)
    assert _pain(c, "week1") == 9
    _kept_equals_rebuilt()

    # The procedure's date corrected one day earlier, then a move to Tokyo: every day number shifts.
    procedures.correct_procedure(a.current_procedure, _procedure_data(T0 - timedelta(days=1)), staff,
                                 T0 + timedelta(days=31))
    db.session.commit()
    _kept_equals_rebuilt()
    _move(a, "Asia/Tokyo", 31.5)
    _kept_equals_rebuilt()
    _checkin(a, 33, 2)
    _checkin(b, 20, 2)
    # A second procedure for B: only its check-ins count from now on.
    procedures.record_procedure(b, _procedure_data(T0 + timedelta(days=40)), staff, T0 + timedelta(days=40.1))
    db.session.commit()
    for day, pain in ((40.2, 9), (43.2, 6), (47.2, 4)):
        _checkin(b, day, pain)

    assert _kept_equals_rebuilt() == 4  # A, C, and both of B's procedures

    stats = cohort.cohort_statistics()
    assert numbers(stats) == naive()
    kypho = stats.series[1]
    assert kypho.patients == 3 and sum(p.n for p in kypho.points) >= 10  # not vacuous


def test_the_rebuild_command_restores_a_lost_summary(make_patient, runner):
    patient = make_patient(performed_at=T0)
    for day, pain in ((0, 9), (3, 6), (5, 4)):
        _checkin(patient, day, pain)
    before = cohort.cohort_statistics()
    db.session.execute(delete(procedure_buckets))
    db.session.commit()
    assert cohort.cohort_statistics().empty

    result = runner.invoke(args=["rebuild-cohort-summary"])
    assert result.exit_code == 0 and "1 rows" in result.output
    db.session.expire_all()
    assert numbers(cohort.cohort_statistics()) == numbers(before)
    assert not before.empty


def _listed(patient) -> tuple:
    """What the clinician's list reads for the patient's current procedure: latest pain, its
    date, and the last check-in of any kind."""
    c = procedure_buckets.c
    return tuple(db.session.execute(select(c.latest_pain, c.latest_date, c.last_date).where(
        c.procedure_id == patient.current_procedure.id)).one())


def test_the_latest_pain_and_last_checkin_are_kept_past_the_buckets_and_without_a_pain_answer(make_patient):
    """Beyond week 12 no bucket holds a check-in, yet the list needs its pain; a red flag saved
    without a pain answer is a check-in (the patient is not silent) but not a pain figure."""
    patient = make_patient(performed_at=NOW - timedelta(days=120))
    start = NOW - timedelta(days=120)

    def on(day):
        return start + timedelta(days=day)

    def local(moment):
        return moment.astimezone(ZoneInfo(patient.timezone)).date()

    save_checkin(patient, {**ANSWERS, "pain_now": 6}, on(100))
    db.session.commit()
    assert _pain(patient, "week12") is None
    assert _listed(patient) == (6, local(on(100)), local(on(100)))
    save_checkin(patient, {"flag_chest": "yes"}, on(105))  # kept for its red flag, pain unknown
    db.session.commit()
    assert _listed(patient) == (6, local(on(100)), local(on(105)))
    save_checkin(patient, {**ANSWERS, "pain_now": 3}, on(105) + timedelta(hours=1))  # the same day, finished
    db.session.commit()
    day = local(on(105))
    assert _listed(patient) == (3, day, day)
    assert _kept_equals_rebuilt() == 1


def test_the_migration_fills_the_list_columns_as_save_checkin_keeps_them(make_patient, make_user):
    """Migration 5c1e7b9d2f40's backfill, run on a summary as it was before it (no list columns,
    no row for a procedure whose check-ins are all outside the buckets), gives what is kept now."""
    import importlib.util
    from pathlib import Path

    from sqlalchemy import and_, text, update

    path = next(Path(buckets.__file__).parent.parent.glob("migrations/versions/5c1e7b9d2f40_*.py"))
    spec = importlib.util.spec_from_file_location("backfill_5c1e7b9d2f40", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)

    staff = make_user("staff")
    early = make_patient(performed_at=T0)
    for day, pain in ((0, 9), (3, 6), (5, 4)):
        _checkin(early, day, pain)
    save_checkin(early, {"flag_chest": "yes"}, T0 + timedelta(days=7))  # no pain answer
    late = make_patient(performed_at=NOW - timedelta(days=120))
    save_checkin(late, {**ANSWERS, "pain_now": 5}, NOW - timedelta(days=20))  # day 100: no bucket
    procedures.record_procedure(early, _procedure_data(T0 + timedelta(days=8)), staff, T0 + timedelta(days=8.1))
    _checkin(early, 9, 7)  # the second procedure's first check-in
    db.session.commit()
    kept = _summary()
    assert len(kept) == 3

    c = procedure_buckets.c
    db.session.execute(update(procedure_buckets).values(latest_date=None, latest_pain=None, last_date=None))
    db.session.execute(delete(procedure_buckets).where(and_(*(c[f"{k}_date"].is_(None) for k in COHORT_BUCKETS))))
    assert len(_summary()) == 2
    for statement in migration.BACKFILL:
        db.session.execute(text(statement))
    assert _summary() == kept
