"""A minimal HTTP client with cookies and CSRF tokens, for tests that talk to real server processes."""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is an answer the test looks at, not something to follow


class Session:
    """One browser: its own cookie jar, talking to `base` (e.g. http://127.0.0.1:8123)."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
            return error.code, error.read().decode(errors="replace")

    def csrf(self, path: str) -> str:
        status, html = self.request(path)
        match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
        assert status == 200 and match, f"no form with a CSRF token on {path} ({status})"
        return match.group(1)

    def login(self, login: str, password: str) -> None:
        status, body = self.request("/login", {"login": login, "password": password,
                                               "csrf_token": self.csrf("/login")})
        assert status == 302, f"login as {login} answered {status}: {body[:200]}"
