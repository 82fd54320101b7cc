"""SC Knowledge Base: content files -> loader -> catalog -> index -> search -> views."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from . import config
from .index import SearchIndex

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app. Importing or creating it never reads content or opens the index."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    config.load(app, overrides)
    app.extensions["kb.index"] = SearchIndex(app.config["INDEX_DIR"], float(app.config["WRITER_TIMEOUT"]))

    from .cli import kb_cli
    from .web import register

    app.cli.add_command(kb_cli)
    register(app)
    return app
