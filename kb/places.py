"""The place table (``regions.yml``): combatant commands, the words for their areas, their countries.

Pure lookups over the loaded table, shared by indexing (a person or article naming Kenya
also counts for AFRICOM) and by the directory (a query saying "Africa" or "South America"
means AFRICOM or SOUTHCOM). Nothing about places is written in Python: it all comes from
the table, so content editors can add a country or a word without a code change.

Values compare folded (``kb.facets.fold``), so ``Côte d'Ivoire`` == ``cote d ivoire``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .content import REGIONS_FILE, Command, parse_regions
from .facets import fold, fold_all

# words that do not tell countries apart: "Republic of Korea" is also found as "Korea"
_COUNTRY_FILLER = frozenset({"the", "of", "republic", "and"})
_MAX_WORDS = 5  # longest place name looked for in a query, in words


def country_keys(name: str) -> set[str]:
    """The folded ways a query may name a country: in full, and without filler words."""
    full = fold(name)
    short = " ".join(w for w in full.split() if w not in _COUNTRY_FILLER)
    return {k for k in (full, short) if k}


@dataclass(frozen=True)
class PlaceMatch:
    """What a query says about places: commands and countries, and which of its words said it."""

    commands: frozenset[str] = frozenset()  # folded command codes, from command words or names
    countries: frozenset[str] = frozenset()  # folded country names
    used: frozenset[int] = frozenset()  # positions of the folded query words that named a place

    def __bool__(self) -> bool:
        return bool(self.commands or self.countries)


@dataclass(frozen=True)
class Places:
    """Lookups over the commands of ``regions.yml``."""

    commands: tuple[Command, ...] = ()

    @cached_property
    def by_code(self) -> dict[str, Command]:
        """Folded command code -> command."""
        return {fold(c.command): c for c in self.commands}

    @cached_property
    def _country_command(self) -> dict[str, str]:
        return {fold(country): fold(c.command) for c in self.commands for country in c.countries}

    @cached_property
    def country_names(self) -> dict[str, str]:
        """Folded country -> its name as the table writes it."""
        return {fold(country): country for c in self.commands for country in c.countries}

    @cached_property
    def _phrases(self) -> dict[tuple[str, ...], tuple[str, str]]:
        """Folded words -> ("command" | "country", folded code or country)."""
        table: dict[tuple[str, ...], tuple[str, str]] = {}
        for command in self.commands:
            code = fold(command.command)
            for text in (command.command, command.name, *command.words):
                if fold(text):
                    table.setdefault(tuple(fold(text).split()), ("command", code))
        for country in self._country_command:
            for key in country_keys(country):
                table.setdefault(tuple(key.split()), ("country", country))
        return table

    def command_of(self, country: str) -> str | None:
        """The folded command code of a country (any spelling ``fold`` maps alike), or None."""
        return self._country_command.get(fold(country))

    def commands_for(self, regions: Iterable[str], countries: Iterable[str]) -> tuple[str, ...]:
        """Folded command codes: the regions as written, then the commands of the countries."""
        derived = (self.command_of(c) for c in countries)
        return fold_all([*regions, *(d for d in derived if d)])

    def label(self, code: str) -> str:
        """A folded command code as the table writes it (``africom`` -> ``AFRICOM``)."""
        command = self.by_code.get(fold(code))
        return command.command if command else code.upper()

    def resolve_region(self, value: str) -> str:
        """A region filter as typed (``AFRICOM``, ``Africa``, ``U.S. Africa Command``) -> folded code."""
        folded = fold(value)
        found = self._phrases.get(tuple(folded.split()))
        return found[1] if found and found[0] == "command" else folded

    def match(self, text: str, extra_countries: Iterable[str] = ()) -> PlaceMatch:
        """The places a query names, longest phrase first (``South America`` before ``America``).

        ``extra_countries`` are folded country names known elsewhere (profiles naming a country
        the table lacks); they match in full.
        """
        words = fold(text).split()
        phrases = dict(self._phrases)
        for country in extra_countries:
            for key in country_keys(country):
                phrases.setdefault(tuple(key.split()), ("country", fold(country)))
        commands, countries, used = set(), set(), set()
        position = 0
        while position < len(words):
            for size in range(min(_MAX_WORDS, len(words) - position), 0, -1):
                found = phrases.get(tuple(words[position : position + size]))
                if found:
                    (commands if found[0] == "command" else countries).add(found[1])
                    used.update(range(position, position + size))
                    position += size
                    break
            else:
                position += 1
        return PlaceMatch(frozenset(commands), frozenset(countries), frozenset(used))


def place_rows(commands: tuple[Command, ...]) -> list[dict]:
    """The place table as rows the index stores with its documents (``SearchIndex.table``)."""
    return [dataclasses.asdict(c) for c in commands]


def places_from_rows(rows: list[dict]) -> Places:
    """The place table the index stored (no table: no places, as without ``regions.yml``)."""
    fields = {f.name for f in dataclasses.fields(Command)}
    return Places(tuple(Command(**{k: tuple(v) if isinstance(v, list) else v for k, v in row.items() if k in fields}) for row in rows))


def read_places(content_dir: Path | str) -> Places:
    """The place table of a content folder (problems are for ``kb check`` to report)."""
    path = Path(content_dir) / REGIONS_FILE
    try:
        raw = path.read_bytes()
    except OSError:
        return Places()
    return Places(tuple(parse_regions(REGIONS_FILE, raw)[0]))
