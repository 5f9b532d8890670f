"""What the patient's pages say about now: day of recovery, today's check-in, pain against baseline.

Read-only: these functions gather what the services already hold; they write nothing.
"""

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from ..models import Appointment, CheckIn, Patient, Procedure, procedure_day, recovery_day
from ..services import figures
from ..services.checkins import local_today, patient_checkins
from ..services.procedures import CHECK_WINDOW, check_72h
from ..services.questionnaires import score_history
from ..services.responder import is_responder

# Stages of recovery by the last day (since the procedure) each covers: relief comes at once or
# within 72 hours, most people are back to normal activities in a few weeks, most fractures heal
# in 8-12 weeks (shared CLINICAL.md, "What the clinic tells patients").
STAGES = ((3, "first_days"), (27, "first_weeks"), (83, "healing"))
LATER = "later"


@dataclass
class Summary:
    """Everything the home page shows about a patient's recovery today."""

    patient: Patient | None
    procedure: Procedure | None = None
    today: date | None = None
    day: int | None = None  # days since the procedure; 0 is the procedure day
    procedure_date: date | None = None
    todays_checkin: CheckIn | None = None
    latest: CheckIn | None = None  # the latest with a pain answer (an incomplete one may have none)
    responder: bool | None = None
    stage: str | None = None
    check_72h: Appointment | None = None
    check_window: tuple[datetime, datetime] | None = None
    check_72h_due: bool = False  # the 72-hour check still waits for a check-in
    checkins: list[CheckIn] | None = None  # of the current procedure, newest first

    @property
    def checkins_open(self) -> bool:
        return self.procedure is not None and not self.patient.discharged


def stage(day: int) -> str:
    """The stage of recovery a day since the procedure falls in."""
    for last_day, name in STAGES:
        if day <= last_day:
            return name
    return LATER


def todays_checkin(patient: Patient | None, now: datetime) -> CheckIn | None:
    """The check-in the patient already made today (their local day), if any."""
    if patient is None:
        return None
    today = local_today(patient, now)
    return next((c for c in patient_checkins(patient) if c.local_date == today), None)


def summarise(patient: Patient | None, now: datetime) -> Summary:
    """Gather the home page's facts; a patient without a procedure gets a summary saying so."""
    if patient is None:
        return Summary(patient=None)
    procedure = patient.current_procedure
    summary = Summary(patient=patient, procedure=procedure, today=local_today(patient, now))
    if procedure is None:
        return summary
    summary.procedure_date = procedure_day(procedure.performed_at, patient.timezone)
    summary.day = max(0, recovery_day(procedure.performed_at, summary.today, patient.timezone))
    summary.stage = stage(summary.day)
    own = [c for c in patient_checkins(patient) if c.procedure_id == procedure.id]
    summary.checkins = own
    summary.latest = next((c for c in own if c.pain_now is not None), None)
    summary.todays_checkin = next((c for c in own if c.local_date == summary.today), None)
    if summary.latest is not None:
        summary.responder = is_responder(procedure.baseline_pain, summary.latest.pain_now)
    check = check_72h(procedure)
    if check is not None:
        summary.check_72h = check
        summary.check_window = tuple(procedure.performed_at + w for w in CHECK_WINDOW)
        summary.check_72h_due = check.status == "scheduled" and now <= summary.check_window[1]
    return summary


def pain_sentence(summary: Summary):
    """The patient's pain now against before the procedure, in one plain sentence (None without
    a procedure)."""
    if summary.procedure is None:
        return None
    kind = figures.PROCEDURE_WORDS.get(summary.procedure.type, summary.procedure.type)
    before = summary.procedure.baseline_pain
    if summary.latest is None and summary.checkins:  # only check-ins without a pain answer
        return _l("Your pain will show here once you answer the pain questions of a check-in.")
    if summary.latest is None:
        return _l("You have not checked in since your %(kind)s yet. After your first check-in you "
                  "will see here how your pain is changing.", kind=kind)
    now = summary.latest.pain_now
    if now < before:
        return _l("Your pain has dropped from %(before)s to %(now)s since your %(kind)s.",
                  before=before, now=now, kind=kind)
    if now > before:
        return _l("Your pain has gone up from %(before)s to %(now)s since your %(kind)s. If this "
                  "worries you, call the clinic.", before=before, now=now, kind=kind)
    return _l("Your pain is %(now)s, the same as before your %(kind)s.", now=now, kind=kind)


def chart(summary: Summary) -> figures.ProgressChart | None:
    """The patient's own progress chart, once they have checked in since the procedure."""
    if summary.procedure is None or summary.latest is None:  # no pain answered since the procedure
        return None
    return figures.progress_chart(summary.patient, summary.procedure, summary.checkins)


# The outcome questionnaire a patient reads their own history of, in plain words: the RMDQ counts
# the everyday things their back makes hard (services/responder.meaningful_improvement says when
# the fall is big enough to call it a big improvement, the one rule the clinician sees too).
BACK_INSTRUMENT = "rmdq"
BACK_MAX = 24


@dataclass(frozen=True)
class BackScores:
    """The patient's back-function scores, as the home page words them."""

    sentence: object  # a lazy, translatable string
    big_improvement: bool  # a meaningful improvement from before the procedure
    points: tuple[tuple[object, int], ...]  # (time point's words, score), oldest first


def back_scores(patient: Patient | None) -> BackScores | None:
    """The patient's RMDQ history in one plain sentence and a short list; None before any answer."""
    if patient is None:
        return None
    history = next((h for h in score_history(patient) if h.key == BACK_INSTRUMENT), None)
    rows = [r for r in history.rows if r.score is not None] if history else []
    if not rows:
        return None
    points = tuple((r.label, int(r.score)) for r in rows)
    latest = rows[-1]
    before = history.baseline
    if before is None or latest.point == "baseline":
        sentence = _l("Your back-function score is %(now)s out of %(max)s.", now=int(latest.score),
                      max=BACK_MAX)
        return BackScores(sentence, False, points)
    before, now = int(before), int(latest.score)
    if now < before:
        sentence = _l("Your back-function score went from %(before)s to %(now)s.", before=before, now=now)
    elif now > before:
        sentence = _l("Your back-function score went from %(before)s up to %(now)s. If your back worries "
                      "you, call the clinic.", before=before, now=now)
    else:
        sentence = _l("Your back-function score is %(now)s, the same as before your procedure.", now=now)
    return BackScores(sentence, bool(latest.meaningful), points)
