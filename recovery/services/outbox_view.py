"""The staff's window on the reminder outbox at any size: filters, counts by status and 50-a-page
paging in SQL, what a pending row is waiting for, and resending a failed one.

A page costs two statements whatever the number of reminders: one counts the filtered set by
status (the status filter aside, so every count can be a link), one reads the page with each row's
patient. Counting stops at COUNT_CAP a status (shown "10,000+"), so the work per page is bounded
whatever the size of the outbox; a search counts its few patients' reminders exactly. Password
resets are addressed to a user, not a patient: they are not listed.
"""

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal, or_, select, union_all
from sqlalchemy.orm import contains_eager

from ..extensions import db
from ..models import Patient, Reminder, User
from ..models.reminders import REMINDER_KINDS, REMINDER_STATUSES
from ..reminders import channels, ledger
from ..reminders.dispatch import still_applies
from ..reminders.rules import Policy, hold_for_quiet_hours
from . import audit
from .errors import NotFound, ValidationError
from .paging import MAX_PAGE, page_count
from .validate import Fields, contains_pattern

UPCOMING = ("pending", "sending")
PAGE_SIZE = 50
COUNT_CAP = 10_000  # each status is counted up to this many; beyond, the page says "10,000+"
SEARCH_MAX = 100
STATUS_FILTERS = ("upcoming", "all", *REMINDER_STATUSES)  # upcoming (not sent yet) is the default
LISTED_KINDS = tuple(k for k in REMINDER_KINDS if k != "password_reset")
# Soonest due first; ties in the order of ix_reminders_status_due (many nudges share a minute),
# then the id, so pages never overlap.
SOONEST = (Reminder.due_at, Reminder.kind, Reminder.channel, Reminder.patient_id, Reminder.id)


@dataclass(frozen=True)
class OutboxQuery:
    """The outbox's validated state, as the URL carries it (due dates are clinic-time days)."""

    q: str = ""
    kind: str | None = None
    channel: str | None = None
    status: str = "upcoming"
    due_from: date | None = None
    due_to: date | None = None
    page: int = 1

    @property
    def statuses(self) -> tuple[str, ...] | None:
        """The statuses listed, or None for every status."""
        if self.status == "all":
            return None
        return UPCOMING if self.status == "upcoming" else (self.status,)

    def args(self, **changes) -> dict:
        """URL parameters for this state with `changes` (only those differing from the defaults)."""
        state = replace(self, **changes)
        out = {"q": state.q, "kind": state.kind, "channel": state.channel,
               "status": state.status if state.status != "upcoming" else None,
               "from": state.due_from.isoformat() if state.due_from else None,
               "to": state.due_to.isoformat() if state.due_to else None,
               "page": state.page if state.page != 1 else None}
        return {k: v for k, v in out.items() if v not in (None, "")}


@dataclass(frozen=True)
class Timing:
    """What a pending reminder waits for: quiet hours ("held") or its next attempt ("retry").
    `at` is in the zone it is shown in: the patient's for quiet hours, the clinic's for a retry."""

    reason: str
    at: datetime
    attempts: int = 0
    zone: str | None = None  # the zone's abbreviation, when the patient's zone is not the clinic's


@dataclass(frozen=True)
class Row:
    reminder: Reminder
    timing: Timing | None
    steps: tuple = ()  # its ledger after planning: sent, delivered or failed, opened, answered


@dataclass(frozen=True)
class OutboxPage:
    """One page of the outbox, the filtered set's counts by status and its number of pages."""

    query: OutboxQuery
    rows: list[Row]
    counts: dict[str, int]
    capped: frozenset[str] = frozenset()  # statuses with more than their count (COUNT_CAP) says

    @property
    def total(self) -> int:
        """The reminders listed under the status filter: exact, or a lower bound if total_capped."""
        wanted = self.query.statuses or REMINDER_STATUSES
        return sum(self.counts.get(s, 0) for s in wanted)

    @property
    def total_capped(self) -> bool:
        return any(s in self.capped for s in (self.query.statuses or REMINDER_STATUSES))

    @property
    def pages(self) -> int:
        """The number of pages, or the number known to exist if total_capped."""
        return page_count(self.total, PAGE_SIZE)

    @property
    def past_end(self) -> bool:
        return self.query.page > self.pages and not (self.total_capped and self.rows)

    @property
    def has_next(self) -> bool:
        if self.total_capped:
            return len(self.rows) == PAGE_SIZE
        return self.query.page < self.pages


def page_links(current: int, pages: int, around: int = 2) -> list[int | None]:
    """The pages to link: the first, the last and a few around the current one; None is a gap."""
    shown = sorted({1, pages, *range(max(1, current - around), min(pages, current + around) + 1)})
    out: list[int | None] = []
    for number in shown:
        if out and number - out[-1] > 1:
            out.append(None)
        out.append(number)
    return out


