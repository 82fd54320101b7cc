"""Watching and notifications (issue 21).

- ``models``: the tables (migration 0008);
- ``watching``: who watches an article, area, path or person (an article's experts without asking);
- ``events``: ``notify``, the one function every source calls (its docstring says how), and the fan-out;
- ``delivery``: a user's notifications as they may see them now (the page, the header count);
- ``sources``: feedback, proposals, published commits and the freshness rules as events;
- ``mail``: immediate mail and daily digests, unsubscribe tokens; ``feed``: the private Atom feed;
- ``worker``: ``run``, what ``flask kb notify`` and each ``kb watch`` round do.
"""

from .events import KINDS, notify

__all__ = ["KINDS", "notify"]
