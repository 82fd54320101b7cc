"""What a query means: the request read from a form or the API, and its rewriting with the
glossary (acronyms both ways), contact data and "who knows" questions.

Pure string work over what the index knows, shared by the site search (``kb.search``) and the
expertise directory (``kb.directory``), which never call each other's rewriting.
"""

from .request import MAX_PAGE, MAX_PER_PAGE, SORTS, SearchRequest, choice, clamp, split_filters
from .rewriting import Acronyms, Expansion, acronyms, expert_topic, glossary_matches, glossary_variants, quote_contacts

__all__ = [
    "MAX_PAGE",
    "MAX_PER_PAGE",
    "SORTS",
    "Acronyms",
    "Expansion",
    "SearchRequest",
    "acronyms",
    "choice",
    "clamp",
    "expert_topic",
    "glossary_matches",
    "glossary_variants",
    "quote_contacts",
    "split_filters",
]
