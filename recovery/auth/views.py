"""Sign-in, sign-out, set-password links and /healthz."""

from flask import (
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_login import current_user, login_user, logout_user
from sqlalchemy import text

from ..display import local_datetime
from ..extensions import db, login_manager
from ..i18n import speak_to
from ..models import User, utcnow
from ..reminders.dispatch import scheduler_alive
from ..security import sessions
from ..services import accounts, user_sessions
from ..services.errors import ValidationError
from ..services.health import database_writes
from . import bp
from .forms import EmptyForm, ForgotPasswordForm, LoginForm, SetPasswordForm, StartForm

HOMES = {"patient": "patient.home", "clinician": "clinic.home", "staff": "staff.home"}


@login_manager.user_loader
def load_user(session_key: str) -> User | None:
    """The user of this browser's live session: nobody once the session was ended (logout, sign
    out everywhere, a new password, deactivation), whatever the cookie still says."""
    now = utcnow()
    found = user_sessions.load(session_key, now)
    if found is None:
        return None
    user, stale = found
    if stale is not None:
        g.touch_session = stale  # written after the response is made (security.sessions)
    return user


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
        now = utcnow()
        device = request.cookies.get(user_sessions.KNOWN_DEVICE_COOKIE)
        address, agent = request.remote_addr or "", request.user_agent.string or ""
        user = accounts.authenticate(form.login.data, form.password.data, now,
                                     known_accounts=user_sessions.known_accounts(device),
                                     address=address, user_agent=agent)
        if user is not None:
            failures = accounts.recent_failures(user, user_sessions.last_sign_in(user))
            return _sign_in(user, now, failures)
        db.session.commit()  # the failure counted, or nothing
        # One message for every failure (unknown, wrong, slowed down), so accounts cannot be probed.
        form.password.errors = [
            _("That e-mail and password do not match an active account."),
            _("After several failed attempts, sign-in to an account waits a little longer after "
              "each one (up to %(minutes)s minutes), except on a device that signed in to it before. "
              "Forgot your password? A reset link always works.",
              minutes=max(1, current_app.config["LOGIN_BACKOFF_MAX_SECONDS"] // 60)),
        ]
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


def _sign_in(user: User, now, failures=None, notice=None):
    """Start a server-side session for `user` on this browser and send them to their home."""
    device = request.cookies.get(user_sessions.KNOWN_DEVICE_COOKIE)
    address, agent = request.remote_addr or "", request.user_agent.string or ""
    sessions.start_fresh()  # nothing from before sign-in survives it (no session fixation)
    user_sessions.start(user, now, agent, address)
    login_user(user)
    db.session.commit()
    refresh()  # the signed-in patient's language, not the sign-in page's
    if failures is not None and failures.count:
        flash(_failures_notice(user, failures), "warning")
    if notice:
        flash(str(notice))
    response = redirect(url_for(HOMES[user.role]))
    response.set_cookie(
        user_sessions.KNOWN_DEVICE_COOKIE, user_sessions.known_device_cookie(device, user),
        max_age=user_sessions.KNOWN_DEVICE_DAYS * 86400, httponly=True, samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def _failures_notice(user: User, failures) -> str:
    """What the owner is told at sign-in about wrong passwords tried since their last sign-in."""
    zone = user.patient.timezone if user.patient is not None else None
    when, address = local_datetime(failures.last_at, zone), failures.last_address or "?"
    if failures.count == 1:  # two sentences, not ngettext: English and Spanish have the same two forms
        return _("1 failed sign-in attempt since your last sign-in, on %(when)s from %(address)s. "
                 "If it was not you, consider choosing a new password.", when=when, address=address)
    return _("%(num)s failed sign-in attempts since your last sign-in, the last on %(when)s from "
             "%(address)s. If it was not you, consider choosing a new password.",
             num=failures.count, when=when, address=address)


@bp.route("/logout", methods=["POST"])
def logout():
    if EmptyForm().validate_on_submit():
        if current_user.is_authenticated:
            user_sessions.end(current_user.session_key, utcnow())
            db.session.commit()
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
        return _sign_in(user, now, notice=PASSWORD_SET)
    status = 400 if request.method == "POST" else 200
    return render_template("auth/set_password.html", form=form, user=user), status


# Lazy: translated in _sign_in once the patient's language is in force.
PASSWORD_SET = _l("Your password is set and you are signed in.")


@bp.route("/start", methods=["GET", "POST"])
def start():
    """The short address on the letter: the short code and date of birth, then a new password.

    Every refusal (unknown, used or expired code, wrong date of birth, slowed down) gives the
    same page and message; the per-address limit (LOGIN_RATE_LIMIT) and the account's backoff
    (accounts.short_code_user) count the attempts."""
    form = StartForm()
    if request.method != "POST":
        return render_template("auth/start.html", form=form, step=1), 200
    if not form.validate_on_submit():
        return render_template("auth/start.html", form=form, step=1), 400
    now = utcnow()
    address, agent = request.remote_addr or "", request.user_agent.string or ""
    dob = _date_of_birth(form)
    code = form.code.data or ""
    user = accounts.short_code_user(code, dob, now, address=address, user_agent=agent)
    if user is None:
        db.session.commit()  # the failure counted, or nothing
        return _start_refused(form)
    speak_to(user.patient)
    if request.form.get("step") != "2":
        return render_template("auth/start.html", form=form, step=2, user=user), 200
    try:
        accounts.set_password_with_code(code, dob, form.password.data, form.confirm.data, now,
                                        address=address, user_agent=agent)
    except ValidationError as error:
        db.session.rollback()
        if "code" in error.errors or "used" in error.errors:  # spent a moment ago by another request
            return _start_refused(form)
        for name, message in error.errors.items():
            getattr(form, name, form.password).errors = [message]
        return render_template("auth/start.html", form=form, step=2, user=user), 400
    db.session.commit()
    logout_user()
    return _sign_in(user, now, notice=PASSWORD_SET)


def _date_of_birth(form):
    from datetime import date

    try:
        return date(int(form.year.data or ""), int(form.month.data or ""), int(form.day.data or ""))
    except (TypeError, ValueError, OverflowError):
        return None


def _start_refused(form):
    form.code.errors = [_("That code and date of birth do not open an account. Check both and try "
                          "again, or call the clinic for a new letter.")]
    form.password.data = form.confirm.data = ""
    return render_template("auth/start.html", form=form, step=1), 400


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
