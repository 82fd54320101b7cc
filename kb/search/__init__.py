"""The site search: documents, people and 'who knows' questions, spelling, suggestions."""

from .service import SearchPage, search, spelling_suggestion
from .suggestions import Suggestion, suggest

__all__ = ["SearchPage", "Suggestion", "search", "spelling_suggestion", "suggest"]
