"""The registry of facets: the fields search results can be filtered and counted by.

The index makes one keyword field per facet, search accepts each as a filter (form
parameter and ``name:value`` in the query text), the API reports their counts and the
templates label them from here. Identifiers (types, area ids) are kept as written and tags
lower-cased; every other value is folded (``fold``: accents removed, case folded, punctuation
to spaces) on the way in and in filters alike, so ``language=maori`` finds "Māori".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .kinds import KINDS

ALL_KINDS = tuple(kind.name for kind in KINDS)


_NON_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """``"Côte d'Ivoire"`` -> ``"cote d ivoire"``: the key facet values are indexed and filtered by."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", plain.casefold()).split())


def fold_all(values: Iterable[str]) -> tuple[str, ...]:
    """Folded values, each once, in their first order, empty ones left out."""
    return tuple(dict.fromkeys(f for f in map(fold, values) if f))


def identifier(value: str) -> str:
    return value.strip()


def lower(value: str) -> str:
    return value.strip().casefold()


@dataclass(frozen=True)
class Facet:
    name: str  # query parameter and API key
    field: str  # index field
    label: str  # heading on the page
    kinds: tuple[str, ...]  # document kinds that carry it
    normal: Callable[[str], str] = fold  # how values are indexed and filters compared


FACETS: tuple[Facet, ...] = (
    Facet("type", "type", "Type", ALL_KINDS, identifier),
    Facet("area", "areas", "Functional area", ("article", "person", "area"), identifier),
    Facet("tag", "tags", "Tag", ("article",), lower),
    Facet("region", "regions", "Combatant command", ("article", "person")),
    Facet("country", "countries", "Country", ("article", "person")),
    Facet("language", "languages", "Language", ("person",)),
    Facet("organization", "organization", "Organization", ("person",)),
    Facet("certification", "certification", "Certification", ("person",)),
    Facet("expertise", "expertise", "Expertise", ("person",)),
)
BY_NAME: dict[str, Facet] = {facet.name: facet for facet in FACETS}
BY_FIELD: dict[str, Facet] = {facet.field: facet for facet in FACETS}
ALIASES = {"kind": "type"}  # other names accepted in the query text
SEARCH_FACETS = ("type", "area")  # counted on the search results page
DIRECTORY_FACETS = ("area", "region", "country", "language", "organization", "certification")
