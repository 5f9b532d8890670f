"""The demo cohort: deterministic patients, procedures and check-ins made through the real services.

Trajectories follow shared CLINICAL.md: baseline pain about 7-9; most patients fall to about
3-4 within days and stay there; a sizeable minority never reach the 2-point / 30% threshold;
a few report new pain from an adjacent fracture; a few report red flags. Every date is relative
to `now`, and the same `now` always gives the same cohort.
"""

import math
import random
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import delete, func, or_, select
from sqlalchemy import update as update_rows
from werkzeug.security import generate_password_hash

from .extensions import db
from .models import (
    Alert,
    Appointment,
    CallTask,
    CheckIn,
    Patient,
    Procedure,
    Reminder,
    User,
    sqlite_triggers_lifted,
)
from .reminders import ledger, outbox, rules
from .reminders.channels import staff
from .services import alerts, appointments, booking_checks, calls, enrolment, procedures
from .services.checkins import day_start, save_checkin

SEED = 20261125
PASSWORD = "recovery-demo"  # noqa: S105  (the published demo password)
STAFF_EMAIL, CLINICIAN_EMAIL, PATIENT_EMAIL = "staff@demo.local", "clinician@demo.local", "patient@demo.local"
COLLEAGUE_EMAIL = "colleague@demo.local"  # a second clinician: some visits are booked with them
COHORT = 44  # plus the patient who signs in as patient@demo.local
PROFILES = ["fast"] * 24 + ["slow"] * 6 + ["stuck"] * 10 + ["relapse"] * 4

FIRST = ("Margaret Robert Linda James Dorothy William Patricia Charles Barbara Thomas Helen George "
         "Rosa Luis Carmen Jose Maria Manuel Gloria Esperanza Betty Frank Shirley Raymond Joan Harold "
         "Evelyn Walter Mildred Eugene Ruth Kenneth Irene Donald Ada Samuel Mae Leon Hattie Stanley").split()
LAST = ("Kowalski Nowak Johnson Williams Brown Garcia Martinez Hernandez Lopez Davis Miller Wilson "
        "Anderson Thomas Jackson White Harris Martin Thompson Robinson Clark Lewis Walker Young Allen "
        "King Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell Roberts Carter Phillips Evans "
        "Turner Torres Parker Collins Edwards Stewart Flores Morris Murphy Rivera Cook").split()
TIMEZONES = ["clinic"] * 16 + ["America/Indiana/Indianapolis", "America/New_York", "America/Denver"]
LEVELS = ["T7", "T8", "T9", "T10", "T11", "T12", "T12", "T12", "L1", "L1", "L1", "L2", "L2", "L3", "L4"]
CAUSES = ["osteoporosis"] * 16 + ["spinal_tumour", "spinal_tumour", "trauma", "other"]
NOTES = {
    "en": ["Walked to the mailbox today.", "Sore after the car ride to my daughter's.",
           "Slept through the night for the first time.", "Back feels stiff in the morning.",
           "Did the dishes standing up.", "Took a short walk around the block.",
           "Needed a nap after lunch.", "Grandkids visited, sat for a long time."],
    "es": ["Hoy caminé hasta el buzón.", "Me duele después de ir en coche.",
           "Dormí toda la noche por primera vez.", "La espalda está rígida por la mañana.",
           "Di un paseo corto.", "Necesité una siesta después de comer."],
}
RELAPSE_NOTE = {"en": "Sudden new pain higher up my back when I bent over.",
                "es": "Dolor nuevo y repentino más arriba en la espalda al agacharme."}
ACK_NOTES = {
    "flag_neuro": "Phoned: no new weakness on exam today, reviewed CT, no canal leak. Watching.",
    "flag_chest": "Sent to ED; CT angiogram showed no cement embolism. Discharged home.",
    "flag_infection": "Saw the site today: mild redness, no fever. Wound check in 2 days.",
    "flag_calf": "Duplex ultrasound ordered same day: no DVT.",
}


class DemoRefused(RuntimeError):
    """seed-demo will not touch a database holding real patients."""


@cache
def _password_hash() -> str:
    # One hash for every demo login: scrypt is slow on purpose, and there are 47 accounts.
    return generate_password_hash(PASSWORD)


