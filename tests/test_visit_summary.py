"""The printable visit summary shows the right numbers for a known patient, on one printable page."""

import json
import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from recovery.extensions import db
from recovery.models import Alert, Appointment, AuditEvent
from recovery.services import alerts
from recovery.services.checkins import save_checkin
from recovery.services.visit_summary import visit_summary
from tests.answers import checkin_answers

from .conftest import NOW, client_as

BASE = checkin_answers(without=('pain_now', 'worst_pain', 'medication'), walking_level=1)
PROCEDURE = NOW - timedelta(days=20)
# (hours after the procedure, pain now, worst pain, walking, medication, red flag)
DIARY = [
    (24, 7, 9, 1, "prescription", None),
    (72, 6, 7, 2, "prescription", "flag_calf"),  # the 72-hour check: 2 points but only 25%
    (24 * 7, 4, 6, 3, "otc", None),
    (24 * 14, 3, 5, 3, "otc", None),
    (24 * 19, 2, 4, 4, "none", None),  # latest
]
BASELINE = 8


def _known_patient(make_patient, make_user):
    patient = make_patient(performed_at=PROCEDURE, recorded_at=PROCEDURE + timedelta(hours=1),
                           baseline_pain=BASELINE, name="Grace Hopper")
    for hours, pain, worst, walking, medication, flag in DIARY:
        answers = {**BASE, "pain_now": pain, "worst_pain": worst, "walking_level": walking,
                   "medication": medication}
        if flag:
            answers[flag] = "yes"
        save_checkin(patient, answers, PROCEDURE + timedelta(hours=hours))
    visit = Appointment(patient_id=patient.id, procedure_id=patient.current_procedure.id, kind="follow_up",
                        scheduled_for=NOW + timedelta(days=1), updated_at=NOW)
    db.session.add(visit)
    db.session.commit()
    return patient, visit


def _row(html: str, key: str) -> list[str]:
    match = re.search(rf'<tr data-row="{key}">(.*?)</tr>', html, re.S)
    assert match, key
    return [re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", match.group(1), re.S)]


def test_summary_shows_72_hour_and_latest_numbers_against_baseline(app, make_patient, make_user):
    patient, visit = _known_patient(make_patient, make_user)
    clinician = make_user("clinician", name="Dr Who")
    alert = db.session.scalar(select(Alert).where(Alert.patient_id == patient.id))
    alerts.acknowledge(alert.id, clinician, "Doppler negative, no DVT.", NOW - timedelta(days=16))
    db.session.commit()

    client = client_as(app, {"c": clinician}, "c")
    response = client.get(f"/clinic/patients/{patient.id}/summary")
    assert response.status_code == 200
    html = response.get_data(as_text=True)

    # Expectations computed here from the diary, independently of the service.
    check, latest = DIARY[1], DIARY[-1]
    for key, entry in (("72h", check), ("latest", latest)):
        cells = _row(html, key)
        hours, pain, worst = entry[0], entry[1], entry[2]
        change = pain - BASELINE
        drop = BASELINE - pain
        responder = drop >= 2 and drop / BASELINE >= 0.3
        assert f"(day {hours // 24})" in cells[1]
        assert cells[2] == str(pain) and cells[4] == str(worst)
        assert cells[3] == f"\N{MINUS SIGN}{-change}"
        assert cells[7] == ("Responding" if responder else "Not responding yet")
    assert _row(html, "72h")[3] == "\N{MINUS SIGN}2" and _row(html, "72h")[7] == "Not responding yet"
    assert _row(html, "latest")[3] == "\N{MINUS SIGN}6" and _row(html, "latest")[7] == "Responding"
    assert _row(html, "baseline")[2] == str(BASELINE)
    assert 'data-testid="responder">Responding<' in html

    # The alert and how it was handled: who, when, the note.
    alerts_html = re.search(r'data-testid="alerts">(.*?)</ul>', html, re.S).group(1)
    assert "Red flag" in alerts_html and "Dr Who" in alerts_html
    assert "Doppler negative, no DVT." in alerts_html
    # Medication trend: prescription on days 1-3, over the counter 7-14, none from 19.
    meds = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.search(
        r'data-testid="medication">(.*?)</p>', html, re.S).group(1)))
    assert "Prescription pain medicine: days 1 to 3 (2 check-ins)" in meds
    assert "Over-the-counter (bought without a prescription): days 7 to 14 (2 check-ins)" in meds
    assert "None: day 19 (1 check-in)" in meds
    bone = re.search(r'data-testid="bone-health">(.*?)</div>', html, re.S).group(1)
    assert "osteoporosis treatment" in bone.lower() and "DXA" in bone
    assert "Grace Hopper" in html and patient.record_number in html


