"""A reminder e-mail as a mail client sees it: the subject in the patient's language, accents
intact, plain text and HTML alternatives, a stable Message-ID and an unsubscribe header."""

from datetime import timedelta

from flask_babel import force_locale

from recovery.jobs import dispatch_due
from recovery.reminders.mail import SUBJECTS

from .conftest import NOW


def test_reminder_arrives_readable_in_both_parts_with_accents_intact(app, make_patient, smtp_sink):
    patient = make_patient(performed_at=NOW, recorded_at=NOW + timedelta(minutes=5), name="José Núñez",
                           preferred_language="es")
    dispatch_due(NOW + timedelta(hours=72))
    (mail,) = [m for m in smtp_sink.messages if m["To"] == patient.user.email]
    with force_locale("es"):
        assert mail["Subject"] == str(SUBJECTS["check_72h"])
    assert mail.get_content_type() == "multipart/alternative"
    plain = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "José Núñez" in plain and "José Núñez" in html
    assert "http://localhost/c/" in plain
    assert mail["Message-ID"].endswith("@recovery.local>") and mail["List-Unsubscribe"].strip().startswith("<http")
