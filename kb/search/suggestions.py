"""Suggestions as you type: documents, countries and combatant commands, best match first.

A suggestion ranks by how well its title matches what was typed: the title itself or one of
its acronyms (``LOA``, ``fms`` for "Foreign Military Sales") first, then titles that start
with the text, then titles whose words start with the typed words, then those found only with
one typo in a word of five letters or more (``forign``). Within a rank, areas come before
articles and glossary terms last, then shorter titles. Every document comes from the index
filtered by the reader's access levels, and typos are corrected only to words of documents the
reader may see, so nothing staff-only is ever suggested to anyone else. The work per request
is bounded: the text, the words and the candidates read are capped.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .. import kinds
from ..access import Reader, levels
from ..index import STOP_WORDS, Doc, SearchIndex
from ..index.schema import spelling_word
from ..places import Places

MAX_CHARS = 100  # of the typed text
MAX_WORDS = 8
CANDIDATES = 50  # documents read per request, before ranking
TYPO_FROM = 5  # letters: shorter words are matched as typed
NAMES_PER_KEY = 20  # documents kept per exact name or acronym and access level
SHORTEST_ACRONYM = 2  # letters

EXACT, STARTS, WORDS, TYPO = range(4)  # how well a title matches, best first
_ORDER = ("area", "article", "path", "command", "country", "person", "glossary")  # within a match rank
_LABELS = {**{kind.name: kind.label for kind in kinds.KINDS}, "country": "Country", "command": "Combatant command"}
_ACRONYM_KINDS = ("area", "article", "path")  # whose titles' initials count as an acronym (not people's names)
_WORD = re.compile(r"\w+")
_CAPITALISED = re.compile(r"\b[A-Z][\w-]*")
_BRACKETED = re.compile(r"\(([^()]{1,20})\)")


@dataclass(frozen=True)
class Suggestion:
    title: str
    type: str  # a document kind (``kb.kinds``), "country" or "command"
    id: str  # the document's id, the country's name or the command's code
    rank: int
    whole: bool = False  # the typed words are whole words of the title (``LOA`` in "LOA Notes", not in "Loans")

    @property
    def label(self) -> str:
        return _LABELS[self.type]

    def order(self) -> tuple:
        return (self.rank, not self.whole, _ORDER.index(self.type), len(self.title), self.title.casefold())


def fold(text: str) -> str:
    """Words in lower case with accents folded, as the index holds them (``Chloé`` -> ``chloe``)."""
    return " ".join(_WORD.findall(spelling_word(text)))


def exact_names(title: str, kind: str) -> set[str]:
    """The folded names that match a document exactly: its title (with and without a bracketed
    acronym), that acronym and its initials (``Foreign Military Sales`` -> ``fms``)."""
    bare = _BRACKETED.sub(" ", title)
    names = {fold(title), fold(bare), *(fold(inner) for inner in _BRACKETED.findall(title))}
    if kind in _ACRONYM_KINDS:
        initials = "".join(word[0] for word in _WORD.findall(spelling_word(bare)) if word not in STOP_WORDS)
        if len(initials) >= SHORTEST_ACRONYM:
            names.add(initials)
    return names - {""}


def _names_table(index: SearchIndex) -> dict[str, list[tuple[int, str]]]:
    """Folded exact name -> (document number, access level), for every document (built once per
    index generation from the title column: no stored document is read)."""
    table: dict[str, list[tuple[int, str]]] = {}
    for docnum, title, kind, access in index.titles():
        for name in exact_names(title, kind):
            entries = table.setdefault(name, [])
            if sum(level == access for _, level in entries) < NAMES_PER_KEY:  # per level: staff-only ones never crowd out others
                entries.append((docnum, access))
    return table


def _exact_suggestions(index: SearchIndex, typed: str, access: tuple[str, ...]) -> list[Suggestion]:
    with index.pinned():  # the table's document numbers are those of this searcher
        table = index.per_generation("suggest-names", lambda: _names_table(index))
        found = index.stored(docnum for docnum, level in table.get(typed, ()) if level in access)
    return [Suggestion(doc.title, doc.type, doc.id, EXACT, True) for doc in found if doc.access in access]


def _whole(title: str, typed: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(typed) + r"(?!\w)", fold(title)) is not None


def _starts_words(title_words: Iterable[str], words: list[tuple[str, ...]]) -> bool:
    """Every typed word (one of its spellings) begins one of ``title_words``."""
    return all(any(t.startswith(w) for w in spellings for t in title_words) for spellings in words)


@dataclass(frozen=True)
class _Place:
    title: str
    type: str
    id: str
    names: tuple[str, ...]  # folded: a command's code and name, a country's name
    words: tuple[str, ...]  # the words of all its names


@functools.lru_cache(maxsize=4)  # one table of places per index generation
def _place_entries(places: Places) -> tuple[_Place, ...]:
    entries = []
    for command in places.commands:
        names = (fold(command.command), fold(command.name))
        entries.append(_Place(f"{command.name} ({command.command})", "command", command.command, names, tuple(" ".join(names).split())))
        entries += [_Place(country, "country", country, (fold(country),), tuple(fold(country).split())) for country in command.countries]
    return tuple(entries)


def _place_suggestions(places: Places, typed: str, words: list[tuple[str, ...]], rank: int) -> Iterable[Suggestion]:
    """Combatant commands (by code or name) and their countries that match the typed words."""
    for place in _place_entries(places):
        if typed in place.names:
            yield Suggestion(place.title, place.type, place.id, EXACT, True)
        elif _starts_words(place.words, words):
            starts = any(name.startswith(typed) for name in place.names)
            yield Suggestion(place.title, place.type, place.id, STARTS if starts else rank, _whole(place.title, typed))


def _ranked(doc: Doc, typed: str) -> Suggestion:
    """A document found by the typed words: higher when its title starts with the text, or an alias is it."""
    aliases = getattr(doc.page, "aliases", ())
    starts = fold(doc.title).startswith(typed) or any(fold(alias) == typed for alias in aliases)
    return Suggestion(doc.title, doc.type, doc.id, STARTS if starts else WORDS, _whole(doc.title, typed))


def _with_typos(index: SearchIndex, words: list[str], access: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Each typed word with the words it may be with one typo (words of five letters or more)."""
    return [(word, *index.near_words(word, access)) if len(word) >= TYPO_FROM else (word,) for word in words]


