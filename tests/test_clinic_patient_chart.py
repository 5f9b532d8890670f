"""The clinician's patient page: the recovery chart holds exactly the patient's numbers, reminders
and automatically closed alerts are listed, and each view is audited once."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from recovery import bands
from recovery.extensions import db
from recovery.models import Alert, Appointment, AuditEvent, CheckIn, utcnow
from recovery.services.checkins import save_checkin
from tests.answers import checkin_answers

from .conftest import statements
from .pages import data_block, inline_javascript, text

CHICAGO = ZoneInfo("America/Chicago")
CALM = checkin_answers(without=('pain_now', 'worst_pain', 'walking_level'), minutes_upright=60)


def at(day0, days: int, clock: time) -> datetime:
    """A Chicago wall-clock time `days` after day 0."""
    return datetime.combine(day0 + timedelta(days=days), clock, tzinfo=CHICAGO)


def known_patient(make_patient):
    """A kyphoplasty at 22:30 Chicago time ten days ago (already the next day in UTC), baseline 8,
    four check-ins (a calf red flag on the 72-hour one), a follow-up on day 14, a cancelled one."""
    day0 = utcnow().astimezone(CHICAGO).date() - timedelta(days=10)
    patient = make_patient(name="Known Dataset", performed_at=at(day0, 0, time(22, 30)), baseline_pain=8)
    for days, clock, pain, worst, walking, extra in (
        (0, time(23, 0), 7, 9, 1, {}),
        (1, time(9, 0), 6, 8, 1, {}),
        (3, time(23, 0), 4, 6, 2, {"flag_calf": "yes"}),  # 72.5 h after: the 72-hour check
        (8, time(10, 0), 3, 4, 4, {}),
    ):
        answers = {**CALM, "pain_now": pain, "worst_pain": worst, "walking_level": walking, **extra}
        save_checkin(patient, answers, at(day0, days, clock))
    procedure = patient.current_procedure
    for days, status in ((14, "scheduled"), (21, "cancelled")):
        db.session.add(Appointment(patient_id=patient.id, procedure_id=procedure.id, kind="follow_up",
                                   scheduled_for=at(day0, days, time(10, 0)), status=status))
    db.session.commit()
    return patient


def traces(figure) -> dict:
    return {t["name"]: t for t in figure["data"]}


def test_the_patient_chart_holds_exactly_the_known_points_markers_and_red_flag(client, make_user,
                                                                                make_patient, login):
    patient = known_patient(make_patient)
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 4
    login(make_user("clinician"))
    html = client.get(f"/clinic/patients/{patient.id}").get_data(as_text=True)

    figure = data_block(html, "patient-chart")
    by_name = traces(figure)
    assert by_name["Pain now"]["x"] == [0, 1, 3, 8]  # day 0 is the Chicago day, not the UTC one
    assert by_name["Pain now"]["y"] == [7, 6, 4, 3]
    assert by_name["Worst pain (last 24 h)"]["y"] == [9, 8, 6, 4]
    assert (by_name["Walking"]["x"], by_name["Walking"]["y"]) == ([0, 1, 3, 8], [1, 1, 2, 4])
    assert by_name["Walking"]["yaxis"] == "y2"  # the second panel
    assert (by_name["Before the procedure"]["x"], by_name["Before the procedure"]["y"]) == ([0, 14], [8, 8])
    flag = by_name["Red flag"]
    assert (flag["x"], flag["y"], flag["hovertext"]) == ([3], [4], ["Calf pain or swelling"])
    layout = figure["layout"]
    assert [s["x0"] for s in layout["shapes"]] == [3, 14]  # 72-hour check, follow-up; not the cancelled
    assert [(a["x"], a["text"]) for a in layout["annotations"]] == [
        (3, "72-hour check"), (14, "Follow-up"), (3, "Calf pain or swelling")]
    band = by_name["Expected recovery"]
    default = bands.default_band()
    assert (band["x"], band["y"]) == (list(default.days), list(default.high))
    assert figure["config"]["responsive"] is True

    page = text(client.get(f"/clinic/patients/{patient.id}"))
    assert "documented default band" in page  # too few kyphoplasty patients for a cohort band
    # Issue 19: the open alerts come first, above the chart; the check-ins below it.
    assert page.index('id="alerts-h"') < page.index("Recovery chart") < page.index('id="checkins-h"')
    assert inline_javascript(html) == []
    assert '<script src="/static/vendor/plotly.min.js?v=' in html and "charts.js" in html


def test_each_view_of_a_patient_chart_writes_exactly_one_audit_event(client, make_user, make_patient,
                                                                      login):
    patient = known_patient(make_patient)
    clinician = login(make_user("clinician"))
    before = db.session.scalar(select(func.max(AuditEvent.id)))  # recording the procedure is audited too
    for views in (1, 2, 3):
        assert client.get(f"/clinic/patients/{patient.id}").status_code == 200
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.id > before)).all()
        assert [(e.action, e.actor_id, e.patient_id) for e in events] == [
            ("patient.view", clinician.id, patient.id)] * views


def test_the_patient_page_lists_reminders_and_says_which_alerts_closed_automatically(
        client, make_user, make_patient, login):
    patient = make_patient(name="Rita Reminders")
    now = utcnow()
    db.session.add_all([
        Alert(patient_id=patient.id, kind="missed_checkins", severity="routine", created_at=now - timedelta(days=2),
              detail=f"p{patient.current_procedure.id}:since:2026-11-01", acknowledged_at=now,
              note="Closed automatically: the patient checked in again (or was discharged)."),
        Alert(patient_id=patient.id, kind="missed_checkins", severity="routine", created_at=now - timedelta(days=5),
              detail=f"p{patient.current_procedure.id}:since:2026-10-20", acknowledged_at=now,
              acknowledged_by_id=make_user("clinician", name="Dr Who").id, note="Phoned her."),
    ])
    db.session.commit()
    login(make_user("clinician"))
    page = text(client.get(f"/clinic/patients/{patient.id}"))

    reminders = page[page.index('id="reminders-h"'):page.index('id="checkins-h"')]
    for words in ("Reminder", "Channel", "Due", "Status", "72-hour check-in is due", "E-mail", "Pending"):
        assert words in reminders, words
    alerts = page[page.index('id="alerts-h"'):]
    auto = alerts[alerts.index('data-testid="auto-closed"'):]
    assert "Closed automatically" in auto[:400] and "No check-in since 2026-11-01." in alerts
    assert "Acknowledged by Dr Who" in alerts and "Phoned her." in alerts
    assert alerts.count('data-testid="auto-closed"') == 1  # the acknowledged one is not "automatic"


def test_a_patient_without_a_procedure_gets_no_chart_and_no_chart_scripts(client, make_user, make_patient,
                                                                          login):
    patient = make_patient(procedure=False)
    login(make_user("clinician"))
    html = client.get(f"/clinic/patients/{patient.id}").get_data(as_text=True)
    assert "data-chart" not in html and "plotly.min.js" not in html


def test_patients_cannot_open_clinician_pages(client, make_patient, login):
    me, other = make_patient(), make_patient()
    login(me.user)
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    for url in ("/clinic/", f"/clinic/patients/{me.id}", f"/clinic/patients/{other.id}", "/clinic/cohort"):
        assert client.get(url).status_code == 403, url
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_the_patient_page_issues_the_same_number_of_queries_for_2_and_25_checkins(client, make_user,
                                                                                  make_patient, login):
    few = make_patient(performed_at=utcnow() - timedelta(days=30))
    many = make_patient(performed_at=utcnow() - timedelta(days=30))
    for patient, days in ((few, 2), (many, 25)):
        for d in range(days):
            answers = {**CALM, "pain_now": 5, "worst_pain": 6, "walking_level": 2,
                       "flag_calf": "yes" if d % 5 == 0 else "no"}
            save_checkin(patient, answers, utcnow() - timedelta(days=d))
    db.session.commit()
    login(make_user("clinician"))
    counts = []
    for patient in (few, many):
        with statements() as seen:
            assert client.get(f"/clinic/patients/{patient.id}").status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1]  # rendered before the audit commit, so no row is reloaded one by one
