"""E-mail to a clinician the day before a follow-up: the visit's number and time and a link to
its summary, nothing else (no patient name, record number or clinical detail)."""

from datetime import datetime

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ...display import local_datetime
from ...extensions import db
from ...models import Appointment, User
from ...urls import external_url
from .. import mail, smtp

name = "clinic"
label = _l("E-mail to a clinician")
patient_facing = False
local = False


def reachable(contact) -> bool:
    return False  # addressed to a clinician (recipient_id), planned by the rules themselves


def prepare(batch: list, now: datetime) -> list:
    return [_compose(row, now) for row in batch]


def _compose(row, now: datetime):
    try:
        clinician, appointment = db.session.get(User, row.recipient_id), db.session.get(Appointment,
                                                                                          row.appointment_id)
        link = external_url("clinic.patient_summary", patient_id=row.patient_id, visit=appointment.id)
        with force_locale("en"):  # clinicians have no language setting; the clinic pages default to English
            subject = str(_l("Follow-up visit %(id)s: the visit summary is ready", id=appointment.id))
            text = render_template(
                "email/visit_summary.txt", clinician=clinician, appointment=appointment, link=link,
                appointment_time=local_datetime(appointment.scheduled_for),
                clinic=current_app.config["CLINIC_NAME"])
        return mail.email(subject, clinician.email, row.idempotency_key, now, text)
    except Exception as error:  # noqa: BLE001 - counted as a failed attempt
        return error


def hand_over(run, message) -> str:
    """Hand the e-mail to the SMTP server; its Message-ID is the ledger's provider id."""
    run.connection("smtp", smtp.Mailer).send(message)
    return message["Message-ID"]
