"""Personal API tokens (make one, its secret shown once; see them; revoke them) and signed-in
sessions (see them with the failed sign-ins, end one, sign out everywhere)."""

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from ..extensions import db
from ..models import utcnow
from ..security.sessions import idle_limit_seconds
from ..services import accounts, api_tokens, user_sessions
from ..services.errors import NotFound, ValidationError
from . import bp

HOMES = {"patient": "patient.home", "clinician": "clinic.home", "staff": "staff.home"}


@bp.route("/tokens")
def tokens():
    return _page()


@bp.route("/tokens", methods=["POST"])
def create_token():
    """Make a token and show its secret on this response only: it is never stored or shown again."""
    try:
        new = api_tokens.create_token(current_user, request.form, utcnow())
    except ValidationError as error:
        db.session.rollback()
        return _page(errors=error.errors, values=request.form, status=400)
    db.session.commit()
    response = _page(new=new, status=201)
    response.headers["Cache-Control"] = "no-store"  # the secret must not linger in a cache
    return response


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
def revoke_token(token_id: int):
    try:
        token = api_tokens.revoke(current_user, token_id, utcnow())
    except NotFound:
        abort(404)
    db.session.commit()
    flash(_("The token “%(name)s” is revoked: it no longer works.", name=token.name))
    return redirect(url_for("account.tokens"))


@bp.route("/sessions")
def sessions():
    """Where this account is signed in, and the latest failed sign-ins, in the user's own zone."""
    patient = current_user.patient
    return render_template(
        "account/sessions.html", sessions=user_sessions.live(current_user),
        current_id=user_sessions.current_id(current_user),
        failures=accounts.failure_list(current_user),
        zone=patient.timezone if patient is not None else None, home=url_for(HOMES[current_user.role]))


@bp.route("/sessions/<int:session_id>/end", methods=["POST"])
def end_session(session_id: int):
    """End one of the user's own sessions (another user's, or an ended one, is a 404)."""
    try:
        user_sessions.end_one(current_user, session_id, utcnow())
    except NotFound:
        abort(404)
    db.session.commit()
    if session_id == user_sessions.current_id(current_user):
        logout_user()
        flash(_("You are signed out."))
        return redirect(url_for("auth.login"))
    flash(_("That session is ended: the browser using it is signed out."))
    return redirect(url_for("account.sessions"))


@bp.route("/sessions/end-all", methods=["POST"])
def end_all_sessions():
    """Sign out everywhere: every session of the account ends, this one too."""
    user_sessions.end_all(current_user, utcnow())
    db.session.commit()
    logout_user()
    flash(_("You are signed out everywhere, on this device too."))
    return redirect(url_for("auth.login"))


@bp.route("/stay-signed-in", methods=["POST"])
def stay_signed_in():
    """The idle notice's button: this request itself restarts the idle clock (see
    security/sessions.py); answers how long the session may now stay idle."""
    limit = idle_limit_seconds(current_app.config, current_user.role)
    return jsonify({"signed_in": True, "idle_seconds": limit})


def _page(new=None, errors=None, values=None, status=200):
    page = render_template(
        "account/tokens.html", tokens=api_tokens.user_tokens(current_user), new=new,
        errors=errors or {}, values=values or {}, home=url_for(HOMES[current_user.role]),
    )
    return make_response(page, status)
