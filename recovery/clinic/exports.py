"""Exports for clinicians: a patient's FHIR Bundle, the cohort as CSV, the printable visit summary.

Each one is a view of patient data, so each is written to the audit trail before it is sent.
"""

from flask import Response, abort, jsonify, render_template, request
from flask_login import current_user

from ..extensions import db
from ..models import Patient, utcnow
from ..services import audit, cohort, csv_export, fhir, visit_summary
from ..services.errors import NotFound, ValidationError
from ..services.validate import record_id
from . import bp


@bp.route("/patients/<int:patient_id>/fhir.json")
def patient_fhir(patient_id: int):
    """Download the patient's record as a FHIR R4 Bundle (JSON)."""
    now = utcnow()
    try:
        bundle = fhir.export_bundle(patient_id, current_user, now)
    except NotFound:
        abort(404)
    db.session.commit()
    filename = f"recovery-{db.session.get(Patient, patient_id).record_number}.fhir.json"
    response = jsonify(bundle)
    response.mimetype = "application/fhir+json"
    response.headers["Content-Disposition"] = _attachment(filename)
    return response


@bp.route("/cohort.csv")
def cohort_csv():
    """Download one row per check-in of the (filtered) cohort as CSV."""
    try:
        filters = cohort.parse_filters(request.args)
    except ValidationError as error:  # nothing exported, nothing audited
        return Response("\n".join(f"{k}: {v}" for k, v in error.errors.items()), 400, mimetype="text/plain")
    rows = csv_export.cohort_rows(filters)
    now = utcnow()
    audit.record(current_user, "cohort.export_csv", None, now)
    db.session.commit()
    filename = f"recovery-cohort-{now.date().isoformat()}.csv"
    return Response(csv_export.csv_chunks(rows), mimetype="text/csv",  # needs no context
                    headers={"Content-Disposition": _attachment(filename)})


@bp.route("/patients/<int:patient_id>/summary")
def patient_summary(patient_id: int):
    """The one-page printable summary for the follow-up visit (`?visit=<appointment id>`)."""
    visit_id = record_id(request.args.get("visit"))
    if "visit" in request.args and visit_id is None:
        abort(404)
    try:
        summary = visit_summary.visit_summary(patient_id, current_user, utcnow(), visit_id)
    except NotFound:
        abort(404)
    page = render_template("clinic/summary.html", summary=summary, record=summary.record,
                           responder_rule=cohort.RESPONDER_RULE)
    db.session.commit()  # the audit event; after rendering, so loaded rows are not expired first
    return page


def _attachment(filename: str) -> str:
    # Record numbers are staff-typed: keep only characters that are safe in a header.
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in filename)
    return f'attachment; filename="{safe}"'
