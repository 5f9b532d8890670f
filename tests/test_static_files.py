"""Light pages on a slow phone: static files under versioned URLs, cached for a year only when the
URL names the file's current content, and every response compressed when the browser asks."""

import gzip
import hashlib
import re
from pathlib import Path

import brotli
import pytest

from recovery import vendor

STATIC = Path(__file__).resolve().parent.parent / "recovery" / "static"
YEAR = "public, max-age=31536000, immutable"


def version_of(name: str) -> str:
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:16]


def test_pages_link_static_files_with_the_hash_of_their_content(client):
    html = client.get("/login").get_data(as_text=True)
    assert f'href="/static/recovery.css?v={version_of("recovery.css")}"' in html
    assert f'href="/static/favicon.svg?v={version_of("favicon.svg")}"' in html


def test_a_versioned_static_file_is_cached_for_a_year(client):
    response = client.get(f"/static/recovery.css?v={version_of('recovery.css')}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == YEAR
    assert response.get_data() == (STATIC / "recovery.css").read_bytes()


@pytest.mark.parametrize("query", ["", "?v=0123456789abcdef", "?v="])
def test_an_unversioned_or_stale_url_is_revalidated_not_kept(client, query):
    # An old page asking for an old version must not pin the new file for a year under that URL.
    response = client.get(f"/static/recovery.css{query}")
    assert response.status_code == 200
    assert "max-age" not in response.headers["Cache-Control"] and "immutable" not in response.headers["Cache-Control"]
    assert response.headers["Cache-Control"] == "no-cache"
    again = client.get(f"/static/recovery.css{query}", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


def test_plotly_is_cached_for_a_year_only_under_the_installed_version(client):
    assert client.get(f"/static/vendor/plotly.min.js?v={vendor.plotly_version()}").headers["Cache-Control"] == YEAR
    for url in ("/static/vendor/plotly.min.js", "/static/vendor/plotly.min.js?v=0.0.1"):
        assert client.get(url).headers["Cache-Control"] == "no-cache", url


@pytest.mark.parametrize("encoding, decode", [("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_static_files_are_sent_compressed_when_the_browser_asks(client, encoding, decode):
    original = (STATIC / "recovery.css").read_bytes()
    response = client.get(f"/static/recovery.css?v={version_of('recovery.css')}",
                          headers={"Accept-Encoding": encoding})
    assert response.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    body = response.get_data()
    assert len(body) < len(original) / 2 and decode(body) == original
    plain = client.get(f"/static/recovery.css?v={version_of('recovery.css')}", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and plain.get_data() == original


def test_plotly_goes_over_the_wire_at_a_third_of_its_size(client):
    url = f"/static/vendor/plotly.min.js?v={vendor.plotly_version()}"
    response = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["Content-Encoding"] == "br"
    assert len(response.get_data()) < 1_500_000  # 4.8 MB uncompressed
    assert brotli.decompress(response.get_data()).startswith(b"/**\n* plotly.js v")


@pytest.mark.parametrize("encoding, decode", [("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_pages_are_compressed_and_still_never_stored(client, make_patient, login, encoding, decode):
    login(make_patient().user)
    response = client.get("/patient/", headers={"Accept-Encoding": encoding})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == encoding
    assert response.headers["Cache-Control"] == "no-store"
    assert b"<h1>Hello," in decode(response.get_data())


def test_clinician_chart_pages_keep_plotly_under_versioned_urls(client, make_patient, make_user, login):
    patient = make_patient()
    login(make_user("clinician"))
    html = client.get(f"/clinic/patients/{patient.id}").get_data(as_text=True)
    assert f'src="/static/vendor/plotly.min.js?v={vendor.plotly_version()}"' in html
    assert re.search(rf'src="/static/charts.js\?v={version_of("charts.js")}" defer', html)
