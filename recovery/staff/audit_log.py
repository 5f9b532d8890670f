"""The staff's audit page: every view and change of a patient's record, filtered, newest first."""

from flask import render_template, request

from ..services import audit_log
from ..services.errors import ValidationError
from . import bp, forms


@bp.route("/audit")
def audit():
    """Audit events by patient, user and clinic date range; bad filters are refused with a message."""
    try:
        filters = audit_log.parse_filters(request.args)
    except ValidationError as error:
        return _page(None, error.errors), 400
    return _page(audit_log.list_events(filters), {})


def _page(listing, errors):
    return render_template("staff/audit.html", listing=listing, errors=errors, values=request.args,
                           actions=forms.AUDIT_ACTIONS, roles=forms.ROLES)
