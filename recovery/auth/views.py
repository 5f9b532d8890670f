"""Sign-in, sign-out, set-password links and /healthz."""

import hmac

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import joinedload

from ..extensions import db, login_manager
from ..i18n import speak_to
from ..models import Patient, User, utcnow
from ..reminders.dispatch import scheduler_alive
from ..security import sessions
from ..services import accounts
from ..services.errors import ValidationError
from ..services.health import database_writes
from .forms import EmptyForm, ForgotPasswordForm, LoginForm, SetPasswordForm

bp = Blueprint("auth", __name__)

HOMES = {"patient": "patient.home", "clinician": "clinic.home", "staff": "staff.home"}


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The signed-in user, unless the password changed since this session signed in."""
    user_id, _, stamp = session_id.partition(":")
    if not user_id.isdecimal():  # "²" is a digit int() refuses
        return None
    user = db.session.execute(_SIGNED_IN, {"id": int(user_id)}).unique().scalar()
    if user is None or not hmac.compare_digest(user.password_stamp, stamp):
        return None
    return user


# Every request loads its user; a patient's pages (the check-in first) then need the patient and
# the current procedure. One prebuilt query instead of three (the user, then two lazy loads).
_SIGNED_IN = (
    select(User).where(User.id == bindparam("id"))
    .options(joinedload(User.patient).joinedload(Patient.procedures))
)

login_manager.login_view = "auth.login"
login_manager.login_message = None


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for(HOMES[current_user.role]))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = accounts.authenticate(form.login.data, form.password.data, utcnow())
        db.session.commit()  # the failure count or its reset
        if user is not None:
            sessions.start_fresh()  # nothing from before sign-in survives it (no session fixation)
            login_user(user)
            return redirect(url_for(HOMES[user.role]))
        # One message for every failure (unknown, wrong, locked), so accounts cannot be probed.
        form.password.errors = [
            _("That e-mail and password do not match an active account."),
            _("After %(n)s failed attempts, sign-in is paused for %(minutes)s minutes.",
              n=current_app.config["LOGIN_LOCKOUT_FAILURES"],
              minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"]),
        ]
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    if EmptyForm().validate_on_submit():
        logout_user()
        flash(_("You are signed out."))
        return redirect(url_for("auth.login"))
    return redirect(url_for("auth.index"))


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    now = utcnow()
    user = accounts.token_user(token, now)
    if user is None:
        return render_template("auth/link_expired.html"), 404
    if user.patient is not None:
        speak_to(user.patient)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password_with_token(token, form.password.data, form.confirm.data, now)
        except ValidationError as error:
            db.session.rollback()
            if "used" in error.errors:  # another request spent the link a moment ago
                return render_template("auth/link_expired.html", used=True), 409
            for name, message in error.errors.items():
                getattr(form, name, form.password).errors = [message]
            return render_template("auth/set_password.html", form=form, user=user), 400
        db.session.commit()
        logout_user()
        flash(_("Your password is set. Please sign in."))
        return redirect(url_for("auth.login"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/set_password.html", form=form, user=user), status


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    """Send a one-time reset link; the answer is the same whether or not the e-mail has an account."""
    form = ForgotPasswordForm()
    minutes = current_app.config["PASSWORD_RESET_VALID_MINUTES"]
    if form.validate_on_submit():
        # One lookup and one outbox row either way; the scheduler sends the e-mail (no SMTP here).
        accounts.request_password_reset(form.email.data, utcnow())
        db.session.commit()
        return render_template("auth/forgot_password.html", form=form, sent=True, minutes=minutes)
    status = 400 if request.method == "POST" else 200
    return render_template("auth/forgot_password.html", form=form, sent=False, minutes=minutes), status


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # the database does not answer: say so, do not crash
        return jsonify(status="error", database="unreachable"), 503
    if not database_writes(utcnow()):  # a check-in sent now would not be saved
        return jsonify(status="error", database="cannot write"), 503
    if current_app.config["SCHEDULER_REQUIRED"] and not scheduler_alive(utcnow()):
        return jsonify(status="error", scheduler="no heartbeat for 5 minutes"), 503
    return jsonify(status="ok")
