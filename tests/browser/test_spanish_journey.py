"""A Spanish-speaking patient on a phone: the invitation, sign-in, check-in and urgent guidance in Spanish."""

import re

import pytest

from .patient_steps import accept_invite, checkins, invite_to, invited_patient
from .world import expect

pytestmark = pytest.mark.browser


def test_spanish_patient_journey_from_invitation_to_urgent_guidance(live, mail, journey):
    link = invited_patient(live, mail, language="es")
    invite = invite_to(mail, "rosa@example.org")
    assert invite["Subject"] == "Elija su contraseña para Recovery"
    assert "ha creado su cuenta de Recovery" in invite.get_body(("plain",)).get_content()

    tab = journey("paciente", phone=True, locale="es-US")
    page = accept_invite(tab, link, "es", shots=("elegir-contrasena", "contrasena-guardada"))
    expect(page.get_by_role("heading", name="Hola, Rosa Alvarez")).to_be_visible()
    expect(page.get_by_test_id("safety-banner")).to_contain_text("Nadie revisa los registros a todas horas.")
    expect(page.get_by_test_id("checkin-status")).to_contain_text("Todavía no ha enviado el registro de hoy.")

    page.get_by_role("link", name="Enviar mi registro ahora").click()
    tab.scan("registro")
    expect(page.get_by_role("heading", level=1)).to_have_text("Registro de hoy")
    page.get_by_role("group", name="¿Cuánto le duele ahora mismo?").get_by_text("Moderado").first.click()
    page.get_by_role("group", name="¿Cuál fue su peor dolor en las últimas 24 horas?").get_by_text("Fuerte").first.click()
    page.get_by_role("group", name="¿Cómo puede caminar hoy?").get_by_text("Camina dentro de casa sin ayuda").click()
    page.get_by_label("¿Cuántos minutos seguidos puede estar de pie o caminar?").fill("20")
    page.get_by_role("group", name="¿Qué medicina para el dolor tomó en las últimas 24 horas?").get_by_text(
        "De venta libre").click()
    for question, answer in (
        ("¿El dolor le dejó dormir mal anoche?", "No"),
        ("Debilidad o adormecimiento nuevos en las piernas", "Sí"),
        ("Dolor en el pecho o falta de aire", "No"),
        ("Fiebre, o enrojecimiento o supuración", "No"),
        ("Dolor o hinchazón nuevos en la pantorrilla", "No"),
    ):
        page.get_by_role("group", name=re.compile(re.escape(question))).get_by_text(answer, exact=True).click()
    page.get_by_role("button", name="Enviar mi registro").click()
    tab.scan("urgente")
    expect(page.get_by_role("heading", level=1)).to_have_text("Llame a la clínica ahora")
    expect(page.get_by_role("alert")).to_contain_text("Usted respondió sí a:")
    expect(page.get_by_role("alert")).to_contain_text("Debilidad o adormecimiento nuevos en las piernas")
    assert checkins(live) == (1, 0)
