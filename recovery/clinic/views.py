"""Clinician pages: who needs attention, each patient's record (every view audited), the cohort.

The blueprint lives in blueprint.py; importing this module registers every clinic route,
including the exports (FHIR, CSV, visit summary) in exports.py.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..models import utcnow
from ..services import (
    alerts,
    audit,
    clinic,
    cohort,
    cohort_outcomes,
    completion,
    figures,
    patient_list,
    questionnaires,
    texting,
    triage,
)
from ..services.enrolment import clinicians
from ..services.errors import NotFound, ValidationError
from . import (
    bp,
    exports,  # noqa: F401  (registers the export routes)
)


@bp.route("/")
def home():
    now = utcnow()
    # Reads only: the rules run on check-in writes and in the scheduler sweep, never here.
    # The triage list always shows the whole clinic's open alerts, whatever the list's filters.
    errors, status = {}, 200
    try:
        page = triage.parse_page(request.args)
    except ValidationError as error:  # a bad triage page still shows the first, most urgent one
        page, errors, status = 1, dict(error.errors), 400
    urgent = triage.triage_page(now, page)
    options = [(user.id, user.display_name) for user in clinicians()]
    shown = {"triage": urgent, "values": request.args, "clinician_options": options}
    try:
        query = patient_list.parse_query(request.args, current_user)
    except ValidationError as error:  # nothing listed: a malformed filter never widens the list
        return render_template("clinic/home.html", listing=None, query=None, errors=errors | error.errors,
                               **shown), 400
    listing = patient_list.list_patients(query, now)
    return render_template("clinic/home.html", listing=listing, query=query, errors=errors, **shown), status


@bp.route("/patients/<int:patient_id>")
def patient(patient_id: int):
    now = utcnow()
    try:
        record = clinic.view_patient(patient_id, current_user, now)
    except NotFound:
        abort(404)
    page = _patient_page(record, now)
    # Render first: a commit expires every loaded row, and the page would reload them one by one.
    db.session.commit()  # the audit event of this view
    return page


@bp.route("/cohort", endpoint="cohort")
def cohort_page():
    """Pain by time since the procedure and responder rates, for the whole practice or a filter."""
    try:
        filters = cohort.parse_filters(request.args)
    except ValidationError as error:
        return _cohort(None, error.errors), 400  # nothing shown, nothing audited
    now = utcnow()
    stats = cohort.cohort_statistics(filters)
    rates = completion.cohort_completion(filters)
    outcomes = cohort_outcomes.outcome_statistics(filters, now)
    audit.record(current_user, "cohort.view", None, now)
    page = _cohort(stats, {}, rates, outcomes)
    db.session.commit()  # the audit event of this view
    return page


def _cohort(stats, errors, rates=None, outcomes=None):
    figure = figures.cohort_chart(stats) if stats is not None and not stats.empty else None
    return render_template(
        "clinic/cohort.html", stats=stats, figure=figure, errors=errors, values=request.args,
        clinician_options=[(user.id, user.display_name) for user in clinicians()],
        completion=rates, last_week=completion.LAST_WEEK, responder_rule=cohort.RESPONDER_RULE,
        no_data=cohort.NO_DATA, min_point_n=cohort.MIN_POINT_N,
        outcomes=outcomes, outcomes_rule=cohort_outcomes.RULE,
    )


def _patient_page(record, now, errors=None, notes=None) -> str:
    """The clinician's patient page: the record, its chart, texts, scores and completion."""
    return render_template("clinic/patient.html", record=record, chart=figures.patient_chart(record),
                           errors=errors or {}, notes=notes or {},
                           texts=texting.patient_messages(record.patient),
                           outcomes=questionnaires.score_history(record.patient),
                           completion=completion.patient_completion(record.patient.id, now))


@bp.route("/alerts/<int:alert_id>/ack", methods=["POST"])
def acknowledge_alert(alert_id: int):
    note = request.form.get("note")
    try:
        done = alerts.acknowledge(alert_id, current_user, note, utcnow())
    except NotFound:
        abort(404)
    except ValidationError as error:
        db.session.rollback()  # nothing written: the page is shown again, not viewed anew
        now = utcnow()
        record = clinic.patient_record(clinic.alert_patient_id(alert_id), now)
        return _patient_page(record, now, errors={alert_id: error.errors.get("note")},
                             notes={alert_id: note or ""}), 400
    patient_id = done.alert.patient_id
    # Worded before the commit: someone else acknowledged it first, and this note is kept beside theirs.
    message = done.conflict_message() if done.already_closed else _("Alert acknowledged.")
    db.session.commit()
    flash(message)
    if request.form.get("back") == "triage":  # acknowledged from the triage row: back to the list
        return redirect(url_for("clinic.home", _anchor="triage-h"))
    return redirect(url_for("clinic.patient", patient_id=patient_id, _anchor="alerts"))
