"""gunicorn settings for Recovery (read from the working directory; see README "Production layout").

Workers: WEB_CONCURRENCY (gunicorn reads it itself; default here 2 × CPU + 1, at most 8).
The app is loaded once in the master before forking (preload), so a bad DATABASE_URL or an
unreachable database stops gunicorn at once with one line instead of workers failing in a loop.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)))
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESSLOG")  # "-" for stdout; off by default
errorlog = "-"
# gunicorn itself believes no X-Forwarded-* header: the app does, from TRUSTED_PROXIES only
# (recovery/security/proxies.py), so one setting decides who may claim HTTPS or an address.
forwarded_allow_ips = ""
secure_scheme_headers = {}
# gunicorn's control socket lives at one fixed path per user: several gunicorns on one host
# (bench runs, tests, two sites) would fight over it, and Recovery does not use it.
control_socket_disable = True
