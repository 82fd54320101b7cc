"""Incremental indexing: only what changed is re-rendered, deletes vanish, rebuilds switch atomically."""

from __future__ import annotations

import os

from kb.access import ANONYMOUS
from kb.content import ParseCache, load_content
from kb.pages.library import Library
from kb.queries import SearchRequest
from kb.repository.sync import sync
from kb.search import search

from .conftest import write_tree


def hits(index, q):
    return [h.id for h in search(index, ANONYMOUS, SearchRequest(q=q, per_page=50)).hits]


def test_first_run_builds_then_nothing_changes(content_dir, index):
    report = sync(content_dir, index)
    assert (report.added, report.updated, report.deleted, report.rebuilt) == (0, 0, 0, False)
    assert report.unchanged == 13  # 9 documents + 4 glossary terms (TCN twice counts once)


def test_added_changed_and_deleted_files(content_dir, index):
    write_tree(content_dir, {"articles/fms/case-closure.md": "---\ntitle: Case closure\n---\nClosing wombat cases."})
    (content_dir / "people/john-smith.md").unlink()
    (content_dir / "articles/eum/golden-sentry.md").write_text("---\ntitle: Golden Sentry\nareas: [eum]\n---\nPlatypus checks.")
    report = sync(content_dir, index)
    assert (report.added, report.updated, report.deleted) == (1, 1, 1)
    assert hits(index, "wombat") == ["fms/case-closure"]
    assert hits(index, "platypus") == ["eum/golden-sentry"] and hits(index, "night vision") == []
    assert "john-smith" not in hits(index, "John Smith")


def test_renaming_an_article_rerenders_the_pages_linking_to_it(content_dir, index):
    path = content_dir / "articles/fms/letter-of-request.md"
    path.write_text(path.read_text().replace("title: Letter of Request", "title: LOR basics"))
    report = sync(content_dir, index)
    # the article, what links to it (the area, the LOA page, the staff checklist, the path, the glossary term)
    # and its expert, whose profile is indexed with the titles of the articles that name her
    assert report.updated == 7
    html = index.get("article:fms/letter-of-offer-and-acceptance", ["public"]).page.html
    assert "LOR basics" not in html  # that link has its own text
    assert "LOR</abbr> basics</a>" in index.get("area:fms", ["public"]).page.html


def test_a_new_article_fixes_links_that_were_missing(content_dir, index):
    write_tree(content_dir, {"articles/fms/uses-new.md": "---\ntitle: Uses\n---\nSee [[fms/new-page]]."})
    sync(content_dir, index)
    assert "kb-missing-link" in index.get("article:fms/uses-new", ["public"]).page.html
    write_tree(content_dir, {"articles/fms/new-page.md": "---\ntitle: New page\n---\nHello."})
    sync(content_dir, index)
    assert 'href="/articles/fms/new-page"' in index.get("article:fms/uses-new", ["public"]).page.html


def test_a_page_naming_an_article_in_its_text_is_rendered_again_when_that_article_turns_staff_only(content_dir, index):
    write_tree(content_dir, {"articles/fms/notes.md": "---\ntitle: Notes\n---\nRead eum/golden-sentry first.\n"})
    sync(content_dir, index)
    assert "Read eum/golden-sentry first." in index.get("article:fms/notes", ["public"]).page.html
    path = content_dir / "articles/eum/golden-sentry.md"
    path.write_text(path.read_text().replace("areas: [eum]\n", "areas: [eum]\naccess: staff\n"))
    sync(content_dir, index)
    assert "Read (hidden article) first." in index.get("article:fms/notes", ["public"]).page.html
    assert hits(index, "golden") == []


def test_glossary_change_rerenders_tooltips(content_dir, index):
    glossary = content_dir / "glossary.yml"
    glossary.write_text(glossary.read_text().replace("expansion: Letter of Offer and Acceptance", "expansion: Letter of Offer & Acceptance"))
    report = sync(content_dir, index)
    # the 9 documents render glossary tooltips, and the LOA term itself changed; LOR, EUM, TCN did not
    assert (report.updated, report.unchanged) == (10, 3)
    html = index.get("article:fms/letter-of-request", ["public"]).page.html
    assert 'title="Letter of Offer &amp; Acceptance"' in html