def seed(now: datetime, if_empty: bool = False) -> str:
    """Create the demo cohort (replacing an earlier one); flush, and leave the commit to the caller."""
    if if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
        return "The database already has users: seed-demo --if-empty left it unchanged."
    real = db.session.scalar(select(func.count()).select_from(Patient).where(Patient.demo.is_(False)))
    if real:
        raise DemoRefused(
            f"This database holds {real} patient(s) that seed-demo did not create. "
            "The demo cohort goes only into an empty database or one holding only demo data."
        )
    _delete_demo_rows()
    rng = random.Random(SEED)
    staff = _staff_user(STAFF_EMAIL, "staff", "Jordan Lee", now)
    clinician = _staff_user(CLINICIAN_EMAIL, "clinician", "Dr Priya Shah", now)
    colleague = _staff_user(COLLEAGUE_EMAIL, "clinician", "Dr Marcus Okafor", now)
    diary = Diary(random.Random(SEED + 1), staff, (clinician, colleague), now)  # its own draws
    reach = random.Random(SEED + 2)  # who takes texts, and how the texts fared: draws of their own
    _demo_patient(staff, clinician, now, diary)
    for index in range(COHORT):
        _cohort_patient(rng, index, staff, clinician, now, diary, reach)
    _acknowledge_old_alerts(clinician, now)
    procedures.mark_missed_72h_checks(now)
    for patient in db.session.scalars(select(Patient).where(Patient.demo.is_(True)).order_by(Patient.id)):
        outbox.sync_patient(patient, now)  # the outbox as of now, as the scheduler's sweep leaves it
    _past_nudges(now)
    _sent_while_due(now)
    _ledger(reach, now)
    db.session.flush()
    return _summary()


def _sent_while_due(now: datetime) -> None:
    """The seed makes the past without a running scheduler, so a reminder that fell due before
    whatever later cancelled it (the check-in it asked for, the visit it announced) would have
    gone out at its time: mark it sent then. Call tasks (the staff channel) are left as they are."""
    db.session.flush()
    db.session.execute(
        update_rows(Reminder)
        .where(Reminder.patient_id.in_(select(Patient.id).where(Patient.demo.is_(True))),
               Reminder.status == "cancelled", Reminder.channel != staff.name,
               Reminder.due_at < Reminder.updated_at, Reminder.due_at < now)
        .values(status="sent", sent_at=Reminder.due_at, attempts=1, last_error=None,
                updated_at=Reminder.due_at)
        .execution_options(synchronize_session=False))


def _past_nudges(now: datetime) -> None:
    """The nudges the scheduler would have sent on the days gone by. The rules plan a nudge only
    from the day they run on (a nudge for a past day is no use), and the seed saves check-ins
    without a running scheduler, so each past day is planned as the scheduler would have planned
    it that morning, knowing only the check-ins made before it; a nudge whose day was checked in
    before its time would have been cancelled, and one after a discharge (the last check-in of a
    discharged patient) never planned. Each is written sent at its time, under the engine's key."""
    db.session.flush()
    ids = list(db.session.scalars(select(Patient.id).where(Patient.demo.is_(True)).order_by(Patient.id)))
    made: dict[int, dict[date, datetime]] = {pid: {} for pid in ids}
    for pid, day, at in db.session.execute(select(CheckIn.patient_id, CheckIn.local_date, CheckIn.created_at)
                                           .where(CheckIn.patient_id.in_(ids))):
        made[pid][day] = at
    discharged = set(db.session.scalars(
        select(Patient.id).where(Patient.id.in_(ids), Patient.discharged.is_(True))))
    have = set(db.session.scalars(select(Reminder.idempotency_key).where(Reminder.patient_id.in_(ids))))
    policy = outbox.policy()
    for facts in outbox.load_facts(ids, now):
        if facts.procedure_at is None:
            continue
        tz = ZoneInfo(facts.timezone)
        days = made[facts.patient_id]
        end = max(days.values(), default=facts.procedure_at) if facts.patient_id in discharged else now
        day = facts.procedure_at.astimezone(tz).date()
        while (morning := datetime.combine(day, time(0), tz)) < end:
            known = frozenset(d for d, at in days.items() if at < morning)
            before = replace(facts, active=True, checkin_dates=known)
            for nudge in rules.plan(before, max(morning, facts.procedure_at), policy):
                if (nudge.kind != "daily_nudge" or nudge.for_date != day or nudge.key in have
                        or nudge.due_at >= end or (day in days and days[day] <= nudge.due_at)):
                    continue
                have.add(nudge.key)
                db.session.add(Reminder(
                    idempotency_key=nudge.key, patient_id=facts.patient_id, kind=nudge.kind,
                    channel=nudge.channel, for_date=day, due_at=nudge.due_at, status="sent",
                    sent_at=nudge.due_at, attempts=1, created_at=morning, updated_at=nudge.due_at))
            day += timedelta(days=1)


