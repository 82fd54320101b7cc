"""Queries with search syntax (AND, OR, NOT, fields, prefixes, ranges) over the cached posting arrays.

Whoosh's own matchers visit every posting in Python: on the starter content ``partner AND fms``
took 50 ms where the same two words without AND took 4 ms, and a prefix or a range read every
word it stands for, without limit. Here each part of the parsed query becomes arrays over
document numbers, (scores, mask), within the search's ``Budget``:

* a word or a phrase the parser put in every searched field: BM25F, as plain word queries are
  ranked (``query.bm25f``), so ``fms AND closure`` ranks as ``fms closure`` does;
* a word or phrase of one field (``title:closure``): that field's BM25, times its boost;
* a prefix or a range: the documents of the words it stands for (counted by the budget), with a
  constant score per field, as Whoosh scores them;
* AND, OR, NOT, ANDNOT, ANDMAYBE, REQUIRE: array operations.

Each word, phrase, prefix and range matches the documents Whoosh's own query object finds, and
the operators combine them as they say (tests compare; Whoosh 2.7.4's matchers themselves lose
documents with ANDNOT over groups and compute a REQUIRE inside a group as ANDNOT). Two parts
that used to answer 500 match nothing: a phrase in a field without positions (``spell:"a b"``)
and a value a field cannot hold (``updated:"2020 2021"``). A phrase's slop (``"a b"~3``) is
ignored, as the plain word path always did.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import numpy as np
from whoosh.query import And, AndMaybe, AndNot, ConstantScoreQuery, Every, Not, NullQuery, NumericRange, Or, Phrase, Prefix, Require, Term, TermRange

from .. import ranking
from .limits import Budget, QueryTooCostly
from .schema import FIELD_BOOSTS
from .searchers import Searcher
from .whoosh_internals import numeric_range_parts, prefix_words, segment_key, term_key_sample

Result = tuple[np.ndarray, np.ndarray]  # (score of every document, mask of the documents that match)


def evaluate(searcher: Searcher, query, budget: Budget) -> Result:
    """Scores and matches of a parsed query; scores are 0 outside the mask."""
    budget.check()
    if isinstance(query, type(NullQuery)):  # the parser's "nothing" ('updated:letter'), not always the one instance
        return _nothing(searcher)
    handler = _HANDLERS.get(type(query))
    if handler is None:  # the parser makes none other; a new plugin must be bounded here first
        raise QueryTooCostly(f"This search uses syntax that is not supported ({type(query).__name__}).")
    return handler(searcher, query, budget)


def _nothing(searcher: Searcher) -> Result:
    return np.zeros(searcher.n_docs, dtype=np.float32), np.zeros(searcher.n_docs, dtype=bool)


def _constant(mask: np.ndarray, score: float) -> Result:
    return mask * np.float32(score), mask


def _or(searcher: Searcher, query, budget: Budget) -> Result:
    scores, mask = _nothing(searcher)
    for part in _grouped(searcher, query.subqueries, budget):
        scores += part[0]
        mask |= part[1]
    return scores, mask


def _and(searcher: Searcher, query, budget: Budget) -> Result:
    parts = [evaluate(searcher, sub, budget) for sub in query.subqueries]
    mask = np.logical_and.reduce([m for _, m in parts])
    return sum(s for s, _ in parts) * mask, mask


def _not(searcher: Searcher, query, budget: Budget) -> Result:
    return _constant(~evaluate(searcher, query.query, budget)[1], query.boost)


def _and_not(searcher: Searcher, query, budget: Budget) -> Result:
    scores, mask = evaluate(searcher, query.a, budget)
    mask = mask & ~evaluate(searcher, query.b, budget)[1]
    return scores * mask, mask


def _require(searcher: Searcher, query, budget: Budget) -> Result:
    scores, mask = evaluate(searcher, query.a, budget)
    mask = mask & evaluate(searcher, query.b, budget)[1]
    return scores * mask, mask


def _and_maybe(searcher: Searcher, query, budget: Budget) -> Result:
    scores, mask = evaluate(searcher, query.a, budget)
    return scores + evaluate(searcher, query.b, budget)[0] * mask, mask


def _every(searcher: Searcher, query, budget: Budget) -> Result:
    if query.fieldname is not None:  # the parser makes only Every() (*:*)
        raise QueryTooCostly("This search uses syntax that is not supported (field:*).")
    return _constant(np.ones(searcher.n_docs, dtype=bool), query.boost)


def _grouped(searcher: Searcher, subqueries, budget: Budget) -> list[Result]:
    """An OR's parts; a word or phrase the parser copied into every searched field counts as one
    part, ranked by BM25F (the copies' boosts are the field weights times the reader's ``^``)."""
    copies: dict[tuple, list] = {}
    for sub in subqueries:
        copies.setdefault(_copied(sub), []).append(sub)
    parts = []
    for sub in subqueries:
        group = copies[_copied(sub)]
        scales = {round(q.boost / FIELD_BOOSTS[q.fieldname], 6) for q in group} if _copied(sub) else set()
        if len(scales) == 1 and len(group) == len(FIELD_BOOSTS) == len({q.fieldname for q in group}):
            if sub is group[0]:
                parts.append(_everywhere(searcher, _copied(sub), scales.pop(), budget))
        else:
            parts.append(evaluate(searcher, sub, budget))
    return parts


def _copied(query) -> tuple[str, ...] | None:
    """("word", text) or ("phrase", *words) of a word or phrase in one searched field; None for anything else."""
    if type(query) is Term and query.fieldname in FIELD_BOOSTS and isinstance(query.text, str):
        return ("word", query.text)
    if type(query) is Phrase and query.fieldname in FIELD_BOOSTS and query.words:
        return ("phrase", *query.words)
    return None


def _everywhere(searcher: Searcher, key: tuple[str, ...], scale: float, budget: Budget) -> Result:
    kind, *words = key
    scores = sum(searcher.term_scores(word, budget.access) for word in words)
    mask = scores > 0
    if kind == "phrase":
        budget.check()
        mask &= searcher.phrase_mask(tuple(words))
    return scores * mask * np.float32(scale), mask


def _term(searcher: Searcher, query, budget: Budget) -> Result:
    """A value of one field: BM25 of that field for a searched text field, else a constant score."""
    docs, tf = _postings(searcher, query.fieldname, query.text)
    mask = np.zeros(searcher.n_docs, dtype=bool)
    mask[docs] = True
    if query.fieldname not in FIELD_BOOSTS or not len(docs):
        return _constant(mask, query.boost)
    stats = dataclasses.replace(searcher.visible_stats(budget.access)[query.fieldname], weight=1.0)
    scores = ranking.term_scores({query.fieldname: (docs, tf)}, {query.fieldname: stats}, searcher.n_docs, searcher.visible(budget.access))
    return scores * np.float32(query.boost), mask


def _postings(searcher: Searcher, name: str, text) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, term frequencies) of a term over all segments; none for a value the field cannot hold."""
    if name not in FIELD_BOOSTS and not isinstance(text, bytes):
        try:
            text = searcher.whoosh.schema[name].to_bytes(text)
        except Exception:  # noqa: BLE001 - a date field given words, a number field given letters: no document has it
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    parts = [(docs + offset, tf) for leaf, offset in searcher.leaves for docs, tf in [searcher.segments.postings(leaf, name, text)]]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _phrase(searcher: Searcher, query, budget: Budget) -> Result:
    """Words next to each other in one field; only the searched text fields keep positions."""
    if query.fieldname not in FIELD_BOOSTS or not query.words:
        return _nothing(searcher)
    scores = sum(_term(searcher, Term(query.fieldname, word, boost=query.boost), budget)[0] for word in query.words)
    budget.check()
    mask = searcher.phrase_mask(tuple(query.words), (query.fieldname,)) & (scores > 0)
    return scores * mask, mask


