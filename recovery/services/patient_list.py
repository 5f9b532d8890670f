"""The clinician's patient list at any size: search, filters, sorting and 50-a-page paging in SQL.

One statement reads the page (at most PAGE_SIZE rows) with the number of matches (a window count)
when a filter or search applies, or after a count of the patients alone when none does, whatever
the number of patients: each patient's current procedure is a short range of
ix_procedures_patient_performed, its latest pain and last check-in a column of its
procedure_buckets row (services/buckets.py keeps them with each check-in), and the open alerts
are grouped once, so no check-in is read per patient. The status shown is
PatientSummary.status (services/clinic.py, its one home); `_status_sql` is its SQL form, used
only to filter and sort, and tests/test_clinic_list.py checks the two agree on every row.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, false, func, literal, or_, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import (
    PROCEDURE_TYPES,
    Alert,
    CheckIn,
    Patient,
    Procedure,
    User,
    is_current,
    procedure_buckets,
    recovery_day,
    recovery_day_within,
)
from .clinic import STATUS_ORDER, PatientSummary
from .paging import MAX_PAGE, Paged, page_count
from .responder import responder_sql
from .triage.rules import FOLLOW_UP_FROM_DAY, MISSED_DAYS, MISSED_UNTIL_DAY, WEEKLY_MISSED_DAYS
from .validate import Fields, contains_pattern, record_id

PAGE_SIZE = 50
SEARCH_MAX = 100
SORTS = ("attention", "days", "pain", "change", "last_checkin", "status", "name")
STATUSES = ("responding", "not_responding", "no_recent_data", "no_checkin", "long_term")
DISCHARGED = ("0", "1", "only")  # hide (default), include, only discharged


@dataclass(frozen=True)
class ListQuery:
    """The list's validated state, as the URL carries it."""

    q: str = ""
    procedure: str | None = None
    clinician: int | None = None  # None: every clinician's patients
    status: str | None = None
    silent: int | None = None  # no check-in for at least this many days
    discharged: str = "0"
    sort: str = "attention"
    order: str = "asc"
    page: int = 1

    def args(self, **changes) -> dict:
        """URL parameters for this state with `changes` (only those differing from the defaults)."""
        state = replace(self, **changes)
        out = {"q": state.q, "procedure": state.procedure, "status": state.status,
               "silent": state.silent, "discharged": state.discharged if state.discharged != "0" else None,
               "sort": state.sort if state.sort != "attention" else None,
               "order": state.order if state.order != "asc" else None,
               "page": state.page if state.page != 1 else None,
               "clinician": state.clinician if state.clinician is not None else "all"}
        return {k: v for k, v in out.items() if v not in (None, "")}


@dataclass(frozen=True)
class PatientPage(Paged):
    """One page of the list, with the number of matches and pages."""

    query: ListQuery
    rows: list[PatientSummary]
    total: int

    @property
    def page_size(self) -> int:
        return PAGE_SIZE

    @property
    def page(self) -> int:
        return self.query.page


def parse_query(data, viewer: User) -> ListQuery:
    """Validate the list's URL parameters; raise ValidationError naming each bad one.

    Without a `clinician` parameter a clinician who has patients of their own sees theirs
    ("my patients"); `clinician=all` shows everyone's.
    """
    fields = Fields(data)
    q = fields.search("q", SEARCH_MAX)
    values = {
        "q": q,
        "procedure": fields.filter("procedure", PROCEDURE_TYPES),
        "status": fields.filter("status", STATUSES),
        "sort": fields.filter("sort", SORTS) or "attention",
        "order": fields.filter("order", ("asc", "desc")) or "asc",
        "discharged": fields.filter("discharged", DISCHARGED) or "0",
        "silent": fields.integer("silent", 1, 365, required=False),
        "page": fields.integer("page", 1, MAX_PAGE, required=False) or 1,
        "clinician": _clinician(fields, viewer),
    }
    fields.done()
    return ListQuery(**values)



def _clinician(fields: Fields, viewer: User) -> int | None:
    raw = fields.raw("clinician")
    if raw == "all":
        return None
    if raw in (None, ""):
        mine = db.session.scalar(select(Patient.id).where(Patient.clinician_id == viewer.id).limit(1))
        return viewer.id if mine is not None else None
    number = record_id(str(raw))
    if number is None or db.session.scalar(select(User.role).where(User.id == number)) != "clinician":
        fields.fail("clinician", _l("Please choose a clinician from the list."))
        return None
    return number



