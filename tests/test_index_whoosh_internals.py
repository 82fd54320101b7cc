"""What ``kb.index.whoosh_internals`` relies on, checked against a real Whoosh index.

The search decodes Whoosh's storage itself. If a new Whoosh (or another distribution) changed a
format, these tests fail, each naming the wrapper, instead of searches returning wrong results.
Each compares a wrapper with what Whoosh's public API gives on the same index.
"""

from __future__ import annotations

import ast
import datetime as dt
import hashlib
import itertools
import pickle
import random
import re
from pathlib import Path

import numpy as np
import pytest
import whoosh
from whoosh import index as whoosh_index
from whoosh.query import DateRange, NumericRange, Term

from kb.index import whoosh_internals as internals
from kb.index.schema import FIELD_BOOSTS, Record, build_schema, index_fields, spell_field

ROOT = Path(__file__).resolve().parent.parent
WORDS = ["cooperation", "security", "case", "partner", "delivery", "training"]
DOCUMENTS = 300  # more than two blocks of postings (Whoosh writes 128 postings per block)
DELETED = range(0, DOCUMENTS, 9)


def _record(n: int, rng: random.Random) -> Record:
    """Words chosen so that each way Whoosh stores a block's weights shows up: ``letter`` once in
    every body (all weights 1), ``offer`` twice (all equal), the others a random number of times."""
    words = ["letter", "offer", "offer", *rng.choices(WORDS, k=rng.randint(1, 60))]
    rng.shuffle(words)
    return Record(
        key=f"article:a{n}",
        type="article",
        id=f"a{n}",
        title=" ".join(rng.choices(WORDS, k=3)),
        body=" ".join(words),
        order=n,
        updated=dt.datetime(2020, 1, 1) + dt.timedelta(days=n),
    )


def _long_gaps() -> Record:
    """Positions whose gaps take each pickle encoding: 46 (the byte of pickle's STOP), over 255,
    over 65,535, and more than 1,000 positions (pickled in several batches)."""
    body = ["security", *["zebra"] * 45, "security", *["zebra"] * 300, "security", *["zebra"] * 70_000, *["security"] * 1_200]
    return Record(key="article:long", type="article", id="long", title="long", body=" ".join(body), order=1_000)


def _write(folder: Path, records) -> None:
    ix = whoosh_index.create_in(str(folder), build_schema())
    writer = ix.writer()
    for record in records:
        writer.add_document(**index_fields(record))
    writer.commit()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """One segment, no deletions."""
    rng = random.Random(18)
    folder = tmp_path_factory.mktemp("internals")
    _write(folder, [*(_record(n, rng) for n in range(DOCUMENTS)), _long_gaps()])
    return folder


@pytest.fixture(scope="module")
def leaf(folder):
    with whoosh_index.open_dir(str(folder)).searcher() as searcher:
        (leaf,) = [leaf for leaf, _ in searcher.reader().leaf_readers()]
        yield leaf


def _public_postings(leaf, name: str, text: str) -> list[tuple[int, float]]:
    """(document, weight) of every live posting, as Whoosh's public matcher reads them."""
    matcher = leaf.postings(name, text)
    found = []
    while matcher.is_active():
        found.append((matcher.id(), matcher.weight()))
        matcher.next()
    return found


def _blocks(matcher) -> list[tuple[np.ndarray, np.ndarray, list[bytes]]]:
    found = []
    while matcher.is_active():
        found.append((internals.block_docs(matcher), internals.block_weights(matcher), internals.block_values(matcher)))
        internals.next_block(matcher)
    return found


def test_whoosh_is_the_version_pinned_in_requirements():
    pinned = re.search(r"^whoosh==(\S+)", (ROOT / "requirements.txt").read_text(), re.IGNORECASE | re.MULTILINE)
    assert pinned, "requirements.txt must pin Whoosh exactly (Whoosh==x.y.z): kb.index.whoosh_internals relies on its storage formats"
    assert whoosh.versionstring() == pinned.group(1), (
        f"Whoosh {whoosh.versionstring()} is installed, requirements.txt pins {pinned.group(1)}: "
        "check every function of kb.index.whoosh_internals against the new version before changing the pin"
    )


