"""Distinct queries: every request of a throughput run is a query no server has seen yet.

Repeating a fixed list of queries measures the result cache as much as the search. These
queries are 2 to 4 words drawn at random from the SciFact queries' own words, never the same
twice, from a seeded generator, so this app and the reference receive the very same ones.
Several clients share one supply (``Supply``), so no two requests of a run ask the same thing.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import threading
from collections.abc import Callable
from pathlib import Path

from whoosh.analysis import STOP_WORDS

SEED = 24


def vocabulary(queries_file: Path) -> list[str]:
    """The distinct words of the queries (letters only, three or more, no stop words), in first-seen order."""
    words: dict[str, None] = {}
    for line in queries_file.read_text(encoding="utf-8").splitlines():
        for word in re.findall(r"[^\W\d_]{3,}", json.loads(line)["text"]):
            if word.casefold() not in STOP_WORDS:
                words.setdefault(word.casefold(), None)
    return list(words)


def distinct_queries(words: list[str], count: int, seed: int = SEED, sizes: tuple[int, int] = (2, 4)) -> list[str]:
    """``count`` queries of ``sizes`` random words each, no two alike (as sets of words)."""
    rng, seen, queries = random.Random(seed), set(), []
    while len(queries) < count:
        chosen = rng.sample(words, rng.randint(*sizes))
        if frozenset(chosen) not in seen:
            seen.add(frozenset(chosen))
            queries.append(" ".join(chosen))
    return queries


class Supply:
    """Hands out each query once, to whichever client asks next (thread-safe)."""

    def __init__(self, queries: list[str]) -> None:
        self._queries = queries
        self._next = itertools.count()
        self._lock = threading.Lock()

    def take(self) -> str:
        with self._lock:
            number = next(self._next)
        if number >= len(self._queries):
            raise RuntimeError(f"only {len(self._queries)} distinct queries were made: make more for this run")
        return self._queries[number]


def run_clients(clients: int, seconds: float, one_request: Callable[[int], None]) -> float:
    """Requests per second of ``clients`` threads each calling ``one_request(client number)`` for ``seconds``."""
    done = [0] * clients
    stop = threading.Event()

    def client(number: int) -> None:
        while not stop.is_set():
            one_request(number)
            done[number] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return sum(done) / seconds
