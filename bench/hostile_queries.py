"""The most expensive searches a visitor can send, against an ordinary two-word search.

Indexes the starter ``content/`` (or ``--content DIR``, or a generated corpus of ``--articles``
and ``--people`` as bench/scale.py writes it) in a temporary folder, then asks ``/api/search``
through Flask's test client, anonymously. The test client runs the app in this thread, so the
request's CPU time is this thread's (``time.thread_time``): unlike wall time it does not grow
with what else runs on a shared machine. The app's own wall time (``Server-Timing``) is shown too.
Each query is built from the index to be as costly as the limits allow (kb/index/limits.py):
the most common words, the 3-letter prefixes that stand for the most words, and so on. Every
round asks each query once on another results page, so the result cache never answers (as
an attacker shuffling the words would); the per-word arrays stay warm, as they do in a worker
once the words have been searched. ``--cold`` asks instead, every round, words and prefixes no
search has read yet (the first reading of posting lists, for ordinary and hostile queries alike).
Prints each query's median CPU time, its status and its ratio to the ordinary search.

    .venv/bin/python bench/hostile_queries.py [--rounds N] [--cold] [--content DIR | --articles N --people N]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ORDINARY = "case closure"
# The caps of kb/index/limits.py; written out so that the same queries run on code without them (the "before" figures).
MAX_WORDS, MAX_PHRASES, MAX_PATTERNS, MAX_EXPANSIONS, MAX_SYNTAX_PARTS = 24, 8, 2, 64, 24


def ranked_words(index) -> list[str]:
    """Words as written, those in most documents first, one per stem, no glossary term (a rewrite
    would put quotes inside a phrase), from the spelling field."""
    from kb.index.schema import english_stem, spell_field

    searcher = index.searchers.current().whoosh
    spelling = spell_field("public")
    glossary = {d.id.casefold() for d in index.find(("public",), type="glossary")}
    words = sorted((t.decode() for t in searcher.lexicon(spelling)), key=lambda w: -searcher.doc_frequency(spelling, w))
    chosen: dict[str, str] = {}
    for word in words:
        if word.isalpha() and len(word) > 3 and word not in glossary:
            chosen.setdefault(english_stem(word), word)
    return list(chosen.values())


def prefix_pairs(index) -> list[str]:
    """Pairs of 3-letter prefixes as the caps allow them, those that stand for the most words first
    (only prefixes the parser keeps as typed: it stems ``ins*`` to ``in*``, which is refused)."""
    from kb.index.schema import FIELD_BOOSTS, english_stem

    terms = index.searchers.current().whoosh.reader()
    starts = {p for t in terms.lexicon("body") if t.isalpha() and len(t) >= 3 and english_stem(p := t.decode()[:3]) == p}
    expansions = {p: {w for f in FIELD_BOOSTS for w in terms.expand_prefix(f, p)} for p in starts}
    ranked = [p for p in sorted(expansions, key=lambda p: (-len(expansions[p]), p)) if len(expansions[p]) <= MAX_EXPANSIONS]
    pairs, used = [], set()
    for first in ranked:
        second = next((p for p in ranked if p not in used | {first} and len(expansions[first] | expansions[p]) <= MAX_EXPANSIONS), None)
        if first not in used and second:
            pairs.append(f"{first}* {second}*")
            used |= {first, second}
    return pairs


def outside_the_body(index) -> str | None:
    """The word of most documents that their body never says: their snippets read the whole text in vain."""
    terms = index.searchers.current().whoosh.reader()
    found = [
        (terms.doc_frequency(f, t), t.decode())
        for f in ("title", "keywords")
        for t in terms.lexicon(f)
        if t.isalpha() and not terms.doc_frequency("body", t)
    ]
    return max(found)[1] if found else None


def glossary_terms(index, count: int) -> list[str]:
    return [d.id for d in index.find(("public",), type="glossary") if re.fullmatch(r"[A-Z]{3,6}", d.id)][:count]


def hostile_queries(index) -> dict[str, str]:
    """The worst query of each kind, built from the index (the same text every round)."""
    words = ranked_words(index)[:MAX_WORDS]
    letters = "abcdefghijklmnopqrstuvwxyz"
    unknown = [a + b + c + "zq" for a, b, c in zip(letters, reversed(letters), letters[3:] + letters[:3], strict=True)][:MAX_WORDS]
    prefixes = prefix_pairs(index)[0]
    anded = (MAX_SYNTAX_PARTS + 1) // 2  # w AND w AND …: two parts a word
    return {
        "ordinary two words": ORDINARY,
        "26 one-letter prefixes (the issue's)": " ".join(f"{c}*" for c in letters),
        "[a TO z] (the issue's)": "[a TO z]",
        "widest allowed prefixes": prefixes,
        "widest prefixes + common words": " ".join([prefixes, *words[: MAX_SYNTAX_PARTS - 2 * MAX_PATTERNS]]),
        "widest prefixes + acronyms (a rewrite each)": " ".join([prefixes, *glossary_terms(index, 8)]),
        f"{MAX_WORDS} common words": " ".join(words),
        f"{anded} common words with AND": " AND ".join(words[:anded]),
        f"{MAX_PHRASES} phrases of common words": " ".join(f'"{a} {b}"' for a, b in zip(words[::2], words[1::2][:MAX_PHRASES], strict=False)),
        f"one phrase of {MAX_WORDS} common words": '"' + " ".join(words) + '"',
        "fields: title:w OR body:w": " OR ".join(
            f"{f}:{w}" for f, w in zip(["title", "body"] * 16, words[: (MAX_SYNTAX_PARTS + 1) // 4], strict=False)
        ),
        "NOT a common word": f"NOT {words[0]}",
        "every document (*:*)": "*:*",
        "acronyms (a variant each)": " ".join(glossary_terms(index, 8) + words[: MAX_WORDS - 16]),
        f"{len(unknown)} unknown words (did you mean)": " ".join(unknown),
        "a word outside the snippets' text + unknown words": " ".join([outside_the_body(index) or words[0], *unknown[1:]]),
        "nested groups": "(" * (MAX_SYNTAX_PARTS // 2 - 1) + words[0] + ")" * (MAX_SYNTAX_PARTS // 2 - 1),
        "who knows about + common words": "who knows about " + " ".join(words[: MAX_WORDS - 4]),
    }


def cold_queries(index, rounds: int) -> dict[str, list[str]]:
    """Queries whose words no search has read yet, new every round: what reading posting lists first costs."""
    words = ranked_words(index)[200:]  # neither the most common nor the rarest words
    return {
        "ordinary two words, new each round": [f"{a} {b}" for a, b in zip(words[0 : 2 * rounds : 2], words[1 : 2 * rounds : 2], strict=False)],
        "widest prefix pair, new each round": prefix_pairs(index)[:rounds],
        f"{MAX_WORDS} words, new each round": [
            " ".join(words[k : k + MAX_WORDS]) for k in range(2 * rounds, 2 * rounds + MAX_WORDS * rounds, MAX_WORDS)
        ],
    }


def ask(client, text: str, page: int) -> tuple[float, float, int]:
    """(CPU ms of the request, the app's wall ms from Server-Timing, status)."""
    started = time.thread_time()
    response = client.get("/api/search", query_string={"q": text, "page": page})
    cpu = (time.thread_time() - started) * 1000
    return cpu, float(re.search(r"dur=([\d.]+)", response.headers["Server-Timing"]).group(1)), response.status_code


def content_folder(args, tmp: Path) -> Path:
    if args.articles:
        from bench.scale import generate

        generate(tmp / "content", args.articles, args.people)
        return tmp / "content"
    return args.content


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    parser.add_argument("--articles", type=int, default=0, help="generate this many articles (bench/scale.py's corpus) instead")
    parser.add_argument("--people", type=int, default=0)
    parser.add_argument("--cold", action="store_true", help="words and prefixes no search has read yet, new every round")
    args = parser.parse_args()

    from kb import create_app
    from kb.index import SearchIndex
    from kb.repository.sync import sync

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        content = content_folder(args, root)
        index = SearchIndex(root / "index")
        sync(content, index)
        if args.cold:
            queries = cold_queries(index, args.rounds)
        else:
            queries = {name: [text] * args.rounds for name, text in hostile_queries(index).items()}
        documents = index.document_count(("public", "staff"))
        index.close()
        folders = {"CONTENT_DIR": str(content), "INDEX_DIR": str(root / "index"), "INSTANCE_DIR": str(root / "instance")}
        app = create_app({**folders, "SEARCH_LOG_DAYS": 0, "SERVER_TIMING": True})
        client = app.test_client()
        cpu: dict[str, list[float]] = {name: [] for name in queries}
        wall: dict[str, list[float]] = {name: [] for name in queries}
        status: dict[str, int] = {}
        ask(client, "warm up", 1)  # the searcher, field lengths
        for texts in queries.values() if not args.cold else ():  # each word's arrays
            ask(client, texts[0], 200)
        for n in range(args.rounds):
            for name, texts in queries.items():
                elapsed, own, status[name] = ask(client, texts[n % len(texts)], 1 + n)
                cpu[name].append(elapsed)
                wall[name].append(own)
        app.extensions["kb.index"].close()

    base = statistics.median(next(iter(cpu.values())))  # the ordinary search comes first
    print(f"{documents} documents, {args.rounds} rounds{' (cold)' if args.cold else ''}, /api/search, medians:\n")
    print("| query | status | CPU ms | × ordinary | app wall ms |\n|---|---|---|---|---|")
    for name, texts in queries.items():
        text = texts[0]
        median = statistics.median(cpu[name])
        shown = text[:60].replace("|", "\\|") + ("…" if len(text) > 60 else "")
        print(f"| {name}: `{shown}` | {status[name]} | {median:.1f} | {median / base:.1f} | {statistics.median(wall[name]):.1f} |")


if __name__ == "__main__":
    main()
