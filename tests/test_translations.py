"""Spanish: every patient-facing sentence is translated, the committed .mo matches the .po,
and the language follows the patient's profile (before sign-in, the browser's language)."""

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from recovery.extensions import db
from recovery.models import Reminder, utcnow
from recovery.reminders.channels import email as email_channel

from .conftest import csrf_token

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "recovery" / "translations" / "es" / "LC_MESSAGES"
# Everything a patient reads: their pages, sign-in and password pages, e-mailed links, e-mails,
# the letter staff print for them, shared layout and errors, and the services' messages to them.
PATIENT_FACING = [
    "recovery/templates/patient", "recovery/templates/auth", "recovery/templates/links",
    "recovery/templates/email", "recovery/templates/base.html", "recovery/templates/error.html",
    "recovery/templates/_macros.html", "recovery/templates/_charts.html",
    "recovery/templates/staff/_letter.html", "recovery/templates/account", "recovery/account",
    "recovery/patient", "recovery/auth", "recovery/links",
    "recovery/reminders", "recovery/errors.py", "recovery/services/validate.py",
    "recovery/services/checkins.py", "recovery/services/preferences.py", "recovery/services/accounts.py",
    "recovery/services/alerts.py", "recovery/services/figures.py", "recovery/services/inbox.py",
    "recovery/services/passwords.py", "recovery/services/texting.py", "recovery/security",
]


def patient_facing_messages() -> dict[str, str]:
    """msgid -> where it is used, extracted from the sources as `pybabel extract` would."""
    found = {}
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    for entry in PATIENT_FACING:
        path = ROOT / entry
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.suffix in (".py", ".html", ".txt"))
        for file in files:
            method = "python" if file.suffix == ".py" else "jinja2"
            for line, message, _comments, _context in extract_from_file(method, str(file), keywords=keywords):
                msgid = message[0] if isinstance(message, tuple) else message  # a plural is kept under its singular
                if msgid:
                    found.setdefault(msgid, f"{file.relative_to(ROOT)}:{line}")
    return found


def spanish():
    with open(CATALOG / "messages.po", "rb") as po:
        return read_po(po, locale="es")


def test_every_patient_facing_message_has_a_spanish_translation():
    catalog = spanish()
    missing = [f"{where}: {msgid!r}" for msgid, where in patient_facing_messages().items()
               if not (message := catalog.get(msgid)) or message.fuzzy
               or not all(message.string if isinstance(message.string, tuple) else (message.string,))]
    assert missing == [], (
        "patient-facing text without Spanish (run `make translations`, translate in "
        "recovery/translations/es/LC_MESSAGES/messages.po, run it again):\n" + "\n".join(missing))
    assert len(patient_facing_messages()) > 250  # the extraction really read the sources


def test_translations_keep_every_placeholder():
    problems = [f"{message.id!r}: {errors}" for message, errors in spanish().check()]
    assert problems == []


def test_the_committed_mo_is_compiled_from_the_po():
    with open(CATALOG / "messages.mo", "rb") as mo:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(mo)
                    if m.id and any(_key(m.string)) and _key(m.string) != _key(m.id)}
    source = {_key(m.id): _key(m.string) for m in spanish()
              if m.id and any(_key(m.string)) and not m.fuzzy and _key(m.string) != _key(m.id)}
    assert compiled == source, "run `make translations` (pybabel compile) and commit messages.mo"


def _key(value):
    return tuple(value) if isinstance(value, list | tuple) else (value,)


def test_a_spanish_speaking_patient_reads_their_pages_in_spanish(app, client, make_patient, login):
    patient = make_patient(preferred_language="es")
    login(patient.user)
    home = client.get("/patient/").get_data(as_text=True)
    assert '<html lang="es">' in home
    assert "Nadie revisa los registros a todas horas." in home and "Registro diario" in home
    form = client.get("/patient/checkin").get_data(as_text=True)
    assert "¿Cuánto le duele ahora mismo?" in form and "Enviar mi registro" in form


def test_before_sign_in_the_browser_language_decides(client):
    spanish_page = client.get("/login", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    assert "Iniciar sesión" in spanish_page.get_data(as_text=True)
    english_page = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Sign in" in english_page.get_data(as_text=True)


def test_the_profile_wins_over_the_browser_for_a_patient(client, make_patient, login):
    patient = make_patient(preferred_language="en")
    login(patient.user)
    page = client.get("/patient/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Check-ins are not watched around the clock." in page


def test_staff_pages_stay_english_whatever_the_browser_says(client, make_user, login):
    login(make_user("staff"))
    page = client.get("/staff/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<html lang="en">' in page and "Calls to make" in page


def test_reminder_emails_go_out_in_the_patients_language(app, make_patient):
    patient = make_patient(preferred_language="es", email="rosa@example.org")
    now = utcnow()
    reminder = Reminder(idempotency_key=f"check_72h:{patient.id}:test:email", patient_id=patient.id,
                        kind="check_72h", channel="email", due_at=now, status="sending",
                        created_at=now, updated_at=now)
    db.session.add(reminder)
    db.session.flush()
    with app.test_request_context():
        built = email_channel.compose(reminder.id, now)
    message: EmailMessage = message_from_bytes(built.as_bytes(), policy=default)  # as a mail client reads it
    assert message["Subject"] == "Es hora de su registro de los 3 días"
    text = message.get_body(("plain",)).get_content()
    assert "Es hora de su registro de los 3 días. Le llevará unos dos minutos." in text
    assert "En una emergencia, llame al 911." in text
    html = message.get_body(("html",)).get_content()
    assert '<html lang="es">' in html


def test_the_login_form_posts_in_spanish_too(client, make_patient):
    make_patient(preferred_language="es", email="rosa@example.org")
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"login": "rosa@example.org", "password": "wrong-password-1",
                                           "csrf_token": token}, headers={"Accept-Language": "es"})
    assert response.status_code == 400
    assert "no corresponden a una cuenta activa" in response.get_data(as_text=True)


def test_links_that_name_the_patient_answer_in_their_language_before_sign_in(app, client, make_patient, make_user):
    from recovery.reminders import links
    from recovery.services import enrolment
    from recovery.services.checkins import local_today

    patient = make_patient(preferred_language="es", email="rosa@example.org")
    patient.user.password_hash = None
    now = utcnow()
    checkin_token = links.issue_checkin_link(patient, local_today(patient, now), now)
    invite_token = enrolment.issue_link(patient, make_user("staff"), now)
    db.session.commit()
    english_browser = {"Accept-Language": "en-US,en;q=0.9"}
    form = client.get(f"/c/{checkin_token}", headers=english_browser).get_data(as_text=True)
    assert '<html lang="es">' in form and "¿Cuánto le duele ahora mismo?" in form
    password = client.get(f"/set-password/{invite_token}", headers=english_browser).get_data(as_text=True)
    assert "Elija una contraseña" in password
    unknown = client.get("/set-password/not-a-token", headers=english_browser).get_data(as_text=True)
    assert '<html lang="en">' in unknown  # nobody is named: the browser's language