def _ledger(rng: random.Random, now: datetime) -> None:
    """The delivery ledger the past would have left: each check-in answers the reminder sent that
    day before it (as a check-in does when it is saved, reminders/ledger.answered), and the
    phone network reports most texts delivered and a few failed (Twilio's 30003, unreachable
    handset), so the Outbox, the patient pages and the cohort's completion show real figures."""
    db.session.flush()
    for patient, day, at in db.session.execute(
            select(Patient, CheckIn.local_date, CheckIn.created_at)
            .join(CheckIn, CheckIn.patient_id == Patient.id)
            .where(Patient.demo.is_(True)).order_by(CheckIn.created_at, CheckIn.id)):
        ledger.answered(patient.id, day_start(patient, day, at), at)
    for text in db.session.scalars(select(Reminder).where(
            Reminder.channel == "sms", Reminder.status == "sent",
            Reminder.sent_at < now - timedelta(minutes=5),
            Reminder.patient_id.in_(select(Patient.id).where(Patient.demo.is_(True)))).order_by(Reminder.id)):
        failed = rng.random() < 0.03
        step, status = ("failed", "undelivered") if failed else ("delivered", "delivered")
        ledger.record(text.id, "sms", step, status, text.sent_at + timedelta(seconds=rng.randint(3, 40)),
                      error_code=30003 if failed else None)


def _delete_demo_rows() -> None:
    """Delete earlier demo rows and every row that hangs off them, children first.

    Rows are found by following the foreign keys in the metadata, so tables added later
    (reminders, call tasks, ...) are cleared too. Core deletes: the ORM refuses to delete audit events,
    and the database allows deleting only the demo's own audit rows (models/audit.py).
    """
    db.session.flush()
    patient_ids = list(db.session.scalars(select(Patient.id).where(Patient.demo.is_(True))))
    user_ids = list(db.session.scalars(
        select(User.id).where(or_(User.email.in_([STAFF_EMAIL, CLINICIAN_EMAIL, COLLEAGUE_EMAIL]),
                                  User.id.in_(select(Patient.user_id).where(Patient.demo.is_(True)))))
    ))
    if not patient_ids and not user_ids:
        return
    roots = {"patients": Patient.__table__.c.id.in_(patient_ids), "users": User.__table__.c.id.in_(user_ids)}
    with sqlite_triggers_lifted(db.session.connection()):
        for table in reversed(db.metadata.sorted_tables):
            condition = _hanging_off(table, roots, ())
            if condition is not None:
                db.session.execute(delete(table).where(condition))
    db.session.expunge_all()  # deleted rows must not linger in the identity map


def _hanging_off(table, roots: dict, path: tuple):
    """A WHERE clause for the rows of `table` that are demo rows or refer to one, however indirectly."""
    if table.name in roots:
        return roots[table.name]
    clauses = []
    for fk in sorted(table.foreign_keys, key=lambda k: k.parent.name):
        parent = fk.column.table
        if parent is table or parent.name in path:
            continue
        condition = _hanging_off(parent, roots, (*path, table.name))
        if condition is not None:
            clauses.append(fk.parent.in_(select(fk.column).where(condition)))
    return or_(*clauses) if clauses else None


def _staff_user(email: str, role: str, name: str, now: datetime) -> User:
    # Built directly: the e-mail validator rightly refuses the special-use .local domain,
    # which is exactly what marks these logins as demo ones.
    user = User(email=email, role=role, display_name=name, password_hash=_password_hash(),
                created_at=now - timedelta(days=180))
    db.session.add(user)
    db.session.flush()
    return user


def _clinic_time(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), ZoneInfo(_clinic_tz())).astimezone(ZoneInfo("UTC"))


def _clinic_tz() -> str:
    return current_app.config["CLINIC_TIMEZONE"]


