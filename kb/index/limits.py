"""What one search may cost, so that no query can hold a worker for long.

Caps on what a query is made of are checked before anything is read: the reader's own text
must fit them (it is refused with a message saying what to change), and the acronym rewrites
the search adds (``kb.queries.Acronyms``: each is the whole text again, with one term replaced)
are kept while the search as a whole stays within ``REWRITE_ROOM`` times the caps on words
and phrases and within ``MAX_PARSED_PARTS``. While a search runs, its ``Budget`` counts the
words its prefixes and ranges stand for and the CPU time its thread has used. Before these
bounds ``a* b* … z*`` took 4.8 s and ``[a TO z]`` 3.1 s on the starter content (issue 17);
``bench/hostile_queries.py`` measures the worst queries they allow against an ordinary one.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

from whoosh.query import NumericRange, Phrase, Prefix, Term, TermRange

MIN_PREFIX = 3  # letters before a `*`: `a*` stands for a sixth of the vocabulary
MAX_WORDS = 24  # different words in one search, those of its phrases included
MAX_PHRASES = 8  # quoted phrases, whose word positions are read
MAX_PATTERNS = 2  # prefixes and ranges: each is a look-up in the word list of every field and segment
MAX_EXPANSIONS = 64  # words all the prefixes and ranges of one search may stand for together
MAX_SYNTAX_PARTS = 24  # words, operators, brackets and quotes of a query with search syntax (parsing cost)...
MAX_PARSED_PARTS = 40  # ...and of it and its acronym rewrites together, each parsed again
TIME_LIMIT = 0.5  # seconds of CPU one search may use (KB_SEARCH_TIME_LIMIT)
REWRITE_ROOM = 2  # the reader's text and its acronym rewrites together: twice the caps on words and phrases

_PART = re.compile(r"\w+|[^\w\s]")
_OPERATORS = re.compile(r"[*~^\[\]{}]")  # prefixes, fuzziness, boosts, ranges: what a reader types as a query
_PROSE_MARKS = re.compile(r"[\"()\[\]{}^:*'~]")  # the search syntax a sentence also has (and any the rewrites add)


def as_prose(variants: list[str]) -> list[str]:
    """A text over ``MAX_SYNTAX_PARTS`` whose only syntax is brackets, quotes, colons and apostrophes
    is a pasted sentence ("… tumor necrosis factor (TNF-α) and the patient's …"), not a query:
    its words are searched, as plain words cost no parsing, instead of the search being refused.
    Operators (``a* b* … z*``) are a query: those are refused, saying why."""
    text = variants[0] if variants else ""
    if len(_PART.findall(text)) <= MAX_SYNTAX_PARTS or _OPERATORS.search(text):
        return variants
    return [_PROSE_MARKS.sub(" ", variant) for variant in variants]


class QueryTooCostly(Exception):
    """A search refused because it would cost more than any search may; the message says what to change."""


class Budget:
    """One search's allowance while it runs: CPU seconds of its thread (others' load does not
    count), and the words its prefixes and ranges may stand for.

    ``access``: the levels of the documents the search is for (None: every document). Only they
    count, in scores and in the words a prefix or range stands for, so neither a score nor a
    refusal reveals a document, or a word, the reader may not see.
    """

    def __init__(self, seconds: float = TIME_LIMIT, access: tuple[str, ...] | None = None) -> None:
        self.access = access
        self.deadline = time.thread_time() + seconds
        self.expanded: set[bytes] = set()
        self.known: dict[Any, Any] = {}  # what each prefix or range found, once: every acronym rewrite repeats them

    def check(self) -> None:
        if time.thread_time() >= self.deadline:
            raise QueryTooCostly("This search took too long and was stopped. Please use fewer or more specific words.")

    def expand(self, pattern: str, word: bytes) -> None:
        """Count one word a prefix or range stands for; refused past the cap."""
        self.expanded.add(word)
        if len(self.expanded) > MAX_EXPANSIONS:
            raise QueryTooCostly(f"{pattern} matches more than {MAX_EXPANSIONS} words. Please type more letters or search for the words themselves.")
        self.check()


class Tally:
    """The parts of a search's variants so far, against the caps. The first variant is the
    reader's own text: it must fit, or the search is refused; a rewrite is left out when the
    variants so far and it would not fit in the room left for rewrites."""

    def __init__(self) -> None:
        self.syntax = 0
        self.words: set[str] = set()
        self.phrases: set[tuple[str, ...]] = set()
        self.patterns: set[tuple] = set()

    def may_parse(self, text: str, first: bool) -> bool:
        """Whether a variant with search syntax fits (the parser's time grows with its parts): checked before parsing."""
        syntax = self.syntax + len(_PART.findall(text))
        fits = syntax <= (MAX_SYNTAX_PARTS if first else MAX_PARSED_PARTS)
        if not fits and first:
            raise QueryTooCostly(f"This search has more than {MAX_SYNTAX_PARTS} words, operators and brackets. Please shorten it.")
        if fits:
            self.syntax = syntax
        return fits

    def fits(self, words: set[str], phrases: set[tuple[str, ...]], patterns: set[tuple], first: bool) -> bool:
        """Whether a variant's words, phrases, prefixes and ranges fit with those of the variants kept so far."""
        words, phrases, patterns = self.words | words, self.phrases | phrases, self.patterns | patterns
        problem = _over(len(words), len(phrases), len(patterns), 1 if first else REWRITE_ROOM)
        if problem and first:
            raise QueryTooCostly(problem)
        if not problem:
            self.words, self.phrases, self.patterns = words, phrases, patterns
        return not problem


def _over(words: int, phrases: int, patterns: int, room: int) -> str | None:
    if words > MAX_WORDS * room:
        return f"This search has more than {MAX_WORDS} different words. Please shorten it to the words that matter most."
    if phrases > MAX_PHRASES * room:
        return f"This search has more than {MAX_PHRASES} quoted phrases. Please use fewer."
    if patterns > MAX_PATTERNS:  # rewrites never add one
        return f"This search has more than {MAX_PATTERNS} prefixes (word*) and ranges. Please use fewer."
    return None


def parts_of(query, text: str) -> tuple[set[str], set[tuple[str, ...]], set[tuple]]:
    """(words, phrases, prefixes and ranges) of ``text`` parsed; a prefix shorter than ``MIN_PREFIX`` is refused."""
    words: set[str] = set()
    phrases: set[tuple[str, ...]] = set()
    patterns: set[tuple] = set()
    for leaf in _leaves(query):
        if isinstance(leaf, Term):
            words.add(str(leaf.text))
        elif isinstance(leaf, Phrase):
            phrases.add(tuple(leaf.words))
            words.update(leaf.words)
        elif isinstance(leaf, Prefix):
            _check_prefix(leaf, text)
            patterns.add(("prefix", leaf.text))
        elif isinstance(leaf, (TermRange, NumericRange)):
            patterns.add(("range", leaf.fieldname if isinstance(leaf, NumericRange) else "", leaf.start, leaf.end))
    return words, phrases, patterns


def _check_prefix(prefix: Prefix, text: str) -> None:
    """The prefix as searched must have ``MIN_PREFIX`` letters: the parser stems it, so ``ins*`` is ``in*``."""
    if len(prefix.text) >= MIN_PREFIX:
        return
    typed = text[prefix.startchar : prefix.endchar] if prefix.startchar is not None else f"{prefix.text}*"
    searched = "" if typed.casefold() == f"{prefix.text}*" else f" (searched as “{prefix.text}*”, without the word ending)"
    raise QueryTooCostly(f"“{typed}” is too short{searched}: please type at least {MIN_PREFIX} letters before the *.")


def _leaves(query) -> Iterator:
    children = list(query.children())
    if not children:
        yield query
    for child in children:
        yield from _leaves(child)
