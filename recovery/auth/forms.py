"""Forms for signing in and choosing a password (CSRF comes with FlaskForm)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import Email, InputRequired, Length


class LoginForm(FlaskForm):
    login = StringField(_l("E-mail (or clinic record number)"))
    password = PasswordField(_l("Password"))


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password (at least 10 characters)"))
    confirm = PasswordField(_l("Repeat the new password"))


class StartForm(FlaskForm):
    """The short code from the letter or e-mail, the date of birth, then (step 2) the password."""

    code = StringField(_l("Your code (10 letters and numbers)"))
    month = StringField(_l("Month"))
    day = StringField(_l("Day"))
    year = StringField(_l("Year"))
    password = PasswordField(_l("New password (at least 10 characters)"))
    confirm = PasswordField(_l("Repeat the new password"))


class ForgotPasswordForm(FlaskForm):
    email = StringField(_l("E-mail"), validators=[
        InputRequired(_l("Enter the e-mail address of your account.")),
        Length(max=254, message=_l("Enter the e-mail address of your account.")),
        Email(_l("Enter the e-mail address of your account.")),
    ])


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for POST buttons such as log out."""
