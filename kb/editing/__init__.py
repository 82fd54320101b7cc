"""Editing in the browser: the form's fields in and out of frontmatter, merging, checks, and the save as a git commit.

Above ``repository`` in the layers (a save updates the index as ``kb sync`` does) and below
``web`` (``kb/web/editing.py`` is its thin blueprint).
"""

from .checks import Evaluation, Limits, evaluate
from .frontmatter import FIELDS, compose, form_values
from .service import Edit, Outcome, Workspace, current, editing_off_reason, publish, save, starting_text
from .slugs import SlugError, article_path, article_template, check_slug, slug_from_title

__all__ = [
    "FIELDS",
    "Edit",
    "Evaluation",
    "Limits",
    "Outcome",
    "SlugError",
    "Workspace",
    "article_path",
    "article_template",
    "check_slug",
    "compose",
    "current",
    "editing_off_reason",
    "evaluate",
    "form_values",
    "publish",
    "save",
    "slug_from_title",
    "starting_text",
]
