"""X-Forwarded-For and X-Forwarded-Proto count only when a configured proxy sent them.

TRUSTED_PROXIES lists the reverse proxies' addresses or networks (config.check_proxies). When
the direct peer (REMOTE_ADDR) is one of them, the client's address is the right-most
X-Forwarded-For entry that is not itself a trusted proxy, and the scheme is the last
X-Forwarded-Proto value (the one the nearest proxy set). From any other peer both headers are
dropped, so a client cannot pick its own address (rate limits, audit log) or claim HTTPS.
X-Forwarded-Host, -Port and -Prefix and Forwarded are always dropped: BASE_URL says where the
app lives. (werkzeug's ProxyFix counts hops instead and cannot check who sent the headers.)
"""

import ipaddress

FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
             "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_PREFIX", "HTTP_FORWARDED")


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


class ForwardedFromTrustedProxies:
    """WSGI middleware: believe X-Forwarded-For/Proto from the `networks` only."""

    def __init__(self, app, networks: list):
        self.app = app
        self.networks = list(networks)

    def trusted(self, address) -> bool:
        return address is not None and any(address in network for network in self.networks)

    def __call__(self, environ, start_response):
        headers = {key: environ.pop(key) for key in FORWARDED if key in environ}
        peer = _address(environ.get("REMOTE_ADDR", ""))
        if self.trusted(peer):
            chain = [part.strip() for part in headers.get("HTTP_X_FORWARDED_FOR", "").split(",")]
            for entry in reversed([part for part in chain if part]):
                address = _address(entry)
                if address is None:
                    break  # garbage: stop at the last address a trusted proxy vouched for
                environ["REMOTE_ADDR"] = str(address)
                if not self.trusted(address):
                    break
            protos = [p.strip().lower() for p in headers.get("HTTP_X_FORWARDED_PROTO", "").split(",")]
            if protos[-1] in ("http", "https"):
                environ["wsgi.url_scheme"] = protos[-1]
        return self.app(environ, start_response)


def init_app(app) -> None:
    """Wrap the app; app.config["TRUSTED_PROXIES"] is the list config.check_proxies built."""
    app.wsgi_app = ForwardedFromTrustedProxies(app.wsgi_app, app.config["TRUSTED_PROXIES"])
