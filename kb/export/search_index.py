"""The bundle's search: a prebuilt MiniSearch index of the documents one access level may see,
written as a script (``search/index.js``) because a page opened from ``file://`` cannot fetch JSON.

Terms are analysed here by the server's own analyzer (``kb.index.schema.english_analyzer``: lower
case, accents folded, stop words out, Snowball English stems), so the browser only analyses the
query, with the same Snowball stemmer and the stop words and accent folds this index ships.
Phrases are found through the pairs of consecutive words each document holds (``search/phrases.js``),
as Whoosh's word positions would find them. Only the documents handed in are read: what an access
level may not see is never in the file.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .. import kinds
from ..access import CONTACT_FIELDS
from ..catalog import Catalog
from ..contacts import redact
from ..content import Content, Document, GlossaryEntry
from ..index.schema import ENGLISH_STOP_WORDS, FIELD_BOOSTS, english_analyzer, english_stem, spelling_word, words_of
from ..pagedata import role
from ..pages.library import glossary_anchor
from ..queries.rewriting import _COMMON_WORDS, MIN_EXPANSION, MIN_LOOSE_TERM
from ..render import STAFF_LINK_TEXT, Renderer

# Paths under static/ that the bundle copies into its own static/ (search.html links them, in this order).
ASSETS = ["vendor/minisearch/minisearch.js", "vendor/snowball-stemmers/snowball-stemmers.js", "js/offline-search.js"]
INDEX_FILE = "search/index.js"
GLOSSARY_PAGE = "glossary.html"  # the bundle's glossary page; a term is at its anchor there (``glossary_anchor``)
GLOBAL = "KB_SEARCH_INDEX"  # the global the script assigns (offline-search.js reads it)
# The phrase pairs, about half the index, apart: loaded only for the first search with a phrase
# (quoted, or an acronym's expansion), so a search without one starts sooner.
PHRASES_FILE = "search/phrases.js"
PHRASES_GLOBAL = "KB_SEARCH_PHRASES"
FORMAT = 1
FIELDS = tuple(FIELD_BOOSTS)  # title, aliases, summary, keywords, body
EXCERPT_CHARS = 1500  # body text kept for snippets; the whole body is searched
SUMMARY_CHARS = 300
ANALYZER = english_analyzer()


@dataclass(frozen=True)
class Entry:
    """One searchable page: its text by field, where it is, and its facets."""

    id: str  # "article:fms/loa"
    kind: str
    title: str
    url: str
    areas: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    summary: str = ""
    keywords: tuple[str, ...] = ()
    body: str = ""

    def texts(self) -> dict[str, str]:
        """Each searched field's text (lists one item a line, so no phrase spans two)."""
        return {
            "title": self.title,
            "aliases": "\n".join(self.aliases),
            "summary": self.summary,
            "keywords": "\n".join(self.keywords),
            "body": self.body,
        }

    def stored(self) -> dict:
        """What a result shows: title, address, kind, areas, summary and the start of the body."""
        return {
            "t": self.title,
            "u": self.url,
            "k": self.kind,
            "a": list(self.areas),
            "s": self.summary[:SUMMARY_CHARS],
            "x": self.body[:EXCERPT_CHARS],
        }


