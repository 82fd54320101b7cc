"""The site search: documents, people and 'who knows' questions, spelling, suggestions."""

from .service import SearchPage, search, spelling_suggestion, suggest

__all__ = ["SearchPage", "search", "spelling_suggestion", "suggest"]
