"""The most expensive searches a visitor can send, against an ordinary two-word search.

Indexes the starter ``content/`` (or ``--content DIR``, or a generated corpus of ``--articles``
and ``--people`` as bench/scale.py writes it) in a temporary folder, then asks ``/api/search``
through Flask's test client, anonymously. The test client runs the app in this thread, so the
request's CPU time is this thread's (``time.thread_time``): unlike wall time it does not grow
with what else runs on a shared machine. The app's own wall time (``Server-Timing``) is shown too.
Each query is built from the index to be as costly as the limits allow (kb/index/limits.py):
the most common words, the 3-letter prefixes that stand for the most words, and so on. Every
round asks each query once on another results page, so the result cache never answers (as
an attacker shuffling the words would); the per-word arrays stay warm, as they do in a worker.
Prints each query's median CPU time, its status and its ratio to the ordinary search.

    .venv/bin/python bench/hostile_queries.py [--rounds N] [--content DIR | --articles N --people N]
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
MAX_WORDS, MAX_PHRASES, MAX_PATTERNS, MAX_EXPANSIONS, MAX_SYNTAX_PARTS = 32, 8, 2, 64, 32


def common_words(index, count: int) -> list[str]:
    """The ``count`` words found in most documents, one per stem (the spelling field holds them as written)."""
    from kb.index.schema import english_stem

    searcher = index.readers.current().searcher
    words = sorted((t.decode() for t in searcher.lexicon("spell")), key=lambda w: -searcher.doc_frequency("spell", w))
    chosen: dict[str, str] = {}
    for word in words:
        if word.isalpha() and len(word) > 3:
            chosen.setdefault(english_stem(word), word)
        if len(chosen) == count:
            break
    return list(chosen.values())


def widest_prefixes(index) -> list[str]:
    """3-letter prefixes that together stand for the most words the expansion cap allows."""
    from kb.index.schema import FIELD_BOOSTS

    reader = index.readers.current().searcher.reader()
    body = {t.decode()[:3] for t in reader.lexicon("body") if t.isalpha() and len(t) >= 3}
    expansions = {p: {w for f in FIELD_BOOSTS for w in reader.expand_prefix(f, p)} for p in body}
    chosen: list[str] = []
    union: set[bytes] = set()
    for prefix in sorted(expansions, key=lambda p: -len(expansions[p])):
        if len(chosen) < MAX_PATTERNS and len(union | expansions[prefix]) <= MAX_EXPANSIONS:
            chosen.append(prefix)
            union |= expansions[prefix]
    return chosen


def glossary_terms(index, count: int) -> list[str]:
    return [d.id for d in index.find(("public",), type="glossary") if re.fullmatch(r"[A-Z]{3,6}", d.id)][:count]


def hostile_queries(index) -> dict[str, str]:
    words = common_words(index, MAX_WORDS)
    letters = "abcdefghijklmnopqrstuvwxyz"
    unknown = [a + b + c + "zq" for a, b, c in zip(letters, reversed(letters), letters[3:] + letters[:3])]
    prefixes = " ".join(f"{p}*" for p in widest_prefixes(index))
    anded = (MAX_SYNTAX_PARTS + 1) // 2  # w AND w AND …: two parts a word
    return {
        "ordinary two words": ORDINARY,
        "26 one-letter prefixes (the issue's)": " ".join(f"{c}*" for c in letters),
        "[a TO z] (the issue's)": "[a TO z]",
        "widest allowed prefixes": prefixes,
        "widest prefixes + common words": " ".join([prefixes, *words[: MAX_SYNTAX_PARTS - 2 * MAX_PATTERNS]]),
        f"{MAX_WORDS} common words": " ".join(words),
        f"{anded} common words with AND": " AND ".join(words[:anded]),
        f"{MAX_PHRASES} phrases of common words": " ".join(
            f'"{a} {b}"' for a, b in zip(words[: MAX_PHRASES * 2 : 2], words[1 : MAX_PHRASES * 2 : 2])
        ),
        f"one phrase of {MAX_SYNTAX_PARTS - 2} common words": '"' + " ".join(words[: MAX_SYNTAX_PARTS - 2]) + '"',  # fits either path
        "fields: title:w OR body:w": " OR ".join(f"{f}:{w}" for f, w in zip(["title", "body"] * 16, words[: (MAX_SYNTAX_PARTS + 1) // 4])),
        "NOT a common word": f"NOT {words[0]}",
        "every document (*:*)": "*:*",
        "acronyms (a variant each)": " ".join(glossary_terms(index, 8) + words[: MAX_WORDS - 16]),
        f"{len(unknown)} unknown words (did you mean)": " ".join(unknown),
        "nested groups": "(" * (MAX_SYNTAX_PARTS // 2 - 1) + words[0] + ")" * (MAX_SYNTAX_PARTS // 2 - 1),
        "who knows about + common words": "who knows about " + " ".join(words[: MAX_WORDS - 4]),
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
    args = parser.parse_args()

    from kb import create_app
    from kb.index import SearchIndex
    from kb.sync import sync

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        content = content_folder(args, root)
        index = SearchIndex(root / "index")
        sync(content, index)
        queries = hostile_queries(index)
        documents = index.document_count(("public", "staff"))
        index.close()
        folders = {"CONTENT_DIR": str(content), "INDEX_DIR": str(root / "index"), "INSTANCE_DIR": str(root / "instance")}
        app = create_app({**folders, "SEARCH_LOG_DAYS": 0})
        client = app.test_client()
        cpu: dict[str, list[float]] = {name: [] for name in queries}
        wall: dict[str, list[float]] = {name: [] for name in queries}
        status: dict[str, int] = {}
        for text in queries.values():  # warm: the searcher, each word's arrays
            ask(client, text, 200)
        for n in range(args.rounds):
            for name, text in queries.items():
                elapsed, own, status[name] = ask(client, text, 1 + n)
                cpu[name].append(elapsed)
                wall[name].append(own)
        app.extensions["kb.index"].close()

    base = statistics.median(cpu["ordinary two words"])
    print(f"{documents} documents, {args.rounds} rounds, /api/search, medians:\n")
    print("| query | status | CPU ms | × ordinary | app wall ms |\n|---|---|---|---|---|")
    for name, text in queries.items():
        median = statistics.median(cpu[name])
        shown = text[:60].replace("|", "\\|") + ("…" if len(text) > 60 else "")
        print(f"| {name}: `{shown}` | {status[name]} | {median:.1f} | {median / base:.1f} | {statistics.median(wall[name]):.1f} |")


if __name__ == "__main__":
    main()