def script(name: str, data: dict) -> str:
    """``window.NAME = JSON.parse('...');``: browsers parse JSON text faster than the same object
    written as a script."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    quoted = text.replace("\\", "\\\\").replace("'", "\\'").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"window.{name} = JSON.parse('{quoted}');\n"


class Bundled(Catalog):
    """The catalog of the documents one access level may see, rendering as the site renders for
    that level: a slug in an article folder that is none of them is a hidden article, so a
    public page's links to it say "a staff-only article" and its text's mentions are masked."""

    @cached_property
    def _folders(self) -> set[str]:
        return {doc.id.split("/", 1)[0] for doc in self.content.documents if doc.kind == "article" and "/" in doc.id}

    def _title(self, slug: str) -> str | None:
        title = self.article_title(slug)
        return STAFF_LINK_TEXT if title is None and slug.split("/", 1)[0] in self._folders else title

    def _hidden(self, slug: str) -> bool:
        doc = self.article(slug)
        return doc is None or not doc.public

    @cached_property
    def _renderer(self) -> Renderer:
        return Renderer(self._title, self.glossary_expansions, self._hidden)


def write(folder: Path, documents: Iterable[Document], glossary: Iterable[GlossaryEntry], page_url: Callable[[Document], str]) -> Path:
    """Write ``search/index.js`` (and ``search/phrases.js`` beside it) under ``folder``, of the
    documents and glossary entries the bundle's access level may see, and return the index's path."""
    documents, glossary = tuple(documents), tuple(glossary)
    catalog = Bundled(Content(documents, glossary, "", ()))
    found = [document_entry(doc, catalog, page_url) for doc in documents]
    found += glossary_entries(glossary, GLOSSARY_PAGE)
    path = Path(folder) / INDEX_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    analysed = [field_terms(entry) for entry in found]
    path.write_text(script(GLOBAL, index_data(found, [terms for terms, _ in analysed], glossary, documents)), encoding="utf-8")
    phrases = script(PHRASES_GLOBAL, phrase_pairs([pairs for _, pairs in analysed]))
    (Path(folder) / PHRASES_FILE).write_text(phrases, encoding="utf-8")
    return path


def document_entry(doc: Document, catalog: Catalog, page_url: Callable[[Document], str]) -> Entry:
    """An area, article, person or path as the index holds it."""
    common = {"id": f"{doc.kind}:{doc.id}", "kind": doc.kind, "title": doc.title, "url": page_url(doc), "body": catalog.render(doc).text}
    if doc.kind == "article":
        tags = tuple(t.replace("-", " ") for t in doc.get("tags", ()))
        return Entry(
            **common, areas=tuple(catalog.areas_of(doc)), aliases=tuple(doc.get("aliases", ())), summary=doc.get("summary", ""), keywords=tags
        )
    if doc.kind == "person":
        return person_entry(doc, common)
    if doc.kind == "path":
        notes = " ".join(s.note for s in doc.get("steps", ()) if catalog.article(s.article))  # a hidden article's step: its note stays out
        return Entry(**{**common, "body": f"{common['body']} {notes}".strip()}, summary=doc.get("summary", ""))
    return Entry(**common, areas=(doc.id,), summary=doc.get("summary", ""))


def person_entry(doc: Document, common: dict) -> Entry:
    """A person without contact data: none of the contact fields, and none in the text."""
    own = [doc.get(key) for key in CONTACT_FIELDS if doc.get(key)]
    languages = tuple(item["name"] for item in doc.get("languages", ()))
    keywords = (*doc.get("expertise", ()), *doc.get("regions", ()), *doc.get("countries", ()), *languages, doc.get("certification", ""))
    return Entry(
        **{**common, "title": redact(doc.title, own), "body": redact(common["body"], own)},
        areas=tuple(doc.get("areas", ())),
        summary=redact(role(doc.get("title", ""), doc.get("organization", "")), own),
        keywords=tuple(redact(k, own) for k in keywords if k),
    )


def glossary_entries(glossary: tuple[GlossaryEntry, ...], page: str) -> list[Entry]:
    """One entry per term, its expansions as aliases and its definitions as its text."""
    by_term: dict[str, list[GlossaryEntry]] = {}
    for entry in glossary:
        by_term.setdefault(entry.term, []).append(entry)
    return [
        Entry(
            id=f"glossary:{term}",
            kind="glossary",
            title=term,
            url=f"{page}#{glossary_anchor(term)}",
            aliases=tuple(dict.fromkeys(s.expansion for s in senses if s.expansion)),
            summary="; ".join(dict.fromkeys(s.expansion for s in senses if s.expansion)),
            body=" ".join(s.definition for s in senses if s.definition),
        )
        for term, senses in by_term.items()
    ]


def analyse(text: str) -> list[str]:
    """The index terms of ``text``, in order, as the server's index holds them."""
    return [token.text for token in ANALYZER(text)]


def pairs(terms: list[str]) -> list[str]:
    """Consecutive terms, "letter offer": a phrase's words follow each other once stop words are out."""
    return [f"{a} {b}" for a, b in itertools.pairwise(terms)]


def field_terms(entry: Entry) -> tuple[dict[str, list[str]], set[str]]:
    """Each field's terms (every occurrence), and the pairs of consecutive terms of all fields
    (a list field's items apart, so no phrase spans two of them)."""
    terms: dict[str, list[str]] = {}
    found: set[str] = set()
    for name, text in entry.texts().items():
        lines = [analyse(line) for line in text.split("\n")]
        terms[name] = [term for line in lines for term in line]
        found.update(pair for line in lines for pair in pairs(line))
    return terms, found


