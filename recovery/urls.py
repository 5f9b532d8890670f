"""Absolute links: always on BASE_URL, never on the Host a request named.

A set-password link shown to staff, an e-mail's link and a FHIR reference all point where
patients and staff really reach Recovery, even when a request came in through another trusted
name (127.0.0.1, a proxy's internal name) or outside any request (the scheduler).
"""

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of `endpoint` under BASE_URL (its scheme, host, port and path)."""
    app = current_app._get_current_object()
    base = urlsplit(app.config["BASE_URL"])
    adapter = app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    app.inject_url_defaults(endpoint, values)
    return adapter.build(endpoint, values, force_external=True)
