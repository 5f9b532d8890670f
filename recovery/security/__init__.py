"""Security plumbing bound in the factory: headers, request ids, sessions and login rate limits."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Bind every security layer; runs after the blueprints so rate limits find their views."""
    from . import headers, inputs, ratelimit, request_ids, sessions

    trust_proxies(app)
    request_ids.init_app(app)
    headers.init_app(app)
    sessions.init_app(app)
    inputs.init_app(app)
    ratelimit.init_app(app)


def serves_https(config) -> bool:
    """True when the app is reached over HTTPS: `HTTPS` if set, else BASE_URL or the URL scheme say so."""
    if config.get("HTTPS") is not None:
        return bool(config["HTTPS"])
    return str(config.get("BASE_URL", "")).startswith("https://") or (
        config.get("PREFERRED_URL_SCHEME") == "https"
    )


def trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, take the client address and scheme from X-Forwarded-*."""
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