def test_rebuild_switches_generation_and_searchers_follow(content_dir, index):
    before = index.exists() and hits(index, "Golden Sentry")
    old_generation = (index.directory / "CURRENT").read_text()
    report = sync(content_dir, index, rebuild=True)
    assert report.rebuilt and (index.directory / "CURRENT").read_text() != old_generation
    assert hits(index, "Golden Sentry") == before
    assert len(list(index.directory.glob("gen-*"))) == 2  # the live one and the previous one


def test_updates_are_visible_to_an_open_searcher(content_dir, index):
    library = Library(index, ANONYMOUS)
    assert library.document_count() == 12
    write_tree(content_dir, {"articles/fms/extra.md": "---\ntitle: Extra\n---\nx"})
    sync(content_dir, index)
    assert library.document_count() == 13


def test_updated_time_comes_from_git_when_the_content_is_a_repository(content_dir, index):
    import subprocess

    env = {
        "GIT_AUTHOR_DATE": "2024-03-01T12:00:00",
        "GIT_COMMITTER_DATE": "2024-03-01T12:00:00",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.mil",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.mil",
        "PATH": "/usr/bin:/bin",
    }
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "content"]):
        subprocess.run(["git", "-C", str(content_dir), *args], check=True, env=env)
    sync(content_dir, index, rebuild=True)
    assert index.get("article:fms/letter-of-request", ["public"]).updated.year == 2024


def test_unchanged_files_are_not_parsed_again(content_dir, index, monkeypatch):
    import kb.content.folder

    parsed = []
    original = kb.content.folder.parse_document
    monkeypatch.setattr(kb.content.folder, "parse_document", lambda *a: parsed.append(a[2]) or original(*a))
    (content_dir / "articles/fms/letter-of-request.md").write_text("---\ntitle: LOR v2\n---\nnew text")
    report = sync(content_dir, index)
    assert parsed == ["articles/fms/letter-of-request.md"]
    # the article and the six documents that show its title or link to it (area, LOA, checklist, path, glossary LOR, its expert)
    assert (report.added, report.updated, report.deleted, report.unchanged) == (0, 7, 0, 6)


def test_a_large_rebuild_writes_one_segment_per_part_in_forked_processes(content_dir, tmp_path, monkeypatch):
    import kb.repository.sync
    from kb.index import SearchIndex

    monkeypatch.setattr(kb.repository.sync, "PART_DOCUMENTS", 30)  # 80 articles + the sample: several parts of at most 30
    write_tree(content_dir, {f"articles/fms/note-{n:02d}.md": f"---\ntitle: Note {n}\n---\nKoala note number{n}." for n in range(80)})
    index = SearchIndex(tmp_path / "large")
    report = sync(content_dir, index, rebuild=True)
    assert report.added == 93 and len(index.manifest()) == 93
    assert len(hits(index, "koala")) == 50 and hits(index, "number42") == ["fms/note-42"]
    assert index.searchers.current().whoosh.reader().is_atomic() is False  # several segments
    index.close()


def test_an_index_written_with_other_fields_is_rebuilt_not_updated(content_dir, index, monkeypatch):
    """A release that adds an index field: its first `kb index` rebuilds (an update would fail on the new field)."""
    from whoosh.fields import ID

    from kb.index import store

    assert not index.outdated()
    release_schema = store.build_schema

    def with_a_new_field():
        schema = release_schema()
        schema.add("new_field", ID())
        return schema

    monkeypatch.setattr(store, "build_schema", with_a_new_field)
    assert index.outdated()
    report = sync(content_dir, index)
    assert report.rebuilt and report.added == 13
    assert not index.outdated()
    assert hits(index, "night vision") == ["eum/golden-sentry"]


