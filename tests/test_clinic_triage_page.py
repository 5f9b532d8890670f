"""The triage list on the clinician home: most urgent first, in words, and viewing it writes nothing."""

from datetime import timedelta

from sqlalchemy import func, select

from recovery.extensions import db
from recovery.models import Alert, utcnow
from recovery.services import triage
from recovery.services.checkins import save_checkin
from tests.answers import checkin_answers

from .pages import text

CALM = checkin_answers(without=('pain_now',), worst_pain=8, walking_level=3, minutes_upright=60)


def _rows() -> dict:
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def test_an_urgent_red_flag_is_listed_above_an_older_routine_alert(client, make_user, make_patient, login):
    now = utcnow()
    routine = make_patient(name="Rob Routine", performed_at=now - timedelta(days=8))
    db.session.add(Alert(patient_id=routine.id, kind="missed_checkins", severity="routine",
                         created_at=now - timedelta(days=2),
                         detail=f"p{routine.current_procedure.id}:since:2026-11-16"))
    urgent = make_patient(name="Una Urgent", baseline_pain=8)
    save_checkin(urgent, {**CALM, "pain_now": 5, "flag_neuro": "yes"}, now)  # the rule raises it on write
    db.session.commit()
    login(make_user("clinician"))
    page = text(client.get("/clinic/"))

    listing = page[page.index('id="triage-h"'):page.index('id="patients-h"')]
    assert listing.index("Una Urgent") < listing.index("Rob Routine")
    una = listing[listing.index("Una Urgent") - 400:listing.index("Rob Routine")]
    assert ">Urgent</span>" in una  # a word, not just a colour
    assert "Red flag" in una and "New weakness or numbness in the legs" in una
    assert "5 of 10, baseline 8" in una
    assert f'href="/clinic/patients/{urgent.id}#alerts"' in una
    rob = listing[listing.index("Rob Routine") - 400:]
    assert ">Routine</span>" in rob and "Missed check-ins" in rob and "No check-in since 2026-11-16." in rob
    assert "waiting 2 days" in rob


def test_viewing_the_clinician_home_evaluates_no_rule_and_writes_nothing(client, make_user, make_patient,
                                                                         login):
    # Six silent days after the procedure: the missed check-ins rule would fire, but only on a
    # check-in write or in the scheduler sweep, never because someone looked.
    make_patient(name="Sid Silent", performed_at=utcnow() - timedelta(days=6))
    login(make_user("clinician"))
    before = _rows()
    page = text(client.get("/clinic/"))
    assert "No open alerts." in page and "Sid Silent" in page
    assert _rows() == before
    outcome = triage.evaluate_all(utcnow())  # the sweep does raise it: the test above is not vacuous
    assert [r["kind"] for r in outcome.raised] == ["missed_checkins"]
