"""The registry of facets: the fields search results can be filtered and counted by.

The index makes one keyword field per facet, search accepts each as a filter (form
parameter and ``name:value`` in the query text), the API reports their counts and the
templates label them from here. Values are folded (case and accents) on the way in, so
``language=maori`` finds "Māori".
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

ALL_KINDS = ("article", "person", "area", "path", "glossary")


@dataclass(frozen=True)
class Facet:
    name: str                # query parameter and API key
    field: str               # index field
    label: str               # heading on the page
    kinds: tuple[str, ...]   # document kinds that carry it


FACETS: tuple[Facet, ...] = (
    Facet("type", "type", "Type", ALL_KINDS),
    Facet("area", "areas", "Functional area", ("article", "person", "area")),
    Facet("tag", "tags", "Tag", ("article",)),
    Facet("region", "regions", "Combatant command", ("article", "person")),
    Facet("country", "countries", "Country", ("article", "person")),
    Facet("language", "languages", "Language", ("person",)),
    Facet("organization", "organization", "Organization", ("person",)),
    Facet("certification", "certification", "Certification", ("person",)),
    Facet("expertise", "expertise", "Expertise", ("person",)),
)
BY_NAME: dict[str, Facet] = {facet.name: facet for facet in FACETS}
ALIASES = {"kind": "type"}  # other names accepted in the query text
SEARCH_FACETS = ("type", "area")  # counted on the search results page


def fold(value: str) -> str:
    """The comparable form of a facet value: no accents, case-folded, single spaces."""
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())