def _enrol(staff, clinician, performed_at, data) -> Patient:
    enrolled_at = performed_at - timedelta(days=2, hours=3)
    patient, _token = enrolment.enrol_patient({"clinician_id": clinician.id, **data}, staff, enrolled_at)
    patient.demo = True
    patient.user.password_hash = _password_hash()
    patient.user.created_at = enrolled_at
    return patient


def _record(patient, staff, performed_at, data) -> Procedure:
    return procedures.record_procedure(patient, {"performed_at": performed_at, **data}, staff,
                                       performed_at + timedelta(hours=1))


def _demo_patient(staff, clinician, now, diary) -> None:
    """patient@demo.local: a kyphoplasty four days ago and three check-ins, so their pages look alive."""
    day = now.astimezone(ZoneInfo(_clinic_tz())).date() - timedelta(days=4)
    performed = _clinic_time(day, 10)
    patient = _enrol(staff, clinician, performed, {
        "display_name": "Pat Morgan", "record_number": "DEMO-0001",
        "date_of_birth": date(day.year - 74, 5, 14), "phone": "(219) 555-0142",
        "caregiver_name": "Chris Morgan", "caregiver_phone": "(219) 555-0143",
        "mobile": "(219) 555-0144", "sms_consent": "verbal",  # texts too (to the SMS sink under make run)
        "preferred_language": "en", "timezone": _clinic_tz(),
    })
    _record(patient, staff, performed, {
        "type": "kyphoplasty", "levels": "L1", "fracture_cause": "osteoporosis", "anaesthesia": "local",
        "setting": "outpatient", "cement_volume_ml": "4.5", "baseline_pain": 8,
    })
    patient.user.email = PATIENT_EMAIL  # after enrolment, for the same reason as _staff_user
    for d, pain, worst, walking, minutes, medication, note in (
        (1, 6, 8, 1, 60, "prescription", "Sore where the needle went in."),
        (2, 5, 7, 2, 120, "otc", None),
        (3, 4, 6, 3, 180, "otc", "Walked to the end of the driveway."),
    ):
        save_checkin(patient, {
            "pain_now": pain, "worst_pain": worst, "walking_level": walking, "minutes_upright": minutes,
            "medication": medication, "sleep_disturbed": d == 1, "note": note, **_flags(None),
        }, _clinic_time(day + timedelta(days=d), 19, 10 * d))
    diary.book(patient, performed, upcoming=True)


def _flags(flag: str | None) -> dict:
    return {f: f == flag for f in ("flag_neuro", "flag_chest", "flag_infection", "flag_calf")}