def minisearch_data(entries: list[Entry], terms_of: list[dict[str, list[str]]]) -> dict:
    """The index in MiniSearch's own serialization (version 2), for ``MiniSearch.loadJS``."""
    postings: dict[str, dict[int, dict[int, int]]] = {}
    lengths: dict[str, list[int]] = {}
    for short_id, terms in enumerate(terms_of):
        lengths[str(short_id)] = [len(set(terms[name])) for name in FIELDS]
        for field_id, name in enumerate(FIELDS):
            for term, count in Counter(terms[name]).items():
                postings.setdefault(term, {}).setdefault(field_id, {})[short_id] = count
    columns = list(zip(*lengths.values(), strict=True)) or [()] * len(FIELDS)
    return {
        "documentCount": len(entries),
        "nextId": len(entries),
        "documentIds": {str(n): entry.id for n, entry in enumerate(entries)},
        "fieldIds": {name: n for n, name in enumerate(FIELDS)},
        "fieldLength": lengths,
        "averageFieldLength": [sum(column) / len(column) if column else 0 for column in columns],
        "storedFields": {str(n): entry.stored() for n, entry in enumerate(entries)},
        "dirtCount": 0,
        "index": [[term, {str(f): {str(d): c for d, c in docs.items()} for f, docs in fields.items()}] for term, fields in postings.items()],
        "serializationVersion": 2,
    }


def phrase_pairs(pairs_of: list[set[str]]) -> dict[str, list[int]]:
    """Pair -> the documents (MiniSearch's short ids) that hold it: kept out of MiniSearch, whose
    term tree would be mostly pairs, and slow to build in the browser."""
    holders: dict[str, list[int]] = {}
    for short_id, found in enumerate(pairs_of):
        for pair in found:
            holders.setdefault(pair, []).append(short_id)
    return holders


def folds(entries: list[Entry]) -> dict[str, str]:
    """How the index folds each accented letter of its text (``é`` -> ``e``), so a query folds the same."""
    letters = {c for entry in entries for text in entry.texts().values() for c in text.lower() if not c.isascii()}
    return {c: spelling_word(c) for c in sorted(letters) if spelling_word(c) != c}


def vocabulary(entries: list[Entry]) -> dict[str, list[str]]:
    """Stem -> the words of the text that stem to it (when they differ), so a misspelt or half-typed
    word is matched against the words as written (``eligibilty`` -> ``eligibility`` -> ``elig``)."""
    words: dict[str, set[str]] = {}
    for entry in entries:
        for text in entry.texts().values():
            for folded in {spelling_word(word) for word in words_of(text)}:
                stem = english_stem(folded)
                if stem != folded and len(folded) > 1 and folded not in ENGLISH_STOP_WORDS:
                    words.setdefault(stem, set()).add(folded)
    return {stem: sorted(found) for stem, found in sorted(words.items())}


def index_data(
    entries: list[Entry], terms_of: list[dict[str, list[str]]], glossary: tuple[GlossaryEntry, ...], documents: tuple[Document, ...]
) -> dict:
    """Everything the page's script needs but the phrase pairs: the index, how to analyse a query, the acronyms, the facet labels."""
    expansions: dict[str, list[str]] = {}
    for entry in glossary:
        if entry.expansion and entry.expansion not in expansions.setdefault(entry.term, []):
            expansions[entry.term].append(entry.expansion)
    return {
        "format": FORMAT,
        "fields": list(FIELDS),
        "boosts": FIELD_BOOSTS,
        "kinds": {k.name: {"label": k.label, "plural": k.plural, "boost": k.boost} for k in kinds.KINDS},
        "areas": {doc.id: doc.title for doc in documents if doc.kind == "area"},
        "stopWords": sorted(ENGLISH_STOP_WORDS),
        "folds": folds(entries),
        "vocabulary": vocabulary(entries),
        "glossary": {term: values for term, values in expansions.items() if values},
        "acronymRules": {"minLoose": MIN_LOOSE_TERM, "minExpansion": MIN_EXPANSION, "common": sorted(_COMMON_WORDS)},
        "index": minisearch_data(entries, terms_of),
    }