def _expansion(searcher: Searcher, query, budget: Budget) -> Result:
    """The documents of the words a prefix or range stands for, each counted by the budget (once a search):
    only the words of documents the search is for, so a refusal reveals no other word."""
    mask = budget.known.get(query)
    if mask is None:
        pattern = _label(query)
        mask = budget.known[query] = np.zeros(searcher.n_docs, dtype=bool)
        visible = searcher.visible(budget.access)
        for leaf, offset in searcher.leaves:
            for word in _expanded(searcher, leaf, query):  # the segment's words in order, read one at a time
                text = word.decode("utf-8") if query.fieldname in FIELD_BOOSTS else word
                docs = searcher.segments.postings(leaf, query.fieldname, text)[0] + offset
                if visible is not None and not visible[docs].any():
                    budget.check()  # a word only documents the searcher may not see have is no word to them
                    continue
                budget.expand(pattern, word)
                mask[docs] = True
    return _constant(mask, query.boost)


def _expanded(searcher: Searcher, leaf, query) -> Iterable[bytes]:
    """The segment's words a prefix or range stands for; a text field's prefix is found through
    a sample of the segment's term table kept per searcher (``whoosh_internals.prefix_words``)."""
    if isinstance(query, Prefix) and query.fieldname in FIELD_BOOSTS:
        sample = searcher.derive(f"key-sample:{segment_key(leaf)}", lambda: term_key_sample(leaf))
        if sample is not None:
            return prefix_words(leaf, query.fieldname, query.text, sample)
    return (word for _, word in query.expanded_terms(leaf))


def _label(query) -> str:
    if isinstance(query, Prefix):
        return f"“{query.text}*”"
    if all(isinstance(end, (str, type(None))) for end in (query.start, query.end)):
        return f"“[{query.start or ''} TO {query.end or ''}]”"
    return "A number or date range in this search"


def _numeric_range(searcher: Searcher, query, budget: Budget) -> Result:
    """A number or date range: Whoosh's ranges of its coarser and finer encoded values."""
    return evaluate(searcher, numeric_range_parts(query, searcher.whoosh), budget)


def _constant_score(searcher: Searcher, query, budget: Budget) -> Result:
    return _constant(evaluate(searcher, query.child, budget)[1], query.score)


_HANDLERS = {
    Or: _or,
    And: _and,
    Not: _not,
    AndNot: _and_not,
    Require: _require,
    AndMaybe: _and_maybe,
    Every: _every,
    Term: _term,
    Phrase: _phrase,
    Prefix: _expansion,
    TermRange: _expansion,
    NumericRange: _numeric_range,
    ConstantScoreQuery: _constant_score,  # what a numeric range compiles to
}
