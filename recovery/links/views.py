"""One-time check-in links and the unsubscribe page; each token proves who it is for."""

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _

from .. import checkin_form, unsaved
from ..checkin_form import not_saved_page, urgent_page
from ..extensions import db
from ..i18n import speak_to
from ..models import utcnow
from ..reminders import ledger, links
from ..services import checkins
from ..services.errors import ValidationError
from . import bp


@bp.route("/c/<token>", methods=["GET", "POST"])
def checkin(token: str):
    """Today's check-in for the patient the link was sent to: works once, for 24 hours, that day."""
    now = utcnow()
    link = links.checkin_link(token, now)
    if link is None or link.for_date != checkins.local_today(link.patient, now):
        return render_template("links/expired.html"), 404
    patient = link.patient
    speak_to(patient)
    if not patient.user.active:  # the clinic closed the account after the e-mail went out
        return render_template("links/inactive.html"), 403
    if ledger.opened(link, now):  # its reminder's ledger: opened, the first time only
        db.session.commit()
    if request.method == "POST":
        try:
            result = checkins.save_checkin(patient, request.form, now, via=link.reminder_id)
            # An incomplete check-in (a red flag with answers missing) leaves the link open to finish it.
            if result.complete and not links.use_checkin_link(link, now):
                raise ValidationError({"form": _("This link was already used.")})
        except ValidationError as error:
            db.session.rollback()
            return _form(patient, token, request.form, error.errors, 400)
        db.session.commit()
        if result.red_flags:
            return urgent_page(result, request.form, url_for("links.checkin", token=token))
        return render_template("links/thanks.html", patient=patient)
    return _form(patient, token, {}, {})


@unsaved.page("links.checkin")
def checkin_not_saved(answers):
    """The database failed, perhaps before the link could be checked: the guidance for the
    answers sent (they are the sender's own), and the form to send them again."""
    return not_saved_page(answers, url_for("links.checkin", token=request.view_args["token"]))


def _form(patient, token, values, errors, status=200):
    return render_template(
        "links/checkin.html", patient=patient, token=token, values=values, errors=errors,
        **checkin_form.choices(),
    ), status


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """Turn reminder e-mails off from the link in any e-mail (in-app reminders continue)."""
    patient = links.patient_from_unsubscribe(token)
    if patient is None:
        abort(404)
    speak_to(patient)
    if request.method == "POST":
        patient.email_reminders = False
        db.session.commit()
        return render_template("links/unsubscribed.html")
    return render_template("links/unsubscribe.html", token=token)
