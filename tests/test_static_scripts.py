"""Scripts without a CDN and without inline JavaScript: plotly.js from the installed package,
charts drawn from JSON data blocks, and no page or template with a script body or on*= handler."""

import re
from importlib import resources
from pathlib import Path

from recovery import vendor

from .conftest import csrf_token
from .pages import inline_javascript

TEMPLATES = Path(__file__).resolve().parent.parent / "recovery" / "templates"
PLOTLY = "/static/vendor/plotly.min.js"


def test_plotly_is_served_from_the_installed_package_with_long_caching(client):
    response = client.get(f"{PLOTLY}?v={vendor.plotly_version()}")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    body = response.get_data()
    assert body.startswith(b"/**\n* plotly.js v")  # the plotly banner
    assert body == (resources.files("plotly") / "package_data" / "plotly.min.js").read_bytes()
    assert len(body) > 3_000_000
    assert response.cache_control.max_age == 365 * 24 * 3600 and response.cache_control.public
    again = client.get(PLOTLY, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


def test_pages_link_plotly_with_the_package_version_so_an_upgrade_is_fetched_anew(app):
    with app.test_request_context():
        assert app.jinja_env.globals["plotly_version"]() == vendor.plotly_version()
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", vendor.plotly_version())


def test_no_template_has_inline_javascript():
    # A JSON data block's body is Jinja ({{ figure|tojson }}): data, not code, so it may stay.
    offending = {path.name: found for path in TEMPLATES.rglob("*.html")
                 if (found := inline_javascript(path.read_text()))}
    assert offending == {}
    assert inline_javascript('<button onclick="x()">') and inline_javascript("<script>x()</script>")


def test_the_set_password_letter_prints_through_a_static_script(client, make_user, make_patient, login):
    patient = make_patient()
    login(make_user("staff"))
    html = client.post(f"/staff/patients/{patient.id}/link",
                       data={"csrf_token": csrf_token(client, f"/staff/patients/{patient.id}")}).get_data(as_text=True)
    assert "onclick" not in html and inline_javascript(html) == []
    assert re.search(r'<button type="button" data-print hidden>Print the letter</button>', html)
    assert re.search(r'<script src="/static/print.js\?v=[0-9a-f]{16}" defer></script>', html)
    assert "plotly" not in html  # no chart on this page, so no chart scripts
    assert "window.print()" in (TEMPLATES.parent / "static" / "print.js").read_text()
