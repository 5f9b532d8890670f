"""The printed visit summary still fits one sheet of A4 and of Letter once every demo patient has
answered the RMDQ and the global impression at every time point open so far (worst case: an
answer at each point, so the outcomes table is as wide and as long as it gets). Chromium's
print-to-PDF counts the sheets (with a visible heading and a two-line note four demo summaries
took two Letter sheets; a 240 px chart instead made its labels collide), and the chart's labels
are measured as in test_visit_summary_layout."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from recovery.demo import CLINICIAN_EMAIL, PASSWORD, seed
from recovery.extensions import db
from recovery.models import Patient, utcnow
from recovery.services import questionnaires
from recovery.services.timepoints import window

from .test_visit_summary_layout import LABEL_BOXES, PAPER, overlaps
from .world import sign_in

pytestmark = pytest.mark.browser


def _answer_every_open_point(patient: Patient, now) -> int:
    procedure = patient.current_procedure
    if procedure is None or patient.discharged:
        return 0
    answered = 0
    for point in questionnaires.schedule():
        opens, closes = window(point, procedure.performed_at, patient.timezone)
        at = procedure.performed_at - timedelta(days=1) if opens is None else opens + timedelta(hours=1)
        if at >= min(closes, now):
            continue
        if questionnaires.current_response(patient, point, "rmdq") is None:
            questionnaires.submit(patient, "rmdq", {str(n): "yes" for n in range(1, 13)}, at)
            answered += 1
        if "global_impression" in point.instruments:
            questionnaires.submit(patient, "global_impression", {"change": "a_little_better"}, at)
    return answered


def test_every_demo_summary_with_outcomes_prints_on_one_sheet(live, mail, journey):
    now = utcnow()
    with live.context():
        seed(now)
        db.session.commit()
        patients = list(db.session.scalars(select(Patient).order_by(Patient.id)))
        answered = sum(_answer_every_open_point(p, now) for p in patients)
        db.session.commit()
        ids = [p.id for p in patients]
    assert answered >= len(ids)  # most patients have at least their baseline and 72 hours
    clinician = journey("clinician", bypass_csp=False)
    page = sign_in(clinician, CLINICIAN_EMAIL, PASSWORD)
    page.emulate_media(media="print")
    page.set_viewport_size({"width": PAPER["A4"], "height": 1100})
    too_long, covered = [], []
    for n, patient_id in enumerate(ids):
        path = f"/clinic/patients/{patient_id}/summary"
        page = clinician.open(path) if n else clinician.go(path, f"summary-outcomes-{patient_id}")  # axe: the first
        if page.locator("[data-chart=summary-chart]").count():  # the shorter chart: still no label on another
            page.wait_for_selector("[data-chart=summary-chart][data-chart-drawn=true]")
            covered += [(patient_id, pair) for pair in overlaps(page.evaluate(LABEL_BOXES, "summary-chart"))]
        for paper in ("A4", "Letter"):
            pdf = page.pdf(format=paper, print_background=False)
            sheets = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
            if sheets != 1:
                too_long.append((patient_id, paper, sheets))
    assert too_long == [], too_long
    assert covered == [], covered
