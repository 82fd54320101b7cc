"""The expertise directory: find the person who knows, by skill, place and language.

``service`` ranks people by evidence (the formula is in its docstring), ``analysis`` reads
a query's places, languages and skills, ``model`` holds the requests and answers.
"""

from .analysis import analyse, concept_score, glossary_maps, stems
from .model import FACET_LIMIT, FACETS, DirectoryRequest, PersonHit, country_slug
from .search_results import people_results
from .service import Directory

__all__ = [
    "FACETS",
    "FACET_LIMIT",
    "Directory",
    "DirectoryRequest",
    "PersonHit",
    "analyse",
    "concept_score",
    "country_slug",
    "glossary_maps",
    "people_results",
    "stems",
]
