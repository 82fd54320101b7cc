"""SC Knowledge Base: content files -> loader -> catalog -> index -> search -> views."""

from __future__ import annotations

from typing import Any

from flask import Flask

from . import config
from .config import ROOT
from .index import SearchIndex


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app. Importing or creating it never reads content or opens the index.

    A setting the app cannot use raises ``config.SettingError`` here, naming the variable.
    """
    settings = config.read(overrides)
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"), instance_path=str(settings.INSTANCE_DIR))
    settings = config.load(app, settings, overrides)
    app.extensions["kb.index"] = SearchIndex(settings.INDEX_DIR, settings.WRITER_TIMEOUT, settings.PRELOAD_POSTINGS, settings.SEARCH_TIME_LIMIT)

    from . import accounts
    from .cli import kb_cli
    from .export.cli import export_command
    from .health import searchlog
    from .web import register

    accounts.init_app(app)
    searchlog.init_app(app)
    kb_cli.add_command(export_command)  # flask kb export (kb.export sits above the web layer it renders through)
    app.cli.add_command(kb_cli)
    register(app)
    return app