def parse_query(data) -> OutboxQuery:
    """Validate the outbox's URL parameters; raise ValidationError naming each bad one."""
    fields = Fields(data)
    q = fields.search("q", SEARCH_MAX)
    status = fields.raw("status")
    if status in (None, ""):
        status = "upcoming"
    elif status not in STATUS_FILTERS:
        fields.fail("status", _l("Unknown status “%(value)s”. Choose one of: %(choices)s.",
                                 value=str(status)[:40], choices=", ".join(STATUS_FILTERS)))
        status = "upcoming"
    values = {
        "q": q,
        "kind": fields.filter("kind", LISTED_KINDS),
        "channel": fields.filter("channel", channels.names()),
        "status": status,
        "due_from": fields.day("from", required=False),
        "due_to": fields.day("to", required=False),
        "page": fields.integer("page", 1, MAX_PAGE, required=False) or 1,
    }
    if values["due_from"] and values["due_to"] and values["due_to"] < values["due_from"]:
        fields.fail("to", _l("The end date cannot be before the start date."))
    fields.done()
    return OutboxQuery(**values)




def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def _conditions(query: OutboxQuery, clinic: ZoneInfo) -> list:
    """Every filter but the status, as WHERE clauses on reminders (the search a subquery)."""
    # Not a password reset (addressed to a user): by kind, which ix_reminders_status_due holds
    # (patient_id IS NOT NULL would tempt SQLite, without statistics, into ix_reminders_patient_id).
    where = [Reminder.kind != "password_reset"]
    if query.q:  # the patients first (a few), then their reminders by ix_reminders_patient_id
        pattern = contains_pattern(query.q)
        matching = (select(Patient.id).join(User, User.id == Patient.user_id)
                    .where(or_(func.lower(User.display_name).like(pattern, escape="\\"),
                               func.lower(Patient.record_number).like(pattern, escape="\\"))))
        where.append(Reminder.patient_id.in_(matching))
    if query.kind:
        where.append(Reminder.kind == query.kind)
    if query.channel:
        where.append(Reminder.channel == query.channel)
    if query.due_from:
        where.append(Reminder.due_at >= _day_start(query.due_from, clinic))
    if query.due_to:
        where.append(Reminder.due_at < _day_start(query.due_to + timedelta(days=1), clinic))
    return where


def _page_ids(where: list, statuses: tuple[str, ...], offset: int):
    """The page's candidates: per status, the first offset+PAGE_SIZE rows in the order of
    ix_reminders_status_due (status, due_at, kind, channel, patient_id), each a short walk of that
    index; the outer query merges them. One ORDER BY over every status would sort them all."""
    columns = [c.label(c.key) for c in SOONEST]
    branches = [
        select(select(*columns).where(*where, Reminder.status == status)
               .order_by(*SOONEST).limit(offset + PAGE_SIZE).subquery())
        for status in statuses
    ]
    return union_all(*branches).subquery("page_ids")


def counts_statement(query: OutboxQuery, clinic: ZoneInfo, cap: int | None = None):
    """The filtered set's reminders by status (every filter but the status): rows of (status, n).

    Without a search each status is counted up to `cap` + 1 rows (COUNT_CAP by default): a seek
    into ix_reminders_status_due and a walk of at most that many entries, where a GROUP BY would
    read every matching row (all of the outbox when no date range is given). A search reads its
    few patients' reminders by patient instead, and counts them exactly."""
    where = _conditions(query, clinic)
    if query.q:
        return select(Reminder.status, func.count()).where(*where).group_by(Reminder.status)
    limit = (COUNT_CAP if cap is None else cap) + 1
    return union_all(*(
        select(literal(status).label("status"), func.count().label("n"))
        .select_from(select(Reminder.id).where(*where, Reminder.status == status).limit(limit).subquery())
        for status in REMINDER_STATUSES
    ))


def page_statement(query: OutboxQuery, clinic: ZoneInfo):
    """The page's reminders with their patients and accounts, soonest due first."""
    where = _conditions(query, clinic)
    stmt = (
        select(Reminder)
        .join(Reminder.patient)
        .join(Patient.user)
        .options(contains_eager(Reminder.patient).contains_eager(Patient.user))
    )
    offset = (query.page - 1) * PAGE_SIZE
    if query.q:  # a few patients' reminders: read and sort them directly
        stmt = stmt.where(*where, *([Reminder.status.in_(query.statuses)] if query.statuses else []))
        return stmt.order_by(*SOONEST).limit(PAGE_SIZE).offset(offset)
    page_ids = _page_ids(where, query.statuses or REMINDER_STATUSES, offset)
    return (stmt.join(page_ids, page_ids.c.id == Reminder.id)
            .order_by(*(page_ids.c[c.key] for c in SOONEST)).limit(PAGE_SIZE).offset(offset))