def _cohort_patient(rng: random.Random, index: int, staff, clinician, now, diary, reach) -> None:
    """One patient with a procedure 0-90 days ago and the check-ins their profile implies; about
    two in five take texts on a mobile (consent given at enrolment), the rest the app's inbox."""
    profile = PROFILES[(index * 7) % len(PROFILES)]  # spread the profiles over the days below
    days_ago = index if index < 6 else rng.randint(6, 90)
    tz = rng.choice(TIMEZONES)
    tz = _clinic_tz() if tz == "clinic" else tz  # most live near the clinic
    language = "es" if rng.random() < 0.15 else "en"
    name = f"{FIRST[index % len(FIRST)]} {LAST[(index * 11) % len(LAST)]}"
    clinic_day = now.astimezone(ZoneInfo(_clinic_tz())).date() - timedelta(days=days_ago)
    performed = min(_clinic_time(clinic_day, rng.randint(8, 13), rng.choice((0, 15, 30, 45))),
                    now - timedelta(hours=3))
    age = rng.randint(58, 92)
    patient = _enrol(staff, clinician, performed, {
        "display_name": name, "record_number": f"DEMO-{index + 2:04d}",
        "date_of_birth": date(clinic_day.year - age, rng.randint(1, 12), rng.randint(1, 28)),
        "phone": f"({rng.choice(('219', '312', '708', '773'))}) 555-{rng.randint(200, 999):04d}",
        "caregiver_name": f"{rng.choice(FIRST)} {name.split()[1]}" if rng.random() < 0.5 else None,
        "preferred_language": language, "timezone": tz,
        **({"mobile": f"(312) 555-{1000 + index:04d}", "sms_consent": "verbal"}
           if reach.random() < 0.4 else {}),
    })
    kind = "kyphoplasty" if (index * 5) % 9 < 5 else "vertebroplasty"  # five in nine
    level = rng.choice(LEVELS)
    levels = [level] if rng.random() < 0.8 else [level, _next_level(level)]
    baseline = rng.choice((7, 7, 8, 8, 8, 8, 9, 9, 9, 10, 6))
    _record(patient, staff, performed, {
        "type": kind, "levels": ",".join(levels), "fracture_cause": rng.choice(CAUSES),
        "anaesthesia": "general" if rng.random() < (0.5 if kind == "kyphoplasty" else 0.2) else "local",
        "setting": "overnight" if rng.random() < 0.15 else "outpatient",
        "cement_volume_ml": f"{rng.uniform(2.0, 5.5) * len(levels):.1f}",
        "cement_leakage": rng.random() < 0.12, "baseline_pain": baseline,
    })
    plan = _plan(rng, index, days_ago, profile, baseline, language)
    phone_patient = rng.random() < 0.08
    local_day = performed.astimezone(ZoneInfo(tz)).date()
    for d, answers, update in plan["checkins"]:
        at = datetime.combine(local_day + timedelta(days=d), time(18, 0), ZoneInfo(tz)) + timedelta(
            minutes=rng.randint(0, 200))
        entered_by = staff if rng.random() < 0.04 or phone_patient else None  # they phoned it in
        if not performed < at < now:
            continue
        save_checkin(patient, answers, at, entered_by=entered_by)
        if update is not None and at + timedelta(hours=1) < now:
            save_checkin(patient, {**answers, **update}, at + timedelta(hours=1), entered_by=entered_by)
    diary.book(patient, performed)
    if plan["discharge_day"] is not None:
        discharged_at = performed + timedelta(days=plan["discharge_day"], hours=2)
        enrolment.discharge_patient(patient, staff, discharged_at)


