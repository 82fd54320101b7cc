"""Offline bundles on the site: the edition a page is exported in, and the /exports downloads.

``kb export`` renders the real pages through the app with an ``Edition`` in the request's
WSGI environ (no HTTP client can set a non-``HTTP_`` key): the reader is the edition's, and
templates see ``export`` (the edition) and ``root`` (the way from the page to the bundle's root).
Downloads are built by ``flask kb export`` in a process of its own and kept per content commit.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, has_request_context, render_template, request, send_file

from .. import git
from ..access import Reader
from .accounts import signed_in_required
from .caching import PRIVATE
from .context import current_reader, start_kb_command

bp = Blueprint("exports", __name__)

EDITION_KEY = "kb.export.edition"
ACCESS_LEVELS = ("public", "staff")
_SAFE_NAME = re.compile(r"[^0-9A-Za-z_.-]")


@dataclass(frozen=True)
class Edition:
    """What a bundle is a copy of, and for whom: shown on every page ("Copy of … as of …")."""

    access: str  # "public" or "staff"
    date: str  # the content commit's date (ISO), so the same content exports the same bytes
    commit: str  # the content commit's short sha, or "none" outside a git repository
    contacts: bool = False  # a staff bundle with people's email, phone and location

    @property
    def reader(self) -> Reader:
        """Anonymous for a public bundle; a staff reader (with or without contact data) for a staff one."""
        if self.access == "staff":
            return Reader(name="kb export", staff=True, role="reader", hide_contacts=not self.contacts)
        return Reader()


def page_file(path: str) -> str:
    """The bundle file of a site path: ``/`` is ``index.html``, ``/areas/fms`` ``areas/fms.html``,
    ``/static/css/kb.css`` itself."""
    path = path.strip("/")
    if not path:
        return "index.html"
    if path.startswith(("static/", "media/")):
        return path
    return path + ".html"


def root_of(bundle_file: str) -> str:
    """The relative way from a bundle file to the bundle's root: ``""``, ``"../"``, ``"../../"``."""
    return "../" * bundle_file.count("/")


def relative_link(bundle_file: str, target: str) -> str:
    """``target`` (a bundle file) as a link from ``bundle_file``: ``../static/css/kb.css``."""
    return posixpath.relpath(target, posixpath.dirname(bundle_file) or ".")


def exporting() -> Edition | None:
    """The edition this request renders for, or None on the live site."""
    return request.environ.get(EDITION_KEY) if has_request_context() else None


@bp.app_context_processor
def export_context() -> dict:
    """``export`` (the edition, None on the site) and, when exporting, ``root``."""
    edition = exporting()
    if edition is None:
        return {"export": None}
    return {"export": edition, "root": root_of(page_file(request.path))}


def allowed_levels(reader: Reader) -> tuple[str, ...]:
    """The bundles this reader may download: staff readers the staff one, editors the public one too."""
    return tuple(level for level in ACCESS_LEVELS if (level == "public" and reader.has_role("editor")) or (level == "staff" and reader.staff))


def bundle_path(access: str) -> Path:
    """The cached bundle of the current content commit (``instance/exports/<commit>-<access>.zip``)."""
    commit = git.head(current_app.config["CONTENT_DIR"]) or "none"
    return Path(current_app.instance_path) / "exports" / f"{_SAFE_NAME.sub('', commit)}-{access}.zip"


def _start_build(target: Path, access: str) -> None:
    """``flask kb export`` in the background, once per bundle at a time in this worker."""
    builds = current_app.extensions.setdefault("kb.exports", {})
    running = builds.get(target)
    if running is not None and running.poll() is None:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    builds[target] = start_kb_command(current_app._get_current_object(), "export", "--access", access, "--out", str(target))  # type: ignore[attr-defined]


@bp.get("/exports")
@signed_in_required
def exports():
    levels = allowed_levels(current_reader())
    ready = {level: bundle_path(level).exists() for level in levels}
    response = Response(render_template("exports.html", levels=levels, ready=ready))
    response.headers["Cache-Control"] = PRIVATE
    return response


@bp.get("/exports/<access>.zip")
@signed_in_required
def download(access: str):
    """The bundle when it is built for this content commit; else start building it and say so (202)."""
    if access not in allowed_levels(current_reader()):
        abort(404)
    target = bundle_path(access)
    if target.exists():
        response = send_file(target, mimetype="application/zip", as_attachment=True, download_name=f"kb-{access}-{target.stem.split('-')[0][:7]}.zip")
    else:
        _start_build(target, access)
        response = Response(render_template("exports.html", levels=(access,), ready={access: False}, building=True), status=202)
        response.headers["Retry-After"] = "30"
    response.headers["Cache-Control"] = PRIVATE
    return response