def list_page(query: OutboxQuery, now: datetime, clinic_zone: str, rules: Policy) -> OutboxPage:
    """One page of reminders matching `query`, soonest due first, with the counts by status."""
    clinic = ZoneInfo(clinic_zone)
    counted = {status: n for status, n in db.session.execute(counts_statement(query, clinic))}
    capped = frozenset(s for s, n in counted.items() if n > COUNT_CAP and not query.q)
    counts = {s: min(n, COUNT_CAP) if s in capped else n for s, n in counted.items()}
    page = OutboxPage(query, [], counts, capped)
    if page.total == 0 or (page.past_end and not page.total_capped):
        return page
    reminders = list(db.session.scalars(page_statement(query, clinic)))
    ledgers = ledger.steps_for(r.id for r in reminders)  # the page's ledger in one query
    rows = [Row(r, timing(r, now, rules, clinic), _after_planning(r, ledgers[r.id])) for r in reminders]
    return replace(page, rows=rows)


def _after_planning(reminder: Reminder, rows) -> tuple:
    return tuple(step for step in ledger.timeline(reminder, rows) if step.step != "planned")


def timing(reminder: Reminder, now: datetime, rules: Policy, clinic: ZoneInfo) -> Timing | None:
    """Why a pending reminder has not gone yet, if it is not simply its due time.

    Quiet hours are the dispatcher's (reminders.rules.hold_for_quiet_hours, in the patient's zone):
    a patient-facing reminder that would go out in them waits for their end, and a row the
    dispatcher already held carries that end as its next attempt. A failed attempt (or a mail
    server that could not be reached) leaves the time of the next one.
    """
    if reminder.status != "pending":
        return None
    zone = ZoneInfo(reminder.patient.timezone)
    retry = reminder.next_attempt_at if reminder.next_attempt_at and reminder.next_attempt_at > now else None
    at = max(reminder.due_at, retry or reminder.due_at, now)  # the soonest the dispatcher may send it
    if channels.get(reminder.channel).patient_facing:  # quiet hours hold it, as the dispatcher does
        held = hold_for_quiet_hours(at, zone, rules)
        until = held if held > at else None
        if retry and reminder.attempts == 0 and retry.astimezone(zone).time() == rules.quiet_end:
            until = retry  # held by the dispatcher already
        if until is not None:
            local = until.astimezone(zone)
            other = local.tzname() if zone.key != clinic.key else None
            return Timing("held", local, reminder.attempts, other)
    if retry:
        return Timing("retry", retry.astimezone(clinic), reminder.attempts)
    return None


def recent_for(patient: Patient, limit: int = 10) -> list[Row]:
    """A patient's latest reminders that went out or failed, newest first, each with its ledger."""
    reminders = list(db.session.scalars(
        select(Reminder).where(Reminder.patient_id == patient.id, Reminder.status.in_(("sent", "failed")))
        .order_by(Reminder.due_at.desc(), Reminder.id.desc()).limit(limit)))
    ledgers = ledger.steps_for(r.id for r in reminders)
    return [Row(r, None, _after_planning(r, ledgers[r.id])) for r in reminders]


def upcoming_for(patient: Patient, limit: int = 50) -> list[Reminder]:
    """A patient's reminders not yet sent, soonest first."""
    return list(
        db.session.scalars(
            select(Reminder)
            .where(Reminder.patient_id == patient.id, Reminder.status.in_(UPCOMING))
            .order_by(Reminder.due_at, Reminder.id)
            .limit(limit)
        )
    )
def resend(reminder_id, actor: User, now: datetime) -> Reminder:
    """Give a failed reminder a fresh set of attempts; the next dispatcher run sends it.

    The last error stays on the row as history until the next attempt replaces it.
    """
    reminder = db.session.get(Reminder, reminder_id) if isinstance(reminder_id, int) else None
    if reminder is None or reminder.patient_id is None:  # password resets are not patient reminders
        raise NotFound(reminder_id)
    if reminder.status != "failed":
        raise ValidationError({"reminder": str(_l("Only a failed reminder can be resent."))})
    if not still_applies(reminder, now):
        raise ValidationError(
            {
                "reminder": str(
                    _l(
                        "This reminder no longer applies (the visit moved or ended, the check-in window "
                        "closed, or the patient opted out), so it was not resent."
                    )
                )
            }
        )
    reminder.status = "pending"
    reminder.attempts = 0
    reminder.next_attempt_at = None
    reminder.lease_until = None
    reminder.claimed_by = None
    reminder.updated_at = now
    db.session.flush()
    audit.record(actor, "reminder.resend", reminder.patient, now)
    return reminder
