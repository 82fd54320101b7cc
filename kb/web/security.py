"""Security headers on every response: pages, API, errors and static files.

The Content-Security-Policy allows scripts, styles, fonts and images from this site only:
no inline script or style (everything lives in ``static/``), no plugins, no framing
(``KB_FRAME_ANCESTORS`` relaxes that for an intranet portal that embeds the site).
"""

from __future__ import annotations

from flask import Flask, Response, current_app

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=()"


def content_security_policy(frame_ancestors: str) -> str:
    """The policy, with ``frame-ancestors`` from the setting (``'none'`` by default)."""
    ancestors = frame_ancestors or "'none'"
    return f"default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors {ancestors}"


def security_headers(response: Response) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(current_app.config["FRAME_ANCESTORS"])
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
    return response


def register(app: Flask) -> None:
    app.after_request(security_headers)
