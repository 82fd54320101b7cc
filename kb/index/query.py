"""Parsing and running a search: match, facets, then one page of hits with snippets.

Access and filters are masks over document numbers, so counts, facets and pages only ever
see what the reader may see. Word and phrase queries are ranked by BM25F (``kb.ranking``)
over cached posting arrays; anything else (prefixes, field names, AND, NOT) is parsed by
Whoosh and run over the same arrays (``boolean``). What a query may cost is bounded by
``limits``: its parts before it runs, its time and expansions while it runs.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh import qparser
from whoosh.analysis import STOP_WORDS as _ANALYZER_STOP_WORDS
from whoosh.query import Every, NullQuery, Or, Phrase, Term

from .. import kinds
from ..facets import BY_NAME as FACETS
from ..ranking import top
from .boolean import evaluate
from .limits import Budget, Tally, as_prose, parts_of
from .schema import FACET_FIELDS, FIELD_BOOSTS, build_schema, facet_value, split
from .searchers import Searcher
from .snippets import match_pattern, snippet

OPERATORS = frozenset({"and", "or", "not", "andnot", "andmaybe"})  # Whoosh's query words
VARIANT_BOOST = 0.9  # a rewrite (an acronym's expansion) counts a little less than the reader's words
NAME_LIFT = 1.0  # the reader's words that name a document (``named``) count this much more there
NAME_WORDS = (2, 10)  # a name has two words at least; a longer query is a sentence: nothing is lifted
_WORD = re.compile(r"\w+")
STOP_WORDS = frozenset(_ANALYZER_STOP_WORDS)  # the analyzer drops them: never indexed


@dataclass(frozen=True)
class Hit:
    type: str
    id: str
    title: str
    summary: str
    areas: tuple[str, ...]
    score: float
    snippet: str  # HTML: escaped text with <mark> around matches; "" when nothing matched
    updated: dt.datetime | None = None


@dataclass(frozen=True)
class ResultSet:
    total: int
    page: int
    per_page: int
    hits: tuple[Hit, ...]
    facets: dict[str, dict[str, int]]


# The fields a query may name (``title:closure``, ``tags:lor``): the searched text, the facets and
# the sortable values. The others are the index's own (each document's links, which name staff-only
# articles too; the spelling dictionaries; keys); named in a query, they are read as words.
NAMED_FIELDS = (*FIELD_BOOSTS, "type", *FACET_FIELDS, "order", "updated")


def make_parser():
    parser = qparser.MultifieldParser(list(FIELD_BOOSTS), build_schema(), fieldboosts=FIELD_BOOSTS, group=qparser.OrGroup.factory(VARIANT_BOOST))
    parser.remove_plugin_class(qparser.WildcardPlugin)
    parser.replace_plugin(qparser.FieldsPlugin(expr=r"(?<![\w:])(?P<text>" + "|".join(NAMED_FIELDS) + r"|[*]):"))
    parser.add_plugin(qparser.PrefixPlugin())
    return parser


Clauses = list[tuple[float, list[tuple[str, ...]]]]  # (boost, [("word", stem) or ("phrase", *stems)]) per variant
# Words and "quoted phrases" separated by spaces, without Whoosh syntax (fields, groups, ranges,
# boosts, prefixes, single quotes, slop); each part ends at a space, so matching never backtracks.
_SYNTAX = "\\s\"()\\[\\]{}^:*'~"
_PLAIN = re.compile(rf'\s*(?:(?:"[^"]*"|[^{_SYNTAX}]+)(?:\s+|$))*')
_PLAIN_PART = re.compile(rf'"([^"]*)"|([^{_SYNTAX}]+)')
_UPPER_OPERATORS = frozenset(op.upper() for op in OPERATORS)


@dataclass(frozen=True)
class Plan:
    """How a query runs: BM25F over ``clauses``, or Whoosh's own search of ``query`` (clauses None)."""

    clauses: Clauses | None
    query: Any  # the Whoosh query; None when the plain-text path made the clauses
    stems: tuple[str, ...]  # analysed words, for highlighting
    named: tuple[str, ...] = ()  # Whoosh's query only: the reader's own words in order, for ``named``


def plan(parser, variants: list[str], match_all: bool = False) -> Plan:
    """Plain words and phrases are analysed directly (Whoosh's parser costs more than the ranking);
    anything else goes through the parser. Both give the same clauses (tests compare them).

    The reader's own text (the first variant) must fit ``limits``' caps, or ``QueryTooCostly``
    says why; an acronym rewrite that would not fit is left out.
    """
    if not variants:
        return Plan(None, Every() if match_all else NullQuery, ())
    if not _PLAIN.fullmatch(variants[0]):
        variants = as_prose(variants)
    clauses = plain_clauses(parser.schema["body"].analyzer, variants)
    if clauses == []:  # plain text with only stop words and single letters: nothing to parse or find
        return Plan(None, NullQuery, ())
    if clauses:
        clauses = fitting(clauses)
        return Plan(clauses, None, tuple(dict.fromkeys(w for _, variant in clauses for _, *ws in variant for w in ws)))
    query = parse(parser, variants)
    stems = tuple(text for name, text in query.all_terms() if name == "body" and isinstance(text, str))
    typed = [token.text for token in parser.schema["body"].analyzer(variants[0])]  # in the reader's order (all_terms is a set)
    return Plan(word_clauses(query), query, stems, tuple(dict.fromkeys(word for word in typed if word in stems)))


