"""Per-thread searchers and the caches that live exactly as long as each searcher does.

``Searcher`` is one thread's open Whoosh searcher (``.whoosh``) with its caches; ``Searchers``
hands each thread its own, reopened when stale. (A "reader" is the person reading:
``kb.access.Reader``.) Never Whoosh's ``Searcher.refresh()`` (see the Whoosh notes): a stale
searcher is closed and a new one opened. Every cache has a stated size, so no visitor input
can grow a worker without limit: the sizes below, per thread besides the posting arrays
shared by the process (``POSTING_BYTES``).
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from functools import cached_property, partial
from typing import Any

import numpy as np
from cachetools import LRUCache
from whoosh import scoring
from whoosh.query import Term

from .. import ranking
from ..content.model import ACCESS_LEVELS
from ..ranking import FieldStats, Postings, restricted, term_scores
from . import integrity
from .phrases import places_of, segment_matches
from .postings import read_postings
from .schema import FIELD_BOOSTS, Doc, spell_field, stored_doc, term_text
from .store import IndexUnavailable, Store
from .whoosh_internals import segment_key

CACHED_PAGES = 512  # result pages per thread (a few kB each)
CACHED_DOCUMENTS = 512  # stored documents per thread, unpickled (an article's page data: a few to tens of kB)
CACHED_TERMS = 128  # per-term score arrays per thread (4 bytes x documents each)
FILTER_BYTES = 16_000_000  # per thread: document sets and masks of access levels and filter values
POSTING_BYTES = 96_000_000  # per process: posting arrays of all segments, shared by the threads
PRELOAD_FROM = 5_000  # documents; below, first reads cost little and the read-ahead costs more than it saves (bench/load.py)
PRELOAD_BYTES = 64_000_000  # of which a new worker reads ahead, longest posting lists first (``Searchers._read_ahead``)
PLACE_BYTES = 32_000_000  # per process: word positions of the most frequent words, for phrases, read ahead too
# What a cached posting entry costs besides its arrays (key, two array headers, the cache's own
# links): counted, so the random words of visitors (empty arrays) cannot fill memory unseen.
POSTING_ENTRY_BYTES = 700


def _size(value: Any) -> int:
    if isinstance(value, np.ndarray):
        return value.nbytes + 100
    return 64 * len(value) + 200  # a set of document numbers


class SegmentData:
    """Field lengths and posting arrays per immutable segment, shared by all threads.

    A commit adds a segment and the others stay cached; ``keep`` forgets merged-away ones.
    """

    def __init__(self) -> None:
        self._lengths: dict[str, dict[str, np.ndarray]] = {}
        self._words: dict[tuple[str, str], dict[str, list[str]]] = {}  # (segment, spelling field) -> words by letter
        self._postings: LRUCache = LRUCache(POSTING_BYTES, getsizeof=lambda p: p[0].nbytes + p[1].nbytes + POSTING_ENTRY_BYTES)
        self._places: dict[tuple[str, str, str], np.ndarray] = {}  # filled by the read-ahead only, so bounded by PLACE_BYTES
        self._lock = threading.Lock()

    def lengths(self, leaf) -> dict[str, np.ndarray]:
        segment_id = segment_key(leaf)
        with self._lock:
            found = self._lengths.get(segment_id)
        if found is None:
            count = leaf.doc_count_all()
            found = {name: np.array([leaf.doc_field_length(n, name, 0) or 0 for n in range(count)], dtype=np.float32) for name in FIELD_BOOSTS}
            with self._lock:
                self._lengths[segment_id] = found
        return found

    def postings(self, leaf, name: str, text: str) -> Postings:
        """(document numbers in the segment, term frequencies); deleted documents are masked later."""
        key = (segment_key(leaf), name, text)
        with self._lock:
            found = self._postings.get(key)
        if found is None:
            found = read_postings(leaf, name, text)
            with self._lock:
                self._postings[key] = found
        return found

    def known_places(self, leaf, name: str, words: Iterable[str]) -> dict[str, np.ndarray]:
        """The read-ahead places (``phrases.places_of`` in every document) of those ``words`` it has."""
        segment_id = segment_key(leaf)
        with self._lock:
            return {word: found for word in words if (found := self._places.get((segment_id, name, word))) is not None}

    def read_places(self, leaf, name: str, word: str) -> int:
        """Read and keep the places of ``word`` in every document of the segment; their bytes."""
        found = places_of(leaf, name, word, self.postings(leaf, name, word)[0])
        with self._lock:
            self._places[(segment_key(leaf), name, word)] = found
        return found.nbytes

    def spelling(self, leaf, name: str) -> dict[str, list[str]]:
        """The words of the segment's spelling field ``name`` by first letter (read once per segment)."""
        key = (segment_key(leaf), name)
        with self._lock:
            found = self._words.get(key)
        if found is None:
            found = {}
            for term in leaf.lexicon(name):
                word = term_text(term)
                found.setdefault(word[:1], []).append(word)
            with self._lock:
                self._words[key] = found
        return found

    def keep(self, leaves) -> None:
        live = {segment_key(leaf) for leaf, _ in leaves}
        with self._lock:
            for segment_id in set(self._lengths) - live:
                del self._lengths[segment_id]
            for cache in (self._words, self._postings, self._places):
                for key in [k for k in cache if k[0] not in live]:
                    del cache[key]


