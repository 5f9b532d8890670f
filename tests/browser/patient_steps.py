"""Steps every patient journey takes: enrolment with an invite, choosing a password, signing in."""

from recovery.extensions import db
from recovery.models import CheckIn, CheckInRevision

from .world import PATIENT_PASSWORD, daytime, dispatch, enrol, expect, link_in, make_user

# The set-password page's words, per language: heading, the two fields, the button, the confirmation.
PASSWORD_PAGE = {
    "en": ("Choose a password", "New password (at least 10 characters)", "Repeat the new password",
           "Save password", "Your password is set and you are signed in."),
    "es": ("Elija una contraseña", "Contraseña nueva (al menos 10 caracteres)", "Repita la contraseña nueva",
           "Guardar la contraseña", "Su contraseña está guardada y ya ha iniciado sesión."),
}


def invited_patient(live, mail, **fields):
    """Enrol a patient (kyphoplasty at L1 yesterday) and return the invite link from the e-mail."""
    with live.context():
        staff = make_user("staff", "desk@clinic.example", "Dana Desk")
        patient = enrol(staff, **fields)
        dispatch(daytime())
        email = patient.user.email
    return link_in(invite_to(mail, email), "/set-password/")


def invite_to(mail, email):
    """The one e-mail to `email` with a set-password link.

    In the evening (from 18:00 in Chicago) the day's check-in nudge goes out with it, so the
    invite is picked by its link rather than by being the only message.
    """
    (invite,) = [m for m in mail.messages
                 if m["To"] == email and "/set-password/" in m.get_body(("plain",)).get_content()]
    return invite


def accept_invite(tab, link, language="en", shots=("set-password", "password-saved")):
    """Open the invite link, choose a password as a person would (which signs them in on Today);
    return the page."""
    heading, new, repeat, button, done = PASSWORD_PAGE[language]
    page = tab.page
    page.goto(link)
    tab.scan(shots[0])
    if language != "en":
        expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    page.get_by_label(new).fill(PATIENT_PASSWORD)
    page.get_by_label(repeat).fill(PATIENT_PASSWORD)
    page.get_by_role("button", name=button).click()
    tab.scan(shots[1])
    expect(page.get_by_role("status")).to_have_text(done)
    return page


def checkins(live):
    """(check-ins, revisions) stored: what a double click or a refused form must not change."""
    with live.context():
        return (db.session.scalar(db.select(db.func.count()).select_from(CheckIn)),
                db.session.scalar(db.select(db.func.count()).select_from(CheckInRevision)))
