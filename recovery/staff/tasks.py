"""Staff work lists: the home page (calls to make, then the patient search), the follow-up
worklist and the reminder outbox."""

from urllib.parse import parse_qsl

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from ..extensions import db
from ..models import utcnow
from ..reminders.outbox import policy as reminder_policy
from ..services import calls, enrolment, outbox_view, worklist
from ..services.errors import NotFound, ValidationError
from . import bp, forms


@bp.route("/")
def home():
    """Open call tasks first, then find a patient by name, record number, phone or e-mail."""
    return _home(request.args.get("q", "").strip())


def _home(query, status=200, closing=None, call_form=None, call_errors=None):
    now = utcnow()
    return render_template(
        "staff/home.html",
        calls=calls.open_tasks(now),
        closing=closing,
        call_form=call_form or {},
        call_errors=call_errors or {},
        patients=enrolment.search_patients(query, now),
        query=query,
        labels=forms,
    ), status


@bp.route("/calls/<int:task_id>/close", methods=["POST"])
def close_call(task_id: int):
    """Close a call task with its outcome; it leaves the list."""
    form = request.form
    try:
        task = calls.close_task(task_id, form.get("outcome"), form.get("note"), current_user, utcnow())
    except NotFound:
        abort(404)
    except ValidationError as error:
        db.session.rollback()
        return _home("", 400, closing=task_id, call_form=form, call_errors=error.errors)
    db.session.commit()
    flash(
        _(
            "Call to %(name)s closed: %(outcome)s.",
            name=task.patient.name,
            outcome=forms.CALL_OUTCOMES[task.outcome],
        )
    )
    return redirect(url_for("staff.home"))


@bp.route("/worklist")
def follow_up_worklist():
    """Patients past their 72-hour check with no follow-up booked, oldest procedure first, 50 a
    page (the URL carries the page)."""
    now = utcnow()
    try:
        page = worklist.parse_page(request.args)
    except ValidationError as error:
        return render_template("staff/worklist.html", listing=None, errors=error.errors, now=now), 400
    return render_template(
        "staff/worklist.html",
        listing=worklist.follow_up_worklist(now, current_app.config["FOLLOW_UP_WINDOW"], page),
        errors={},
        now=now,
        page_links=outbox_view.page_links,
    )


@bp.route("/outbox")
def outbox():
    """The outbox 50 a page, soonest due first, filtered as the URL says, with counts by status."""
    try:
        query = outbox_view.parse_query(request.args)
    except ValidationError as error:
        return _outbox(None, error.errors, 400)
    return _outbox(query, {}, 200)


def _outbox(query, errors, code):
    now = utcnow()
    config = current_app.config
    listing = None if query is None else outbox_view.list_page(
        query, now, config["CLINIC_TIMEZONE"], reminder_policy())
    return render_template(
        "staff/outbox.html",
        listing=listing,
        query=query,
        values=request.args,
        errors=errors,
        labels=forms,
        status_filters=forms.OUTBOX_STATUS_FILTERS,
        kinds={k: forms.REMINDER_KINDS[k] for k in outbox_view.LISTED_KINDS},
        page_links=outbox_view.page_links,
        count_cap=outbox_view.COUNT_CAP,
    ), code


@bp.route("/reminders/<int:reminder_id>/resend", methods=["POST"])
def resend_reminder(reminder_id: int):
    """Send a failed reminder again: it goes back to pending with a fresh set of attempts."""
    try:
        reminder = outbox_view.resend(reminder_id, current_user, utcnow())
    except NotFound:
        abort(404)
    except ValidationError as error:
        db.session.rollback()
        return _outbox(outbox_view.OutboxQuery(status="all"), error.errors, 400)
    db.session.commit()
    flash(
        _(
            "The reminder to %(name)s (%(kind)s) will be sent at the next dispatcher run.",
            name=reminder.patient.name,
            kind=forms.REMINDER_KINDS[reminder.kind],
        )
    )
    return redirect(url_for("staff.outbox", **_back_to(request.form.get("back"))))


def _back_to(value) -> dict:
    """The outbox view the resend came from (its query string), if it is a valid one."""
    try:
        return outbox_view.parse_query(MultiDict(parse_qsl(value or ""))).args()
    except ValidationError:
        return {}
