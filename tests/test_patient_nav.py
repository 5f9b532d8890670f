"""Phone first: the patient navigation is one menu button and leaves API tokens to Settings."""


def test_patient_nav_has_no_api_tokens_and_settings_links_to_them(client, make_patient, login):
    login(make_patient().user)
    home = client.get("/patient/").get_data(as_text=True)
    nav = home.split('data-testid="patient-nav"', 1)[1].split("</nav>", 1)[0]
    assert "<summary" in nav and "/account/tokens" not in nav and "API tokens" not in nav
    settings = client.get("/patient/settings").get_data(as_text=True)
    assert "For app developers" in settings and 'href="/account/tokens"' in settings