@pytest.mark.parametrize(
    ("name", "text"),
    [("body", "letter"), ("body", "offer"), ("body", "case"), ("body", "secur"), ("title", "partner"), (spell_field("public"), "delivery")],
)
def test_block_docs_and_weights_are_the_postings_whoosh_reads(leaf, name, text):
    """The weights of ``letter`` are all 1 (stored as None), of ``offer`` all 2 (one float), the others
    vary (one per posting); the spelling field stores no frequencies at all."""
    matcher = internals.raw_postings(leaf, name, text)
    assert internals.decodes_blocks(matcher), f"decodes_blocks: {type(matcher).__name__} is not the block matcher it expects"
    blocks = _blocks(matcher)
    expected = _public_postings(leaf, name, text)
    docs = np.concatenate([b[0] for b in blocks])
    weights = np.concatenate([b[1] for b in blocks])
    assert docs.tolist() == [doc for doc, _ in expected], f"block_docs: {name}:{text} decodes to other document numbers than Whoosh's matcher"
    assert weights.tolist() == pytest.approx([w for _, w in expected]), f"block_weights: {name}:{text} decodes to other weights than Whoosh's matcher"
    assert docs.dtype == np.int64 and weights.dtype == np.float32
    if text in ("letter", "offer"):
        assert len(blocks) > 2, "the test needs posting lists of several blocks"


def test_prefix_words_are_the_words_whoosh_expands_a_prefix_to(leaf):
    """Every prefix of every word of each text field, and prefixes before and after them all."""
    sample = internals.term_key_sample(leaf)
    assert sample is not None and len(sample) > 2, "term_key_sample: the test needs a term table of several samples"
    for name in FIELD_BOOSTS:
        words = [word.decode("utf-8") for word in leaf.lexicon(name)]
        prefixes = {"", "0", "zzzz", "\uffff", *(word[:end] for word in words for end in range(1, len(word) + 1))}
        for prefix in sorted(prefixes):
            found = list(internals.prefix_words(leaf, name, prefix, sample))
            assert found == list(leaf.expand_prefix(name, prefix)), f"prefix_words: {name}:{prefix}* finds other words than Whoosh"
    assert list(internals.prefix_words(leaf, "body", "secur", sample)) == [b"secur"]


def test_position_gaps_unpickle_to_the_positions_whoosh_decodes(leaf):
    """One posting's value at a time, and all of a block's spliced together."""
    for text in ("secur", "case", "offer"):
        expected = dict(leaf.postings("body", text).items_as("positions"))
        for docs, _, values in _blocks(internals.raw_postings(leaf, "body", text)):
            spliced = internals.position_gaps(values)
            one_by_one = [gaps for value in values for gaps in internals.position_gaps([value])]
            assert spliced == one_by_one, f"position_gaps: {text}'s values spliced together unpickle differently from one by one"
            for doc, gaps in zip(docs.tolist(), spliced, strict=True):
                assert list(itertools.accumulate(gaps)) == expected[doc], f"position_gaps: {text} in document {doc} gives other positions than Whoosh"


def test_position_gaps_of_every_pickle_encoding(leaf):
    """Gaps of 46, over 255, over 65,535, and more than 1,000 positions in one value."""
    doc = next(d for d, fields in leaf.iter_docs() if fields["key"] == "article:long")
    matcher = internals.raw_postings(leaf, "body", "secur")
    for docs, _, values in _blocks(matcher):
        if doc in docs.tolist():
            gaps = internals.position_gaps([values[docs.tolist().index(doc)]])[0]
            break
    assert gaps[:4] == [0, 46, 301, 70_001] and gaps[4:] == [1] * 1_199 and len(gaps) == 1_203, (
        "position_gaps: long gaps or many positions decode wrongly"
    )


