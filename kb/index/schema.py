"""What the index holds: the record the sync step hands in, its Whoosh fields, and the
stored document that lookups hand back.

Facet fields come from the facet registry (``kb.facets``), one keyword field each, with
folded values; comma-joined stored values are split back into tuples here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from whoosh import formats
from whoosh.analysis import STOP_WORDS, CharsetFilter, LowercaseFilter, NgramFilter, RegexTokenizer, StandardAnalyzer, StemFilter, StopFilter
from whoosh.analysis.tokenizers import default_pattern
from whoosh.fields import DATETIME, ID, KEYWORD, NGRAMWORDS, NUMERIC, STORED, TEXT, Schema
from whoosh.lang import stemmer_for_language
from whoosh.support.charset import accent_map

from .. import kinds
from ..content.model import ACCESS_LEVELS
from ..facets import BY_FIELD, FACETS

# Text fields searched by every query, with their BM25F weights.
FIELD_BOOSTS = {"title": 4.0, "aliases": 4.0, "summary": 2.0, "keywords": 2.0, "body": 1.0}
SUGGEST_MAX = 15  # longest prefix indexed for search-as-you-type
FACET_FIELDS = tuple(f.field for f in FACETS if f.field != "type")
_LIST_FIELDS = (*FACET_FIELDS, "experts", "links", "moved_from")
_WORD = default_pattern  # the tokenizer's words ("sources.yml" is one): the spelling dictionaries hold what a search finds
STEMMED_WORDS = 200_000  # distinct words whose stems are kept (about 30 MB at most)
_snowball_english = stemmer_for_language("en")


@functools.lru_cache(maxsize=STEMMED_WORDS)
def english_stem(word: str) -> str:
    """Snowball English, cached: a corpus repeats few words, and Whoosh's own cache is slow Python."""
    return _snowball_english(word)


def english_analyzer():
    """Whoosh's ``LanguageAnalyzer("en")`` with accents folded (``Koné`` is indexed and found as
    ``kone``, and ``kone`` finds it) and the faster stem cache."""
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map) | StopFilter(lang="en") | StemFilter(stemfn=english_stem, cachesize=None)


# What the offline bundle's search (``kb.export.search_index``) ships so a browser analyses a query
# as ``english_analyzer`` does: its stop words, and its tokenizer's words.
ENGLISH_STOP_WORDS = next(f.stops for f in english_analyzer().items if isinstance(f, StopFilter))


def words_of(text: str) -> list[str]:
    """The tokenizer's words of ``text``, as written."""
    return [m.group() for m in _WORD.finditer(text)]


def suggest_field() -> NGRAMWORDS:
    """Search-as-you-type prefixes of title and alias words, accents folded as the analyzer
    does: ``chloe`` completes "Chloé Koné" as the search finds it."""
    field = NGRAMWORDS(minsize=1, maxsize=SUGGEST_MAX, at="start")
    field.analyzer = RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map) | NgramFilter(1, SUGGEST_MAX, at="start")
    return field


def spelling_word(word: str) -> str:
    """A word as the spelling dictionaries hold it: lower case, accents folded as the analyzer does."""
    return word.casefold().translate(accent_map)


class WordSet(TEXT):
    """The distinct words of a document, already split: one bare posting per word (no
    frequency or positions), for "did you mean". Queries analyse it as ``TEXT`` does. It keeps
    ``TEXT``'s length column: without one, Whoosh looks for the file once per posting.

    ``index_fields`` applies ``StandardAnalyzer``'s rules (lower case, no stop words, two
    letters or more), so the terms are those a ``TEXT`` field would hold.
    """

    def __init__(self) -> None:
        super().__init__(analyzer=StandardAnalyzer())
        self.format = formats.Existence()

    def index(self, value, **kwargs):
        for word in value.split():
            yield word.encode(), 1, 1.0, b""


@dataclass(frozen=True)
class Record:
    """One searchable document, as the sync step hands it to the index."""

    key: str
    type: str
    id: str
    title: str
    access: str = "public"
    summary: str = ""
    aliases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    body: str = ""
    facets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # facet name -> values
    experts: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    moved_from: tuple[str, ...] = ()  # an article's earlier slugs (``redirect_from``)
    order: int = 100
    updated: dt.datetime | None = None
    digest: str = ""
    page: Any = None  # the kind's page data (``kb.pagedata``), stored as it is


