"""A patient's first visit to Today on a slow phone: bytes over the wire and time to the chart.

Chromium (Playwright, /usr/bin/chromium) emulates a phone: viewport 390x844, CPU slowed 4x
(Emulation.setCPUThrottlingRate), 9 Mbps down / 40 ms latency (Network.emulateNetworkConditions).
A signed-in patient with three check-ins opens /patient/ with an empty cache. Measured:

- transfer: the sum of encodedDataLength over every response of that visit (compressed bytes);
- chart: ms from navigation start to the chart's SVG being in the page (a MutationObserver added
  before the page's own code: the server-drawn svg.pain-chart, or the svg plotly draws).

    python -m bench.phone_today [--repo /work/main] [--runs 3]

--repo runs the server from another checkout (e.g. main, read-only) to measure "before".
Prints one table row per run and the median, in bench/RESULTS.md's format.
"""

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

from tests.conftest import TEST_PASSWORD

HERE = os.path.dirname(os.path.abspath(__file__))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CHART = "svg.pain-chart, [data-chart] svg.main-svg"
WATCH = """(() => {
  const seen = () => document.querySelector(CHART);
  const mark = () => { if (!window.__chartAt && seen()) window.__chartAt = performance.now(); };
  new MutationObserver(mark).observe(document, {childList: true, subtree: true});
})();""".replace("CHART", json.dumps(CHART))


def serve(port: int) -> None:
    """The app of the checkout in the current directory, one patient with three check-ins."""
    sys.path.insert(0, os.getcwd())
    from datetime import timedelta

    from werkzeug.serving import make_server

    from bench.support import bench_app
    from recovery.extensions import db
    from recovery.models import utcnow
    from recovery.services.checkins import save_checkin
    from tests.browser.world import enrol, make_user
    from tests.conftest import _TEST_HASH

    folder = tempfile.mkdtemp(prefix="recovery-phone-")
    app = bench_app(f"sqlite:///{folder}/phone.db", RATELIMIT_ENABLED=False)
    now = utcnow()
    with app.app_context():
        staff = make_user("staff", "desk@clinic.example", "Dana Desk")
        patient = enrol(staff, performed_at=now - timedelta(days=4))
        patient.user.password_hash = _TEST_HASH
        answers = {"worst_pain": 8, "walking_level": 1, "minutes_upright": 10, "medication": "otc",
                   "sleep_disturbed": "no", "flag_neuro": "no", "flag_chest": "no", "flag_infection": "no",
                   "flag_calf": "no"}
        for days_ago, pain in ((3, 7), (2, 6), (1, 4)):
            save_checkin(patient, {**answers, "pain_now": pain}, now - timedelta(days=days_ago))
        db.session.commit()
    make_server("127.0.0.1", port, app, threaded=True).serve_forever()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(repo: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": repo, "PYTHONDONTWRITEBYTECODE": "1",
           "RECOVERY_INSTANCE_PATH": tempfile.mkdtemp(prefix="recovery-phone-instance-")}
    process = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--serve", str(port)], cwd=repo,
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(url + "/login", timeout=1)
            return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")


def one_visit(browser, url: str, cookies) -> tuple[int, float]:
    """(bytes transferred, ms to the chart SVG) of one cold-cache visit to Today."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    context.add_cookies(cookies)
    page = context.new_page()
    page.add_init_script(WATCH)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})  # a first visit: nothing cached
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 40, "downloadThroughput": 9_000_000 / 8,
        "uploadThroughput": 9_000_000 / 8})
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    sizes = {}
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    page.goto(url + "/patient/", wait_until="load", timeout=120_000)
    page.wait_for_function("() => window.__chartAt !== undefined", timeout=120_000)
    page.wait_for_load_state("networkidle", timeout=120_000)
    chart = page.evaluate("() => window.__chartAt")
    context.close()
    return sum(sizes.values()), chart


def measure(repo: str, runs: int) -> list[tuple[int, float]]:
    from playwright.sync_api import sync_playwright

    process, url = start_server(repo)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            login = browser.new_context()
            page = login.new_page()
            page.goto(url + "/login")
            page.get_by_label(re.compile("E-mail")).fill("rosa@example.org")
            page.get_by_label(re.compile("^Password")).fill(TEST_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(url + "/patient/")
            cookies = login.cookies()
            login.close()
            results = [one_visit(browser, url, cookies) for _ in range(runs)]
            browser.close()
        return results
    finally:
        process.terminate()
        process.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", default=os.path.dirname(HERE), help="checkout whose server to measure")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    load_before = os.getloadavg()
    results = measure(os.path.abspath(args.repo), args.runs)
    load_after = os.getloadavg()
    for n, (size, chart) in enumerate(results, 1):
        print(f"run {n}: {size / 1024:.0f} KB, chart in the page at {chart:.0f} ms")
    size = statistics.median(r[0] for r in results)
    chart = statistics.median(r[1] for r in results)
    ok = size < 300 * 1024 and chart < 1500
    print(f"| sqlite | phone first visit to Today ({args.repo}), median of {args.runs} | "
          f"{size / 1024:.0f} KB, chart at {chart / 1000:.2f} s | < 300 KB, < 1.5 s | {'yes' if ok else 'NO'} |")
    print(f"load average before {tuple(round(x, 1) for x in load_before)}, "
          f"after {tuple(round(x, 1) for x in load_after)}")


if __name__ == "__main__":
    main()
