"""The Whoosh index: the only module that imports whoosh.

Layout of ``KB_INDEX_DIR``: ``CURRENT`` names the live generation folder (``gen-*``), which
holds the Whoosh segments and ``manifest.json`` (each document's digest, title and links,
so an update can tell what changed without reading stored fields). A rebuild fills a new
generation and switches ``CURRENT`` atomically; readers notice and reopen.

Readers keep one searcher per thread and reopen it when it is stale: never
``Searcher.refresh()`` (see docs/whoosh notes). Writers wait for the lock (``timeout``).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import shutil
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from whoosh import highlight, index as whoosh_index, qparser, scoring, sorting
from whoosh.analysis import LanguageAnalyzer, StandardAnalyzer
from whoosh.fields import DATETIME, ID, KEYWORD, NGRAMWORDS, NUMERIC, STORED, TEXT, Schema
from whoosh.query import And, Every, NullQuery, Or, Term

FIELD_BOOSTS = {"title": 4.0, "aliases": 4.0, "summary": 2.0, "keywords": 2.0, "body": 1.0}
FILTER_FIELDS = {"type": "type", "area": "areas", "tag": "tags"}
# Glossary entries are short, so BM25 would rank them above the articles that explain a term;
# the results page shows a searched term's expansions above the results anyway.
TYPE_BOOSTS = {"glossary": 0.1}
_SUGGEST_MAX = 15
_CACHED_PAGES = 512  # result pages kept per thread until the index changes
_WORD = re.compile(r"\w+")


class IndexUnavailable(Exception):
    """There is no readable index; it has to be built from the content."""


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


@dataclass(frozen=True)
class Hit:
    type: str
    id: str
    title: str
    summary: str
    areas: tuple[str, ...]
    score: float
    snippet: str  # HTML: escaped text with <mark> around matches; "" when nothing matched
    page: dict[str, Any]


@dataclass(frozen=True)
class ResultSet:
    total: int
    page: int
    per_page: int
    hits: tuple[Hit, ...]
    facets: dict[str, dict[str, int]]


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
    }
    if record.updated is not None:
        fields["updated"] = record.updated
    if record.type in TYPE_BOOSTS:
        fields["_boost"] = TYPE_BOOSTS[record.type]
    return fields


@dataclass
class _Reader:
    """One thread's open searcher with caches that live exactly as long as it does."""

    generation: str
    index: Any
    searcher: Any
    postings: dict[tuple[str, str], frozenset[int]] = field(default_factory=dict)
    pages: OrderedDict = field(default_factory=OrderedDict)
    glossary: dict[str, list[str]] | None = None

    def docs(self, name: str, value: str) -> frozenset[int]:
        """Document numbers having ``value`` in field ``name``."""
        key = (name, value)
        if key not in self.postings:
            self.postings[key] = frozenset(self.searcher.docs_for_query(Term(name, value)))
        return self.postings[key]

    def counts(self, matched: frozenset[int], name: str) -> dict[str, int]:
        """Facet counts: how many of ``matched`` have each value of field ``name``."""
        found = {}
        for value in self.searcher.lexicon(name):
            value = value.decode("utf-8") if isinstance(value, bytes) else value
            count = len(matched & self.docs(name, value))
            if count:
                found[value] = count
        return found


