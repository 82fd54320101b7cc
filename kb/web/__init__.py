"""The web layer: thin blueprints over ``kb.pages.library`` and ``kb.search``."""

from __future__ import annotations

import importlib
import time

from flask import Flask, Response, current_app, g
from werkzeug.routing import IntegerConverter

from .. import facets, kinds
from .context import document_url, end_index_look, identify_reader, look_at_index_once, results_url, site_links


def _start_timer() -> None:
    g.started = time.perf_counter()


def _server_timing(response: Response) -> Response:
    """``Server-Timing: app;dur=<ms>``: how long the app took, for browsers' dev tools and bench/.

    Only with ``KB_SERVER_TIMING``: the timings would otherwise help timing attacks."""
    if "started" in g:
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - g.started) * 1000:.2f}"
    return response


def _node_header(response: Response) -> Response:
    """``X-KB-Node: <KB_NODE_NAME>``: which of several servers behind a load balancer answered (for operators and the cluster test)."""
    response.headers["X-KB-Node"] = current_app.config["NODE_NAME"]
    return response


# Every feature's blueprint, in the order their routes are matched.
BLUEPRINTS = (
    "history", "editing", "moves", "review", "pages", "media", "search", "api", "people", "paths", "path_checks",
    "feedback", "feedback_queue", "notifications", "feeds", "exports", "sitemap", "hooks", "reports", "progress",
    "accounts", "account", "admin", "errors",
)  # fmt: skip


class DatabaseId(IntegerConverter):
    """``<int:…>`` in an address: a number no database integer column holds is no id (404), not an overflow (500)."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        super().__init__(url_map, *args, **{"max": 2**31 - 1, **kwargs})


def register(app: Flask) -> None:
    from . import accounts, caching, dates, people, printing, security  # when the app is built, as the blueprints

    app.url_map.converters["int"] = DatabaseId  # before any rule is added
    for name in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(f"{__name__}.{name}").bp)
    if app.config["SERVER_TIMING"]:
        app.before_request(_start_timer)
        app.after_request(_server_timing)
    if app.config["NODE_NAME"]:
        app.after_request(_node_header)
    app.before_request(look_at_index_once)  # one check for index changes per request (kb.index.looks)
    app.teardown_request(end_index_look)
    app.before_request(identify_reader)
    app.before_request(accounts.require_sign_in)
    caching.register(app)
    security.register(app)
    app.jinja_env.globals.update(
        document_url=document_url,
        results_url=results_url,
        site_name=app.config["SITE_NAME"],
        kinds=kinds.BY_NAME,
        facets=facets.BY_NAME,
        country_url=people.country_url,
        region_url=people.region_url,
    )
    app.jinja_env.filters["site_links"] = site_links
    dates.register(app)
    printing.register(app)
