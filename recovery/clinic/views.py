"""Clinician pages: who needs attention, and each patient's record (every view audited)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import restrict_blueprint
from ..extensions import db
from ..models import utcnow
from ..services import alerts, clinic
from ..services.errors import NotFound, ValidationError
from .labels import labels

bp = Blueprint("clinic", __name__, url_prefix="/clinic")
restrict_blueprint(bp, "clinician")
bp.context_processor(labels)


@bp.route("/")
def home():
    include_discharged = request.args.get("discharged") == "1"
    rows = clinic.patient_summaries(utcnow(), include_discharged=include_discharged)
    return render_template("clinic/home.html", rows=rows, include_discharged=include_discharged)


@bp.route("/patients/<int:patient_id>")
def patient(patient_id: int):
    try:
        record = clinic.view_patient(patient_id, current_user, utcnow())
    except NotFound:
        abort(404)
    db.session.commit()  # the audit event of this view
    return render_template("clinic/patient.html", record=record, errors={}, notes={})


@bp.route("/alerts/<int:alert_id>/ack", methods=["POST"])
def acknowledge_alert(alert_id: int):
    note = request.form.get("note")
    try:
        alert = alerts.acknowledge(alert_id, current_user, note, utcnow())
    except NotFound:
        abort(404)
    except ValidationError as error:
        db.session.rollback()  # nothing written: the page is shown again, not viewed anew
        record = clinic.patient_record(clinic.alert_patient_id(alert_id), utcnow())
        return render_template(
            "clinic/patient.html", record=record,
            errors={alert_id: error.errors.get("note")}, notes={alert_id: note or ""},
        ), 400
    db.session.commit()
    flash(_("Alert acknowledged."))
    return redirect(url_for("clinic.patient", patient_id=alert.patient_id, _anchor="alerts"))
