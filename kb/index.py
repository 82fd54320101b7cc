"""The Whoosh index: the only module that imports whoosh.

Layout of ``KB_INDEX_DIR``: ``CURRENT`` names the live generation folder (``gen-*``), which
holds the Whoosh segments and ``manifest.json`` (each document's digest, title and links,
so an update can tell what changed without reading stored fields). A rebuild fills a new
generation and switches ``CURRENT`` atomically; readers notice and reopen.

Readers keep one searcher per thread and reopen it when it is stale: never
``Searcher.refresh()`` (see the Whoosh notes). Writers wait for the lock (``timeout``).
Word and phrase queries are ranked with BM25F (``kb.ranking``) over posting arrays read once
per segment; access, filters and facets are masks over document numbers.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import html
import json
import os
import re
import shutil
import threading
import time
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from whoosh import index as whoosh_index, qparser, scoring, sorting
from whoosh.analysis import STOP_WORDS, LanguageAnalyzer, StandardAnalyzer
from whoosh.fields import DATETIME, ID, KEYWORD, NGRAMWORDS, NUMERIC, STORED, TEXT, Schema
from whoosh.query import And, Every, NullQuery, Or, Phrase, Term
from whoosh.reading import TermNotFound

from .ranking import FieldStats, Postings, term_scores, top

FIELD_BOOSTS = {"title": 4.0, "aliases": 4.0, "summary": 2.0, "keywords": 2.0, "body": 1.0}
FILTER_FIELDS = {"type": "type", "area": "areas", "tag": "tags",
                 # directory facets: values are folded (kb.places.fold) on both sides
                 "region": "regions", "country": "countries", "language": "languages",
                 "organization": "organization", "certification": "certification"}
# Facet fields of people (regions and countries also of articles): comma-separated, stored, values
# folded by kb.places.fold (lower case, no accents, punctuation as spaces: a comma never splits a value)
PERSON_FIELDS = ("regions", "countries", "languages", "organization", "certification", "expertise")
# Glossary entries are short, so BM25 would rank them above the articles that explain a term;
# the results page shows a searched term's expansions above the results anyway.
TYPE_BOOSTS = {"glossary": 0.1}
_SUGGEST_MAX = 15
_CACHED_PAGES = 512  # result pages kept per thread until the index changes
_CACHED_TERMS = 128  # per-term score arrays kept per thread (4 bytes x documents each)
_CACHED_POSTING_BYTES = 48_000_000  # posting arrays kept per segment, shared by the threads
# BM25F length normalisation per field: short fields (titles) are normalised less
FIELD_B = {"title": 0.5, "aliases": 0.5}
_WORD = re.compile(r"\w+")
_STOP_WORDS = frozenset(STOP_WORDS)
_OPERATORS = {"and", "or", "not", "andnot", "andmaybe"}


class IndexUnavailable(Exception):
    """There is no readable index; it has to be built from the content."""


class IndexBusy(Exception):
    """Another process is updating the index."""


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
    areas: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    experts: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    order: int = 100
    updated: dt.datetime | None = None
    digest: str = ""
    page: dict[str, Any] = field(default_factory=dict)
    # folded facet values (kb.places.fold); display values are in ``page``
    regions: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    organization: tuple[str, ...] = ()
    certification: tuple[str, ...] = ()
    expertise: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    type: str
    id: str
    title: str
    summary: str
    areas: tuple[str, ...]
    score: float
    snippet: str  # HTML: escaped text with <mark> around matches; "" when nothing matched


@dataclass(frozen=True)
class ResultSet:
    total: int
    page: int
    per_page: int
    hits: tuple[Hit, ...]
    facets: dict[str, dict[str, int]]


@dataclass(frozen=True)
class FieldValues:
    """Every value of one keyword field with its documents, as arrays (for facet counts and masks)."""

    values: tuple[str, ...]
    docs: np.ndarray  # document numbers, one per (document, value) pair, grouped by value
    ids: np.ndarray  # position of the value in ``values``, one per pair
    starts: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))  # value i: docs[starts[i]:starts[i+1]]

    @cached_property
    def positions(self) -> dict[str, int]:
        return {value: n for n, value in enumerate(self.values)}

    def mask(self, values: Iterable[str], size: int) -> np.ndarray:
        """Documents having any of ``values`` (unknown values match nothing; nothing is cached)."""
        found = np.zeros(size, dtype=bool)
        for value in values:
            n = self.positions.get(value)
            if n is not None:
                found[self.docs[self.starts[n]:self.starts[n + 1]]] = True
        return found

    def counts(self, selected: np.ndarray) -> dict[str, int]:
        """How many ``selected`` documents have each value (values with none left out)."""
        if not len(self.docs):
            return {}
        found = np.bincount(self.ids[selected[self.docs]], minlength=len(self.values))
        return {self.values[i]: int(found[i]) for i in np.flatnonzero(found)}


def _schema() -> Schema:
    english = LanguageAnalyzer("en")
    return Schema(
        key=ID(unique=True, stored=True),
        type=ID(stored=True),
        id=ID(stored=True),
        access=ID(stored=True),
        title=TEXT(analyzer=english, stored=True),
        aliases=TEXT(analyzer=english, stored=True),
        summary=TEXT(analyzer=english, stored=True),
        keywords=TEXT(analyzer=english),
        body=TEXT(analyzer=english, stored=True),
        areas=KEYWORD(commas=True, stored=True),
        tags=KEYWORD(commas=True, lowercase=True, stored=True),
        experts=KEYWORD(commas=True, stored=True),
        links=KEYWORD(commas=True),
        **{name: KEYWORD(commas=True, stored=True) for name in PERSON_FIELDS},
        spell=TEXT(analyzer=StandardAnalyzer(), spelling=True),
        title_ac=NGRAMWORDS(minsize=1, maxsize=_SUGGEST_MAX, at="start"),
        sort_title=ID(sortable=True),
        order=NUMERIC(sortable=True, stored=True),
        updated=DATETIME(sortable=True, stored=True),
        page=STORED,
    )


def _fields(record: Record) -> dict[str, Any]:
    # the spelling dictionary needs each word once, not every occurrence
    text = " ".join([record.title, *record.aliases, record.summary, *record.keywords, record.body])
    words = " ".join(set(_WORD.findall(text.casefold())))
    fields = {
        "key": record.key, "type": record.type, "id": record.id, "access": record.access,
        "title": record.title, "aliases": "\n".join(record.aliases), "summary": record.summary,
        "keywords": "\n".join(record.keywords), "body": record.body,
        "areas": ",".join(record.areas), "tags": ",".join(record.tags),
        "experts": ",".join(record.experts), "links": ",".join(record.links),
        "spell": words, "title_ac": " ".join([record.title, *record.aliases]),
        "sort_title": record.title.casefold(), "order": record.order, "page": record.page,
        **{name: ",".join(getattr(record, name)) for name in PERSON_FIELDS},
    }
    if record.updated is not None:
        fields["updated"] = record.updated
    if record.type in TYPE_BOOSTS:
        fields["_boost"] = TYPE_BOOSTS[record.type]
    return fields


class _SegmentArrays:
    """Field lengths and posting arrays of one immutable segment, shared by all threads."""

    def __init__(self, leaf) -> None:
        count = leaf.doc_count_all()
        self.lengths = {name: np.array([leaf.doc_field_length(n, name, 0) or 0 for n in range(count)],
                                       dtype=np.float32) for name in FIELD_BOOSTS}
        self._postings: OrderedDict[tuple[str, str], Postings] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def postings(self, leaf, name: str, text: str) -> Postings:
        """(document numbers in the segment, term frequencies); deleted documents are masked later."""
        key = (name, text)
        with self._lock:
            if key in self._postings:
                self._postings.move_to_end(key)
                return self._postings[key]
        found = _read_postings(leaf, name, text)
        with self._lock:
            self._postings[key] = found
            self._bytes += found[0].nbytes + found[1].nbytes
            while self._bytes > _CACHED_POSTING_BYTES and len(self._postings) > 1:
                _, (docs, tf) = self._postings.popitem(last=False)
                self._bytes -= docs.nbytes + tf.nbytes
        return found


def _read_postings(leaf, name: str, text: str) -> Postings:
    try:
        matcher = leaf.postings(name, text)
    except TermNotFound:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    while hasattr(matcher, "child"):  # a deletion filter: deleted documents are masked by the caller
        matcher = matcher.child
    if not hasattr(matcher, "_read_data"):  # not Whoosh's own segment format: one posting at a time
        docs, weights = [], []
        while matcher.is_active():
            docs.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return np.array(docs, dtype=np.int64), np.array(weights, dtype=np.float32)
    doc_blocks, weight_blocks = [], []
    while matcher.is_active():  # whole blocks, decoded with numpy instead of posting by posting
        matcher._read_data()
        raw_docs, raw_weights = matcher._data[0], matcher._data[1]
        count = matcher._blocklength
        docs = np.fromiter(raw_docs, dtype=np.int64, count=count)
        doc_blocks.append(docs if matcher._byteids else np.cumsum(docs))  # stored as gaps
        if raw_weights is None or isinstance(raw_weights, float):
            weight_blocks.append(np.full(count, raw_weights or 1.0, dtype=np.float32))
        else:
            weight_blocks.append(np.fromiter(raw_weights, dtype=np.float32, count=count))
        matcher._next_block()
    if not doc_blocks:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    return np.concatenate(doc_blocks), np.concatenate(weight_blocks)


class _SegmentCache:
    """Arrays per segment id: a commit adds a segment, the others stay cached."""

    def __init__(self) -> None:
        self._arrays: dict[str, _SegmentArrays] = {}
        self._lock = threading.Lock()

    def arrays(self, leaf) -> _SegmentArrays:
        segment_id = leaf.segment().segment_id()
        with self._lock:
            found = self._arrays.get(segment_id)
        if found is None:
            found = _SegmentArrays(leaf)
            with self._lock:
                self._arrays[segment_id] = found
        return found

    def keep(self, leaves) -> None:
        """Forget segments that merges or rebuilds have removed."""
        live = {leaf.segment().segment_id() for leaf, _ in leaves}
        with self._lock:
            for segment_id in set(self._arrays) - live:
                del self._arrays[segment_id]


class _LRU:
    """The most recently used ``limit`` values (one thread's, so no lock)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._values: OrderedDict = OrderedDict()

    def get(self, key: Any) -> Any:
        if key in self._values:
            self._values.move_to_end(key)
            return self._values[key]
        return None

    def put(self, key: Any, value: Any) -> Any:
        self._values[key] = value
        if len(self._values) > self.limit:
            self._values.popitem(last=False)
        return value


@dataclass
class _Reader:
    """One thread's open searcher with caches that live exactly as long as it does."""

    generation: str
    index: Any
    searcher: Any
    segments: "_SegmentCache"
    cache: dict[tuple, Any] = field(default_factory=dict)  # term sets, masks, derived values
    pages: "_LRU" = field(default_factory=lambda: _LRU(_CACHED_PAGES))
    scores: "_LRU" = field(default_factory=lambda: _LRU(_CACHED_TERMS))

    @cached_property
    def n_docs(self) -> int:
        return self.searcher.doc_count_all()

    def mask(self, docs: Iterable[int]) -> np.ndarray:
        mask = np.zeros(self.n_docs, dtype=bool)
        mask[np.fromiter(docs, dtype=np.int64)] = True
        return mask

    def cached(self, key: tuple, build: Callable[[], Any]) -> Any:
        """``build()``, once for as long as this searcher lives."""
        if key not in self.cache:
            self.cache[key] = build()
        return self.cache[key]

    def docs(self, name: str, value: str) -> frozenset[int]:
        """Document numbers having ``value`` in field ``name``."""
        return self.cached(("docs", name, value),
                           lambda: frozenset(self.searcher.docs_for_query(Term(name, value))))

    def allowed(self, access: Iterable[str]) -> set[int]:
        """Document numbers this access level may see (a set: Whoosh takes sets as filters)."""
        access = tuple(access)
        return self.cached(("allowed", access), lambda: set().union(*(self.docs("access", a) for a in access)))

    def value_mask(self, name: str, value: str) -> np.ndarray:
        return self.cached(("mask", name, value), lambda: self.mask(self.docs(name, value)))

    def counts(self, matched: np.ndarray, name: str) -> dict[str, int]:
        """Facet counts: how many ``matched`` documents have each value of field ``name``."""
        found = {}
        for value in self.searcher.lexicon(name):
            value = value.decode("utf-8") if isinstance(value, bytes) else value
            count = int(np.count_nonzero(matched & self.value_mask(name, value)))
            if count:
                found[value] = count
        return found

    @cached_property
    def leaves(self) -> list[tuple[Any, int, "_SegmentArrays"]]:
        return [(leaf, offset, self.segments.arrays(leaf)) for leaf, offset in self.searcher.reader().leaf_readers()]

    @cached_property
    def field_stats(self) -> dict[str, FieldStats]:
        stats = {}
        for name, weight in FIELD_BOOSTS.items():
            lengths = np.concatenate([arrays.lengths[name] for _, _, arrays in self.leaves] or [np.zeros(0)])
            total = sum(leaf.field_length(name) for leaf, _, _ in self.leaves)
            stats[name] = FieldStats(lengths, total / max(self.n_docs, 1), weight, FIELD_B.get(name, 0.75))
        return stats

    def term_scores(self, text: str) -> np.ndarray:
        """BM25F of one analysed term over all fields, for every document (cached per searcher)."""
        found = self.scores.get(text)
        if found is not None:
            return found
        postings = {}
        for name in FIELD_BOOSTS:
            parts = [(docs + offset, tf) for leaf, offset, arrays in self.leaves
                     for docs, tf in [arrays.postings(leaf, name, text)] if len(docs)]
            if parts:
                postings[name] = (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))
        return self.scores.put(text, term_scores(postings, self.field_stats, self.n_docs))


