"""The Whoosh index: the only package that imports whoosh.

``SearchIndex`` is a small facade over the parts: ``store`` (generations, the writer lock,
updates and rebuilds), ``searchers`` (per-thread searchers and their bounded caches),
``query`` (parsing, BM25F, facets and pages), ``snippets`` and ``schema`` (what is indexed).
The search runs on Whoosh's storage through ``whoosh_internals``, the one module that uses
Whoosh's private parts.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import sorting
from whoosh.query import And, Every, Or, Term

from ..content.model import ACCESS_LEVELS
from ..facets import SEARCH_FACETS
from ..kinds import BY_NAME as KIND_NAMES
from . import query as queries
from .building import RecordsOf
from .limits import TIME_LIMIT, Budget, QueryTooCostly
from .looks import LookingSearchers
from .query import OPERATORS, STOP_WORDS, Hit, ResultSet
from .schema import SUGGEST_MAX, Doc, Record, facet_value, spell_field, spelling_word
from .spelling import closest, near_prefixes
from .store import IndexBusy, IndexUnavailable, Store, Tables
from .values import FieldValues, build_field_values

__all__ = ["OPERATORS", "STOP_WORDS", "Doc", "Hit", "IndexBusy", "IndexUnavailable", "QueryTooCostly", "Record", "ResultSet", "SearchIndex"]

_UNDATED = 2**64 - 1  # what Whoosh's column of a DATETIME field holds for a document without a date
_SORTS = {
    "title": lambda: sorting.FieldFacet("sort_title"),
    "-updated": lambda: sorting.FieldFacet("updated", reverse=True),
    "order": lambda: sorting.MultiFacet([sorting.FieldFacet("order"), sorting.FieldFacet("sort_title")]),
}


def _reading(method: Callable) -> Callable:
    """An unexpected error while reading becomes ``IndexUnavailable`` when the index files are
    unreadable or damaged (anywhere, not only where the probe reads), else stays what it is.

    When a rebuild replaced the generation under the call, the call runs once more on the new one.
    A refused query is the visitor's, not the index's: it is raised as it is, without a look at the files.
    """

    @functools.wraps(method)
    def guarded(self: SearchIndex, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except (IndexUnavailable, QueryTooCostly):
            raise
        except Exception as error:
            if self.searchers.recheck(error):  # raises IndexUnavailable when the index is corrupt
                return method(self, *args, **kwargs)
            raise

    return guarded


# Suggestion candidates come shortest titles (and aliases) first: what each document holds alone.
# Whoosh's scores count every document of the index, so the candidates they chose (and so what an
# anonymous reader was offered) changed with staff-only documents.
_SHORTEST_TITLES = sorting.FunctionFacet(lambda searcher, docnum: searcher.doc_field_length(docnum, "title_ac", 0))


class SearchIndex:
    """A generation-switching Whoosh index with per-thread searchers."""

    def __init__(self, directory: Path | str, writer_timeout: float = 30.0, preload: bool = False, time_limit: float = TIME_LIMIT) -> None:
        """``preload``: read the longest posting lists ahead in the background when the first searcher opens;
        ``time_limit``: seconds of CPU one search may use (``limits``)."""
        self.store = Store(directory, writer_timeout)
        self.searchers = LookingSearchers(self.store, preload)
        self.time_limit = time_limit
        self._parser = queries.make_parser()

    @property
    def directory(self) -> Path:
        return self.store.directory

    # -- writing (``kb.repository.sync`` holds the lock) ------------------------------------
    def exists(self) -> bool:
        return self.store.exists()

    def lock(self, wait: bool = True, fd: int | None = None):
        return self.store.lock(wait, fd)

    def claim(self) -> int | None:
        return self.store.claim()

    def rebuild_failure(self) -> dict[str, Any] | None:
        return self.store.rebuild_failure()

    def manifest(self) -> dict[str, dict[str, Any]] | None:
        return self.store.manifest()

    def outdated(self) -> bool:
        return self.store.outdated()

    def manifest_stamp(self) -> tuple | None:
        return self.store.manifest_stamp()

    def update(
        self, records: list[Record], deleted: list[str], manifest: dict[str, dict[str, Any]] | None = None, tables: Tables | None = None
    ) -> dict[str, dict[str, Any]]:
        self.searchers.forget()
        return self.store.update(records, deleted, manifest, tables)

    def rebuild(self, records_of: RecordsOf, parts: int = 1, processes: int = 1, tables: Tables | None = None) -> int:
        self.searchers.forget()
        return self.store.rebuild(records_of, parts, processes, tables)

    def table(self, name: str) -> list[dict[str, Any]]:
        """A content table stored with the documents (``kb.repository.sync`` writes the place table)."""
        return self.store.table(name)

    def optimize(self) -> None:
        self.searchers.forget()
        self.store.optimize()

    def look(self, once: bool) -> None:
        """``once``: this thread checks the index for changes at its first call only, until
        ``look(False)`` (a web request: ``kb.web``); ``looks``."""
        self.searchers.look(once)

    def close(self) -> None:
        self.searchers.close()

    def verify(self, thorough: bool = False) -> None:
        """Open and probe the live index afresh; ``IndexUnavailable`` with the reason when it is unreadable.

        It is unreadable too when a read failed on damaged files before (in any process), or
        when a file's size (``thorough``: any byte) differs from what was written.
        """
        self.searchers.verify(thorough)

    # -- lookups -----------------------------------------------------------------
    @_reading
    def document_count(self, access: Iterable[str]) -> int:
        return len(self.searchers.current().allowed(access))

    @_reading
    def get(self, key: str, access: Iterable[str]) -> Doc | None:
        searcher = self.searchers.current()
        docnum = searcher.whoosh.document_number(key=key)
        if docnum is None:
            return None
        doc = searcher.document(docnum)
        return doc if doc.access in set(access) else None

    @_reading
    def find(self, access: Iterable[str], sort: str = "title", limit: int | None = None, **terms: str) -> list[Doc]:
        """Documents where every ``field=value`` holds, sorted by ``title``, ``-updated`` or ``order``."""
        query = And([Term(name, facet_value(name, value)) for name, value in terms.items()]) if terms else Every()
        searcher = self.searchers.current()
        allowed = searcher.allowed(access)
        docs = np.array([d for d in searcher.whoosh.docs_for_query(query) if d in allowed], dtype=np.int64)
        ordered = docs[np.argsort(self._sort_rank(sort)[docs], kind="stable")][:limit]
        return [searcher.document(d) for d in ordered.tolist()]

    def _sort_rank(self, sort: str) -> np.ndarray:
        """Each document's position in ``sort`` order, as Whoosh sorts (built once per searcher,
        so a listing sorts its few documents instead of opening the sort columns every time)."""
        searcher = self.searchers.current()

        def build() -> np.ndarray:
            rank = np.full(searcher.n_docs, searcher.n_docs, dtype=np.int64)  # deleted documents last
            ordered = [hit.docnum for hit in searcher.whoosh.search(Every(), limit=None, sortedby=_SORTS[sort]())]
            rank[ordered] = np.arange(len(ordered))
            return rank

        return searcher.derive(f"sort-rank:{sort}", build)

    def _updated_order(self) -> np.ndarray:
        """Each document's sort key by last update, newest first (equal dates equal, so the best
        match comes first among them); undated documents (people, glossary terms) after every dated one."""
        searcher = self.searchers.current()

        def build() -> np.ndarray:
            order = np.full(searcher.n_docs, np.iinfo(np.int64).max, dtype=np.int64)
            for leaf, offset in searcher.leaves:
                raw = np.fromiter(leaf.column_reader("updated", translate=False), dtype=np.uint64, count=leaf.doc_count_all())
                dated = raw < np.uint64(_UNDATED)  # Whoosh's value for a document without one
                order[offset : offset + len(raw)][dated] = -raw[dated].astype(np.int64)
            return order

        return searcher.derive("sort-order:updated", build)

    def _visible(self, query, access: Iterable[str], **options: Any) -> list[Doc]:
        searcher = self.searchers.current()
        allowed = searcher.allowed(access)
        if not allowed:  # an empty set would mean "no filter" to Whoosh
            return []
        return [searcher.document(hit.docnum) for hit in searcher.whoosh.search(query, filter=allowed, **options)]

    # -- searching ---------------------------------------------------------------
    @_reading
    def search(  # noqa: PLR0913 - the values a result page is cached by, each a visitor's choice
        self,
        variants: list[str],
        access: Iterable[str],
        filters: Iterable[tuple[str, str]],
        page: int = 1,
        per_page: int = 10,
        facets: tuple[str, ...] = SEARCH_FACETS,
        sort: str = "relevance",
    ) -> ResultSet:
        """Run the query (the user's text and its acronym variants) with facet counts.

        Access is a filter inside the query, so totals, facets and pages never count what
        the reader may not see. Facets ignore the reader's own filters, so they show what
        each choice would give. Filters are (facet name, value) pairs: a document must have one
        of the values given for each facet named. ``QueryTooCostly`` when the query would cost
        more than any search may (``limits``). ``sort``: "relevance" (best first) or "updated"
        (last updated first, then best first), over every match before the page is cut.
        """
        searcher = self.searchers.current()
        filters = tuple(filters)
        key = (tuple(variants), tuple(access), filters, facets, page, per_page, sort)
        cached = searcher.pages.get(key)
        if cached is None:
            plan = queries.plan(self._parser, variants, match_all=bool(filters))
            budget = Budget(self.time_limit, tuple(access))
            order = self._updated_order() if sort == "updated" else None
            cached = searcher.pages[key] = queries.run(searcher, plan, variants, access, filters, facets, page, per_page, budget, order)
        return cached

    @_reading
    def complete(self, text: str, access: Iterable[str], limit: int = 10) -> list[Doc]:
        """Documents whose title or alias words start with the typed words."""
        return self.complete_any([(w,) for w in re.findall(r"\w+", text.casefold())][:8], access, limit)

    @_reading
    def complete_any(self, words: list[tuple[str, ...]], access: Iterable[str], limit: int = 10) -> list[Doc]:
        """Documents with, for each typed word, a title or alias word starting with one of its spellings."""
        if not words:
            return []
        query = And([Or([Term("title_ac", spelling_word(w)[:SUGGEST_MAX]) for w in spellings]) for spellings in words])
        return self._visible(query, access, limit=limit, sortedby=_SHORTEST_TITLES)

    @_reading
    def near_words(self, word: str, access: Iterable[str], limit: int = 8) -> list[str]:
        """Words of the documents of these access levels that ``word`` begins, typed with one typo."""
        word = spelling_word(word)
        return near_prefixes(word, self.searchers.current().spelling_candidates(tuple(access), word[:1]), limit) if word else []

    @_reading
    def correct(self, word: str, access: Iterable[str]) -> str | None:
        """The closest spelling of an unknown word among the words of the documents of these
        access levels (their own dictionaries), or None when the word is one of them."""
        searcher = self.searchers.current()
        access = tuple(access)
        fields = [spell_field(level) for level in access]
        word = spelling_word(word)

        def documents(candidate: str) -> int:
            return sum(searcher.whoosh.doc_frequency(name, candidate) for name in fields)

        if not word or documents(word) > 0:
            return None
        return closest(word, searcher.spelling_candidates(access, word[0]), documents)

    # -- arrays over document numbers, for services that rank themselves (kb.directory) ------
    def pinned(self):
        """Inside the block this thread keeps one index state, so arrays from several calls line up."""
        return self.searchers.pinned()

    def n_docs(self) -> int:
        return self.searchers.current().n_docs

    @_reading
    def kind_scores(self, variants: list[str], access: Iterable[str], kind: str) -> tuple[np.ndarray, np.ndarray]:
        """(score of the query for every document number, mask of the ``kind`` documents this access sees).

        Scores are those of ``search`` (BM25F for words and phrases); outside the mask they are 0.
        """
        searcher = self.searchers.current()
        access = tuple(access)
        visible = searcher.derive(
            f"visible:{','.join(access)}:{kind}", lambda: searcher.mask(searcher.allowed(access)) & searcher.value_mask("type", kind)
        )
        if not visible.any():  # none of that kind to rank (no people in the index): score nothing
            return np.zeros(len(visible), dtype=np.float32), visible.copy()
        scores, _ = queries.matches(searcher, queries.plan(self._parser, variants), Budget(self.time_limit, access))
        return scores * visible, visible.copy()

    @_reading
    def field_values(self, name: str) -> FieldValues:
        """Every value of keyword field ``name`` with its documents (built once per searcher)."""
        searcher = self.searchers.current()
        return searcher.derive(f"field-values:{name}", lambda: build_field_values(searcher, name))

    def values_mask(self, name: str, values: Iterable[str]) -> np.ndarray:
        """Documents having any of ``values`` in field ``name`` (may include deleted ones: combine
        with a mask from ``kind_scores``); nothing is cached per value."""
        return self.field_values(name).mask(values, self.n_docs())

    @_reading
    def docnum(self, key: str) -> int | None:
        """The document number of a live document by its key (``person:maria-delgado``), or None."""
        return self.searchers.current().whoosh.document_number(key=key)

    @_reading
    def title_rank(self) -> np.ndarray:
        """Each document's position in title order (sorting by name is ``argsort`` of this)."""
        return self._sort_rank("title")

    @_reading
    def titles(self) -> list[tuple[int, str, str, str]]:
        """(document number, title in lower case, type, access level) of every live document, read
        from the columns without unpickling a stored document (use inside ``pinned``)."""
        searcher = self.searchers.current()
        titles = [title for leaf, _ in searcher.leaves for title in leaf.column_reader("sort_title")]
        kinds = {d: kind for kind in KIND_NAMES for d in searcher.docs("type", kind)}
        levels = {d: level for level in ACCESS_LEVELS for d in searcher.docs("access", level)}
        live = searcher.whoosh.reader().all_doc_ids()
        return [(d, titles[d], kinds.get(d, ""), levels.get(d, "staff")) for d in live]

    @_reading
    def stored(self, docnums: Iterable[int]) -> list[Doc]:
        """The documents of these document numbers (from ``kind_scores`` and masks)."""
        searcher = self.searchers.current()
        return [searcher.document(int(d)) for d in docnums]

    @_reading
    def per_generation(self, name: str, build: Callable[[], Any]) -> Any:
        """A value derived from the index, built once per searcher, so again after every change.

        ``name`` must come from the code, never from a visitor (the values are not bounded).
        """
        return self.searchers.current().derive(name, build)
