"""Daily check-ins: one per patient per local day, updates keep history, red flags raise alerts."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..database import begin_write
from ..extensions import db
from ..models import MEDICATION, RED_FLAGS, CheckIn, CheckInRevision, Patient, User
from ..reminders import outbox
from . import buckets, triage
from .alerts import raise_red_flag_alerts
from .errors import NotFound, ValidationError
from .procedures import settle_72h_check
from .validate import Fields

# Each scored answer's whole-number range; the JSON API's schema states the same ranges from here.
RANGES = {"pain_now": (0, 10), "worst_pain": (0, 10), "walking_level": (0, 4), "minutes_upright": (0, 1440)}
NOTE_MAX = 1000
SCORED = ("pain_now", "worst_pain", "walking_level", "minutes_upright", "medication",
          "sleep_disturbed", "note")
WALKING_LEVELS = {
    0: _l("In bed or chair"),
    1: _l("A few steps indoors with help"),
    2: _l("Walks indoors with an aid"),
    3: _l("Walks indoors unaided"),
    4: _l("Walks outdoors unaided"),
}


@dataclass
class CheckInResult:
    """What saving a check-in did, so the page can say so."""

    checkin: CheckIn
    created: bool

    @property
    def red_flags(self) -> list[str]:
        return self.checkin.red_flags


def local_today(patient: Patient, now: datetime) -> date:
    """The patient's calendar day at `now`, in their own time zone."""
    return now.astimezone(ZoneInfo(patient.timezone)).date()


def parse_checkin(data) -> dict:
    """Validate a check-in's answers; raise ValidationError listing every bad field."""
    fields = Fields(data)
    values = {name: fields.integer(name, lo, hi) for name, (lo, hi) in RANGES.items()}
    values.update(
        medication=fields.choice("medication", MEDICATION),
        sleep_disturbed=fields.boolean("sleep_disturbed"),
        note=fields.text("note", NOTE_MAX),
    )
    for flag in RED_FLAGS:
        values[flag] = fields.boolean(flag)
    if (
        values["pain_now"] is not None
        and values["worst_pain"] is not None
        and values["worst_pain"] < values["pain_now"]
    ):
        fields.fail("worst_pain", _l("Worst pain cannot be lower than pain now."))
    fields.done()
    return values


def save_checkin(patient: Patient, data, now: datetime, entered_by: User | None = None):
    """Save today's check-in, or update it if one exists; return a CheckInResult."""
    values = parse_checkin(data)
    procedure = patient.current_procedure
    if procedure is None:
        raise ValidationError({"form": str(_l("No procedure has been recorded for you yet."))})
    if patient.discharged:
        raise ValidationError({"form": str(_l("Check-ins are closed: you have been discharged."))})
    day = local_today(patient, now)
    begin_write(db.session)  # today's row is read as the latest and stays so until commit
    existing = _todays(patient, day)
    created = False
    if existing is None:
        checkin = CheckIn(
            patient_id=patient.id, procedure_id=procedure.id, local_date=day,
            created_at=now, updated_at=now,
            entered_by_id=entered_by.id if entered_by else None, **values,
        )
        try:
            with db.session.begin_nested():
                db.session.add(checkin)
            created = True
        except IntegrityError:  # a double click won the race: update the row it wrote
            existing = _todays(patient, day)
    if existing is not None:
        checkin = existing
        _update(checkin, values, now, entered_by)
    db.session.flush()
    buckets.record(checkin, patient)  # the cohort summary, in this transaction
    raise_red_flag_alerts(checkin, now)
    settled = settle_72h_check(procedure, now)
    triage.evaluate_patient(patient, now, procedure=procedure)  # alerts on write, never on page view
    if settled:  # the 72-hour check's reminders stop, and its day may be owed a nudge again
        outbox.sync_patient(patient, now)
    else:
        outbox.checked_in(patient, day, now)  # only today's nudge is no longer owed
    return CheckInResult(checkin, created)


def _todays(patient: Patient, day: date) -> CheckIn | None:
    """Today's check-in, locked until commit (a second tab or a double click waits for this one),
    as stored now rather than as this session may have loaded it earlier."""
    return db.session.scalar(
        select(CheckIn).where(CheckIn.patient_id == patient.id, CheckIn.local_date == day)
        .with_for_update().execution_options(populate_existing=True)
    )


def snapshot(checkin: CheckIn) -> dict:
    """The answers of a check-in as plain JSON-able values."""
    data = {k: getattr(checkin, k) for k in SCORED + RED_FLAGS}
    data["updated_at"] = checkin.updated_at.isoformat()
    data["entered_by_id"] = checkin.entered_by_id
    return data


def _update(checkin: CheckIn, values: dict, now: datetime, entered_by: User | None) -> None:
    db.session.add(
        CheckInRevision(
            checkin=checkin, snapshot=snapshot(checkin), replaced_at=now,
            replaced_by_id=entered_by.id if entered_by else None,
        )
    )
    for key, value in values.items():
        if key in RED_FLAGS:
            value = value or getattr(checkin, key)  # a red flag once reported is never erased
        setattr(checkin, key, value)
    checkin.updated_at = now
    if entered_by is not None:
        checkin.entered_by_id = entered_by.id


def patient_checkins(patient: Patient) -> list[CheckIn]:
    """A patient's check-ins, newest first."""
    return list(
        db.session.scalars(
            select(CheckIn).where(CheckIn.patient_id == patient.id).order_by(CheckIn.local_date.desc())
        )
    )


def patient_checkin(patient: Patient, checkin_id) -> CheckIn:
    """One of this patient's own check-ins; another patient's id is simply not found."""
    checkin = db.session.scalar(
        select(CheckIn).where(CheckIn.id == checkin_id, CheckIn.patient_id == patient.id)
    )
    if checkin is None:
        raise NotFound(checkin_id)
    return checkin
