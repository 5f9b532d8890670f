"""What the engine reads about a reminder and its patient, in one shape for every use: the
rules' facts (reachability), the re-check just before sending, and each channel's hand-over."""

from sqlalchemy import select

from ..models import Appointment, Patient, Reminder, User
from .bulk import among

# Every column of the patient's row (a channel's reachability may need any of them: the e-mail
# opt-out, a mobile number and its consent), with their account's address, name and state.
CONTACT = (*(c for c in Patient.__table__.c if c.key != "id"), User.email, User.active, User.display_name,
           User.password_hash.is_(None).label("no_password"))


def contacts(patient_ids):
    """The patients `patient_ids` (the id and CONTACT columns)."""
    return (select(Patient.id, *CONTACT).join(User, User.id == Patient.user_id)
            .where(among(Patient.id, patient_ids)))


def reminders(ids):
    """The patient reminders `ids` (what the re-check and the channels need), oldest due first."""
    return (select(Reminder.id, Reminder.idempotency_key, Reminder.patient_id, Reminder.recipient_id,
                   Reminder.kind, Reminder.channel, Reminder.attempts, Reminder.appointment_id,
                   Appointment.scheduled_for, *CONTACT)
            .join(Patient, Patient.id == Reminder.patient_id).join(User, User.id == Patient.user_id)
            .outerjoin(Appointment, Appointment.id == Reminder.appointment_id)
            .where(among(Reminder.id, ids)).order_by(Reminder.due_at, Reminder.id))
