"""Daily check-ins: one per patient per local day, updates keep history, red flags raise alerts."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..database import begin_write
from ..extensions import db
from ..models import (
    ANSWERS,
    MEDICATION,
    NOTE_MAX,
    RED_FLAGS,
    CheckIn,
    CheckInRevision,
    Patient,
    Procedure,
    User,
)
from ..reminders import ledger, outbox
from . import buckets, triage
from .alerts import raise_red_flag_alerts
from .errors import NotFound, ValidationError
from .procedures import settle_72h_check
from .validate import Fields

# Each scored answer's whole-number range; the JSON API's schema states the same ranges from here.
RANGES = {"pain_now": (0, 10), "worst_pain": (0, 10), "walking_level": (0, 4), "minutes_upright": (0, 1440)}
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
    """What saving a check-in did, so the page can say so. The row itself is loaded only if a
    caller asks (the red-flag page, the API): the patient's usual redirect needs none.

    `complete` is false when a red flag was saved with other answers missing or refused;
    `errors` then says, by field, what is still to be answered or was not accepted."""

    checkin_id: int
    created: bool
    red_flags: list[str]
    complete: bool = True
    errors: dict[str, str] = field(default_factory=dict)

    @cached_property
    def checkin(self) -> CheckIn:
        return db.session.get(CheckIn, self.checkin_id, populate_existing=True)


def day_zone(patient: Patient, now: datetime) -> str:
    """The zone the patient's check-in day is counted in at `now`: a new zone from the day after
    the change (before then, the zone the day began in)."""
    if patient.timezone_from is not None and now < patient.timezone_from and patient.previous_timezone:
        return patient.previous_timezone
    return patient.timezone


def local_today(patient: Patient, now: datetime) -> date:
    """The patient's calendar day at `now`, in their own time zone (day_zone)."""
    return now.astimezone(ZoneInfo(day_zone(patient, now))).date()


def day_start(patient: Patient, day: date, now: datetime) -> datetime:
    """The UTC instant the patient's local `day` began (in day_zone at `now`)."""
    return datetime.combine(day, time(), ZoneInfo(day_zone(patient, now))).astimezone(UTC)


def change_timezone(patient: Patient, zone: str, now: datetime) -> None:
    """Move the patient to `zone` without rewriting or pre-dating a check-in.

    The day a check-in is for is fixed when it is saved (local_date). So that the day never
    goes back (which would reopen, and let a new check-in overwrite, a day already saved) nor
    jumps to a date ahead within the same real day (a second check-in that day), the day being
    lived keeps its zone until it has ended in both zones: the new zone applies from the later
    of the two midnights that start the next day. That day can be longer or shorter than 24
    hours; no date is skipped or repeated.
    """
    current = day_zone(patient, now)
    if zone == current:
        patient.previous_timezone, patient.timezone_from = None, None
    else:
        following = now.astimezone(ZoneInfo(current)).date() + timedelta(days=1)
        starts = [datetime.combine(following, time(), ZoneInfo(z)).astimezone(UTC) for z in (current, zone)]
        patient.previous_timezone, patient.timezone_from = current, max(starts)
    patient.timezone = zone


def parse_checkin(data) -> dict:
    """Validate a check-in's answers; raise ValidationError listing every bad field."""
    values, errors = parse_answers(data)
    if errors:
        raise ValidationError(errors)
    return values


def parse_answers(data) -> tuple[dict, dict[str, str]]:
    """Each answer checked on its own: (values, errors by field). A missing or refused answer is
    None in `values` (unknown), so the answers that are good can still be kept with a red flag."""
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
    for name in fields.errors:
        values[name] = None
    return values, dict(fields.errors)


def reported_flags(data) -> list[str]:
    """The red flags these answers report yes to, read without the database: each flag on its
    own, so a bad answer elsewhere hides none (a check-in whose save failed still owes the
    patient the guidance for them)."""
    fields = Fields(data)
    return [flag for flag in RED_FLAGS if fields.boolean(flag)]


