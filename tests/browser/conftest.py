"""Browser fixtures: the real app on a free 127.0.0.1 port, Debian's Chromium driven by Playwright.

The server runs in a thread of the test process (werkzeug, threaded) on its own migrated SQLite
database, so a test can also call services and the reminder dispatcher in-process with a chosen
`now`. Each test starts from empty tables. Every page a journey visits is scanned with axe-core;
a journey fails on a serious or critical accessibility violation, on a page it visited but never
scanned, on an uncaught JavaScript error and on any Content-Security-Policy report in the console.

Without Chromium or Playwright the tests skip locally, and fail in CI (CI=true).
"""

import logging
import os
import re
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from recovery.extensions import db
from tests.conftest import _make_app, empty_every_table

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
ROOT = Path(__file__).resolve().parents[2]
# With BROWSER_SCREENSHOTS=FOLDER set, journeys save every step they saw there (a full-page
# picture costs about a third of a journey's time, so `make test` saves only the last page of
# each tab of a failed test, in build/screenshots). `make screenshots` refreshes docs/screenshots.
EVERY_STEP = os.environ.get("BROWSER_SCREENSHOTS")
SHOTS = Path(EVERY_STEP or ROOT / "build" / "screenshots")
SERIOUS = {"serious", "critical"}


def _missing(reason: str):
    """Skip on a developer machine; in CI a missing browser is a failure, never a skip."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: browser tests must run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def playwright_api():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -r requirements-dev.txt)")
    if not (os.access(CHROMIUM, os.X_OK) or shutil.which(CHROMIUM)):
        _missing(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as api:
        yield api


@pytest.fixture(scope="session")
def browser(playwright_api):
    browser = playwright_api.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's browser script, shipped inside the pinned axe-playwright-python package."""
    try:
        from importlib.resources import files

        return (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")
    except ModuleNotFoundError:
        _missing("axe-playwright-python is not installed (pip install -r requirements-dev.txt)")


class SlowResponse:
    """WSGI middleware: hold the response to one chosen POST until the test lets it go.

    A slow network on demand: the request has reached the app and been handled, but the browser
    still shows the form, so the person can press the button again.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.path = None
        self.arrived = threading.Event()
        self.release = threading.Event()

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"] == self.path:
            self.path = None
            body = list(self.wsgi_app(environ, start_response))  # headers go out with the body
            self.arrived.set()
            self.release.wait(timeout=30)
            return body
        return self.wsgi_app(environ, start_response)


class LiveServer:
    """The running app: its URL, the app object (for in-process service calls) and its mail."""

    def __init__(self, app, url):
        self.app = app
        self.url = url
        self.slow = app.wsgi_app = SlowResponse(app.wsgi_app)

    @contextmanager
    def held_response(self, path: str):
        """Inside the block the next POST to `path` is handled but its answer waits; yields the
        event that is set once the request has arrived."""
        self.slow.arrived.clear()
        self.slow.release.clear()
        self.slow.path = path
        try:
            yield self.slow.arrived
        finally:
            self.slow.path = None
            self.slow.release.set()

    @contextmanager
    def context(self):
        """An app context on the live database, for set-up and the dispatcher."""
        with self.app.app_context():
            try:
                yield
            finally:
                db.session.remove()


@pytest.fixture(scope="session")
def live_server(playwright_api, tmp_path_factory):
    folder = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{folder / 'live.sqlite'}"
    app = _make_app(url, folder / "instance", SERVER_NAME=None, TESTING=False)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        db.session.remove()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request drowns failures
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = base
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield LiveServer(app, base)
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def live(live_server, mail):
    """The live server with empty tables, its mail sink wired in."""
    yield live_server
    with live_server.context():
        empty_every_table()  # audit rows too, which the database refuses to the app


@pytest.fixture
def mail(live_server):
    """The SMTP sink the live app (in its own thread) sends its e-mail to."""
    from tests.conftest import running_sink

    with running_sink(live_server.app) as sink:
        yield sink


def _route(path: str) -> str:
    """A page's route: its path with each number as <id> (/clinic/patients/<id>/summary)."""
    return re.sub(r"/\d+(?=/|$)", "/<id>", urlsplit(path).path)


class Journey:
    """One person's browser tab: goes to pages, scans each with axe, keeps screenshots.

    `scan()` runs axe on the page as it is now; `visited` collects every document the tab
    loaded, so the test's end can prove that no page went unscanned. `open()` goes to a page
    without scanning it, for a test that lays out many pages of one kind: it counts as scanned
    only if the tab scanned the same route (the path with its numbers as <id>) already.
    """

    def __init__(self, page, base_url, name, axe_source, inject_with_tag):
        self.page = page
        self.base = base_url
        self.name = name
        self.axe_source = axe_source
        self.inject_with_tag = inject_with_tag
        self.visited: set[str] = set()
        self.scanned: set[str] = set()
        self.violations: list[str] = []
        self.console_problems: list[str] = []
        self.shots = 0
        page.on("framenavigated", self._navigated)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console_problems.append(f"uncaught: {error}"))

    def _navigated(self, frame):
        if frame == self.page.main_frame and frame.url.startswith(self.base):
            self.visited.add(urlsplit(frame.url).path)

    def _console(self, message):
        words = message.text
        if "Content Security Policy" in words or "Content-Security-Policy" in words:
            self.console_problems.append(f"CSP: {words}")

    def open(self, path: str):
        """Open a page of a route this tab has scanned (see the class); returns the page."""
        assert _route(path) in {_route(p) for p in self.scanned}, f"scan a {_route(path)} page first"
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("load")
        return self.page

    def go(self, path: str, label: str | None = None):
        """Open a page of the app, then scan it."""
        self.page.goto(self.base + path)
        return self.scan(label)

    def scan(self, label: str | None = None):
        """Run axe-core on the current page and keep a screenshot of it."""
        page = self.page
        page.wait_for_load_state("load")
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            if self.inject_with_tag:
                page.add_script_tag(content=self.axe_source)
            else:  # the page's CSP forbids added scripts; evaluate() is not a page script
                page.evaluate(f"() => {{ {self.axe_source}\n;window.axe = axe; }}")
        result = page.evaluate(
            "() => axe.run(document, {resultTypes: ['violations']})"
            ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))"
        )
        path = urlsplit(page.url).path
        self.scanned.add(path)
        for violation in result:
            if violation["impact"] in SERIOUS:
                self.violations.append(
                    f"{path}: {violation['impact']} {violation['id']} ({violation['help']}) at {violation['nodes']}"
                )
        self.shot(label or path.strip("/").replace("/", "-") or "home")
        return page

    def shot(self, label: str, always: bool = False):
        """Save what the person sees now under SHOTS/<journey>/ (each step only with
        BROWSER_SCREENSHOTS set, unless `always`)."""
        self.shots += 1
        if not (EVERY_STEP or always):
            return
        folder = SHOTS / self.name
        folder.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^a-z0-9-]+", "-", label.lower()).strip("-")
        self.page.screenshot(path=str(folder / f"{self.shots:02d}-{safe}.png"), full_page=True)

    def finish(self):
        """The checks every journey ends with."""
        routes = {_route(p) for p in self.scanned}
        unscanned = sorted(p for p in self.visited if _route(p) not in routes)
        assert not unscanned, f"pages visited but never scanned with axe: {unscanned}"
        assert not self.violations, "serious accessibility problems:\n" + "\n".join(self.violations)
        assert not self.console_problems, "console:\n" + "\n".join(self.console_problems)


@pytest.fixture
def journey(browser, live, axe_source, request):
    """Open a browser tab for one person: journey("patient", phone=True, locale="es-ES")."""
    opened = []

    def open_tab(name, phone=False, locale="en-US", bypass_csp=True):
        context = browser.new_context(
            viewport=PHONE if phone else DESKTOP,
            device_scale_factor=2 if phone else 1,
            is_mobile=phone,
            has_touch=phone,
            locale=locale,
            timezone_id="America/Chicago",
            bypass_csp=bypass_csp,
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        tab = Journey(page, live.url, f"{request.node.name}-{name}", axe_source, inject_with_tag=bypass_csp)
        opened.append((context, tab))
        return tab

    yield open_tab
    try:
        failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
        for _context, tab in opened:
            if failed:  # what each person saw last, for the one reading the failure
                tab.shot("failed-here", always=True)
            tab.finish()
    finally:
        for context, _tab in opened:
            context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so `journey` knows at teardown if the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
