"""The editor's checks on a real content repository: the folder's files parsed once and re-read only when
they change, and a body over the editor's limit refused before any check or rendering."""

from __future__ import annotations

import datetime as dt
import time

from kb.content import folder
from kb.editing import Limits, evaluate

from .conftest import LOR

TODAY = dt.date(2025, 6, 1)
LOA = "articles/fms/letter-of-offer-and-acceptance.md"


def test_a_second_check_reparses_only_the_files_that_changed(repo, monkeypatch):
    text = (repo / LOR).read_text()
    assert not evaluate(repo, LOR, text + "\nSee [[fms/letter-of-offer-and-acceptance]].\n", TODAY).blocked
    parsed = []
    real = folder._parse_file
    monkeypatch.setattr(folder, "_parse_file", lambda root, kind, path, max_bytes: parsed.append(path.name) or real(root, kind, path, max_bytes))
    assert not evaluate(repo, LOR, text + "\nSee [[fms/letter-of-offer-and-acceptance]].\n", TODAY).blocked
    assert parsed == []  # nothing changed on disk: nothing parsed again
    (repo / LOA).unlink()
    after = evaluate(repo, LOR, text + "\nSee [[fms/letter-of-offer-and-acceptance]].\n", TODAY)
    assert after.blocked and "link to missing article 'fms/letter-of-offer-and-acceptance'" in [p.message for p in after.errors]
    (repo / LOR).write_text(text.replace("title:", "title: Changed", 1))
    evaluate(repo, LOA.replace("letter-of-offer-and-acceptance", "new-one"), "---\ntitle: New\nareas: [fms]\n---\nNew.\n", TODAY)
    assert parsed == ["letter-of-request.md"]  # only the file that changed


def test_a_body_over_the_editors_limit_is_refused_at_once(repo):
    huge = (repo / LOR).read_text() + "Wombat [[fms/letter-of-offer-and-acceptance]] paragraph.\n\n" * 12_000
    started = time.perf_counter()
    evaluation = evaluate(repo, LOR, huge, TODAY, Limits(edit_max_bytes=200_000))
    assert time.perf_counter() - started < 0.5 and evaluation.html == ""
    assert [p.line for p in evaluation.errors] == [1]
    assert "the browser editor takes files of at most 200,000 bytes (KB_EDIT_MAX_BYTES)" in evaluation.errors[0].message