def test_summary_chart_is_a_json_block_sized_for_paper_with_a_print_stylesheet(app, make_patient, make_user):
    patient, _ = _known_patient(make_patient, make_user)
    client = client_as(app, {"c": make_user("clinician")}, "c")
    html = client.get(f"/clinic/patients/{patient.id}/summary").get_data(as_text=True)
    block = re.search(r'<script type="application/json" id="summary-chart">(.*?)</script>', html, re.S)
    figure = json.loads(block.group(1))
    pain = next(t for t in figure["data"] if t.get("name") == "Pain now")
    assert pain["y"] == [d[1] for d in DIARY]
    walking = next(t for t in figure["data"] if t.get("name") == "Walking")
    assert walking["y"] == [d[3] for d in DIARY]
    assert figure["layout"]["width"] <= 700  # fits A4 and Letter portrait within 12 mm margins
    # No inline script: every <script> is a data block or a static file.
    for tag in re.findall(r"<script[^>]*>", html):
        assert 'type="application/json"' in tag or "src=" in tag
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", html, re.I)  # no inline event handlers
    assert "summary.css" in html
    css = (Path(app.static_folder) / "summary.css").read_text()
    assert "@media print" in css and "@page" in css


def test_opening_the_summary_is_audited_and_a_visit_of_another_patient_is_404(app, make_patient, make_user):
    patient, visit = _known_patient(make_patient, make_user)
    other = make_patient()
    clinician = make_user("clinician")
    client = client_as(app, {"c": clinician}, "c")
    assert client.get(f"/clinic/patients/{patient.id}/summary?visit={visit.id}").status_code == 200
    assert client.get(f"/clinic/patients/{other.id}/summary?visit={visit.id}").status_code == 404
    assert client.get(f"/clinic/patients/{patient.id}/summary?visit=abc").status_code == 404
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "patient.visit_summary")))
    assert [(e.actor_id, e.patient_id) for e in events] == [(clinician.id, patient.id)]
    page = client.get(f"/clinic/patients/{patient.id}").get_data(as_text=True)
    assert f"/clinic/patients/{patient.id}/summary" in page


def test_summary_service_picks_the_next_follow_up(app, make_patient, make_user):
    patient, visit = _known_patient(make_patient, make_user)
    summary = visit_summary(patient.id, make_user("clinician"), NOW)
    assert summary.visit.id == visit.id
    assert summary.at_72h.pain_now == 6 and summary.latest.pain_now == 2


def test_summary_of_a_patient_without_procedure_or_checkins_still_prints(app, make_patient, make_user):
    bare = make_patient(procedure=False)
    fresh = make_patient()  # a procedure, no check-in yet
    client = client_as(app, {"c": make_user("clinician")}, "c")
    html = client.get(f"/clinic/patients/{bare.id}/summary").get_data(as_text=True)
    assert "No procedure has been recorded yet." in html and "summary-chart" not in html
    response = client.get(f"/clinic/patients/{fresh.id}/summary")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _row(html, "latest")[1] == "No check-in" and 'data-testid="responder">No check-in yet<' in html


def test_summary_shows_each_questionnaires_scores_with_change_and_meaningful_improvement(app, make_patient,
                                                                                         make_user):
    from recovery.services import questionnaires

    patient, _ = _known_patient(make_patient, make_user)
    performed = patient.current_procedure.performed_at
    ticks = lambda n: {str(i): "yes" for i in range(1, n + 1)}  # noqa: E731
    questionnaires.submit(patient, "rmdq", ticks(18), performed - timedelta(days=1))  # baseline
    questionnaires.submit(patient, "rmdq", ticks(15), performed + timedelta(days=7))  # week 1: -3, no
    questionnaires.submit(patient, "global_impression", {"change": "much_better"}, performed + timedelta(days=7))
    db.session.commit()
    client = client_as(app, {"clinician": make_user("clinician")}, "clinician")
    html = client.get(f"/clinic/patients/{patient.id}/summary").get_data(as_text=True)
    assert _row_cells(html, "rmdq") == ["RMDQ (0-24)", "18", "15 (-3)"]
    assert _row_cells(html, "global_impression")[1:] == ["—", "Much better"]
    head = html[html.index('data-testid="outcomes"'):]
    assert "<th scope=\"col\">Before the procedure</th><th scope=\"col\">Week 1</th>" in head
    assert "meaningful" not in head[:head.index("</table>")]  # 3 points is not
    # Month 1: 9 is a fall of 9 points and 50%, meaningful; the clinician's page says the same.
    month1 = performed + timedelta(days=30)
    questionnaires.submit(patient, "rmdq", ticks(9), month1)
    db.session.commit()
    html = client.get(f"/clinic/patients/{patient.id}/summary").get_data(as_text=True)
    assert _row_cells(html, "rmdq")[3] == "9 (-9) meaningful"
    assert "Lower is better." in html


def _row_cells(html: str, instrument: str) -> list[str]:
    match = re.search(rf'<tr data-instrument="{instrument}">(.*?)</tr>', html, re.S)
    assert match, instrument
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", match.group(1), re.S)]
