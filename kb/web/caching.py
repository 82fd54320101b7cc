"""HTTP caching where it is safe.

- Static files linked with ``static_url()`` carry a fingerprint of their content (``?v=``),
  so browsers may keep them for a year; without one they are revalidated.
- Pages for anonymous readers get an ETag and ``Cache-Control: no-cache``: a browser or proxy
  revalidates and receives ``304 Not Modified`` when nothing changed.
- Anything answered to a signed-in reader is ``private, no-store``: per-user pages never
  enter a shared cache.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, Response, current_app, request, url_for

from .context import current_reader

YEAR = 365 * 24 * 3600


def static_url(filename: str) -> str:
    """The URL of a static file with a fingerprint of its content (computed once per process)."""
    fingerprints: dict[str, str] = current_app.extensions.setdefault("kb.static_fingerprints", {})
    if filename not in fingerprints:
        path = Path(current_app.static_folder or "") / filename
        try:
            fingerprints[filename] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        except OSError:
            fingerprints[filename] = ""
    version = fingerprints[filename]
    return url_for("static", filename=filename, v=version) if version else url_for("static", filename=filename)


def cache_headers(response: Response) -> Response:
    if request.endpoint == "static":
        if request.args.get("v"):
            response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        return response
    if current_reader().staff:
        response.headers["Cache-Control"] = "private, no-store"
        return response
    if (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and not response.direct_passthrough
        and "Cache-Control" not in response.headers
    ):
        response.headers["Cache-Control"] = "no-cache"
        response.add_etag()
        response.make_conditional(request)
    return response


def register(app: Flask) -> None:
    app.after_request(cache_headers)
    app.jinja_env.globals["static_url"] = static_url
