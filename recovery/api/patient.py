"""The patient's operations: who am I, my procedures, today's check-in, my lists."""

from flask import current_app, jsonify

from .. import unsaved
from ..extensions import db
from ..models import RED_FLAGS, utcnow
from ..services import checkins, inbox, procedures
from ..services.guidance import NOT_SAVED, NOT_SAVED_911, urgent_guidance
from . import present, schemas
from .errors import NOT_SAVED_CODE, ApiError
from .operations import operation, paginate

PATIENT = ("patient",)
ANYONE = ("patient", "clinician", "staff")
NOT_SET_UP = "Your record at the clinic is not set up yet."
MISSING = "Field required"  # pydantic's message for a field left out


@operation("/me", "GET", roles=ANYONE, response=schemas.Me)
def me(user):
    """The account this token belongs to."""
    patient = user.patient
    return schemas.Me(id=user.id, role=user.role, name=user.display_name,
                      patient_id=patient.id if patient else None)


@operation("/me/procedures", "GET", roles=PATIENT, response=schemas.Page[schemas.Procedure],
           query=schemas.PageQuery)
def my_procedures(user, query):
    """My procedures, newest first."""
    items = list(reversed(user.patient.procedures)) if user.patient else []
    return paginate(items, query, schemas.Procedure, present.procedure)


def save_partial(user, data: dict, errors: dict):
    """A body the schema refuses is still saved when it reports a red flag (exactly `true`):
    the answers the schema accepted are kept, the others are unknown, and `complete` is false.
    It also finishes today's incomplete check-in when it only leaves out answers already stored."""
    flagged = any(data.get(flag) is True for flag in RED_FLAGS)
    only_missing = all(message == MISSING for message in errors.values())
    finishing = (only_missing and user.patient is not None
                 and checkins.incomplete_today(user.patient, utcnow()))
    if not (flagged or finishing):
        return None  # the 422 stands and nothing is written
    refused = {name.split(".")[0] for name in errors}
    answers = {name: value for name, value in data.items()
               if name in schemas.CheckInBody.model_fields and name not in refused}
    return _save(user, answers, errors)


def _stored(result, name: str) -> bool:
    """Does today's saved check-in hold an answer for `name` (so a schema error there is moot)?"""
    return getattr(result.checkin, name.split(".")[0], None) is not None


@operation("/me/checkins/today", "PUT", roles=PATIENT, response=schemas.CheckInSaved, status=(201, 200),
           body=schemas.CheckInBody, errors=(503,), rescue=save_partial)
def save_today(user, body):
    """Create or update today's check-in (the patient's own calendar day).

    The same rules as the web form: one check-in a day (a second one updates it and keeps the
    earlier answers), a red flag once reported stays. 201 when it made today's check-in, 200 when
    it updated it. When a red flag is reported, `urgent` carries the guidance the web page shows:
    act on it at once. A body with a red flag `true` is saved even when other answers are
    missing or invalid: those are stored as unknown (null), `complete` is false and `errors`
    names them; send the check-in again to complete it (an answer already stored is never
    blanked by leaving it out). Without a red flag such a body is refused (422) and nothing is
    written. 503 (`checkin_not_saved`) when the database cannot save it: nothing was kept, and
    `urgent` still carries the guidance for the answers sent.
    """
    return _save(user, body.model_dump(), {})


def _save(user, answers: dict, refused: dict):
    patient = user.patient
    if patient is None:
        raise ApiError(422, errors={"form": NOT_SET_UP})
    result = checkins.save_checkin(patient, answers, utcnow())
    db.session.commit()
    # A refused value stays an error; a missing one only while today's check-in still lacks it.
    left = {k: v for k, v in refused.items() if v != MISSING or not _stored(result, k)}
    left.update(result.errors)
    saved = schemas.CheckInSaved(created=result.created, complete=result.complete, errors=left or None,
                                 checkin=present.checkin(result.checkin),
                                 urgent=present.urgent(urgent_guidance(result.red_flags)))
    return saved, 201 if result.created else 200


@unsaved.page("api.save_today")
def save_today_not_saved(answers):
    """The database failed (full, read-only, down): 503 with the urgent guidance for the answers
    sent, worked out without the database; `saved` is false and nothing was kept."""
    guidance = urgent_guidance(checkins.reported_flags(answers), saved=False)
    config = current_app.config
    response = jsonify(code=NOT_SAVED_CODE, message=str(NOT_SAVED), saved=False,
                       urgent=present.urgent(guidance).model_dump(mode="json") if guidance else None,
                       phone_day=config["CLINIC_PHONE_DAY"],
                       phone_after_hours=config["CLINIC_PHONE_AFTER_HOURS"],
                       emergency=str(NOT_SAVED_911))
    response.status_code = 503
    return response


@operation("/me/checkins", "GET", roles=PATIENT, response=schemas.Page[schemas.CheckIn],
           query=schemas.PageQuery)
def my_checkins(user, query):
    """My check-ins, newest day first."""
    items = checkins.patient_checkins(user.patient) if user.patient else []
    return paginate(items, query, schemas.CheckIn, present.checkin)


@operation("/me/checkins/<int:checkin_id>", "GET", roles=PATIENT, response=schemas.CheckIn, errors=(404,))
def my_checkin(user, checkin_id):
    """One of my check-ins; another patient's id is not found."""
    if user.patient is None:
        raise ApiError(404)
    return present.checkin(checkins.patient_checkin(user.patient, checkin_id))


@operation("/me/appointments", "GET", roles=PATIENT, response=schemas.Page[schemas.Appointment],
           query=schemas.PageQuery)
def my_appointments(user, query):
    """My visits (72-hour check, follow-ups), in time order."""
    items = procedures.patient_appointments(user.patient) if user.patient else []
    return paginate(items, query, schemas.Appointment, present.appointment)


@operation("/me/inbox", "GET", roles=PATIENT, response=schemas.Page[schemas.Message], query=schemas.PageQuery)
def my_inbox(user, query):
    """My in-app messages, newest first (reading them here does not mark them read)."""
    items = inbox.inbox(user.patient) if user.patient else []
    return paginate(items, query, schemas.Message, present.message)
