"""CSV export of the cohort: round trip with the csv module, formula injection, filters, audit."""

import csv
import io
from datetime import timedelta

from sqlalchemy import select

from recovery.extensions import db
from recovery.models import AuditEvent
from recovery.services.checkins import save_checkin
from recovery.services.cohort import CohortFilters
from recovery.services.csv_export import COLUMNS, cohort_rows, csv_chunks, neutralise
from tests.answers import checkin_answers

from .conftest import NOW, client_as

ANSWERS = checkin_answers(without=('pain_now',), worst_pain=7)
PROCEDURE = NOW - timedelta(days=10)
NASTY = ['=HYPERLINK("http://evil.example","click")', "+1", "-2", "@SUM(A1)", "\tTab", "\rCR",
         "señora: todo bien, ñ"]


def _read(text: str) -> list[dict]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def _cohort(make_patient):
    """A kyphoplasty patient with one check-in per nasty note, and a vertebroplasty patient."""
    kypho = make_patient(performed_at=PROCEDURE, recorded_at=PROCEDURE + timedelta(hours=1))
    for day, note in enumerate(NASTY, start=1):
        checkin = save_checkin(kypho, {**ANSWERS, "pain_now": min(day, 10), "note": note},
                               PROCEDURE + timedelta(days=day)).checkin
        checkin.note = note  # as stored: the form strips leading tabs, older or imported rows may not
    vertebro = make_patient(performed_at=PROCEDURE, recorded_at=PROCEDURE + timedelta(hours=1))
    vertebro.current_procedure.type = "vertebroplasty"
    vertebro.current_procedure.fracture_cause = "trauma"
    save_checkin(vertebro, {**ANSWERS, "pain_now": 5}, PROCEDURE + timedelta(days=2))
    db.session.commit()
    return kypho, vertebro


def test_cells_that_would_run_as_formulas_get_an_apostrophe_and_numbers_stay_numbers():
    assert neutralise('=HYPERLINK("x")') == "'=HYPERLINK(\"x\")"
    assert [neutralise(v) for v in ("+1", "-2", "@A1", "\tx", "\rx")] == ["'+1", "'-2", "'@A1", "'\tx", "'\rx"]
    assert neutralise(-2) == -2 and neutralise(0) == 0 and neutralise(2.5) == 2.5
    assert neutralise("plain") == "plain" and neutralise(None) == "" and neutralise(True) == "yes"


def test_round_trip_one_row_per_checkin_with_procedure_fields(app, make_patient):
    kypho, vertebro = _cohort(make_patient)
    text = "".join(csv_chunks(cohort_rows(), chunk_rows=3))  # several chunks join seamlessly
    rows = _read(text)
    assert list(rows[0]) == list(COLUMNS)
    assert len(rows) == len(NASTY) + 1
    mine = [r for r in rows if r["record_number"] == kypho.record_number]
    assert [r["note"] for r in mine] == ["'" + n for n in NASTY[:-1]] + [NASTY[-1]]
    first = mine[0]
    assert first["procedure_type"] == "kyphoplasty" and first["levels"] == "L1"
    assert first["procedure_date"] == "2026-11-10" and first["fracture_cause"] == "osteoporosis"
    assert first["checkin_date"] == "2026-11-11" and first["days_since_procedure"] == "1"
    assert first["pain_now"] == "1" and first["baseline_pain"] == "8"
    # The change from baseline is a real negative number: no apostrophe.
    assert first["pain_change"] == "-7" and first["responder"] == "yes"
    assert [r["days_since_procedure"] for r in mine] == [str(d) for d in range(1, len(NASTY) + 1)]
    (other,) = [r for r in rows if r["record_number"] == vertebro.record_number]
    assert other["procedure_type"] == "vertebroplasty" and other["pain_change"] == "-3"
    assert other["responder"] == "yes" and other["fracture_cause"] == "trauma"
    # A number stays unquoted in the raw text, a text cell that looks like one does not.
    assert ",-7," in text and "'-2" in text


def test_filters_narrow_the_rows(app, make_patient):
    kypho, vertebro = _cohort(make_patient)
    rows = cohort_rows(CohortFilters(procedure_type="vertebroplasty"))
    assert [r.values[0] for r in rows] == [vertebro.record_number]
    assert cohort_rows(CohortFilters(fracture_cause="spinal_tumour")) == []


def test_clinician_downloads_the_csv_with_filters_and_the_export_is_audited(app, make_patient, make_user):
    _cohort(make_patient)
    clinician = make_user("clinician")
    client = client_as(app, {"c": clinician}, "c")
    response = client.get("/clinic/cohort.csv?type=kyphoplasty")
    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _read(response.get_data().decode("utf-8"))
    assert {r["procedure_type"] for r in rows} == {"kyphoplasty"} and len(rows) == len(NASTY)
    assert rows[-1]["note"] == "señora: todo bien, ñ"
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "cohort.export_csv")))
    assert [(e.actor_id, e.patient_id) for e in events] == [(clinician.id, None)]
    page = client.get("/clinic/cohort?type=kyphoplasty").get_data(as_text=True)
    assert "/clinic/cohort.csv?type=kyphoplasty" in page


def test_bad_filters_export_nothing_and_audit_nothing(app, make_patient, make_user):
    _cohort(make_patient)
    client = client_as(app, {"c": make_user("clinician")}, "c")
    response = client.get("/clinic/cohort.csv?type=spinal")
    assert response.status_code == 400
    assert "record_number" not in response.get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cohort.export_csv")) is None


SEMICOLON_NASTY = ["fine;=HYPERLINK(\"http://evil.example\")", "a; +1", "b;-2+3", "c;@SUM(A1)", "d;\tx",
                   'e;"=1+1', "line\n=cmd", "a;b"]


def test_a_semicolon_splitting_spreadsheet_sees_no_cell_that_starts_a_formula(app, make_patient, make_user):
    """Excel in a ';' locale splits each line at semicolons: no piece may start with = + - @ tab CR."""
    patient = make_patient(performed_at=PROCEDURE, recorded_at=PROCEDURE + timedelta(hours=1))
    for day, note in enumerate(SEMICOLON_NASTY, start=1):
        save_checkin(patient, {**ANSWERS, "pain_now": 3}, PROCEDURE + timedelta(days=day)).checkin.note = note
    db.session.commit()
    client = client_as(app, {"c": make_user("clinician")}, "c")
    text = client.get("/clinic/cohort.csv").get_data().decode("utf-8-sig")
    pieces = [piece for line in text.splitlines() for piece in line.split(";")]
    dangerous = [p for p in pieces if p.lstrip(' "').startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert dangerous == []
    # Read as the comma-separated file it is, each note is still there, as text.
    notes = [row["note"] for row in _read("\ufeff" + text)]
    assert notes == ["fine;'=HYPERLINK(\"http://evil.example\")", "a;' +1", "b;'-2+3", "c;'@SUM(A1)",
                     "d;'\tx", "e;'\"=1+1", "line\n'=cmd", "a;b"]
    # A genuine negative number is still written as a bare number (pain change from baseline).
    assert [row["pain_change"] for row in _read("\ufeff" + text)] == ["-5"] * len(SEMICOLON_NASTY)
