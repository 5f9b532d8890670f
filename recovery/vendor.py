"""Third-party browser files served from installed Python packages: plotly.min.js, no CDN.

The file stays where pip put it (plotly/package_data/plotly.min.js, found with
importlib.resources); nothing is copied at start-up, so upgrading plotly upgrades the page's
script too. Pages link it with the plotly version in the query string, so a year-long cache
never serves a stale copy after an upgrade (only such a URL is cached for a year); it is sent
brotli- or gzip-compressed (1.3 MB instead of 4.8 MB) and the ETag answers revalidations with 304.
Only clinicians' pages load it: the patient's chart is server-drawn SVG (svg_chart.py).
"""

import hashlib
from functools import cache
from importlib import metadata, resources

from flask import Blueprint, abort, request

from .assets import send_asset

bp = Blueprint("vendor", __name__)


@cache
def plotly_bundle() -> tuple[bytes, str] | None:
    """plotly.min.js of the installed plotly package and its ETag (None if the file is missing).

    Read once per process (4.8 MB) rather than streamed per request: a streamed file handle
    stays open until the server closes the response, which some clients never ask for.
    """
    path = resources.files("plotly") / "package_data" / "plotly.min.js"
    if not path.is_file():
        return None
    body = path.read_bytes()
    return body, hashlib.sha256(body).hexdigest()[:32]


@bp.app_template_global()
@cache
def plotly_version() -> str:
    """The installed plotly package's version, to tell browsers when the file changed."""
    return metadata.version("plotly")


@bp.route("/static/vendor/plotly.min.js")
def plotly_js():
    """The plotly.js bundle of the installed plotly package: compressed, and cached for a year
    when the URL names the installed version (assets.send_asset)."""
    bundle = plotly_bundle()
    if bundle is None:
        abort(404)
    body, etag = bundle
    return send_asset(body, etag, "text/javascript", versioned=request.args.get("v") == plotly_version())
