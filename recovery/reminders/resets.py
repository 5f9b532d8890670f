"""Password-reset e-mails, delivered by the dispatcher from the outbox like every other e-mail.

The forgot-password page only writes an outbox row (see accounts.request_password_reset), so
its answer costs the same whether or not the address has an account. Here the scheduler issues
the one-time link and sends it: addressed to the user (recipient_id), never held for quiet
hours (someone is waiting for it), committed as sent right after the SMTP server accepts it.
Each attempt carries a fresh link and ends the previous reset link, so only the newest e-mail's
link works; a printed invitation is left alone.
"""

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from ..extensions import db
from ..models import Patient, Reminder, User
from ..set_password_links import issue_reset_token
from ..urls import external_url
from . import mail, smtp
from .bulk import among
from .channels import Unreachable, email

KIND = "password_reset"
TABLE = Reminder.__table__


def compose(user: User, language: str, token: str, key: str, now):
    """The reset e-mail in the user's language, its Message-ID derived from the outbox key."""
    config = current_app.config
    context = {"name": user.display_name, "link": external_url("auth.set_password", token=token),
               "minutes": config["PASSWORD_RESET_VALID_MINUTES"], "phone": config["CLINIC_PHONE_DAY"]}
    with force_locale(language):
        subject = _("Reset your Recovery password")
        text = render_template("email/password_reset.txt", **context)
        html = render_template("email/password_reset.html", subject=subject, **context)
    return mail.email(subject, user.email, key, now, text, html)


def deliver(run, ids: list[int]) -> list[int]:
    """Send the claimed reset e-mails among `ids`; return the other ids (patient reminders)."""
    rows = db.session.execute(
        select(Reminder.id, Reminder.idempotency_key, Reminder.attempts, Reminder.recipient_id,
               Patient.preferred_language)
        .outerjoin(Patient, Patient.user_id == Reminder.recipient_id)
        .where(among(Reminder.id, ids), Reminder.kind == KIND, Reminder.status == "sending",
               Reminder.claimed_by == run.worker)
    ).all()
    if not rows:
        return ids
    mine = {r.id for r in rows}
    sent = (update(TABLE).where(TABLE.c.status == "sending", TABLE.c.claimed_by == run.worker)
            .values(status="sent", sent_at=run.now, lease_until=None, updated_at=run.now))
    for row in rows:
        if not run.still_holds(row.id):  # another worker took it over after our lease ended: theirs
            run.report.lost.append(row.id)
            continue
        user = db.session.get(User, row.recipient_id) if row.recipient_id is not None else None
        if user is None or not user.active or not user.email:
            run._update([row.id], status="cancelled", last_error="no longer applies")
            db.session.commit()
            run.report.dropped.append(row.id)
            continue
        if getattr(run.connection("smtp", smtp.Mailer), "down", False):  # no new link for nothing
            run.defer([row.id])
            continue
        try:
            message = compose(user, row.preferred_language or "en", issue_reset_token(user, run.now),
                              row.idempotency_key, run.now)
            db.session.commit()  # the link exists before the e-mail names it
            provider_id = email.hand_over(run, message)
        except Unreachable as error:  # wait for the next run; an attempt only if this one tried
            db.session.rollback()
            if error.tried:
                run._failed_attempt(row, error)
                db.session.commit()
            else:
                run.defer([row.id])
            continue
        except Exception as error:  # noqa: BLE001 - any failure is retried, never lost
            db.session.rollback()
            run._failed_attempt(row, error)
            db.session.commit()
            continue
        db.session.execute(sent.where(TABLE.c.id == row.id, TABLE.c.lease_until == run.lease)
                           .values(provider_id=provider_id))
        db.session.commit()
        run.report.sent.append(row.id)
    return [i for i in ids if i not in mine]

