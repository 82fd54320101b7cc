"""The web layer: thin blueprints over ``kb.pages`` and ``kb.search``."""
from __future__ import annotations

import time

from flask import Flask, Response, g

from .context import document_url, identify_reader


def _start_timer() -> None:
    g.started = time.perf_counter()


def _server_timing(response: Response) -> Response:
    """``Server-Timing: app;dur=<ms>``: how long the app took, for browsers' dev tools and bench/."""
    if "started" in g:
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - g.started) * 1000:.2f}"
    return response


def register(app: Flask) -> None:
    from . import api, errors, feeds, history, hooks, pages, reports, search

    for module in (history, pages, search, api, feeds, hooks, reports, errors):
        app.register_blueprint(module.bp)
    app.before_request(_start_timer)
    app.before_request(identify_reader)
    app.after_request(_server_timing)
    app.jinja_env.globals.update(document_url=document_url, site_name=app.config["SITE_NAME"])