def save_checkin(patient: Patient, data, now: datetime, entered_by: User | None = None,
                 via: int | None = None):
    """Save today's check-in, or update it if one exists; return a CheckInResult. `via`: the
    reminder whose link the patient followed to it (the ledger credits that one with the answer).

    Bad or missing answers write nothing (ValidationError), with one exception: when any red
    flag is answered yes, the good answers are saved at once with the others unknown (NULL) and
    the row incomplete, because a red flag must never be lost. Answers already stored today are
    never blanked by a later submission that leaves them out.
    """
    values, errors = parse_answers(data)
    procedure = patient.current_procedure
    if procedure is None:
        raise ValidationError({"form": str(_l("No procedure has been recorded for you yet."))})
    if patient.discharged:
        raise ValidationError({"form": str(_l("Check-ins are closed: you have been discharged."))})
    day = local_today(patient, now)
    by = entered_by.id if entered_by else None
    begin_write(db.session)  # today's row is read as the latest and stays so until commit
    checkin = todays_checkin(patient, day)
    if checkin is not None and not checkin.complete:  # finishing it: what is stored stands
        errors = {name: message for name, message in errors.items()
                  if _given(data, name) or getattr(checkin, name) is None}
    if errors and not any(values[flag] for flag in RED_FLAGS):
        raise ValidationError(errors)  # nothing was written: the caller rolls back
    created = False
    if checkin is None:
        checkin = CheckIn(patient_id=patient.id, procedure_id=procedure.id, local_date=day, created_at=now,
                          updated_at=now, entered_by_id=by, is_72h_check=False, **values,
                          complete=all(values[name] is not None for name in ANSWERS))
        try:
            with db.session.begin_nested():
                db.session.add(checkin)
            created = True
        except IntegrityError:  # a double click won the race: update the row it wrote
            checkin = todays_checkin(patient, day)
    if not created:
        _update(checkin, values, errors, now, by)
    db.session.flush()
    # Today's row keeps the procedure it was saved against.
    procedure_of_row = procedure if checkin.procedure_id == procedure.id else db.session.get(
        Procedure, checkin.procedure_id)
    buckets.record(procedure_of_row, patient.timezone, day, checkin.pain_now)  # in this transaction
    red_flags = [flag for flag in RED_FLAGS if getattr(checkin, flag)]
    if red_flags:
        raise_red_flag_alerts(checkin.id, patient.id, red_flags, now)
    if entered_by is None:  # the patient's own check-in (one staff enter answers no reminder)
        ledger.answered(patient.id, day_start(patient, day, now), now, via)
    settled = settle_72h_check(procedure, now)  # only a complete check-in settles it
    triage.evaluate_patient(patient, now, procedure=procedure)  # alerts on write, never on page view
    if settled:  # the 72-hour check's reminders stop, and its day may be owed a nudge again
        outbox.sync_patient(patient, now)
    elif checkin.complete:
        outbox.checked_in(patient, day, now)  # only today's nudge is no longer owed
    # Still to do: what this submission left unanswered or got wrong (not what is stored already).
    left = {name: message for name, message in errors.items()
            if getattr(checkin, name, None) is None or _given(data, name)}
    return CheckInResult(checkin.id, created, red_flags, checkin.complete, left)


def save_texted_pain(patient: Patient, pain: int, now: datetime) -> CheckIn | None:
    """Today's "pain now" from a patient's text reply (0-10), kept as an incomplete check-in:
    every other answer unknown, the red flags unanswered (NULL, never "no"), to be finished
    through a link. A check-in already complete today is left as it is (None is returned)."""
    if not 0 <= pain <= 10:
        raise ValidationError({"pain_now": str(_l("Pain must be a whole number from 0 to 10."))})
    procedure = patient.current_procedure
    if procedure is None or patient.discharged:
        return None
    day = local_today(patient, now)
    begin_write(db.session)
    checkin = todays_checkin(patient, day)
    if checkin is not None and checkin.complete:
        return None
    created = False
    if checkin is None:
        checkin = CheckIn(patient_id=patient.id, procedure_id=procedure.id, local_date=day, created_at=now,
                          updated_at=now, is_72h_check=False, pain_now=pain, complete=False,
                          **{name: None for name in ANSWERS if name != "pain_now"})
        try:
            with db.session.begin_nested():
                db.session.add(checkin)
            created = True
        except IntegrityError:  # a check-in saved meanwhile: update it below
            checkin = todays_checkin(patient, day)
            if checkin.complete:
                return None
    if not created:
        values = {name: None for name in SCORED + RED_FLAGS}
        values["pain_now"] = pain
        _update(checkin, values, {}, now, None)
    db.session.flush()
    of_row = (procedure if checkin.procedure_id == procedure.id
              else db.session.get(Procedure, checkin.procedure_id))
    buckets.record(of_row, patient.timezone, day, checkin.pain_now)
    ledger.answered(patient.id, day_start(patient, day, now), now)  # a reply answers the text it replies to
    triage.evaluate_patient(patient, now, procedure=procedure)
    return checkin