class SearchIndex:
    """A generation-switching Whoosh index with per-thread searchers."""

    def __init__(self, directory: Path | str, writer_timeout: float = 30.0) -> None:
        self.directory = Path(directory)
        self.writer_timeout = writer_timeout
        self._local = threading.local()
        self._segments = _SegmentCache()
        self._parser = self._make_parser()

    # -- layout ------------------------------------------------------------------
    def _generation(self) -> str | None:
        try:
            name = (self.directory / "CURRENT").read_text().strip()
        except OSError:
            return None
        return name if name and (self.directory / name).is_dir() else None

    def exists(self) -> bool:
        generation = self._generation()
        return generation is not None and whoosh_index.exists_in(self.directory / generation)

    @contextlib.contextmanager
    def lock(self, wait: bool = True) -> Iterator[bool]:
        """Serialise whole index updates between processes; yields False if not waiting and busy."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / "SYNC.lock", "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- reading -----------------------------------------------------------------
    def _reader(self) -> _Reader:
        """This thread's searcher, reopened when a commit or a rebuild made it stale."""
        pinned = getattr(self._local, "pinned", None)
        if pinned is not None:  # inside pinned(): one index state for several calls
            return pinned
        generation = self._generation()
        if generation is None:
            raise IndexUnavailable(f"no search index in {self.directory}")
        current: _Reader | None = getattr(self._local, "reader", None)
        if current is not None and current.generation == generation:
            if current.searcher.up_to_date():
                return current
            current.searcher.close()
            self._local.reader = _Reader(generation, current.index, current.index.searcher(weighting=_weighting()),
                                         self._segments)
            self._segments.keep(self._local.reader.searcher.reader().leaf_readers())
            return self._local.reader
        if current is not None:
            current.searcher.close()
        failure = None
        with warnings.catch_warnings():  # Whoosh leaves an unreadable TOC file open; it closes here
            warnings.simplefilter("ignore", ResourceWarning)
            try:
                opened = whoosh_index.open_dir(str(self.directory / generation))
                reader = _Reader(generation, opened, opened.searcher(weighting=_weighting()), self._segments)
            except Exception as exc:  # a corrupt or half-deleted index: rebuild from the content
                failure = f"cannot read the search index in {self.directory}: {exc}"
        if failure:
            raise IndexUnavailable(failure)
        self._local.reader = reader
        return reader

    def close(self) -> None:
        reader = getattr(self._local, "reader", None)
        if reader is not None:
            reader.searcher.close()
            self._local.reader = None

    def document_count(self, access: Iterable[str]) -> int:
        return len(self._reader().allowed(access))

    def get(self, key: str, access: Iterable[str]) -> dict[str, Any] | None:
        stored = self._reader().searcher.document(key=key)
        if stored is None or stored.get("access") not in set(access):
            return None
        return stored

    def find(self, access: Iterable[str], sort: str = "title", limit: int | None = None,
             **terms: str) -> list[dict[str, Any]]:
        """Stored fields of documents where every ``field=value`` holds, sorted."""
        query = And([Term(name, value) for name, value in terms.items()]) if terms else Every()
        sortedby = {
            "title": sorting.FieldFacet("sort_title"),
            "-updated": sorting.FieldFacet("updated", reverse=True),
            "order": sorting.MultiFacet([sorting.FieldFacet("order"), sorting.FieldFacet("sort_title")]),
        }[sort]
        return self._visible(query, access, limit=limit, sortedby=sortedby)

    def _visible(self, query, access: Iterable[str], **options: Any) -> list[dict[str, Any]]:
        """Stored fields of the matching documents this access level may see."""
        reader = self._reader()
        allowed = reader.allowed(access)
        if not allowed:  # an empty set would mean "no filter" to Whoosh
            return []
        return [hit.fields() for hit in reader.searcher.search(query, filter=allowed, **options)]

    def search(self, variants: list[str], access: Iterable[str], filters: Iterable[tuple[str, str]],
               page: int = 1, per_page: int = 10) -> ResultSet:
        """Run the query (the user's text and its acronym variants) with facet counts.

        Access is a filter inside the query, so totals, facets and pages never count
        what the reader may not see. Facets ignore the user's own filters, so they show
        what each choice would give.
        """
        reader = self._reader()
        filters = tuple(filters)
        key = (tuple(variants), tuple(access), filters, page, per_page)
        cached = reader.pages.get(key)
        if cached is not None:
            return cached
        query = self.parse(variants) if variants else (Every() if filters else NullQuery)
        # Access and filters are masks over document numbers, so counts, facets and pages only
        # ever see what the reader may see. Word and phrase queries are ranked by BM25F over
        # cached posting arrays; anything else by Whoosh.
        allowed = reader.mask(reader.allowed(access))
        clauses = _word_clauses(query)
        if clauses is not None:
            scores = self._bm25f(reader, clauses)
            matched = (scores > 0) & allowed
        else:
            scores = None
            matched = reader.mask(reader.searcher.docs_for_query(query)) & allowed
        facets = {"type": reader.counts(matched, "type"), "area": reader.counts(matched, "areas")}
        selected = matched
        for name, value in filters:
            selected = selected & reader.value_mask(FILTER_FIELDS[name], value)
        total = int(np.count_nonzero(selected))
        start = (page - 1) * per_page
        if scores is not None:
            best, best_scores = top(scores, selected, page * per_page)
            shown = list(zip(best[start:].tolist(), best_scores[start:].tolist()))
        elif total:  # never pass an empty filter: Whoosh reads an empty set as "no filter"
            ranked = reader.searcher.search(query, filter=set(np.flatnonzero(selected).tolist()),
                                            limit=page * per_page)
            shown = [(hit.docnum, hit.score) for hit in ranked[start:start + per_page]]
        else:
            shown = []
        stems = [text for name, text in query.all_terms() if name == "body" and isinstance(text, str)]
        near = _match_pattern(stems + [w for v in variants for w in _WORD.findall(v.casefold())
                                       if w not in _STOP_WORDS and w not in _OPERATORS])
        hits = tuple(_hit(reader.searcher.stored_fields(docnum), score, near) for docnum, score in shown)
        return reader.pages.put(key, ResultSet(total=total, page=page, per_page=per_page, hits=hits, facets=facets))

    def _bm25f(self, reader: _Reader, clauses: list[tuple[float, list[tuple[str, ...]]]]) -> np.ndarray:
        """Sum over variants (with their boosts) of the BM25F of their words and phrases.

        A phrase scores as its words do, in the documents that have them all: for a phrase the
        reader typed (the first variant), next to each other, as Whoosh finds from positions;
        for an acronym's expansion added by a rewrite, anywhere (positions cost too much there).
        """
        scores = np.zeros(reader.n_docs, dtype=np.float32)
        for number, (boost, variant) in enumerate(clauses):
            for kind, *words in variant:
                word_scores = [reader.term_scores(word) for word in words]
                clause_scores = sum(word_scores)
                if kind == "phrase" and number == 0:  # the reader's own quotes: words in that order
                    together = Or([Phrase(name, words) for name in FIELD_BOOSTS])
                    clause_scores = clause_scores * reader.mask(reader.searcher.docs_for_query(together))
                elif kind == "phrase":  # an acronym's expansion: all its words, in any order
                    clause_scores = clause_scores * np.logical_and.reduce([w > 0 for w in word_scores])
                scores += boost * clause_scores
        for kind, factor in TYPE_BOOSTS.items():
            scores[reader.value_mask("type", kind)] *= factor
        return scores

    def parse(self, variants: list[str]):
        """Parse the user's text and its variants into one query; malformed syntax never raises."""
        parsed = []
        for boost, text in zip([1.0] + [0.9] * (len(variants) - 1), variants):
            query = self._parse_one(text)
            if query is not None and query is not NullQuery:
                query.boost = boost
                parsed.append(query)
        return Or(parsed) if parsed else NullQuery

    def _parse_one(self, text: str):
        try:
            return self._parser.parse(text)
        except Exception:  # whoosh's parser can trip on odd syntax; retry as plain words
            return self._parser.parse(re.sub(r"[^\w\s]", " ", text))

    def complete(self, text: str, access: Iterable[str], limit: int = 10) -> list[dict[str, Any]]:
        """Documents whose title or alias words start with the typed words."""
        words = [w[:_SUGGEST_MAX] for w in re.findall(r"\w+", text.casefold())][:8]
        if not words:
            return []
        return self._visible(And([Term("title_ac", word) for word in words]), access, limit=limit)

    def correct(self, word: str) -> str | None:
        """The closest indexed spelling of an unknown word, or None when the word is known."""
        searcher = self._reader().searcher
        word = word.casefold()
        if searcher.doc_frequency("spell", word) > 0:
            return None
        suggestions = searcher.suggest("spell", word, limit=1, maxdist=2, prefix=1)
        return suggestions[0] if suggestions else None

    def glossary_variants(self) -> dict[str, list[str]]:
        """Every glossary term with its expansions, read from the index (cached per generation)."""
        return self.per_generation("glossary", lambda: {
            hit["id"]: list(hit["page"].get("expansions", []))
            for hit in self._reader().searcher.search(Term("type", "glossary"), limit=None)})

    def per_generation(self, name: str, build):
        """A value derived from the index, built once per searcher, so again after every change."""
        return self._reader().cached(("derived", name), build)

    # -- directory support (kb.directory): score arrays, value tables, stored fields --------
    @contextlib.contextmanager
    def pinned(self) -> Iterator[None]:
        """This thread keeps its searcher inside the block, so arrays from several calls line up."""
        previous = getattr(self._local, "pinned", None)
        self._local.pinned = self._reader()
        try:
            yield
        finally:
            self._local.pinned = previous

    def kind_scores(self, variants: list[str], access: Iterable[str], kind: str) -> tuple[np.ndarray, np.ndarray]:
        """(score of the query for every document number, mask of the ``kind`` documents this access sees).

        Word and phrase queries score by BM25F as in ``search``; anything else (prefixes, field
        names) scores 1 where it matches. Scores outside the mask are 0.
        """
        reader = self._reader()
        access = tuple(access)
        visible = reader.cached(("visible", access, kind),
                                lambda: reader.mask(reader.allowed(access)) & reader.value_mask("type", kind))
        query = self.parse(variants) if variants else NullQuery
        if query is NullQuery:
            return np.zeros(reader.n_docs, dtype=np.float32), visible.copy()
        clauses = _word_clauses(query)
        if clauses is not None:
            scores = self._bm25f(reader, clauses)
        else:
            scores = reader.mask(reader.searcher.docs_for_query(query)).astype(np.float32)
        return scores * visible, visible.copy()

    def field_values(self, name: str) -> FieldValues:
        """Every value of keyword field ``name`` with its documents (built once per searcher).

        Deleted documents may be among them; callers select with masks that exclude them.
        """
        reader = self._reader()

        def build() -> FieldValues:
            values, docs, ids = [], [], []
            for raw in reader.searcher.lexicon(name):
                value = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                found = [d + offset for leaf, offset, _ in reader.leaves for d in [_read_postings(leaf, name, value)[0]]
                         if len(d)]
                if found:
                    found = np.concatenate(found)
                    docs.append(found)
                    ids.append(np.full(len(found), len(values), dtype=np.int64))
                    values.append(value)
            empty = np.zeros(0, dtype=np.int64)
            starts = np.concatenate([[0], np.cumsum([len(d) for d in docs])]).astype(np.int64)
            return FieldValues(tuple(values), np.concatenate(docs) if docs else empty,
                               np.concatenate(ids) if ids else empty, starts)

        return reader.cached(("field-values", name), build)

    def values_mask(self, name: str, values: Iterable[str]) -> np.ndarray:
        """Documents having any of ``values`` in keyword field ``name`` (may include deleted ones:
        combine with a mask from ``kind_scores``). Typed values cost no memory: nothing is cached per value."""
        return self.field_values(name).mask(values, self._reader().n_docs)

    def docnum(self, key: str) -> int | None:
        """The document number of a live document by its key (``person:maria-delgado``), or None."""
        return self._reader().searcher.document_number(key=key)

    def title_rank(self) -> np.ndarray:
        """Each document's position in title order (sorting by name is ``argsort`` of this)."""
        reader = self._reader()

        def build() -> np.ndarray:
            titles = np.array(list(reader.searcher.reader().column_reader("sort_title")) or [""], dtype=object)
            rank = np.empty(len(titles), dtype=np.int64)
            rank[np.argsort(titles, kind="stable")] = np.arange(len(titles))
            return rank[:reader.n_docs]

        return reader.cached(("title-rank",), build)

    def stored(self, docnums: Iterable[int]) -> list[dict[str, Any]]:
        """Stored fields of these document numbers (from ``kind_scores`` and masks)."""
        searcher = self._reader().searcher
        return [searcher.stored_fields(int(d)) for d in docnums]

    def n_docs(self) -> int:
        return self._reader().n_docs

    # -- writing -----------------------------------------------------------------
    def manifest(self) -> dict[str, dict[str, Any]] | None:
        """Each document's digest, title and links as of the last update, or None."""
        generation = self._generation()
        if generation is None:
            return None
        try:
            return json.loads((self.directory / generation / "manifest.json").read_text())
        except (OSError, ValueError):
            return None

    def update(self, records: list[Record], deleted: list[str]) -> None:
        """Apply changes to the live generation (callers hold ``lock()``)."""
        generation = self._generation()
        manifest = self.manifest()
        if generation is None or manifest is None:
            raise IndexUnavailable("nothing to update: build the index first")
        for key in deleted:
            manifest.pop(key, None)
        manifest.update(_manifest_entry(r) for r in records)
        ix = whoosh_index.open_dir(str(self.directory / generation))
        writer = ix.writer(timeout=self.writer_timeout, compound=False)
        try:
            for key in deleted:
                writer.delete_by_term("key", key)
            for record in records:
                writer.update_document(**_fields(record))
        except BaseException:
            writer.cancel()
            raise
        writer.commit(merge=len(records) + len(deleted) >= 100)
        _write_json(self.directory / generation / "manifest.json", manifest)

    def rebuild(self, records: Iterable[Record]) -> int:
        """Build a new generation from scratch and switch to it atomically; returns the count."""
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"gen-{time.time_ns()}"
        target = self.directory / name
        target.mkdir()
        ix = whoosh_index.create_in(str(target), _schema())
        writer = ix.writer(procs=os.cpu_count() or 1, multisegment=True, limitmb=128, compound=False)
        manifest = {}
        try:
            for record in records:
                writer.add_document(**_fields(record))
                manifest.update([_manifest_entry(record)])
        except BaseException:
            writer.cancel()
            shutil.rmtree(target, ignore_errors=True)
            raise
        writer.commit()
        _write_json(target / "manifest.json", manifest)
        previous = self._generation()
        tmp = self.directory / f"CURRENT.{os.getpid()}.tmp"
        tmp.write_text(name)
        os.replace(tmp, self.directory / "CURRENT")
        self._remove_old_generations(keep={name, previous})
        return len(manifest)

    def optimize(self) -> None:
        """Merge all segments into one (a nightly job; callers hold ``lock()``)."""
        generation = self._generation()
        if generation is None:
            raise IndexUnavailable("nothing to optimize: build the index first")
        whoosh_index.open_dir(str(self.directory / generation)).optimize()

    def _remove_old_generations(self, keep: set[str | None]) -> None:
        """Delete generations older than the previous one (open readers keep their files on Linux)."""
        for path in self.directory.glob("gen-*"):
            if path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)

    def _make_parser(self):
        parser = qparser.MultifieldParser(list(FIELD_BOOSTS), _schema(), fieldboosts=FIELD_BOOSTS,
                                          group=qparser.OrGroup.factory(0.9))
        parser.remove_plugin_class(qparser.WildcardPlugin)
        parser.add_plugin(qparser.PrefixPlugin())
        return parser