def plain_clauses(analyzer, variants: list[str]) -> Clauses | None:
    """The clauses of variants made only of words and quoted phrases ([] when the analyser drops
    every word); None for anything else."""
    parsed = []
    for boost, text in zip([1.0] + [VARIANT_BOOST] * (len(variants) - 1), variants, strict=False):  # no variants: nothing
        if not _PLAIN.fullmatch(text):
            return None
        groups: list[tuple[str, ...]] = []
        for phrase, word in _PLAIN_PART.findall(text):
            if word == "OR":  # words are OR'ed anyway: the parser's clauses are the same
                continue
            if word in _UPPER_OPERATORS:
                return None
            stems = [token.text for token in analyzer(phrase or word)]
            if phrase and len(stems) > 1:
                groups.append(("phrase", *stems))
            else:
                groups += [("word", stem) for stem in stems]
        if groups:
            parsed.append((boost, list(dict.fromkeys(groups))))
    return parsed


def fitting(clauses: Clauses) -> Clauses:
    """The plain variants within the caps on words and phrases (the first one must fit)."""
    tally, kept = Tally(), []
    for number, (boost, groups) in enumerate(clauses):
        words = {word for _, *stems in groups for word in stems}
        phrases = {tuple(stems) for kind, *stems in groups if kind == "phrase"}
        if tally.fits(words, phrases, set(), first=number == 0):
            kept.append((boost, groups))
    return kept


def parse(parser, variants: list[str]):
    """The user's text and the variants that fit the caps as one query; malformed syntax never raises."""
    tally, parsed = Tally(), []
    for number, (boost, text) in enumerate(zip([1.0] + [VARIANT_BOOST] * (len(variants) - 1), variants, strict=False)):
        if not tally.may_parse(text, first=number == 0):
            continue
        query = _parse_one(parser, text)
        if query is not None and query is not NullQuery and tally.fits(*parts_of(query, text), first=number == 0):
            query.boost = boost
            parsed.append(query)
    return Or(parsed) if parsed else NullQuery


def _parse_one(parser, text: str):
    try:
        return parser.parse(text)
    except Exception:  # noqa: BLE001 - whoosh's parser can trip on odd syntax; retry as plain words
        words = re.sub(r"[^\w\s]", " ", text).split()
        try:  # operators as words too: '" " NOT NOT "' trips it again
            return parser.parse(" ".join(w.lower() if w in _UPPER_OPERATORS else w for w in words))
        except Exception:  # noqa: BLE001 - nothing left to try: no query
            return None


def run(  # noqa: PLR0913 - one call, from SearchIndex.search, which caches the page by these same values
    searcher: Searcher,
    plan: Plan,
    variants: list[str],
    access: Iterable[str],
    filters: tuple[tuple[str, str], ...],
    counted: tuple[str, ...],
    page: int,
    per_page: int,
    budget: Budget,
    order: np.ndarray | None = None,
) -> ResultSet:
    """Match, count facets (ignoring the reader's own filters), filter, then build one page:
    best first, or in ``order`` (each document's position in a sort order) with the best first among equals."""
    allowed = searcher.visible(tuple(access))  # built once per searcher and access
    scores, matched = matches(searcher, plan, budget)
    matched = matched & allowed
    facets = {name: searcher.counts(matched, FACETS[name].field) for name in counted}
    selected = matched
    chosen: dict[str, np.ndarray] = {}  # values of one facet: either; of different facets: all
    for name, value in filters:
        field_name = FACETS[name].field
        mask = searcher.value_mask(field_name, facet_value(field_name, value))
        chosen[name] = chosen[name] | mask if name in chosen else mask
    for mask in chosen.values():
        selected = selected & mask
    total = int(np.count_nonzero(selected))
    start = (page - 1) * per_page
    best, best_scores = top(scores, selected, page * per_page) if order is None else sorted_by(order, scores, selected, page * per_page)
    shown = zip(best[start:].tolist(), best_scores[start:].tolist(), strict=True)
    near = _highlight(plan.stems, variants)
    hits = []
    for docnum, score in shown:  # a snippet reads a whole text when its words are not in it
        budget.check()
        hits.append(_hit(searcher.whoosh.stored_fields(docnum), score, near))
    return ResultSet(total=total, page=page, per_page=per_page, hits=tuple(hits), facets=facets)


