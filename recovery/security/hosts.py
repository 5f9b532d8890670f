"""Only the Host names in TRUSTED_HOSTS (and BASE_URL's) are served; any other answers 400.

The check runs in front of the whole app, so nothing (no page, no redirect, no session) is
built for a request that names a host we do not serve. Flask's own TRUSTED_HOSTS check is set
too, for anything that reads request.host later. Links never use the Host anyway
(recovery/urls.py): this keeps a forged Host out of redirects and logs.
"""

from werkzeug.exceptions import SecurityError
from werkzeug.wrappers import Response
from werkzeug.wsgi import get_host


class TrustedHostsOnly:
    """WSGI middleware: 400 for a request whose Host is not one of `hosts`."""

    def __init__(self, app, hosts: list[str]):
        self.app = app
        self.hosts = list(hosts)

    def __call__(self, environ, start_response):
        try:
            get_host(environ, self.hosts)
        except SecurityError:
            response = Response("Bad Request: this server does not answer for that host name.\n",
                                status=400, mimetype="text/plain",
                                headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})
            return response(environ, start_response)
        return self.app(environ, start_response)


def init_app(app) -> None:
    """Wrap the app; app.config["TRUSTED_HOSTS"] is the list config.check_hosts built."""
    app.wsgi_app = TrustedHostsOnly(app.wsgi_app, app.config["TRUSTED_HOSTS"])