def _weighting():
    return scoring.BM25F(B=0.75, K1=1.2, title_B=0.5, aliases_B=0.5)


def _hit(stored: dict[str, Any], score: float, near: re.Pattern[str] | None) -> Hit:
    return Hit(
        type=stored["type"], id=stored["id"], title=stored["title"], summary=stored.get("summary", ""),
        areas=tuple(a for a in stored.get("areas", "").split(",") if a), score=round(float(score or 0.0), 4),
        snippet=_snippet(stored.get("body", ""), near) if near else "",
    )


_SNIPPET_CHARS = 240


def _match_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    """Where a query word, or a word starting with one of its stems, stands in a text."""
    alternatives = sorted({w for w in words if len(w) > 2}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(map(re.escape, alternatives)) + r")\w*", re.IGNORECASE) \
        if alternatives else None


def _snippet(text: str, near: re.Pattern[str]) -> str:
    """About 240 characters around the first match, HTML-escaped, with <mark> around the matches.

    The text is escaped piece by piece between matches, so the marks are the only markup.
    """
    first = near.search(text)
    if first is None:
        return ""
    start = max(0, text.rfind(" ", 0, max(0, first.start() - 60)) + 1)
    end = text.find(" ", start + _SNIPPET_CHARS)
    end = len(text) if end < 0 else end
    window, parts, position = text[start:end], [], 0
    for match in near.finditer(window):
        parts += [html.escape(window[position:match.start()]), "<mark>", html.escape(match.group()), "</mark>"]
        position = match.end()
    parts.append(html.escape(window[position:]))
    return ("… " if start else "") + "".join(parts) + (" …" if end < len(text) else "")


