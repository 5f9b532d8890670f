"""Bounded requests: a body over MAX_CONTENT_LENGTH answers 413 and writes nothing, whether its
Content-Length says so (then nothing of it is read) or it comes chunked without one (then it is
read only up to about the limit). The bodies here are 400 MB streams counted as they are read,
so a process that read them whole would show it in the count (and in its memory)."""

import io
import json

import pytest

from .api_helpers import CHECKIN, bearer, row_counts, token_for
from .conftest import TEST_PASSWORD, csrf_token

HUGE = 400 * 1024 * 1024
LIMIT = 64 * 1024


class CountingBody(io.RawIOBase):
    """A body of `size` bytes, made as it is read, that counts how much was consumed."""

    def __init__(self, prefix: bytes, size: int = HUGE, filler: bytes = b"x"):
        self.prefix, self.size, self.filler, self.consumed = prefix, size, filler, 0

    def readable(self):
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.size - self.consumed, 1024 * 1024)
        if n <= 0:
            return 0
        start = self.consumed
        head = self.prefix[start:start + n]
        chunk = head + self.filler * (n - len(head))
        buffer[:n] = chunk
        self.consumed += n
        return n


def _send(client, url, body, content_type, chunked, headers=None):
    """POST (or PUT for the API) the stream, with its Content-Length or chunked (no length; the
    server says it ends the stream itself, as a dechunking server such as Werkzeug's does)."""
    method = client.put if "/api/" in url else client.post
    environ = {"wsgi.input": body, "CONTENT_TYPE": content_type}
    if chunked:
        headers = {**(headers or {}), "Transfer-Encoding": "chunked"}
        environ["wsgi.input_terminated"] = True
    else:
        environ["CONTENT_LENGTH"] = str(body.size)
    return method(url, headers=headers or {}, environ_overrides=environ)


@pytest.fixture
def patient_tab(app, client, make_patient):
    patient = make_patient()
    client.post("/login", data={"login": patient.user.email, "password": TEST_PASSWORD,
                                "csrf_token": csrf_token(client, "/login")})
    return client, csrf_token(client, "/patient/checkin"), patient


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_huge_check_in_form_is_refused_with_413_unread_and_unsaved(patient_tab, chunked):
    client, token, _ = patient_tab
    answers = "&".join(f"{k}={v}" for k, v in {**CHECKIN, "sleep_disturbed": "no", "flag_neuro": "no",
                                               "flag_chest": "no", "flag_infection": "no",
                                               "flag_calf": "no", "csrf_token": token}.items())
    body = CountingBody(f"{answers}&note=".encode())
    before = row_counts()
    response = _send(client, "/patient/checkin", body, "application/x-www-form-urlencoded", chunked)
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    assert row_counts() == before
    if chunked:
        assert body.consumed <= LIMIT + 1  # the limit and one byte more, no further
    else:
        assert body.consumed == 0  # refused on its Content-Length alone


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_huge_multipart_form_is_refused_with_413(patient_tab, chunked):
    client, token, _ = patient_tab
    head = (f'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            '--b\r\nContent-Disposition: form-data; name="note"\r\n\r\n').encode()
    body = CountingBody(head)
    before = row_counts()
    response = _send(client, "/patient/checkin", body, "multipart/form-data; boundary=b", chunked)
    assert response.status_code == 413
    assert row_counts() == before
    assert body.consumed <= (LIMIT + 1 if chunked else 0)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_huge_json_body_is_refused_with_the_apis_413(client, make_patient, chunked):
    patient = make_patient()
    headers = bearer(token_for(patient.user))
    prefix = json.dumps({**CHECKIN, "note": ""})[:-2].encode()  # ... "note": "xxxxx...
    body = CountingBody(prefix)
    before = row_counts()
    response = _send(client, "/api/v1/me/checkins/today", body, "application/json", chunked, headers)
    assert response.status_code == 413
    assert response.get_json()["code"] == "content_too_large"
    assert row_counts() == before
    assert body.consumed <= (LIMIT + 1 if chunked else 0)


def test_a_body_on_a_page_that_reads_none_is_refused_by_its_length_too(client):
    body = CountingBody(b"")
    response = _send(client, "/login", body, "application/octet-stream", chunked=False)
    assert response.status_code == 413 and body.consumed == 0


def test_an_ordinary_check_in_with_the_longest_note_fits_under_the_limit(patient_tab):
    # The limit leaves room for every real form: the longest note, each character a 4-byte
    # character percent-encoded (12 bytes), is still saved.
    client, token, patient = patient_tab
    answers = {**CHECKIN, "sleep_disturbed": "no", "flag_neuro": "no", "flag_chest": "no",
               "flag_infection": "no", "flag_calf": "no", "note": "\U0001f600" * 1000, "csrf_token": token}
    response = client.post("/patient/checkin", data=answers)
    assert response.status_code == 302


def test_the_api_document_names_413_on_every_operation(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert "413" in operation["responses"], f"{method.upper()} {path}"


def test_a_chunked_check_in_within_the_limit_is_saved_whole(patient_tab):
    client, token, patient = patient_tab
    answers = {**CHECKIN, "sleep_disturbed": "no", "flag_neuro": "no", "flag_chest": "no",
               "flag_infection": "no", "flag_calf": "no", "note": "Walked to the mailbox.", "csrf_token": token}
    encoded = "&".join(f"{k}={v}" for k, v in answers.items()).replace(" ", "+").encode()
    body = CountingBody(encoded, size=len(encoded))
    response = _send(client, "/patient/checkin", body, "application/x-www-form-urlencoded", chunked=True)
    assert response.status_code == 302
    from recovery.services.checkins import patient_checkins

    assert patient_checkins(patient)[0].note == "Walked to the mailbox."
