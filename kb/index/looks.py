"""One look at the index per request: the live generation is checked at the first call only.

A web request makes a dozen index calls (the results, the spelling step, the staff-only label
and the places of each hit, the facets' names); each checked the live generation on disk (a
file read and a directory listing), about a third of an uncached search's time. Inside a
look the thread keeps the searcher its first call found fresh, so a request also sees one
index state. A failed read on a replaced generation still retries on the new one
(``Searchers.recheck`` closes the searcher, and a closed one is never kept), and a write in
the same thread ends what was seen (``forget``).
"""

from __future__ import annotations

from .searchers import Searcher, Searchers


class LookingSearchers(Searchers):
    """``Searchers`` that check for changes once per look (``look``), else at every call."""

    def current(self) -> Searcher:
        if getattr(self._local, "pinned", None) is None:
            looked = getattr(self._local, "looked", None)
            if looked is not None and looked is getattr(self._local, "searcher", None):
                return looked
        searcher = super().current()
        self._local.looked = searcher if getattr(self._local, "looking", False) else None
        return searcher

    def look(self, once: bool) -> None:
        """``once``: from here this thread checks the index at its first call only; False: at every call."""
        self._local.looking, self._local.looked = once, None

    def forget(self) -> None:
        """The next call checks again (this thread changed the index)."""
        self._local.looked = None