def sorted_by(order: np.ndarray, scores: np.ndarray, mask: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, scores) of the first ``count`` matches in ``order``; ties: best first."""
    candidates = np.flatnonzero(mask & (scores > 0))
    best = candidates[np.lexsort((candidates, -scores[candidates], order[candidates]))][:count]
    return best, scores[best]


_LEAST_SCORE = np.float32(1e-6)  # a match's score is never 0, or ``top`` would not rank it ('case^0', NOT alone)


def matches(searcher: Searcher, plan: Plan, budget: Budget) -> tuple[np.ndarray, np.ndarray]:
    """(score of every document, mask of the matching ones), every match scoring above 0."""
    if plan.clauses is not None:
        scores = bm25f(searcher, plan.clauses, budget)
        return scores, scores > 0
    scores, mask = evaluate(searcher, plan.query, budget)
    scores = scores + NAME_LIFT * named(searcher, list(plan.named), budget)  # as the same words without syntax
    return _kind_boosted(searcher, np.where(mask, np.maximum(scores, _LEAST_SCORE), 0).astype(np.float32)), mask


def _highlight(stems: tuple[str, ...], variants: list[str]) -> re.Pattern[str] | None:
    words = [w for v in variants for w in _WORD.findall(v.casefold()) if w not in STOP_WORDS and w not in OPERATORS]
    return match_pattern([*stems, *words])


def bm25f(searcher: Searcher, clauses: Clauses, budget: Budget) -> np.ndarray:
    """Sum over variants (with their boosts) of the BM25F of their words and phrases.

    A phrase scores as its words do, in the documents that have them all: for a phrase the
    searcher typed (the first variant), next to each other, as Whoosh finds from positions;
    for an acronym's expansion added by a rewrite, anywhere (positions cost too much there).
    """
    scores = np.zeros(searcher.n_docs, dtype=np.float32)
    for number, (boost, variant) in enumerate(clauses):
        for kind, *words in variant:
            budget.check()
            word_scores = [searcher.term_scores(word, budget.access) for word in words]
            clause_scores = sum(word_scores)
            if kind == "phrase" and number == 0:  # the reader's own quotes: words in that order
                clause_scores = clause_scores * searcher.phrase_mask(tuple(words))
            elif kind == "phrase":  # an acronym's expansion: all its words, in any order
                clause_scores = clause_scores * np.logical_and.reduce([w > 0 for w in word_scores])
            scores += boost * clause_scores
        if number == 0:
            scores += NAME_LIFT * named(searcher, [word for _, *words in variant for word in words], budget)
    return _kind_boosted(searcher, scores)


def named(searcher: Searcher, words: list[str], budget: Budget) -> np.ndarray:
    """What the reader's words add where they name the document: the words of each pair of them
    that stands as a phrase in its aliases ("case closure"), and all of them when they are its
    whole title. Each such word scores once more there, so a page called what the reader typed
    comes above pages that only contain the words.
    """
    lift = np.zeros(searcher.n_docs, dtype=np.float32)
    if not NAME_WORDS[0] <= len(words) <= NAME_WORDS[1]:
        return lift
    naming = {word: np.zeros(searcher.n_docs, dtype=bool) for word in words}
    for pair in itertools.pairwise(words):
        budget.check()
        in_aliases = searcher.phrase_mask(pair, ("aliases",))
        for word in pair:
            naming[word] |= in_aliases
    titled = searcher.phrase_mask(tuple(words), ("title",)) & (searcher.field_stats["title"].lengths == len(words))
    for word, mask in naming.items():
        lift += searcher.term_scores(word, budget.access) * (mask | titled)
    return lift


def _kind_boosted(searcher: Searcher, scores: np.ndarray) -> np.ndarray:
    """Scores times each kind's boost (``kb.kinds``), in place."""
    for kind in kinds.KINDS:
        if kind.boost != 1.0:
            scores[searcher.value_mask("type", kind.name)] *= kind.boost
    return scores


def word_clauses(query) -> Clauses | None:
    """The query as boosted variants of word and phrase clauses, when that is all it is; else None.

    The parser turns each word into the same term in every searched field, and a quoted phrase
    into the same phrase in every field (flattened into one Or). Prefixes, field names, AND and
    NOT are left to Whoosh.
    """
    if query is NullQuery or isinstance(query, Every):
        return None
    parsed = []
    for variant in query.subqueries if isinstance(query, Or) else [query]:
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


def _hit(stored: dict[str, Any], score: float, near: re.Pattern[str] | None) -> Hit:
    return Hit(
        type=stored["type"],
        id=stored["id"],
        title=stored["title"],
        summary=stored.get("summary", ""),
        areas=split(stored.get("areas")),
        score=round(float(score or 0.0), 4),
        snippet=snippet(stored.get("body", ""), near) if near else "",
        updated=stored.get("updated"),
    )