class SearchIndex:
    """A generation-switching Whoosh index with per-thread searchers."""

    def __init__(self, directory: Path | str, writer_timeout: float = 30.0) -> None:
        self.directory = Path(directory)
        self.writer_timeout = writer_timeout
        self._local = threading.local()
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
        generation = self._generation()
        if generation is None:
            raise IndexUnavailable(f"no search index in {self.directory}")
        current: _Reader | None = getattr(self._local, "reader", None)
        if current is not None and current.generation == generation:
            if current.searcher.up_to_date():
                return current
            current.searcher.close()
            self._local.reader = _Reader(generation, current.index, current.index.searcher(weighting=_weighting()))
            return self._local.reader
        if current is not None:
            current.searcher.close()
        try:
            opened = whoosh_index.open_dir(str(self.directory / generation))
            reader = _Reader(generation, opened, opened.searcher(weighting=_weighting()))
        except Exception as exc:  # a corrupt or half-deleted index: rebuild from the content
            raise IndexUnavailable(f"cannot read the search index in {self.directory}: {exc}") from exc
        self._local.reader = reader
        return reader

    def close(self) -> None:
        reader = getattr(self._local, "reader", None)
        if reader is not None:
            reader.searcher.close()
            self._local.reader = None

    def document_count(self, access: Iterable[str]) -> int:
        return len(self._reader().searcher.search(Every(), filter=_access_filter(access), limit=1))

    def get(self, key: str, access: Iterable[str]) -> dict[str, Any] | None:
        stored = self._reader().searcher.document(key=key)
        if stored is None or stored.get("access") not in set(access):
            return None
        return stored

    def find(self, access: Iterable[str], sort: str = "title", limit: int | None = None,
             **terms: str) -> list[dict[str, Any]]:
        """Stored fields of documents where every ``field=value`` holds, sorted."""
        query = And([Term(name, value) for name, value in terms.items()]) if terms else Every()
        facet = {"title": "sort_title", "order": "order", "-updated": "updated"}[sort]
        sortedby = sorting.FieldFacet(facet, reverse=sort.startswith("-"))
        if sort == "order":
            sortedby = sorting.MultiFacet([sorting.FieldFacet("order"), sorting.FieldFacet("sort_title")])
        results = self._reader().searcher.search(query, filter=_access_filter(access), limit=limit, sortedby=sortedby)
        return [hit.fields() for hit in results]

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
        if key in reader.pages:
            reader.pages.move_to_end(key)
            return reader.pages[key]
        query = self.parse(variants) if variants else (Every() if filters else NullQuery)
        # Counts and facets are set operations on document numbers; only the shown page is
        # scored and highlighted (Whoosh can then skip blocks that cannot reach the page).
        allowed = frozenset().union(*(reader.docs("access", level) for level in access))
        matched = frozenset(reader.searcher.docs_for_query(query)) & allowed
        facets = {"type": reader.counts(matched, "type"), "area": reader.counts(matched, "areas")}
        selected = matched
        for name, value in filters:
            selected = selected & reader.docs(FILTER_FIELDS[name], value)
        hits: tuple[Hit, ...] = ()
        if selected:  # never pass an empty filter: Whoosh reads an empty set as "no filter"
            ranked = reader.searcher.search(query, filter=set(selected), limit=page * per_page)
            ranked.fragmenter = highlight.ContextFragmenter(maxchars=240, surround=60)
            ranked.formatter = highlight.HtmlFormatter(tagname="mark", between=" … ")
            near = _match_pattern(query)
            start = (page - 1) * per_page
            hits = tuple(_hit(hit, near) for hit in ranked[start:start + per_page])
        result = ResultSet(total=len(selected), page=page, per_page=per_page, hits=hits, facets=facets)
        reader.pages[key] = result
        if len(reader.pages) > _CACHED_PAGES:
            reader.pages.popitem(last=False)
        return result

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
        query = And([Term("title_ac", word) for word in words])
        results = self._reader().searcher.search(query, filter=_access_filter(access), limit=limit)
        return [hit.fields() for hit in results]

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
        reader = self._reader()
        if reader.glossary is None:
            reader.glossary = {hit["id"]: list(hit["page"].get("expansions", []))
                               for hit in reader.searcher.search(Term("type", "glossary"), limit=None)}
        return reader.glossary

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
        writer = ix.writer(timeout=self.writer_timeout)
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
        writer = ix.writer(limitmb=256)
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


def _access_filter(access: Iterable[str]):
    return Or([Term("access", level) for level in access])


def _hit(hit, near: re.Pattern[str] | None) -> Hit:
    stored = hit.fields()
    return Hit(
        type=stored["type"], id=stored["id"], title=stored["title"], summary=stored.get("summary", ""),
        areas=tuple(a for a in stored.get("areas", "").split(",") if a), score=round(hit.score or 0.0, 4),
        snippet=hit.highlights("body", text=_excerpt(stored.get("body", ""), near), top=2),
        page=stored.get("page", {}),
    )


_EXCERPT_CHARS = 700


def _match_pattern(query) -> re.Pattern[str] | None:
    """A regex for where the query's body terms (stems) start a word, to find the snippet fast."""
    stems = sorted({text for field, text in query.all_terms() if field == "body" and isinstance(text, str)})
    return re.compile(r"\b(?:" + "|".join(map(re.escape, stems)) + ")", re.IGNORECASE) if stems else None


def _excerpt(text: str, near: re.Pattern[str] | None) -> str:
    """The part of a long body around the first match: highlighting re-analyses all it is given."""
    if len(text) <= _EXCERPT_CHARS:
        return text
    match = near.search(text) if near else None
    start = max(0, match.start() - 100) if match else 0
    return text[start:start + _EXCERPT_CHARS]


def _manifest_entry(record: Record) -> tuple[str, dict[str, Any]]:
    return record.key, {"digest": record.digest, "title": record.title, "links": list(record.links)}


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)