def incomplete_today(patient: Patient, now: datetime) -> bool:
    """Is today's check-in saved but incomplete (a red flag kept with answers missing)?"""
    return bool(db.session.scalar(select(CheckIn.id).where(
        CheckIn.patient_id == patient.id, CheckIn.local_date == local_today(patient, now),
        CheckIn.complete.is_(False))))


def _given(data, name: str) -> bool:
    """Did the submission carry a (non-blank) value for this field?"""
    value = (data or {}).get(name)
    return value is not None and not (isinstance(value, str) and not value.strip())


def todays_checkin(patient: Patient, day: date) -> CheckIn | None:
    """The patient's check-in for `day`, locked until commit (a second tab or a double click
    waits for this one), read afresh from the database (no copy loaded earlier stands in)."""
    return db.session.scalar(
        select(CheckIn).where(CheckIn.patient_id == patient.id, CheckIn.local_date == day)
        .with_for_update().execution_options(populate_existing=True))


def snapshot(checkin) -> dict:
    """The answers of a check-in (the model or its row) as plain JSON-able values."""
    data = {k: getattr(checkin, k) for k in SCORED + RED_FLAGS}
    data["complete"] = checkin.complete
    data["updated_at"] = checkin.updated_at.isoformat()
    data["entered_by_id"] = checkin.entered_by_id
    return data


def _update(checkin: CheckIn, values: dict, errors: dict, now: datetime, by: int | None) -> None:
    """Keep the stored answers as a revision, then write the new ones.

    An answer this submission leaves unknown keeps the stored one (completing a check-in never
    blanks what was given); the optional note is replaced only by a complete submission."""
    db.session.add(CheckInRevision(checkin_id=checkin.id, snapshot=snapshot(checkin), replaced_at=now,
                                   replaced_by_id=by))
    changes = {name: value for name, value in values.items() if value is not None or name == "note"}
    if (errors or not checkin.complete) and changes["note"] is None:  # only a full form clears it
        del changes["note"]
    for flag in RED_FLAGS:  # a red flag once reported is never erased
        if getattr(checkin, flag):
            changes[flag] = True
    pain = changes.get("pain_now", checkin.pain_now)
    worst = changes.get("worst_pain", checkin.worst_pain)
    if pain is not None and worst is not None and worst < pain:  # new and stored answers disagree
        changes.pop("pain_now", None)
        changes.pop("worst_pain", None)
        errors.setdefault("worst_pain", str(_l("Worst pain cannot be lower than pain now.")))
    for name, value in changes.items():
        setattr(checkin, name, value)
    checkin.updated_at = now
    checkin.complete = all(getattr(checkin, name) is not None for name in ANSWERS)
    if by is not None:
        checkin.entered_by_id = by


def form_answers(checkin, submitted=None) -> dict[str, str]:
    """A check-in's stored answers as the strings a form posts ("" where unknown), with any
    non-blank `submitted` value on top (so a refused answer shows where it was typed)."""
    if checkin is None:
        return {}
    values = {}
    for name in SCORED + RED_FLAGS:
        value = getattr(checkin, name)
        if isinstance(value, bool):
            values[name] = "yes" if value else "no"
        else:
            values[name] = "" if value is None else str(value)
        typed = (submitted or {}).get(name)
        if isinstance(typed, str) and typed.strip():
            values[name] = typed
    return values


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