def _deleting(folder: Path) -> tuple[str, set[int]]:
    """Delete documents in a commit of their own; (the segment's key before, the deleted numbers)."""
    ix = whoosh_index.open_dir(str(folder))
    with ix.searcher() as searcher:
        (leaf,) = [leaf for leaf, _ in searcher.reader().leaf_readers()]
        before = internals.segment_key(leaf)
        deleted = {searcher.document_number(key=f"article:a{n}") for n in DELETED}
    writer = ix.writer()
    for n in DELETED:
        writer.delete_by_term("key", f"article:a{n}")
    writer.commit(merge=False)
    return before, deleted


def test_a_segment_keeps_its_key_and_its_postings_through_deletions(tmp_path):
    """``segment_key`` names cached postings: after a commit that deletes, the segment and its key are
    the same and the raw postings still hold the deleted documents (callers mask them); a merge makes a new key."""
    rng = random.Random(18)
    _write(tmp_path, [_record(n, rng) for n in range(DOCUMENTS)])
    with whoosh_index.open_dir(str(tmp_path)).searcher() as searcher:
        (leaf,) = [leaf for leaf, _ in searcher.reader().leaf_readers()]
        before_docs = np.concatenate([b[0] for b in _blocks(internals.raw_postings(leaf, "body", "letter"))])
    key, deleted = _deleting(tmp_path)
    ix = whoosh_index.open_dir(str(tmp_path))
    with ix.searcher() as searcher:
        (leaf,) = [leaf for leaf, _ in searcher.reader().leaf_readers()]
        assert internals.segment_key(leaf) == key, "segment_key: a commit that only deletes changed the segment's key"
        matcher = internals.raw_postings(leaf, "body", "letter")
        assert internals.decodes_blocks(matcher), f"raw_postings: the matcher of a segment with deletions is still wrapped ({type(matcher).__name__})"
        raw = np.concatenate([b[0] for b in _blocks(matcher)])
        assert np.array_equal(raw, before_docs), "raw_postings: deleting documents changed the segment's stored postings"
        assert all(leaf.is_deleted(doc) for doc in deleted)
        live = [doc for doc, _ in _public_postings(leaf, "body", "letter")]
        assert live == [doc for doc in raw.tolist() if doc not in deleted], "raw_postings: the deleted documents are not the only difference"
        assert internals.raw_postings(leaf, "body", "nosuchword") is None
    ix.optimize()
    with whoosh_index.open_dir(str(tmp_path)).searcher() as searcher:
        (leaf,) = [leaf for leaf, _ in searcher.reader().leaf_readers()]
        assert internals.segment_key(leaf) != key, "segment_key: a merged segment kept the key of one it replaced"


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file() and internals.unchanging(p.name)}


def test_whoosh_never_changes_a_file_it_wrote_but_its_lock(tmp_path):
    """``unchanging``: ``kb.index.integrity`` takes any other change of a file for damage."""
    rng = random.Random(18)
    _write(tmp_path, [_record(n, rng) for n in range(50)])
    ix = whoosh_index.open_dir(str(tmp_path))
    writer = ix.writer()
    try:
        locked = (tmp_path / internals.WRITE_LOCK).exists()
    finally:
        writer.cancel()
    assert locked, f"unchanging: Whoosh's write lock is no longer {internals.WRITE_LOCK}"
    assert not internals.unchanging(internals.WRITE_LOCK), "unchanging: Whoosh's write lock counts as a file that stays as written"
    before = _digests(tmp_path)
    _deleting(tmp_path)
    writer = ix.writer()
    writer.add_document(**index_fields(_record(999, rng)))
    writer.commit(merge=False)
    after = _digests(tmp_path)
    changed = [name for name in before.keys() & after.keys() if before[name] != after[name]]
    assert not changed, f"unchanging: Whoosh rewrote {changed} in place"
    assert set(after) - set(before), "the commits wrote new files"


