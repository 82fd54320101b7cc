"""The web layer: thin blueprints over ``kb.pages.library`` and ``kb.search``."""

from __future__ import annotations

import time

from flask import Flask, Response, g

from .. import facets, kinds
from .context import document_url, identify_reader, results_url, site_links


def _start_timer() -> None:
    g.started = time.perf_counter()


def _server_timing(response: Response) -> Response:
    """``Server-Timing: app;dur=<ms>``: how long the app took, for browsers' dev tools and bench/.

    Only with ``KB_SERVER_TIMING``: the timings would otherwise help timing attacks."""
    if "started" in g:
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - g.started) * 1000:.2f}"
    return response


def register(app: Flask) -> None:
    from . import (
        account,
        accounts,
        admin,
        api,
        caching,
        dates,
        editing,
        errors,
        feedback,
        feedback_queue,
        feeds,
        history,
        hooks,
        pages,
        paths,
        people,
        printing,
        reports,
        search,
        security,
        sitemap,
    )

    for module in (history, editing, pages, search, api, people, paths, feeds, sitemap, hooks, reports, accounts, account, admin, errors):
        app.register_blueprint(module.bp)
    for module in (feedback, feedback_queue):  # issue 21: readers' feedback and its queue
        app.register_blueprint(module.bp)
    if app.config["SERVER_TIMING"]:
        app.before_request(_start_timer)
        app.after_request(_server_timing)
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