class Searcher:
    """One thread's open Whoosh searcher (``whoosh``) with its caches."""

    def __init__(self, generation: str, index, segments: SegmentData) -> None:
        self.generation = generation
        self.index = index
        field_b = {f"{name}_B": b for name, b in ranking.FIELD_B.items()}  # Whoosh's BM25F with our parameters, should it rank
        self.whoosh = index.searcher(weighting=scoring.BM25F(B=ranking.B, K1=ranking.K1, **field_b))
        self.segments = segments
        self.filters: LRUCache = LRUCache(FILTER_BYTES, getsizeof=_size)
        self.pages: LRUCache = LRUCache(CACHED_PAGES)
        self.documents: LRUCache = LRUCache(CACHED_DOCUMENTS)
        self.scores: LRUCache = LRUCache(CACHED_TERMS)
        self.derived: dict[str, Any] = {}  # values built by the code's own names, never by visitor input
        self._spelling: dict[tuple[tuple[str, ...], str], list[str]] = {}  # (access, first letter) -> words (letters it has)

    @cached_property
    def n_docs(self) -> int:
        return self.whoosh.doc_count_all()

    def document(self, docnum: int) -> Doc:
        """A stored document, read (decompressed, unpickled) once while it stays in the cache:
        the areas, experts and related articles every page shows are the same few documents."""
        found = self.documents.get(docnum)
        if found is None:
            found = self.documents[docnum] = stored_doc(self.whoosh.stored_fields(docnum))
        return found

    def mask(self, docs: Iterable[int]) -> np.ndarray:
        mask = np.zeros(self.n_docs, dtype=bool)
        mask[np.fromiter(docs, dtype=np.int64)] = True
        return mask

    def _filter(self, key: tuple, build: Callable[[], Any]) -> Any:
        found = self.filters.get(key)
        if found is None:
            found = build()
            self.filters[key] = found
        return found

    def docs(self, name: str, value: str) -> frozenset[int]:
        """Document numbers having ``value`` in field ``name``."""
        return self._filter(("docs", name, value), lambda: frozenset(self.whoosh.docs_for_query(Term(name, value))))

    def allowed(self, access: Iterable[str]) -> set[int]:
        """Document numbers this access level may see (a set: Whoosh takes sets as filters)."""
        access = tuple(access)
        return self._filter(("allowed", access), lambda: set().union(*(self.docs("access", a) for a in access)))

    def phrase_mask(self, words: tuple[str, ...], fields: tuple[str, ...] = tuple(FIELD_BOOSTS)) -> np.ndarray:
        """Documents where ``words`` stand next to each other in any of ``fields`` (as Whoosh's ``Phrase``)."""
        return self._filter(("phrase", words, fields), lambda: self._phrase_mask(words, fields))

    def _phrase_mask(self, words: tuple[str, ...], fields: tuple[str, ...]) -> np.ndarray:
        mask = np.zeros(self.n_docs, dtype=bool)
        for leaf, offset in self.leaves:
            for name in fields:
                docs = {word: self.segments.postings(leaf, name, word)[0] for word in words}
                mask[segment_matches(leaf, name, words, docs, self.segments.known_places(leaf, name, words)) + offset] = True
        return mask

    def value_mask(self, name: str, value: str) -> np.ndarray:
        return self._filter(("mask", name, value), lambda: self.mask(self.docs(name, value)))

    def counts(self, matched: np.ndarray, name: str) -> dict[str, int]:
        """Facet counts: how many ``matched`` documents have each value of field ``name``."""
        found = {}
        for value in self.derive(f"lexicon:{name}", lambda: [term_text(v) for v in self.whoosh.lexicon(name)]):  # read once, not per search
            count = int(np.count_nonzero(matched & self.value_mask(name, value)))
            if count:
                found[value] = count
        return found

    def derive(self, name: str, build: Callable[[], Any]) -> Any:
        """``build()``, once for as long as this searcher lives."""
        if name not in self.derived:
            self.derived[name] = build()
        return self.derived[name]

    def spelling_candidates(self, access: tuple[str, ...], initial: str) -> list[str]:
        """The words starting with ``initial`` of the documents of these access levels, across segments."""
        key = (access, initial)
        if key not in self._spelling:
            fields = [spell_field(level) for level in access]
            words = sorted({w for leaf, _ in self.leaves for name in fields for w in self.segments.spelling(leaf, name).get(initial, ())})
            if not words:
                return []
            self._spelling[key] = words
        return self._spelling[key]

    @cached_property
    def leaves(self) -> list[tuple[Any, int]]:
        return list(self.whoosh.reader().leaf_readers())

    @cached_property
    def field_stats(self) -> dict[str, FieldStats]:
        stats = {}
        for name, weight in FIELD_BOOSTS.items():
            lengths = np.concatenate([self.segments.lengths(leaf)[name] for leaf, _ in self.leaves] or [np.zeros(0)])
            total = sum(leaf.field_length(name) for leaf, _ in self.leaves)
            stats[name] = FieldStats(lengths, total / max(self.n_docs, 1), weight, ranking.FIELD_B.get(name, ranking.B))
        return stats

    def visible(self, access: tuple[str, ...] | None) -> np.ndarray | None:
        """The mask of the documents of these access levels (None: every document)."""
        return None if access is None else self._filter(("visible", access), lambda: self.mask(self.allowed(access)))

    def visible_stats(self, access: tuple[str, ...] | None) -> dict[str, FieldStats]:
        """``field_stats`` of the documents of these access levels alone (None: every document)."""
        build = partial(restricted, self.field_stats, self.visible(access))  # once per searcher and access
        return self.field_stats if access is None else self.derive(f"field-stats:{','.join(access)}", build)

    def term_scores(self, text: str, access: tuple[str, ...] | None = None) -> np.ndarray:
        """BM25F of one analysed term in every document (cached per searcher), of the documents of ``access`` alone."""
        found = self.scores.get((text, access))
        if found is None:
            postings = {}
            for name in FIELD_BOOSTS:
                parts = [(docs + offset, tf) for leaf, offset in self.leaves for docs, tf in [self.segments.postings(leaf, name, text)] if len(docs)]
                if parts:
                    postings[name] = (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))
            found = self.scores[(text, access)] = term_scores(postings, self.visible_stats(access), self.n_docs, self.visible(access))
        return found

    def close(self) -> None:
        self.whoosh.close()