class Diary:
    """The clinic's follow-up bookings: one visit 2-6 weeks after the procedure for about four
    patients in five (the rest wait on the worklist), on a weekday in clinic hours, each slot once
    per clinician. Visits already past were completed or missed (a recent miss leaves a call to
    make); those ahead fall in the next two weeks. The reminders the scheduler would have sent
    by then are marked sent, so the agenda and the outbox show them going out."""

    SLOTS = [time(h, m) for h in range(8, 17) for m in (0, 30)]  # 08:00-16:30 starts

    def __init__(self, rng: random.Random, staff: User, clinicians: tuple, now: datetime):
        self.rng, self.staff, self.clinicians, self.now = rng, staff, clinicians, now
        self.taken: set[tuple[date, time, int]] = set()
        self.today = now.astimezone(ZoneInfo(_clinic_tz())).date()
        self.last_weekday = self.today - timedelta(days=1)
        while self.last_weekday.weekday() >= 5:
            self.last_weekday -= timedelta(days=1)
        self.no_show_yet = False  # one visit on the last weekday was missed: its call is still to make
        ahead = (self.today + timedelta(days=n) for n in range(1, 15))
        self.weekdays_ahead = [d for d in ahead if d.weekday() < 5]

    def book(self, patient: Patient, performed: datetime, upcoming: bool = False) -> None:
        rng = self.rng
        booked_at = performed + timedelta(days=3, hours=2)  # once the 72-hour check is done
        waits, ahead, missed = rng.random() < 0.2, rng.random() < 0.6, rng.random() < 0.15
        procedure_day = performed.astimezone(ZoneInfo(_clinic_tz())).date()
        target = procedure_day + timedelta(days=rng.randint(14, 42))
        clinician = self.clinicians[1] if rng.random() < 0.3 else self.clinicians[0]
        # Also an "other" visit ahead (a wound or dressing check) for a few still in early recovery.
        other = rng.random() < 0.15 and performed > self.now - timedelta(days=60)
        ahead_day, other_day = rng.choice(self.weekdays_ahead), rng.choice(self.weekdays_ahead)
        if not upcoming and (waits or booked_at >= self.now):
            return
        window_open = procedure_day + timedelta(days=42) > self.today
        if upcoming or (window_open and ahead) or target > self.today + timedelta(days=14):
            target = ahead_day
        elif (not self.no_show_yet and target < self.today
              and procedure_day + timedelta(days=14) <= self.last_weekday):
            target, missed, self.no_show_yet = self.last_weekday, True, True
        visit = self._visit(patient, "follow_up", target, clinician, min(booked_at, self.now))
        if visit is not None and visit.scheduled_for < self.now:
            self._settle(visit, missed)
        if other:
            self._visit(patient, "other", other_day, self.clinicians[0], self.now - timedelta(hours=2))

    def _visit(self, patient, kind, day, clinician, booked_at):
        when = self._slot(day, clinician, patient)
        if when <= booked_at:
            return None
        visit = appointments.schedule_follow_up(
            patient, {"kind": kind, "scheduled_for": when, "clinician_id": str(clinician.id)}, self.staff,
            booked_at)
        self._delivered(visit, min(self.now, when))
        return visit

    def _slot(self, day: date, clinician, patient) -> datetime:
        """The first slot from a random time on `day` on that the booking checks accept (an open
        weekday, in hours, not a closed date, no overlap), each clinician's slot used once."""
        start = self.rng.randrange(len(self.SLOTS))
        while True:
            if day.weekday() < 5:
                for clock in self.SLOTS[start:] + self.SLOTS[:start]:
                    when = _clinic_time(day, clock.hour, clock.minute)
                    if (day, clock, clinician.id) not in self.taken and not booking_checks.problems(
                            when, clinician.id, patient.id):
                        self.taken.add((day, clock, clinician.id))
                        return when
            day += timedelta(days=1)

    def _settle(self, visit: Appointment, missed: bool) -> None:
        marked_at = min(visit.scheduled_for + timedelta(minutes=45), self.now)
        appointments.mark(visit, "missed" if missed else "completed", self.staff, marked_at)
        if missed and marked_at < self.now - timedelta(days=2):  # an older miss: the call was made
            task = db.session.scalar(select(CallTask).where(CallTask.appointment_id == visit.id))
            calls.close_task(task.id, "left_message", "Left a message to call back and rebook.", self.staff,
                             marked_at + timedelta(hours=3))

    def _delivered(self, visit: Appointment, until: datetime) -> None:
        """What the scheduler sent about the visit before `until`."""
        for reminder in db.session.scalars(select(Reminder).where(
                Reminder.appointment_id == visit.id, Reminder.status == "pending", Reminder.due_at <= until)):
            reminder.status, reminder.sent_at, reminder.attempts = "sent", reminder.due_at, 1
            reminder.updated_at = reminder.due_at


def _next_level(level: str) -> str:
    order = [f"T{i}" for i in range(1, 13)] + [f"L{i}" for i in range(1, 6)]
    return order[min(order.index(level) + 1, len(order) - 1)]


def _needed_drop(baseline: int) -> int:
    """The smallest fall in pain that counts as a response (2 points and 30%)."""
    return max(2, math.ceil(baseline * 0.3))