def _base(own: list):
    """Every patient kept by `own` (_own_conditions) with the columns the list filters, sorts and
    shows (a subquery).

    The current procedure's latest pain and last check-in are columns of its procedure_buckets
    row (kept by save_checkin); open alerts are grouped once (few are open). The patient's last
    check-in is the current procedure's, or, before its first, the latest of any earlier one
    (coalesce evaluates that lookup, one seek of uq_checkins_patient_day, only then)."""
    current = aliased(Procedure)
    summary = procedure_buckets.alias("summary")
    before = select(func.max(CheckIn.local_date)).where(CheckIn.patient_id == Patient.id).scalar_subquery()
    alerts = (
        select(Alert.patient_id, func.count().label("open_alerts"),
               func.sum(case((Alert.severity == "urgent", 1), else_=0)).label("urgent_alerts"))
        .where(Alert.acknowledged_at.is_(None))
        .group_by(Alert.patient_id)
        .subquery("open_alerts")
    )
    return (
        select(
            Patient.id, User.display_name.label("name"), Patient.record_number, Patient.timezone,
            Patient.discharged, Patient.clinician_id, current.type.label("procedure_type"),
            current.performed_at, current.baseline_pain, summary.c.latest_pain.label("pain_now"),
            summary.c.latest_date.label("pain_date"),
            func.coalesce(summary.c.last_date, before).label("last_checkin"),
            alerts.c.open_alerts, alerts.c.urgent_alerts,
        )
        .join(User, User.id == Patient.user_id)
        .outerjoin(current, and_(current.patient_id == Patient.id, is_current(current)))
        .outerjoin(summary, summary.c.procedure_id == current.id)
        .outerjoin(alerts, alerts.c.patient_id == Patient.id)
        .where(*own)
        .subquery("listed")
    )


def _status_sql(c, now: datetime, zones: list[str], value=lambda status: status):
    """PatientSummary.status in SQL (same order of tests), exact in each patient's own zone; each
    status given as `value(status)` (its rank, for sorting: one CASE, evaluated once a row).

    The thresholds are silent_since's (3 silent days to day 14, 10 to week 12; long-term after
    FOLLOW_UP_FROM_DAY). With one set of literal dates per time zone in use, every test is a
    comparison of a column with a literal, so it is portable and uses no per-row time-zone maths:
    "day > 84" is performed_at before the start of (today - 84); 10 silent days is the latest
    check-in on or before today - 11; 3 silent days in the daily phase is the latest check-in on or
    before today - 4 and at most on day 11, which can only differ from the first test while the
    procedure is 16 to 21 days old, so those six days are spelled out."""
    long_term, silent = [], []
    for zone in zones:
        today = now.astimezone(ZoneInfo(zone)).date()
        here = c.timezone == zone
        day = partial(recovery_day_within, c.performed_at, zone, today)  # (first, last) in SQL
        long_term.append(and_(here, day(first=FOLLOW_UP_FROM_DAY + 1)))
        weekly = c.pain_date <= today - timedelta(days=WEEKLY_MISSED_DAYS + 1)
        early = and_(day(last=MISSED_UNTIL_DAY + 1), c.pain_date <= today - timedelta(days=MISSED_DAYS + 1))
        late = [and_(day(d, d), c.pain_date <= today - timedelta(days=d - (MISSED_UNTIL_DAY - MISSED_DAYS)))
                for d in range(MISSED_UNTIL_DAY + 2, MISSED_UNTIL_DAY - MISSED_DAYS + WEEKLY_MISSED_DAYS + 1)]
        silent.append(and_(here, or_(weekly, early, *late)))
    return case(
        (c.procedure_type.is_(None), value("no_procedure")),
        (or_(false(), *long_term), value("long_term")),
        (and_(c.pain_date.is_not(None), or_(false(), *silent)), value("no_recent_data")),
        (c.pain_now.is_(None), value("no_checkin")),
        (responder_sql(c.baseline_pain, c.pain_now), value("responding")),
        else_=value("not_responding"),
    )


