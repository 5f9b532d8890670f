"""Security plumbing bound in the factory: trusted hosts and proxies, headers, request ids,
sessions and login rate limits."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Bind every security layer; runs after the blueprints so rate limits find their views."""
    from . import headers, hosts, inputs, proxies, ratelimit, request_ids, sessions

    hosts.init_app(app)
    proxies.init_app(app)  # outermost: the client's address and scheme before anything reads them
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

