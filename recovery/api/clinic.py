"""The clinician's operations: the patient list, one patient's check-ins and alerts, acknowledging."""

from ..extensions import db
from ..models import utcnow
from ..services import alerts, clinic, fhir
from . import present, schemas
from .errors import ApiError
from .operations import operation, paginate

CLINICIAN = ("clinician",)


@operation("/patients", "GET", roles=CLINICIAN, response=schemas.Page[schemas.PatientSummary],
           query=schemas.PatientsQuery)
def patients(user, query):
    """Every patient with summary numbers, as on the clinician's list: open alerts first, then the worst."""
    items = clinic.patient_summaries(utcnow(), include_discharged=query.discharged)
    return paginate(items, query, schemas.PatientSummary, present.patient_summary)


def _record(user, patient_id):
    """The patient's record as the clinician's page opens it: the view goes to the audit trail."""
    record = clinic.view_patient(patient_id, user, utcnow())
    db.session.commit()
    return record


@operation("/patients/<int:patient_id>/checkins", "GET", roles=CLINICIAN,
           response=schemas.Page[schemas.CheckIn], query=schemas.PageQuery, errors=(404,))
def patient_checkins(user, patient_id, query):
    """One patient's check-ins, newest day first (audited as a view of the record)."""
    record = _record(user, patient_id)
    return paginate(record.checkins, query, schemas.CheckIn, present.checkin)


@operation("/patients/<int:patient_id>/alerts", "GET", roles=CLINICIAN,
           response=schemas.Page[schemas.Alert], query=schemas.PageQuery, errors=(404,))
def patient_alerts(user, patient_id, query):
    """One patient's alerts, open ones first, then newest first (audited as a view of the record)."""
    record = _record(user, patient_id)
    return paginate(record.alerts, query, schemas.Alert, lambda a: present.alert(a, record.alert_words(a)))


@operation("/patients/<int:patient_id>/fhir", "GET", roles=CLINICIAN, response=schemas.FhirBundle,
           errors=(404,))
def patient_fhir(user, patient_id):
    """The patient's record as a FHIR R4 Bundle, as the clinician's page downloads it (audited)."""
    bundle = fhir.export_bundle(patient_id, user, utcnow())
    db.session.commit()
    return bundle


@operation("/alerts/<int:alert_id>/acknowledge", "POST", roles=CLINICIAN, response=schemas.Alert,
           body=schemas.AcknowledgeBody, errors=(404, 409))
def acknowledge_alert(user, alert_id, body):
    """Close an open alert with a note saying what was done or decided.

    409 if it was already closed (by another clinician at the same moment, say): the message says
    by whom and when, and the note is kept on the alert as a follow-up, not lost.
    """
    now = utcnow()
    done = alerts.acknowledge(alert_id, user, body.note, now)  # NotFound is the API's 404
    if done.already_closed:
        message = done.conflict_message()
        db.session.commit()  # the follow-up note
        raise ApiError(409, message)
    db.session.commit()
    alert = done.alert
    record = clinic.patient_record(alert.patient_id, now)
    return present.alert(alert, record.alert_words(alert))