def test_an_index_written_with_other_analyzers_is_rebuilt_not_updated(content_dir, tmp_path, monkeypatch):
    """Folding accents changed the analyzers, not the fields: an index of the release before
    (which Whoosh keeps with its own analyzers) is rebuilt, so "kone" finds "Koné" afterwards."""
    from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter, StopFilter

    from kb.index import SearchIndex, store
    from kb.index.schema import FIELD_BOOSTS, english_stem

    write_tree(content_dir, {"articles/fms/kone.md": "---\ntitle: Koné visit notes\n---\nA visit."})
    release_schema = store.build_schema

    def unfolded():
        schema = release_schema()
        for name in FIELD_BOOSTS:
            schema[name].analyzer = RegexTokenizer() | LowercaseFilter() | StopFilter(lang="en") | StemFilter(stemfn=english_stem, cachesize=None)
        return schema

    monkeypatch.setattr(store, "build_schema", unfolded)
    index = SearchIndex(tmp_path / "before")
    sync(content_dir, index)
    exact = SearchRequest(q="kone", exact=True)
    assert [h.id for h in search(index, ANONYMOUS, exact).hits] == []
    monkeypatch.undo()
    assert index.outdated()
    assert sync(content_dir, index).rebuilt and not index.outdated()
    assert search(index, ANONYMOUS, exact).hits[0].id == "fms/kone"
    index.close()


def test_a_new_redirect_from_rerenders_the_pages_linking_to_the_earlier_slug(content_dir, index):
    write_tree(content_dir, {"articles/fms/x.md": "---\ntitle: X\n---\nSee [[fms/old-request]]."})
    sync(content_dir, index)
    assert "kb-missing-link" in index.get("article:fms/x", ["public"]).page.html
    path = content_dir / "articles/fms/letter-of-request.md"
    path.write_text(path.read_text().replace("title: Letter of Request", "title: Letter of Request\nredirect_from: [fms/old-request]"))
    sync(content_dir, index)
    html = index.get("article:fms/x", ["public"]).page.html
    assert 'href="/articles/fms/old-request"' in html and "Letter of Request" in html


STAFF = ("public", "staff")


def test_an_access_in_doubt_is_indexed_staff_only_for_every_kind(content_dir, index):
    write_tree(
        content_dir,
        {
            "articles/fms/typo.md": "---\ntitle: Typo\nacess: staff\n---\nPlanted wombat words.\n",
            "articles/fms/listed.md": "---\ntitle: Listed\nmarking: [CUI]\n---\nPlanted narwhal words.\n",
            "people/pat.md": "---\nname: Pat Quill\naccess: staff\n---\nPlanted okapi bio.\n",
            "areas/secret.md": "---\ntitle: Secret area\nAccess: staff\n---\nPlanted axolotl overview.\n",
            "paths/inner.md": "---\ntitle: Inner path\nmarking: CUI\nsteps: [fms/letter-of-request]\n---\nPlanted dugong intro.\n",
        },
    )
    report = sync(content_dir, index)
    assert report.added == 5 and sum(p.severity == "error" for p in report.problems) == 5
    for key, word in (
        ("article:fms/typo", "wombat"),
        ("article:fms/listed", "narwhal"),
        ("person:pat", "okapi"),
        ("area:secret", "axolotl"),
        ("path:inner", "dugong"),
    ):
        assert index.get(key, ("public",)) is None and hits(index, word) == [], key
        assert index.get(key, STAFF).access == "staff", key
    assert [d.id for d in index.find(("public",), type="person")] == ["john-smith", "maria-delgado"]


def test_a_symlink_to_a_staff_article_is_not_indexed_as_a_person(content_dir, index):
    (content_dir / "people" / "x.md").symlink_to("../articles/eum/internal-checklist.md")
    report = sync(content_dir, index)
    assert index.get("person:x", STAFF) is None and report.added == 0
    assert "people/x.md:1: error: symlink, skipped: the content folder may hold no symlinks (to files or folders)" in map(str, report.problems)
    assert hits(index, "quokka") == [] and index.get("article:eum/internal-checklist", STAFF).access == "staff"