def suggest(index: SearchIndex, reader: Reader, text: str, places: Places | None = None, limit: int = 10) -> list[Suggestion]:
    """The best ``limit`` suggestions for the typed ``text``, for this reader."""
    typed = fold(text[:MAX_CHARS])
    words = typed.split()[:MAX_WORDS]
    if not words:
        return []
    access = levels(reader)
    places = places or Places()
    found = _exact_suggestions(index, typed, access)
    as_typed = [(w,) for w in words]
    found += [_ranked(d, typed) for d in index.complete_any(as_typed, access, CANDIDATES)]
    found += _place_suggestions(places, typed, as_typed, WORDS)
    if len({(s.type, s.id) for s in found}) < limit:
        spelled = _with_typos(index, words, access)
        if spelled != as_typed:
            found += [Suggestion(d.title, d.type, d.id, TYPO) for d in index.complete_any(spelled, access, CANDIDATES)]
            found += _place_suggestions(places, typed, spelled, TYPO)
    return _best(found, limit)


def _best(found: list[Suggestion], limit: int) -> list[Suggestion]:
    """Each place or document once, at its best rank; the ``limit`` best."""
    best: dict[tuple[str, str], Suggestion] = {}
    for item in found:
        key = (item.type, item.id)
        if key not in best or item.order() < best[key].order():
            best[key] = item
    return sorted(best.values(), key=Suggestion.order)[:limit]