def _own_conditions(query: ListQuery) -> list:
    """The filters on the patient's own columns (discharged, search, clinician), on the tables:
    inside the list's subquery, so the per-patient joins run only for the patients they keep."""
    where = []
    if query.discharged == "0":
        where.append(Patient.discharged.is_(False))
    elif query.discharged == "only":
        where.append(Patient.discharged.is_(True))
    if query.q:
        pattern = contains_pattern(query.q)
        where.append(or_(func.lower(User.display_name).like(pattern, escape="\\"),
                         func.lower(Patient.record_number).like(pattern, escape="\\")))
    if query.clinician is not None:
        where.append(Patient.clinician_id == query.clinician)
    return where


def _conditions(query: ListQuery, c, now: datetime, zones: list[str]) -> list:
    """The filters on the current procedure, the check-ins and the status, on the subquery."""
    where = []
    if query.procedure:
        where.append(c.procedure_type == query.procedure)
    if query.status:
        where.append(_status_sql(c, now, zones) == query.status)
    if query.silent:
        # Each patient's own today: one CASE arm per time zone in use.
        cutoff = case(*((c.timezone == z, literal(now.astimezone(ZoneInfo(z)).date()
                                                  - timedelta(days=query.silent))) for z in zones))
        since = now - timedelta(days=query.silent)
        where.append(or_(c.last_checkin <= cutoff, and_(c.last_checkin.is_(None), c.performed_at <= since)))
    return where


def _order(query: ListQuery, c, now: datetime, zones: list[str]) -> list:
    status_rank = _status_sql(c, now, zones, STATUS_ORDER.index)
    name = (func.lower(c.name), c.id)
    if query.sort == "attention":
        alerts = case((c.urgent_alerts > 0, 0), (c.open_alerts > 0, 1), else_=2)
        change = func.coalesce(c.pain_now - c.baseline_pain, 0)
        return [alerts, status_rank, change.desc(), *name]
    if query.sort == "name":
        return [func.lower(c.name).desc() if query.order == "desc" else func.lower(c.name), c.id]
    key = {
        "pain": c.pain_now,
        "change": c.pain_now - c.baseline_pain,
        "last_checkin": c.last_checkin,
        "status": status_rank,
    }.get(query.sort)
    if query.sort == "days":  # fewest days since the procedure = the latest procedure
        key, reverse = c.performed_at, True
    else:
        reverse = False
    descending = (query.order == "desc") != reverse
    return [key.is_(None), key.desc() if descending else key.asc(), *name]  # no value: last either way


def list_patients(query: ListQuery, now: datetime) -> PatientPage:
    """One page of patients matching `query`: three statements at most whatever the number of
    patients (the time zones in use, the page, and the count unless the page carries it)."""
    own = _own_conditions(query)
    c = _base(own).c
    zones = db.session.scalars(select(Patient.timezone).distinct()).all()
    where = _conditions(query, c, now, zones)
    order = _order(query, c, now, zones)
    offset = (query.page - 1) * PAGE_SIZE
    if where or query.q:  # the filter is the costly part: the page's rows carry the count (one pass)
        found = db.session.execute(select(c.id.table, func.count().over().label("total")).where(*where)
                                   .order_by(*order).limit(PAGE_SIZE).offset(offset)).all()
        if found or query.page == 1:
            total = found[0].total if found else 0
        else:  # past the end: count alone, for the link to the last page
            total = db.session.scalar(select(func.count()).select_from(c.id.table).where(*where))
    else:  # only discharged or clinician: count the patients without the joins, then the page
        total = db.session.scalar(select(func.count()).select_from(Patient)
                                  .join(User, User.id == Patient.user_id).where(*own))
        if query.page > page_count(total, PAGE_SIZE):
            return PatientPage(query, [], total)
        found = db.session.execute(select(c.id.table).where(*where).order_by(*order)
                                   .limit(PAGE_SIZE).offset(offset)).all()
    rows = [
        PatientSummary(
            id=r.id, name=r.name, record_number=r.record_number, discharged=r.discharged,
            procedure_type=r.procedure_type,
            days_since_procedure=recovery_day(r.performed_at, now, r.timezone) if r.performed_at else None,
            baseline_pain=r.baseline_pain, pain_now=r.pain_now, pain_date=r.pain_date,
            open_alerts=r.open_alerts or 0, urgent=bool(r.urgent_alerts), last_checkin=r.last_checkin,
            today=now.astimezone(ZoneInfo(r.timezone)).date(),
        )
        for r in found
    ]
    return PatientPage(query, rows, total)