def test_a_new_reading_of_an_unchanged_file_re_records_its_access(content_dir, index):
    """An index written before the reading of access became strict is corrected by the next update.

    The earlier reading is played by the parse cache (which a release renames when parsing
    changes): it says public for a file that is read as staff-only now.
    """
    import dataclasses

    from kb.repository.sync import PARSE_CACHE

    write_tree(content_dir, {"articles/fms/typo.md": "---\ntitle: Typo\nAccess: staff\n---\nPlanted wombat words.\n"})
    sync(content_dir, index)
    cache_file = index.directory / PARSE_CACHE
    stamp = os.stat(content_dir / "articles/fms/typo.md")
    (doc,) = [d for d in load_content(content_dir).documents if d.path == "articles/fms/typo.md"]
    earlier = ParseCache()  # one row, written as an earlier release would have
    public = dataclasses.replace(doc, meta={**doc.meta, "access": "public"})
    earlier.get("articles/fms/typo.md", (stamp.st_mtime_ns, stamp.st_size), lambda: (public, ()))
    earlier.save(cache_file)
    sync(content_dir, index)
    assert hits(index, "wombat") == ["fms/typo"]  # as an earlier release indexed it
    cache_file.unlink()  # the release's new cache name: nothing cached
    report = sync(content_dir, index)
    assert report.updated == 1 and hits(index, "wombat") == []
    assert index.get("article:fms/typo", STAFF).access == "staff"


def test_the_content_problems_are_stored_with_the_index_and_follow_every_update(content_dir, index):
    """What the web tells editors comes from the last update, even one that changed no document
    (a file skipped as binary appears, then goes)."""
    assert index.table("problems") == []
    (content_dir / "articles/fms/blob.md").write_bytes(b"\x00binary")
    report = sync(content_dir, index)
    assert (report.added, report.updated, report.deleted, report.errors) == (0, 0, 0, 1)
    assert index.table("problems") == [
        {"path": "articles/fms/blob.md", "line": 1, "severity": "error", "message": "binary file (contains NUL bytes), skipped"}
    ]
    (content_dir / "articles/fms/blob.md").unlink()
    assert sync(content_dir, index).errors == 0
    assert index.table("problems") == []
    write_tree(content_dir, {"articles/fms/bad.md": "---\ntitle: [x\n---\nBody."})
    sync(content_dir, index, rebuild=True)  # a rebuild stores them in its new generation
    assert [row["path"] for row in index.table("problems")] == ["articles/fms/bad.md"] * 3


def test_which_documents_use_which_media_file_is_stored_with_the_index_and_follows_every_update(content_dir, index):
    """The media route's access rule is a lookup in this table: public when a public document uses the file."""
    assert index.table("media") == []
    write_tree(
        content_dir,
        {
            "articles/fms/charts.md": "---\ntitle: Charts\n---\n![Chart](/media/fms/chart.png)\n\n```\n![in code](/media/fms/no.png)\n```\n",
            "articles/eum/map.md": "---\ntitle: Map\naccess: staff\n---\n![Map](../../media/eum/map.png) [form](media/fms/chart.png)\n",
        },
    )
    sync(content_dir, index)
    assert index.table("media") == [{"file": "eum/map.png", "public": False}, {"file": "fms/chart.png", "public": True}]
    write_tree(content_dir, {"articles/fms/charts.md": "---\ntitle: Charts\naccess: staff\n---\n![Chart](/media/fms/chart.png)\n"})
    sync(content_dir, index)
    assert index.table("media") == [{"file": "eum/map.png", "public": False}, {"file": "fms/chart.png", "public": False}]
    (content_dir / "articles/eum/map.md").unlink()
    sync(content_dir, index, rebuild=True)  # a rebuild stores it in its new generation
    assert index.table("media") == [{"file": "fms/chart.png", "public": False}]
