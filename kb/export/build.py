"""One export, start to end: the pages, the in-bundle search, the update script and the manifest, into a folder."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tempfile
from pathlib import Path

from flask import Flask

from .. import git
from ..access import levels
from ..content import load_content
from ..web.context import document_url
from ..web.exports import Edition, page_file
from . import search_index
from .bundle import write_manifest
from .site import DOCUMENT_KINDS, SiteExport

FORMAT = 1  # of manifest.json
APPLY_SCRIPT = Path(__file__).with_name("apply_update.py")


def edition_of(app: Flask, access: str, contacts: bool = False) -> Edition:
    """The edition of the content as indexed: its commit and that commit's date (today outside git),
    so exporting the same content twice gives the same bytes."""
    content = app.config["CONTENT_DIR"]
    sha = git.head(content)
    date = _commit_date(content, sha) if sha else dt.date.today().isoformat()
    return Edition(access=access, date=date, commit=sha[:7] if sha else "none", contacts=contacts)


def _commit_date(content: Path, sha: str) -> str:
    try:
        shown = subprocess.run(["git", "-C", str(content), "show", "-s", "--format=%cs", sha], capture_output=True, text=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError):
        return dt.date.today().isoformat()
    return shown.stdout.strip() or dt.date.today().isoformat()


def build(app: Flask, edition: Edition, areas: frozenset[str] | None, folder: Path, key: str = "") -> dict:
    """Write the whole bundle into ``folder`` (empty); returns its manifest."""
    export = SiteExport(app, edition, areas)
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=".kb-export-raw-") as raw:
        found = export.crawl(Path(raw))
        export.write(Path(raw), folder, found)
    write_search(app, export, folder)
    shutil.copyfile(APPLY_SCRIPT, folder / APPLY_SCRIPT.name)
    facts = {
        "format": FORMAT,
        "site": app.config["SITE_NAME"],
        "access": edition.access,
        "date": edition.date,
        "commit": edition.commit,
        "areas": sorted(areas) if areas is not None else None,
        "contacts": edition.contacts,
    }
    return write_manifest(folder, facts, key)


def write_search(app: Flask, export: SiteExport, folder: Path) -> None:
    """The search index and its scripts (``kb.export.search_index``): of the
    content files whose pages the bundle holds (the search index reads the parsed files, not the site's index)."""
    static = Path(app.static_folder or "static")
    for asset in search_index.ASSETS:
        (folder / "static" / asset).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(static / asset, folder / "static" / asset)
    with app.test_request_context():
        shown = [doc for kind in DOCUMENT_KINDS for doc in export.documents(kind)]
        urls = {(doc.type, doc.id): page_file(document_url(doc.type, doc.id)) for doc in shown}
        terms = {doc.id for doc in export.index.find(levels(export.edition.reader), type="glossary")}
    content = load_content(app.config["CONTENT_DIR"])
    documents = [doc for doc in content.documents if (doc.kind, doc.id) in urls]
    glossary = [entry for entry in content.glossary if entry.term in terms]
    search_index.write(folder, documents, glossary, lambda doc: urls[(doc.kind, doc.id)])
