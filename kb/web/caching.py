"""HTTP caching where it is safe.

- Static files linked with ``static_url()`` carry a fingerprint of their content (``?v=``),
  so browsers may keep them for a year; without one they are revalidated.
- Pages for anonymous readers get an ETag and ``Cache-Control: no-cache``: a browser or proxy
  revalidates and receives ``304 Not Modified`` when nothing changed.
- Anything answered to a signed-in reader, the sign-in form (its CSRF token is the session's) and
  what a view marks ``keep_private()`` (progress) is ``private, no-store`` without an ETag:
  per-user pages never enter a shared cache.

One ``after_request`` hook, ``cache_policy``, decides all of it, so no other hook's order can undo it.
"""

from __future__ import annotations

import hashlib
from http import HTTPStatus
from pathlib import Path

from flask import Flask, Response, current_app, g, request, url_for

from .context import current_reader

YEAR = 365 * 24 * 3600
PRIVATE = "private, no-store"
PRIVATE_ENDPOINTS = {"accounts.login"}  # also its errors (a refused CSRF token, 429) raised before the view


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


def keep_private() -> None:
    """This response is for one reader only (their progress): ``private, no-store``, whoever asks."""
    g.private = True


def cache_policy(response: Response) -> Response:
    """Static files by their fingerprint; per-reader answers private; the rest revalidated by ETag."""
    if request.endpoint == "static":
        if request.args.get("v"):
            response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        return response
    response.vary.add("Cookie")
    if current_reader().staff or g.get("private") or request.endpoint in PRIVATE_ENDPOINTS:
        response.headers["Cache-Control"] = PRIVATE
    elif _revalidated(response):
        response.headers["Cache-Control"] = "no-cache"
        response.add_etag()
        response.make_conditional(request)
    return response


def _revalidated(response: Response) -> bool:
    """A whole page read successfully whose view set no policy of its own: worth an ETag."""
    return (
        request.method in ("GET", "HEAD")
        and response.status_code == HTTPStatus.OK
        and not response.direct_passthrough
        and "Cache-Control" not in response.headers
    )


def register(app: Flask) -> None:
    app.after_request(cache_policy)
    app.jinja_env.globals["static_url"] = static_url