class Searchers:
    """This thread's searcher, reopened when a commit or a rebuild made it stale."""

    def __init__(self, store: Store, preload: bool = False) -> None:
        self.store = store
        self._local = threading.local()
        self._segments = SegmentData()
        self._preload = preload  # once per process, when its first searcher opens (after gunicorn's fork)
        self._intact = integrity.Intact()  # which state of the files was last found intact

    def current(self) -> Searcher:
        pinned = getattr(self._local, "pinned", None)
        if pinned is not None:  # inside pinned(): one index state for several calls
            return pinned
        generation = self._live()
        searcher: Searcher | None = getattr(self._local, "searcher", None)
        if searcher is not None and searcher.generation == generation and searcher.whoosh.up_to_date():
            return searcher
        if searcher is not None:
            searcher.close()
            self._local.searcher = None
        index = searcher.index if searcher is not None and searcher.generation == generation else None
        self._local.searcher = self._open(generation, index)
        self._segments.keep(self._local.searcher.leaves)
        if self._preload:
            self._preload = False
            if self._local.searcher.n_docs >= PRELOAD_FROM:
                threading.Thread(target=self._read_ahead, args=(generation,), name="kb-preload", daemon=True).start()
        return self._local.searcher

    def _read_ahead(self, generation: str) -> None:
        """Read field lengths, spelling words, the longest posting lists and the places of the most
        frequent words into the shared caches, in the background.

        A fresh worker otherwise reads them during its first searches (tens of ms per common
        word at 30,000 documents). Best effort: a rebuild or a removed index just ends it.
        """
        with contextlib.suppress(Exception), warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            with self.store.open(generation).searcher() as whoosh:
                leaves = [leaf for leaf, _ in whoosh.reader().leaf_readers()]
                for leaf in leaves:
                    self._segments.lengths(leaf)
                    for level in ACCESS_LEVELS:  # the first "did you mean" would read the word list (~18 ms at 30,000 documents)
                        self._segments.spelling(leaf, spell_field(level))
                terms = [(leaf, f, term_text(t)) for leaf in leaves for f in FIELD_BOOSTS for t in leaf.lexicon(f)]
                budget = PRELOAD_BYTES
                for leaf, name, text in sorted(terms, key=lambda term: -term[0].doc_frequency(term[1], term[2])):
                    budget -= 12 * leaf.doc_frequency(name, text)  # a document number and a term frequency per posting
                    if budget < 0:
                        break
                    self._segments.postings(leaf, name, text)
                budget = PLACE_BYTES
                for leaf, name, text in sorted(terms, key=lambda term: -term[0].frequency(term[1], term[2])):
                    budget -= self._segments.read_places(leaf, name, text)
                    if budget < 0:
                        break

    def _open(self, generation: str, index) -> Searcher:
        failure = None
        with warnings.catch_warnings():  # Whoosh leaves an unreadable TOC file open; it closes here
            warnings.simplefilter("ignore", ResourceWarning)
            try:
                return Searcher(generation, index or self.store.open(generation), self._segments)
            except Exception as exc:  # noqa: BLE001 - a corrupt or half-deleted index: rebuild from the content
                damage = integrity.damage(self.store.directory / generation, thorough=False)
                failure = damage or f"cannot read the search index in {self.store.directory}: {exc}"
        raise IndexUnavailable(failure)

    @contextlib.contextmanager
    def pinned(self) -> Iterator[None]:
        """This thread keeps its searcher inside the block, so arrays from several calls line up."""
        previous = getattr(self._local, "pinned", None)
        self._local.pinned = self.current()
        try:
            yield
        finally:
            self._local.pinned = previous

    def _live(self) -> str:
        """The live generation; without one this thread lets go of its searcher's files (a deleted
        index keeps its disk space while they are open) and ``IndexUnavailable`` is raised."""
        generation = self.store.generation()
        if generation is None:
            if getattr(self._local, "pinned", None) is None:
                self.close()
            raise IndexUnavailable(f"no search index in {self.store.directory}")
        return generation

    def recheck(self, error: Exception) -> bool:
        """After an unexpected error while reading: was it the index rather than the code?

        True when the failed read came from a generation that a rebuild has since replaced:
        the caller may try once more on the new one. Otherwise probes a fresh searcher and checks
        the files against what was written, and raises ``IndexUnavailable`` (so the site says
        so and rebuilds it) when either fails; False when the index reads well and its files
        are intact (a bug, not the index: the caller re-raises ``error``).
        """
        pinned = getattr(self._local, "pinned", None)
        failed = pinned or getattr(self._local, "searcher", None)
        generation = self._live()
        if failed is not None and failed.generation != generation:
            if pinned is not None:  # the block's searcher must stay: let the request be retried
                raise IndexUnavailable(f"the search index in {self.store.directory} was replaced while reading") from error
            self.close()
            return True
        searcher = self._probed(generation)
        damage = self._intact.damage(self.store.directory / generation)
        if damage is not None:
            searcher.close()
            raise IndexUnavailable(damage) from error
        if pinned is None:
            self.close()
            self._local.searcher = searcher
        else:
            searcher.close()
        return False

    def _probed(self, generation: str) -> Searcher:
        """A fresh searcher of ``generation`` that read every kind of file; ``IndexUnavailable`` if it cannot."""
        searcher = self._open(generation, None)
        try:
            integrity.probe(searcher.whoosh)
        except Exception as exc:
            searcher.close()
            raise IndexUnavailable(f"cannot read the search index in {self.store.directory}: {exc!r}") from exc
        return searcher

    def verify(self, thorough: bool = False) -> None:
        """Open and probe the live generation afresh (for /healthz); ``IndexUnavailable`` if unreadable.

        Also when a damage was found before, or a file's size (``thorough``: any byte) changed.
        """
        generation = self._live()
        damage = integrity.damage(self.store.directory / generation, thorough)
        if damage is not None:
            raise IndexUnavailable(damage)
        self._probed(generation).close()

    def close(self) -> None:
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
            self._local.searcher = None