def _word_clauses(query) -> list[tuple[float, list[tuple[str, ...]]]] | None:
    """The query as boosted variants of word and phrase clauses, when that is all it is; else None.

    The parser turns each word into the same term in every searched field, and a quoted phrase
    into the same phrase in every field (flattened into one Or). Prefixes, field names, AND and
    NOT are left to Whoosh.
    """
    parsed = []
    for variant in (query.subqueries if isinstance(query, Or) else [query]):
        groups: dict[tuple[str, ...], set[str]] = {}
        for part in _flatten(variant):
            if type(part) is Term and part.fieldname in FIELD_BOOSTS and isinstance(part.text, str):
                key = ("word", part.text)
            elif type(part) is Phrase and part.fieldname in FIELD_BOOSTS:
                key = ("phrase", *part.words)
            else:
                return None
            groups.setdefault(key, set()).add(part.fieldname)
        if not groups or any(fields != set(FIELD_BOOSTS) for fields in groups.values()):
            return None
        parsed.append((variant.boost, list(groups)))
    return parsed or None


def _flatten(query) -> list:
    return [leaf for sub in query.subqueries for leaf in _flatten(sub)] if type(query) is Or else [query]


def _manifest_entry(record: Record) -> tuple[str, dict[str, Any]]:
    return record.key, {"digest": record.digest, "title": record.title, "links": list(record.links)}


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)
