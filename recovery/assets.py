"""Static files for slow phones: compressed, versioned URLs and a year-long cache only for those.

- `url_for('static', filename=...)` adds `?v=<hash of the file's content>`; a changed file gets a
  new URL, so a browser that cached the old one for a year still fetches the new one.
- A static response carries `Cache-Control: public, max-age=31536000, immutable` only when its
  `v` is the file's current hash; any other request (no `v`, an old or made-up one) gets
  `no-cache`, so the browser revalidates with the ETag (304) and never keeps a stale file.
- Files are sent brotli- or gzip-compressed when the request's Accept-Encoding allows it; each
  file is compressed once per process and kept in memory (the static folder is small; plotly.js
  is the big one, 4.8 MB, 1.3 MB in brotli, 1.5 MB in gzip).
- Dynamic pages and JSON are compressed on the fly by flask-compress. Their `no-store` stays
  (security/headers.py).
"""

import gzip
import hashlib
import mimetypes
import os
from functools import lru_cache

import brotli
from flask import Flask, Response, abort, current_app, request
from flask_compress import Compress
from werkzeug.security import safe_join

ONE_YEAR = 365 * 24 * 3600
ENCODINGS = ("br", "gzip")  # in order of preference
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")

compress = Compress()


@lru_cache(maxsize=256)
def _read(path: str, mtime_ns: int) -> tuple[bytes, str]:
    with open(path, "rb") as handle:
        body = handle.read()
    return body, hashlib.sha256(body).hexdigest()[:16]


_COMPRESSED: dict[tuple[str, str], bytes] = {}  # (content hash, encoding) -> compressed bytes


def _compressed(digest: str, encoding: str, body: bytes) -> bytes:
    key = (digest, encoding)
    if key not in _COMPRESSED:
        if encoding == "br":  # quality 5: 0.5 s for plotly.js, once; 11 would take 17 s for 14% less
            _COMPRESSED[key] = brotli.compress(body, quality=5)
        else:
            _COMPRESSED[key] = gzip.compress(body, compresslevel=9, mtime=0)
    return _COMPRESSED[key]


def _static_path(filename: str) -> str | None:
    path = safe_join(current_app.static_folder, filename)
    return path if path and os.path.isfile(path) else None


def file_version(filename: str) -> str | None:
    """The hash that versions a static file's URL (None if there is no such file)."""
    path = _static_path(filename)
    if path is None:
        return None
    return _read(path, os.stat(path).st_mtime_ns)[1]


def accepted_encoding() -> str | None:
    """The best encoding of ENCODINGS the request accepts (q=0 refuses one)."""
    accepted = request.accept_encodings
    for encoding in ENCODINGS:
        if accepted[encoding] > 0:
            return encoding
    return None


def send_asset(body: bytes, digest: str, mimetype: str, versioned: bool) -> Response:
    """A file's bytes, compressed if the client allows, cached for a year only if `versioned`."""
    encoding = accepted_encoding() if mimetype.startswith(COMPRESSIBLE) and len(body) > 500 else None
    response = Response(_compressed(digest, encoding, body) if encoding else body, mimetype=mimetype)
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    response.set_etag(f"{digest}-{encoding or 'identity'}")
    if versioned:
        response.cache_control.public = True
        response.cache_control.max_age = ONE_YEAR
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True
    return response.make_conditional(request)


def static(filename: str):
    """Flask's static view, replaced: versioned, compressed, cached as the module says."""
    path = _static_path(filename)
    if path is None:
        abort(404)
    body, digest = _read(path, os.stat(path).st_mtime_ns)
    mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
    return send_asset(body, digest, mimetype, versioned=request.args.get("v") == digest)


def init_app(app: Flask) -> None:
    """Version static URLs, serve static files through `static`, compress dynamic responses."""
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 4)
    compress.init_app(app)
    app.view_functions["static"] = static

    @app.url_defaults
    def _version_static(endpoint, values):
        if endpoint == "static" and "v" not in values and "filename" in values:
            version = file_version(values["filename"])
            if version:
                values["v"] = version
