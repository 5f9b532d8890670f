"""The cohort CSV's outcome questionnaire rows: one per administered questionnaire with its time
point and score, after the check-ins, read back with the csv module as a spreadsheet would."""

import csv
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

from recovery.extensions import db
from recovery.services import questionnaires
from recovery.services.checkins import save_checkin
from recovery.services.cohort import CohortFilters
from recovery.services.csv_export import COLUMNS, cohort_rows, csv_chunks
from tests.answers import checkin_answers

from .conftest import NOW, client_as


def _ticks(score: int) -> dict:
    return {str(n): "yes" for n in range(1, score + 1)}


def _read(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def _answered(make_patient):
    """A kyphoplasty patient (procedure 30 days before NOW): a check-in on day 1, RMDQ 18 the day
    before the procedure, RMDQ 12 and "much better" at month 1; a vertebroplasty patient with RMDQ
    10 at baseline only."""
    kypho = make_patient(performed_at=NOW - timedelta(days=30))
    performed = kypho.current_procedure.performed_at
    save_checkin(kypho, checkin_answers(pain_now=4), performed + timedelta(days=1))
    questionnaires.submit(kypho, "rmdq", _ticks(18), performed - timedelta(days=1))
    questionnaires.submit(kypho, "rmdq", _ticks(12), NOW)
    questionnaires.submit(kypho, "global_impression", {"change": "much_better"}, NOW)
    vertebro = make_patient(performed_at=NOW + timedelta(days=5))
    vertebro.current_procedure.type = "vertebroplasty"
    questionnaires.submit(vertebro, "rmdq", _ticks(10), NOW)
    db.session.commit()
    return kypho, vertebro


def test_one_row_per_administered_questionnaire_with_its_time_point_and_score(app, make_patient):
    kypho, vertebro = _answered(make_patient)
    rows = _read("".join(csv_chunks(cohort_rows())))
    assert list(rows[0]) == list(COLUMNS)
    assert [r["row_kind"] for r in rows] == ["checkin"] + ["questionnaire"] * 4  # check-ins first
    checkin = rows[0]
    assert checkin["pain_now"] == "4" and checkin["time_point"] == checkin["score"] == ""
    mine = {(r["time_point"], r["instrument"]): r for r in rows[1:] if r["record_number"] == kypho.record_number}
    assert set(mine) == {("baseline", "rmdq"), ("month1", "rmdq"), ("month1", "global_impression")}
    baseline, month1 = mine[("baseline", "rmdq")], mine[("month1", "rmdq")]
    assert (baseline["score"], baseline["days_since_procedure"], baseline["score_change"]) == ("18", "-1", "")
    assert (month1["score"], month1["baseline_score"], month1["score_change"]) == ("12", "18", "-6")
    assert month1["meaningful_improvement"] == "yes"  # 6 points and 33%
    assert month1["days_since_procedure"] == "30" and month1["procedure_type"] == "kyphoplasty"
    assert month1["answered_date"] == NOW.astimezone(ZoneInfo(kypho.timezone)).date().isoformat()
    assert month1["pain_now"] == "" and month1["checkin_date"] == "" and month1["entered_by_staff"] == "no"
    assert month1["instrument_version"].startswith("RMDQ-24")
    impression = mine[("month1", "global_impression")]
    assert impression["score"] == "2" and impression["meaningful_improvement"] == ""  # no rule for it
    (other,) = [r for r in rows if r["record_number"] == vertebro.record_number]
    assert (other["procedure_type"], other["time_point"], other["score"]) == ("vertebroplasty", "baseline", "10")


def test_the_filters_narrow_the_questionnaire_rows_too(app, make_patient):
    _kypho, vertebro = _answered(make_patient)
    rows = cohort_rows(CohortFilters(procedure_type="vertebroplasty"))
    assert [(r.values[0], r.values[COLUMNS.index("time_point")]) for r in rows] == [
        (vertebro.record_number, "baseline")]


def test_the_clinicians_download_has_the_questionnaire_rows(app, make_patient, make_user):
    kypho, _ = _answered(make_patient)
    client = client_as(app, {"clinician": make_user("clinician")}, "clinician")
    rows = _read(client.get("/clinic/cohort.csv?type=kyphoplasty").get_data(as_text=True))
    assert [(r["row_kind"], r["time_point"], r["score"]) for r in rows] == [
        ("checkin", "", ""), ("questionnaire", "baseline", "18"), ("questionnaire", "month1", "12"),
        ("questionnaire", "month1", "2")]
