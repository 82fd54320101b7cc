"""``/media/<name>``: the content folder's images and attachments, as the articles that use them allow.

A file a public document uses is anyone's and kept long by browsers and proxies; a file only
staff-only documents use, or none, is for staff readers only (``private``) and 404 for anyone
else, the answer a missing file gets. Which documents use which file is an index table
(``kb.media.usage_rows``), read once per index generation. The type is sniffed from the bytes
and must be one of ``KB_MEDIA_TYPES``; anything else (an HTML page named ``.png``, an SVG) is 404.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request

from ..media import MEDIA_TABLE, TYPES, clean_name, open_media, sniff
from .caching import keep_private
from .context import current_index, current_reader

bp = Blueprint("media", __name__)

PUBLIC_MAX_AGE = 30 * 24 * 3600  # a changed file should get a new name; a month bounds a stale copy


def media_access() -> dict[str, bool]:
    """File name -> whether a public document uses it (once per index generation)."""
    index = current_index()
    return index.per_generation(MEDIA_TABLE, lambda: {row["file"]: bool(row["public"]) for row in index.table(MEDIA_TABLE)})


@bp.get("/media/<path:name>")
def media(name: str):
    name = clean_name(name)
    if name is None:
        abort(404)
    public = media_access().get(name, False)
    if not public and not current_reader().staff:
        abort(404)
    data = _read(name)
    kind = sniff(data[:16])
    if kind not in current_app.config["MEDIA_TYPES"]:
        abort(404)
    response = Response(data, mimetype=TYPES[kind])
    if kind == "pdf":  # downloaded, not shown in the site's origin (the CSP would block the viewer anyway)
        response.headers.set("Content-Disposition", "attachment", filename=name.rsplit("/", 1)[-1])
    if public:
        response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
        response.add_etag()
        response.make_conditional(request)
    else:
        keep_private()
    return response


def _read(name: str) -> bytes:
    """The file's bytes; 404 when it is missing, reached through a symlink, or over ``KB_MEDIA_MAX_BYTES``."""
    path = open_media(current_app.config["CONTENT_DIR"], name)
    limit = current_app.config["MEDIA_MAX_BYTES"]
    try:
        if path is None or path.stat().st_size > limit:
            abort(404)
        return path.read_bytes()
    except OSError:
        abort(404)