def _plan(rng, index, days_ago, profile, baseline, language) -> dict:
    """The days this patient checks in, with their answers (the same draws whatever `now` is)."""
    adherence = rng.uniform(0.75, 0.97)
    skip_72h = rng.random() < 0.2
    dropout = rng.randint(8, 20) if rng.random() < 0.08 else None
    discharge_day = 70 if days_ago >= 75 and rng.random() < 0.5 else None
    target = min(rng.choice((2, 3, 3, 3, 4, 4)), baseline - _needed_drop(baseline))
    tau = rng.uniform(0.7, 2.0) if profile != "slow" else rng.uniform(6, 12)
    relapse_day = rng.randint(12, 40) if profile == "relapse" else None
    plateau = baseline - rng.choice((0, 1, 1))
    floor = baseline - _needed_drop(baseline) + 1  # "stuck" patients never reach the threshold
    # A few red flags: the two from yesterday stay open, older ones were acknowledged.
    red_flag = {4: ("flag_neuro", days_ago - 1), 5: ("flag_infection", days_ago - 1),
                14: ("flag_infection", 5), 20: ("flag_calf", 9), 27: ("flag_chest", 1),
                33: ("flag_neuro", 3), 38: ("flag_calf", 12)}.get(index)
    checkins = []
    for d in range(0, days_ago + 1):
        draw, noise, extra = rng.random(), rng.choice((-1, 0, 0, 0, 1)), rng.random()
        if d == 0:
            take = draw < 0.25
        elif d <= 14:
            take = draw < adherence
        else:  # daily for two weeks, then weekly, as the reminders ask
            take = d % 7 == 0 and draw < adherence
        if d in (2, 3) and skip_72h:
            take = False
        elif d == 3:
            take = True
        if (dropout and d > dropout) or (discharge_day and d >= discharge_day):
            take = False
        if red_flag and red_flag[1] == d:
            take = True
        if not take:
            continue
        if profile == "stuck":
            pain = max(floor, plateau + noise)
        else:
            pain = round(target + (baseline - target) * math.exp(-d / tau)) + noise
            if profile != "slow" and d >= 7:  # settled: noise no longer crosses the threshold
                pain = min(pain, baseline - _needed_drop(baseline))
            if relapse_day is not None and d >= relapse_day:
                pain = max(baseline - 1 + noise, floor)
        pain = max(0, min(10, pain + (1 if d == 1 and extra < 0.2 else 0)))  # cement cure soreness
        relapsed = relapse_day is not None and d >= relapse_day and not any(
            c[1]["note"] == RELAPSE_NOTE[language] for c in checkins)
        checkins.append([d, _answers(rng, d, pain, language, relapsed), None])
    if red_flag and checkins:
        flag, when = red_flag
        chosen = next((c for c in checkins if c[0] >= when), checkins[-1])
        chosen[1].update(_flags(flag))
    for checkin in checkins:
        if rng.random() < 0.04:  # a second submission the same evening keeps a revision
            checkin[2] = {"minutes_upright": min(1440, checkin[1]["minutes_upright"] + 30),
                          "note": "Changed after dinner: I was up a little longer."}
    return {"checkins": checkins, "discharge_day": discharge_day}


def _answers(rng, d, pain, language, relapse) -> dict:
    walking = max(0, min(4, round(4.5 - pain * 0.45) + rng.choice((-1, 0, 0, 1))))
    minutes = max(10, min(900, 600 - pain * 55 + d * 3 + rng.randint(-30, 30)))
    if d <= 1:
        walking, minutes = min(walking, 2), min(minutes, 120)
    if pain >= 6:
        medication = "prescription" if rng.random() < 0.6 else "otc"
    elif pain >= 4:
        medication = "otc" if rng.random() < 0.85 else "prescription"
    else:
        medication = "none" if rng.random() < 0.5 else "otc"
    sleep = rng.random() < (0.75 if pain >= 6 else 0.35 if pain >= 4 else 0.1)
    note = RELAPSE_NOTE[language] if relapse else (
        rng.choice(NOTES[language]) if rng.random() < 0.15 else None)
    return {"pain_now": pain, "worst_pain": min(10, pain + rng.choice((1, 1, 2, 2, 3))),
            "walking_level": walking, "minutes_upright": minutes, "medication": medication,
            "sleep_disturbed": sleep, "note": note, **_flags(None)}


def _acknowledge_old_alerts(clinician: User, now: datetime) -> None:
    """Alerts raised more than two days ago were dealt with a few hours after they came in."""
    old = db.session.scalars(
        select(Alert).join(Patient).where(Patient.demo.is_(True), Alert.acknowledged_at.is_(None),
                                          Alert.created_at < now - timedelta(days=2))
        .order_by(Alert.id)
    )
    for alert in list(old):
        alerts.acknowledge(alert.id, clinician, ACK_NOTES.get(alert.detail, "Reviewed."),
                           alert.created_at + timedelta(hours=3))


def _summary() -> str:
    def count(model, *where):
        return db.session.scalar(select(func.count()).select_from(model).where(*where))

    kinds = dict(db.session.execute(select(Procedure.type, func.count()).group_by(Procedure.type)).all())
    return (
        f"Demo cohort ready: {count(Patient)} patients ({kinds.get('vertebroplasty', 0)} vertebroplasty, "
        f"{kinds.get('kyphoplasty', 0)} kyphoplasty), {count(CheckIn)} check-ins, {count(Alert)} alerts "
        f"({count(Alert, Alert.acknowledged_at.is_(None))} open). "
        f"Logins (password {PASSWORD}): {STAFF_EMAIL}, {CLINICIAN_EMAIL}, {PATIENT_EMAIL}."
    )