@dataclass(frozen=True)
class Doc:
    """A stored document as lookups return it."""

    key: str
    type: str
    id: str
    title: str
    summary: str
    access: str
    values: Mapping[str, tuple[str, ...]]  # index field -> folded values (areas, tags, experts, ...)
    order: int
    updated: dt.datetime | None
    page: Any

    @property
    def areas(self) -> tuple[str, ...]:
        return self.values.get("areas", ())

    @property
    def tags(self) -> tuple[str, ...]:
        return self.values.get("tags", ())

    @property
    def experts(self) -> tuple[str, ...]:
        return self.values.get("experts", ())


def build_schema() -> Schema:
    english = english_analyzer()
    lists = {name: KEYWORD(commas=True, stored=True) for name in _LIST_FIELDS}
    return Schema(
        key=ID(unique=True, stored=True),
        type=ID(stored=True),
        id=ID(stored=True),
        access=ID(stored=True),
        title=TEXT(analyzer=english, stored=True),
        aliases=TEXT(analyzer=english),
        summary=TEXT(analyzer=english, stored=True),
        keywords=TEXT(analyzer=english),
        body=TEXT(analyzer=english, stored=True),
        **{spell_field(level): WordSet() for level in ACCESS_LEVELS},
        title_ac=suggest_field(),
        sort_title=ID(sortable=True),
        order=NUMERIC(sortable=True, stored=True),
        updated=DATETIME(sortable=True, stored=True),
        page=STORED,
        **lists,
    )


def spell_field(access: str) -> str:
    """The spelling dictionary of one access level: "did you mean" offers a reader only the
    words of documents it may see (a document of an unknown level counts as staff-only)."""
    return f"spell_{access if access in ACCESS_LEVELS else 'staff'}"


def facet_value(field_name: str, value: str) -> str:
    """How a value of ``field_name`` is indexed and looked up (the facet's rule; ids as they are)."""
    facet = BY_FIELD.get(field_name)
    return facet.normal(value).replace(",", " ") if facet else value


def _joined(field_name: str, values) -> str:
    return ",".join(dict.fromkeys(v for v in (facet_value(field_name, str(x)) for x in values) if v))


def index_fields(record: Record) -> dict[str, Any]:
    """The Whoosh fields of one record."""
    # the spelling dictionary needs each word once, not every occurrence
    text = " ".join([record.title, *record.aliases, record.summary, *record.keywords, record.body])
    words = {m.group() for m in _WORD.finditer(spelling_word(text)) if len(m.group()) > 1} - STOP_WORDS
    fields: dict[str, Any] = {
        "key": record.key,
        "type": record.type,
        "id": record.id,
        "access": record.access,
        "title": record.title,
        "aliases": "\n".join(record.aliases),
        "summary": record.summary,
        "keywords": "\n".join(record.keywords),
        "body": record.body,
        "experts": _joined("experts", record.experts),
        "links": _joined("links", record.links),
        "moved_from": _joined("moved_from", record.moved_from),
        spell_field(record.access): " ".join(words),
        "title_ac": " ".join([record.title, *record.aliases]),
        "sort_title": record.title.casefold(),
        "order": record.order,
        "page": record.page,
    }
    for facet in FACETS:  # only the kinds a facet applies to carry it, so its counts mean one thing
        if facet.field != "type" and record.type in facet.kinds and record.facets.get(facet.name):
            fields[facet.field] = _joined(facet.field, record.facets[facet.name])
    if record.updated is not None:
        fields["updated"] = record.updated
    boost = kinds.BY_NAME[record.type].boost
    if boost != 1.0:
        fields["_boost"] = boost
    return fields


def term_text(term: bytes | str) -> str:
    """A lexicon term as text (Whoosh gives bytes for some fields, str for others)."""
    return term.decode("utf-8") if isinstance(term, bytes) else term


def split(value: str | None) -> tuple[str, ...]:
    """A comma-joined stored value as a tuple (the one place that splits them)."""
    return tuple(v for v in (value or "").split(",") if v)


def stored_doc(stored: Mapping[str, Any]) -> Doc:
    return Doc(
        key=stored["key"],
        type=stored["type"],
        id=stored["id"],
        title=stored["title"],
        summary=stored.get("summary", ""),
        access=stored.get("access", "public"),
        values={name: split(stored.get(name)) for name in _LIST_FIELDS},
        order=stored.get("order", 100),
        updated=stored.get("updated"),
        page=stored.get("page"),
    )
