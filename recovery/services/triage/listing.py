"""The triage list: open alerts, most urgent first, with the patient and what happened in words."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from ...extensions import db
from ...models import Alert, CheckIn, Patient, Procedure, User
from .. import paging
from ..alerts import FLAG_LABELS
from .rules import SEVERITY_ORDER

PAGE_SIZE = 25
PAGE_PARAM = "tpage"  # the home's URL carries the triage page beside the patient list's own `page`


def severity_rank():
    """SQL expression ordering severities most urgent first."""
    return case({s: i for i, s in enumerate(SEVERITY_ORDER)}, value=Alert.severity, else_=len(SEVERITY_ORDER))


KIND_LABELS = {
    "red_flag": _l("Red flag"),
    "worsening": _l("Pain worse after relief"),
    "non_responder": _l("Not responding at the 72-hour check"),
    "missed_checkins": _l("Missed check-ins"),
    "missed_72h": _l("Missed the 72-hour check"),
    "persistent_pain": _l("Not responding at weeks 5-7"),
    "text_message": _l("Sent a text: read it on the patient page"),
}


@dataclass(frozen=True)
class TriageItem:
    """One open alert on the clinician's list, in plain values and words."""

    alert_id: int
    patient_id: int
    patient_name: str
    record_number: str
    kind: str
    severity: str
    created_at: datetime
    waiting: timedelta
    detail: str
    pain: int | None  # pain now at the alert's check-in, if it has one
    baseline: int | None
    since: date | None  # when the episode began (worsening, missed check-ins)
    phone: str | None = None
    walking: int | None = None  # the alert's check-in: walking level (0-4) that day
    note: str | None = None  # the patient's note on the alert's check-in
    pain_latest: int | None = None  # pain at the patient's latest check-in ("pain now")
    pain_latest_date: date | None = None

    NOTE_SHORT = 120

    @property
    def note_short(self) -> str | None:
        """The note shortened to NOTE_SHORT characters (the whole note is one click away)."""
        if not self.note or len(self.note) <= self.NOTE_SHORT:
            return self.note
        return self.note[: self.NOTE_SHORT].rstrip() + "…"

    @property
    def kind_label(self):
        return KIND_LABELS.get(self.kind, self.kind.replace("_", " "))

    @property
    def words(self):
        """What happened, in a short sentence."""
        return describe(self.kind, self.detail, self.pain, self.baseline, self.since)


def describe(kind: str, detail: str, pain: int | None = None, baseline: int | None = None,
             since: date | None = None):
    """An alert in a short sentence: the red flag's words, or the rule's numbers."""
    if kind == "red_flag":
        return FLAG_LABELS.get(detail, detail)
    if kind == "non_responder":
        return _l("Pain %(pain)s at the 72-hour check, from %(baseline)s before the procedure.",
                  pain=pain, baseline=baseline)
    if kind == "worsening":
        return _l("Pain rose to %(pain)s on %(day)s: 3 or more points above the lowest of the "
                  "14 days before.", pain=pain, day=since)
    if kind == "missed_checkins":
        return _l("No check-in since %(day)s.", day=since)
    if kind == "persistent_pain":
        return _l("Pain %(pain)s at the latest check-in of days 35-49, from %(baseline)s before the "
                  "procedure: the responder rule is not met.", pain=pain, baseline=baseline)
    return KIND_LABELS.get(kind, kind.replace("_", " "))


def episode_start(detail: str) -> date | None:
    """The day an episode began, from an alert's detail ("p<id>:since:<date>"), if it says."""
    _, _, tail = detail.partition(":since:")
    try:
        return date.fromisoformat(tail) if tail else None
    except ValueError:
        return None


def severity_counts(items: list[TriageItem]) -> dict[str, int]:
    """How many open alerts of each severity, most urgent first."""
    return {s: sum(1 for i in items if i.severity == s) for s in SEVERITY_ORDER}


@dataclass(frozen=True)
class TriagePage(paging.Paged):
    """One page of the triage list, with the clinic's open alerts counted per severity."""

    items: list[TriageItem]
    counts: dict[str, int]  # every open alert, not only this page's
    page: int

    @property
    def page_size(self) -> int:
        return PAGE_SIZE

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def parse_page(data) -> int:
    """The triage page number from the URL (1 when absent); ValidationError for anything else."""
    return paging.parse_page(data, PAGE_PARAM)


def triage_page(now: datetime, page: int = 1) -> TriagePage:
    """Page `page` of the clinic's open alerts (PAGE_SIZE a page, urgent first): two statements,
    a count per severity and the page itself; past the last page, no items."""
    counted = db.session.execute(select(Alert.severity, func.count()).where(Alert.acknowledged_at.is_(None))
                                 .group_by(Alert.severity)).all()
    counts = {s: 0 for s in SEVERITY_ORDER} | dict(counted)
    result = TriagePage([], counts, page)
    if result.past_end:
        return result
    return TriagePage(triage_list(now, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE), counts, page)


def triage_list(now: datetime, clinician_id: int | None = None, limit: int | None = None,
                offset: int = 0) -> list[TriageItem]:
    """Open alerts, most urgent first, then longest waiting first; one query."""
    newest = aliased(CheckIn)
    latest = (select(newest.id).where(newest.patient_id == Alert.patient_id, newest.pain_now.is_not(None))
              .order_by(newest.local_date.desc(), newest.id.desc()).limit(1).scalar_subquery())
    now_checkin = aliased(CheckIn)
    stmt = (
        select(Alert.id, Alert.patient_id, User.display_name, Patient.record_number, Alert.kind,
               Alert.severity, Alert.created_at, Alert.detail, CheckIn.pain_now, Procedure.baseline_pain,
               Patient.phone, CheckIn.walking_level, CheckIn.note,
               now_checkin.pain_now.label("pain_latest"), now_checkin.local_date.label("latest_date"))
        .join(Patient, Patient.id == Alert.patient_id)
        .join(User, User.id == Patient.user_id)
        .outerjoin(CheckIn, CheckIn.id == Alert.checkin_id)
        .outerjoin(Procedure, Procedure.id == CheckIn.procedure_id)
        .outerjoin(now_checkin, now_checkin.id == latest)
        .where(Alert.acknowledged_at.is_(None))
        .order_by(severity_rank(), Alert.created_at, Alert.id)
    )
    if clinician_id is not None:
        stmt = stmt.where(Patient.clinician_id == clinician_id)
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    return [
        TriageItem(r.id, r.patient_id, r.display_name, r.record_number, r.kind, r.severity, r.created_at,
                   now - r.created_at, r.detail, r.pain_now, r.baseline_pain, episode_start(r.detail),
                   r.phone, r.walking_level, r.note, r.pain_latest, r.latest_date)
        for r in db.session.execute(stmt)
    ]
