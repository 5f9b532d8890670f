"""Staff record and correct procedures; the 72-hour check follows the procedure's time."""

import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from recovery.extensions import db
from recovery.models import Appointment, Procedure, utcnow

from .conftest import csrf_token

CLINIC = ZoneInfo("America/Chicago")


def clinic_input(moment: datetime) -> str:
    """A UTC instant as the clinic-local value of a datetime-local field."""
    return moment.astimezone(CLINIC).strftime("%Y-%m-%dT%H:%M")


def procedure_form(performed: datetime, **overrides) -> MultiDict:
    data = {
        "type": "vertebroplasty",
        "performed_at": clinic_input(performed),
        "fracture_cause": "osteoporosis",
        "anaesthesia": "local",
        "setting": "outpatient",
        "cement_volume_ml": "3.5",
        "cement_leakage": "no",
        "baseline_pain": "8",
        "notes": "",
    }
    data.update(overrides)
    levels = data.pop("levels", ["T12", "L1"])
    return MultiDict(list(data.items()) + [("levels", level) for level in levels])


def post(client, url, form: MultiDict):
    form.add("csrf_token", csrf_token(client, url))
    return client.post(url, data=form)


def error_next_to(html: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="{field}-error"[^>]*>([^<]*)</p>', html)
    return match.group(1) if match else ""


def minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


@pytest.fixture
def staff(make_user, login):
    return login(make_user("staff"))


def test_recording_a_procedure_creates_the_72_hour_check_at_plus_72_hours(client, staff, make_patient):
    patient = make_patient(procedure=False)
    performed = minute(utcnow() - timedelta(days=1))
    url = f"/staff/patients/{patient.id}/procedures/new"
    response = post(client, url, procedure_form(performed))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/staff/patients/{patient.id}")
    procedure = db.session.scalar(select(Procedure).where(Procedure.patient_id == patient.id))
    assert procedure.performed_at == performed
    assert procedure.level_list == ["T12", "L1"]
    assert procedure.cement_volume_ml == Decimal("3.5")
    assert procedure.recorded_by_id == staff.id
    [check] = procedure.appointments
    assert (check.kind, check.status) == ("check_72h", "scheduled")
    assert check.scheduled_for == performed + timedelta(hours=72)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Procedure recorded" in page and "72-hour check" in page and "T12, L1" in page


def test_correcting_the_time_moves_the_72_hour_check(client, staff, make_patient):
    patient = make_patient()
    procedure = patient.current_procedure
    check = procedure.appointments[0]
    url = f"/staff/procedures/{procedure.id}/edit"
    html = client.get(url).get_data(as_text=True)
    assert 'value="L1" checked' in html  # the form shows what is recorded
    earlier = minute(procedure.performed_at - timedelta(hours=5))
    response = post(client, url, procedure_form(earlier, type="kyphoplasty"))
    assert response.status_code == 302
    db.session.refresh(check)
    assert check.scheduled_for == earlier + timedelta(hours=72)
    assert check.revision == 2
    assert db.session.get(Procedure, procedure.id).type == "kyphoplasty"
    assert db.session.scalar(select(func.count(Appointment.id))) == 1


BAD_INPUT = [
    ({"levels": ["L1", "L9"]}, "levels", "Unknown level: L9"),
    ({"levels": []}, "levels", "Choose at least one treated level"),
    ({"future": True}, "performed_at", "The procedure date cannot be in the future."),
    ({"performed_at": "2026-13-40T10:00"}, "performed_at", "Please enter a real date and time"),
    ({"type": "laminectomy"}, "type", "Please choose one of the options."),
    ({"setting": "spa"}, "setting", "Please choose one of the options."),
    ({"baseline_pain": "11"}, "baseline_pain", "Please enter a whole number from 0 to 10."),
    ({"cement_volume_ml": "-2"}, "cement_volume_ml", "Please enter a number above 0"),
]


def _bad_form(overrides):
    overrides = dict(overrides)
    when = utcnow() + timedelta(days=2) if overrides.pop("future", False) else utcnow() - timedelta(days=1)
    return procedure_form(when, **overrides)


@pytest.mark.parametrize("overrides, field, message", BAD_INPUT)
def test_bad_new_procedure_is_refused_and_nothing_written(
    client, staff, make_patient, overrides, field, message
):
    patient = make_patient(procedure=False)
    response = post(client, f"/staff/patients/{patient.id}/procedures/new", _bad_form(overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error_next_to(html, field).startswith(message)
    assert db.session.scalar(select(func.count(Procedure.id))) == 0
    assert db.session.scalar(select(func.count(Appointment.id))) == 0


@pytest.mark.parametrize("overrides, field, message", BAD_INPUT)
def test_bad_correction_is_refused_and_the_procedure_is_unchanged(
    client, staff, make_patient, overrides, field, message
):
    patient = make_patient()
    procedure = patient.current_procedure
    before = (procedure.type, procedure.performed_at, procedure.levels, procedure.baseline_pain)
    scheduled = procedure.appointments[0].scheduled_for
    response = post(client, f"/staff/procedures/{procedure.id}/edit", _bad_form(overrides))
    assert response.status_code == 400
    assert error_next_to(response.get_data(as_text=True), field).startswith(message)
    procedure = db.session.get(Procedure, procedure.id)
    assert (procedure.type, procedure.performed_at, procedure.levels, procedure.baseline_pain) == before
    assert procedure.appointments[0].scheduled_for == scheduled


def test_procedure_form_offers_every_level_from_t1_to_l5(client, staff, make_patient):
    patient = make_patient(procedure=False)
    html = client.get(f"/staff/patients/{patient.id}/procedures/new").get_data(as_text=True)
    offered = re.findall(r'name="levels" value="([TL]\d+)"', html)
    assert offered == [f"T{i}" for i in range(1, 13)] + [f"L{i}" for i in range(1, 6)]


def test_clinic_local_time_is_stored_as_utc(client, staff, make_patient):
    patient = make_patient(procedure=False)
    form = procedure_form(utcnow(), performed_at="2026-01-15T08:30")  # CST, UTC-6
    assert post(client, f"/staff/patients/{patient.id}/procedures/new", form).status_code == 302
    procedure = db.session.scalar(select(Procedure))
    assert procedure.performed_at == datetime(2026, 1, 15, 14, 30, tzinfo=timezone.utc)
