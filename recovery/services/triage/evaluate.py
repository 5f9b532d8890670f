"""Running the rules: load facts in a fixed number of queries, raise new episodes, close ended ones."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import Alert, CheckIn, Patient, Procedure, is_current, procedure_day
from .rules import AUTO_CLOSE, SWEEP_DAYS, TRIAGE_KINDS, Entry, Existing, Facts, reconcile


def _scope(now: datetime, patient_id: int | None):
    """The current procedure of each patient to evaluate, with the patient's zone and status."""
    ranked = select(
        Procedure.id, Procedure.patient_id, Procedure.performed_at, Procedure.baseline_pain,
    ).where(is_current(Procedure)).subquery("ranked")
    stmt = (
        select(ranked.c.id, ranked.c.patient_id, ranked.c.performed_at, ranked.c.baseline_pain,
               Patient.timezone, Patient.discharged)
        .join(Patient, Patient.id == ranked.c.patient_id)
    )
    if patient_id is not None:
        return stmt.where(Patient.id == patient_id)
    open_auto = select(Alert.patient_id).where(
        Alert.acknowledged_at.is_(None), Alert.kind.in_(tuple(AUTO_CLOSE)))
    recent = and_(ranked.c.performed_at >= now - timedelta(days=SWEEP_DAYS), Patient.discharged.is_(False))
    return stmt.where(or_(recent, Patient.id.in_(open_auto)))


def load(now: datetime, patient_id: int | None = None) -> list[tuple[Facts, list[Existing]]]:
    """Facts and existing alerts for one patient or the whole sweep, in three queries."""
    scope = _scope(now, patient_id).subquery("scope")
    procedures = db.session.execute(select(scope)).all()
    if not procedures:
        return []
    entries: dict[int, list[Entry]] = {}
    for row in db.session.execute(
        select(CheckIn.id, CheckIn.procedure_id, CheckIn.local_date, CheckIn.pain_now, CheckIn.is_72h_check)
        .where(CheckIn.procedure_id.in_(select(scope.c.id)))
        .order_by(CheckIn.local_date)
    ):
        entries.setdefault(row.procedure_id, []).append(
            Entry(row.id, row.local_date, row.pain_now, row.is_72h_check))
    alerts: dict[int, list[Existing]] = {}
    for row in db.session.execute(
        select(Alert.id, Alert.patient_id, Alert.kind, Alert.checkin_id, Alert.detail, Alert.acknowledged_at)
        .where(Alert.kind.in_(TRIAGE_KINDS), Alert.patient_id.in_(select(scope.c.patient_id)))
    ):
        alerts.setdefault(row.patient_id, []).append(
            Existing(row.id, row.kind, row.checkin_id, row.detail, row.acknowledged_at is None))
    loaded = []
    for p in procedures:
        zone = ZoneInfo(p.timezone)
        facts = Facts(p.patient_id, p.id, procedure_day(p.performed_at, zone), p.baseline_pain,
                      now.astimezone(zone).date(), p.discharged, tuple(entries.get(p.id, ())))
        loaded.append((facts, alerts.get(p.patient_id, [])))
    return loaded


@dataclass
class Outcome:
    """What an evaluation changed: the alerts raised (as inserted values) and the ids closed."""

    raised: list[dict]
    closed: list[int]


def _apply(loaded, now: datetime) -> Outcome:
    new, closing = [], {}
    for facts, existing in loaded:
        to_raise, to_close = reconcile(facts, existing)
        new += [{"patient_id": facts.patient_id, "checkin_id": e.checkin_id, "kind": e.kind,
                 "detail": e.detail, "severity": e.severity, "created_at": now} for e in to_raise]
        for alert in to_close:
            closing.setdefault(alert.kind, []).append(alert.id)
    for kind, ids in closing.items():
        db.session.execute(
            update(Alert).where(Alert.id.in_(ids), Alert.acknowledged_at.is_(None))
            .values(acknowledged_at=now, note=AUTO_CLOSE[kind])
            .execution_options(synchronize_session="fetch")
        )
    return Outcome(_insert(new), [i for ids in closing.values() for i in ids])


def _insert(rows: list[dict]) -> list[dict]:
    """Insert in one statement; if a concurrent writer raised one of these episodes meanwhile
    (the unique constraint says so), insert the others one by one."""
    if not rows:
        return []
    try:
        with db.session.begin_nested():
            db.session.execute(insert(Alert), rows)
        return rows
    except IntegrityError:
        raised = []
        for row in rows:
            try:
                with db.session.begin_nested():
                    db.session.execute(insert(Alert), [row])
                raised.append(row)
            except IntegrityError:
                pass
        return raised


def evaluate_patient(patient: Patient, now: datetime, procedure: Procedure | None = None) -> Outcome:
    """Run the rules for one patient (after a check-in is written); flush, leave the commit.

    A caller that has the patient's current procedure loaded passes it (the newest by performed
    time, then id, as the sweep picks it), which saves the query that finds it.
    """
    db.session.flush()
    loaded = load(now, patient.id) if procedure is None else _load_one(patient, procedure, now)
    outcome = _apply(loaded, now)
    db.session.flush()
    return outcome


def _load_one(patient: Patient, procedure: Procedure, now: datetime) -> list[tuple[Facts, list[Existing]]]:
    """load() for one patient whose current procedure is known: two small prebuilt Core queries
    (this runs on every check-in)."""
    conn = db.session.connection()
    rows = conn.execute(_PROCEDURE_CHECKINS, {"procedure_id": procedure.id}).all()  # fetchall, not row by row
    entries = tuple(map(Entry._make, rows))
    existing = [
        Existing(alert_id, kind, checkin_id, detail, acknowledged_at is None)
        for alert_id, kind, checkin_id, detail, acknowledged_at
        in conn.execute(_PATIENT_ALERTS, {"patient_id": patient.id}).all()
    ]
    zone = ZoneInfo(patient.timezone)
    facts = Facts(patient.id, procedure.id, procedure_day(procedure.performed_at, zone),
                  procedure.baseline_pain, now.astimezone(zone).date(), patient.discharged, entries)
    return [(facts, existing)]


_checkins, _alerts = CheckIn.__table__, Alert.__table__
_PROCEDURE_CHECKINS = (
    select(_checkins.c.id, _checkins.c.local_date, _checkins.c.pain_now, _checkins.c.is_72h_check)
    .where(_checkins.c.procedure_id == bindparam("procedure_id")).order_by(_checkins.c.local_date)
)
_PATIENT_ALERTS = (
    select(_alerts.c.id, _alerts.c.kind, _alerts.c.checkin_id, _alerts.c.detail, _alerts.c.acknowledged_at)
    .where(_alerts.c.kind.in_(TRIAGE_KINDS), _alerts.c.patient_id == bindparam("patient_id"))
)


def evaluate_all(now: datetime) -> Outcome:
    """Run the rules for every patient the sweep covers, in a fixed number of reads."""
    db.session.flush()
    outcome = _apply(load(now), now)
    db.session.flush()
    return outcome