def test_numeric_range_parts_find_the_documents_of_the_range(folder):
    march = (dt.datetime(2020, 3, 1), dt.datetime(2020, 4, 1))
    cases = [
        (NumericRange("order", 10, 50), lambda f: 10 <= f["order"] <= 50),
        (NumericRange("order", 250, None), lambda f: f["order"] >= 250),
        (DateRange("updated", *march), lambda f: "updated" in f and march[0] <= f["updated"] <= march[1]),
    ]
    with whoosh_index.open_dir(str(folder)).searcher() as searcher:
        stored = dict(searcher.reader().iter_docs())
        for query, expected in cases:
            found = set(internals.numeric_range_parts(query, searcher).docs(searcher))
            wanted = {doc for doc, fields in stored.items() if expected(fields)}
            assert found == wanted, f"numeric_range_parts: {query} finds other documents than its range holds"


def _part(folder: Path, records) -> object:
    writer = internals.part_writer(whoosh_index.open_dir(str(folder)), limitmb=32)
    for record in records:
        writer.add_document(**index_fields(record))
    return internals.finish_segment(writer)


def test_segments_written_apart_make_one_index(tmp_path):
    """What ``kb.index.building`` does with several processes, here in one."""
    rng = random.Random(18)
    records = [_record(n, rng) for n in range(60)]
    whoosh_index.create_in(str(tmp_path), build_schema())
    ix = whoosh_index.open_dir(str(tmp_path))
    parent = ix.writer()
    segments = [_part(tmp_path, records[:40]), _part(tmp_path, records[40:])]
    empty = internals.part_writer(whoosh_index.open_dir(str(tmp_path)), limitmb=32)
    internals.close_segment(empty)
    segments = [pickle.loads(pickle.dumps(segment)) for segment in segments]  # noqa: S301 - as a forked process returns them
    internals.commit_segments(parent, segments)
    internals.release(parent)
    with whoosh_index.open_dir(str(tmp_path)).searcher() as searcher:
        assert len(searcher.reader().leaf_readers()) == 2, "commit_segments: the index does not list the segments written apart"
        assert searcher.doc_count() == 60
        assert sorted(f["key"] for f in searcher.all_stored_fields()) == sorted(r.key for r in records)
        assert len(list(searcher.docs_for_query(Term("body", "letter")))) == 60
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")], "release: temporary files are left behind"
    writer = whoosh_index.open_dir(str(tmp_path)).writer(timeout=0)  # release: the lock is free
    writer.add_document(**index_fields(_record(60, rng)))
    writer.commit(merge=False)
    with whoosh_index.open_dir(str(tmp_path)).searcher() as searcher:
        assert searcher.doc_count() == 61


def _private_uses(path: Path) -> list[str]:
    """Private names of another object (``x._y``, ``f(_y=…)``, ``hasattr(x, "_y")``), pickle, Whoosh's internal modules."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Attribute)
            and re.match(r"_(?!_)", node.attr)
            and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
        ):
            found.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")
        elif isinstance(node, ast.keyword) and node.arg and node.arg.startswith("_"):
            found.append(f"{path.name}:{node.lineno} {node.arg}=")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("hasattr", "getattr", "setattr"):
            found += [
                f"{path.name}:{node.lineno} {ast.unparse(node)}"
                for a in node.args[1:2]
                if isinstance(a, ast.Constant) and re.match(r"_(?!_)", str(a.value))
            ]
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            found += [
                f"{path.name}:{node.lineno} import {n}"
                for n in names
                if n == "pickle" or re.match(r"whoosh\.(codec|filedb|matching|writing|system|util|compat)\b", n)
            ]
    return found


def test_only_whoosh_internals_uses_whoosh_private_parts():
    """The rest of ``kb.index`` (the only package that imports whoosh) keeps to Whoosh's public API."""
    modules = [p for p in sorted((ROOT / "kb" / "index").glob("*.py")) if p.name != "whoosh_internals.py"]
    found = [use for path in modules for use in _private_uses(path)]
    assert not found, f"private Whoosh parts used outside kb/index/whoosh_internals.py (add a function there, with its test here): {found}"
    assert _private_uses(ROOT / "kb" / "index" / "whoosh_internals.py"), "the check no longer sees the private uses it should"
