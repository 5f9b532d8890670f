"""Forms for signing in and choosing a password (CSRF comes with FlaskForm)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField


class LoginForm(FlaskForm):
    login = StringField(_l("E-mail (or clinic record number)"))
    password = PasswordField(_l("Password"))


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password (at least 10 characters)"))
    confirm = PasswordField(_l("Repeat the new password"))


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for POST buttons such as log out."""
