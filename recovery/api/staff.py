"""Staff operations on visits: list, book, reschedule, cancel; reminders follow as on the web pages."""

from ..extensions import db
from ..models import utcnow
from ..services import appointments, audit, enrolment
from . import present, schemas
from .operations import operation, paginate

STAFF = ("staff",)


def _saved(action):
    """Run a change through the service and commit (its refusals answer 422, see operations)."""
    result = action()
    db.session.commit()
    return present.appointment(result)


@operation("/appointments", "GET", roles=STAFF, response=schemas.Page[schemas.Appointment],
           query=schemas.AppointmentsQuery, errors=(404,))
def list_appointments(user, query):
    """Visits in time order: everyone's, or one patient's (`patient_id`, audited as a view), by status."""
    patient = enrolment.get_patient(query.patient_id) if query.patient_id is not None else None
    items = appointments.list_appointments(patient, query.status)
    if patient is not None:
        audit.record(user, "patient.view", patient, utcnow())
        db.session.commit()
    return paginate(items, query, schemas.Appointment, present.appointment)


@operation("/appointments", "POST", roles=STAFF, response=schemas.Appointment, status=(201,),
           body=schemas.AppointmentBody, errors=(404,))
def book_appointment(user, body):
    """Book a follow-up (or other) visit for the patient's current procedure; its reminders are planned."""
    patient = enrolment.get_patient(body.patient_id)
    data = {"kind": body.kind, "scheduled_for": body.scheduled_for, "override": body.override,
            "override_reason": body.override_reason}
    return _saved(lambda: appointments.schedule_follow_up(patient, data, user, utcnow()))


@operation("/appointments/<int:appointment_id>/reschedule", "POST", roles=STAFF, response=schemas.Appointment,
           body=schemas.RescheduleBody, errors=(404,))
def reschedule_appointment(user, appointment_id, body):
    """Move a visit; its unsent reminders are cancelled and planned afresh for the new time."""
    visit = appointments.get_appointment(appointment_id)
    data = {"scheduled_for": body.scheduled_for, "override": body.override,
            "override_reason": body.override_reason}
    return _saved(lambda: appointments.reschedule(visit, data, user, utcnow()))


@operation("/appointments/<int:appointment_id>/cancel", "POST", roles=STAFF, response=schemas.Appointment,
           body=schemas.EmptyBody, errors=(404,))
def cancel_appointment(user, appointment_id, body):
    """Cancel a scheduled visit; no more reminders are sent for it. Send no body, or `{}`."""
    visit = appointments.get_appointment(appointment_id)
    return _saved(lambda: appointments.cancel(visit, user, utcnow()))
