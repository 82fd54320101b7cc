"""The JSON API."""

from __future__ import annotations

import os
import shutil

import pytest

from ..conftest import ROOT, SAMPLE, close_app, indexed_app, write_tree


def test_search_shape(site_client):
    data = site_client.get("/api/search?q=LOA&per_page=5").get_json()
    assert set(data) >= {"query", "total", "page", "per_page", "results", "facets", "suggestion"}
    assert data["query"] == "LOA" and data["page"] == 1 and data["per_page"] == 5
    first = data["results"][0]
    assert set(first) == {"type", "id", "title", "url", "snippet", "score", "areas", "updated", "access"}
    assert set(data["facets"]) == {"type", "area"}


def test_search_shows_the_corrected_query_first_and_the_words_as_typed_on_request(site_client):
    data = site_client.get("/api/search?q=goldn+sentry").get_json()
    assert (data["query"], data["suggestion"], data["corrected"]) == ("goldn sentry", "golden sentry", True)
    assert [r["id"] for r in data["results"]] == ["eum/golden-sentry"]
    typed = site_client.get("/api/search?q=goldn+sentry&exact=1").get_json()
    assert (typed["suggestion"], typed["corrected"]) == ("golden sentry", False)
    spelled = site_client.get("/api/search?q=golden+sentry").get_json()
    assert (spelled["suggestion"], spelled["corrected"]) == (None, False)


def test_search_filters_by_type_area_and_tag(site_client):
    assert {r["type"] for r in site_client.get("/api/search?q=fms&type=person").get_json()["results"]} == {"person"}
    assert all("eum" in r["areas"] for r in site_client.get("/api/search?q=checks&area=eum").get_json()["results"])
    tagged = site_client.get("/api/search?q=letter&tag=lor").get_json()["results"]
    assert [r["id"] for r in tagged] == ["fms/letter-of-request"]


def test_suggest(site_client):
    data = site_client.get("/api/suggest?q=golden").get_json()
    assert data == [{"title": "Golden Sentry program", "url": "/articles/eum/golden-sentry", "type": "article", "label": "Article"}]
    letters = {(s["title"], s["type"]) for s in site_client.get("/api/suggest?q=l").get_json()}
    assert letters == {("Letter of Request", "article"), ("Letter of Offer and Acceptance", "article"), ("LOR", "glossary"), ("LOA", "glossary")}


def suggested(client, typed: str) -> list[tuple[str, str]]:
    return [(s["title"], s["label"]) for s in client.get("/api/suggest", query_string={"q": typed}).get_json()]


def test_suggestions_rank_an_exact_title_or_acronym_first_then_prefixes(starter_app):
    client = starter_app.test_client()
    loa = suggested(client, "LOA")
    assert loa[:3] == [
        ("Letter of Offer and Acceptance (LOA)", "Article"),
        ("LOA", "Glossary term"),
        ("LOA Standard Terms and Conditions and LOA Notes (SAMM Appendix 6)", "Article"),
    ]
    assert loa.index(("LOA Standard Terms and Conditions and LOA Notes (SAMM Appendix 6)", "Article")) < loa.index(("Pseudo LOA", "Glossary term"))
    assert suggested(client, "fms")[:2] == [("Foreign Military Sales", "Functional area"), ("FMS", "Glossary term")]
    assert suggested(client, "africom")[:2] == [("U.S. Africa Command (AFRICOM)", "Combatant command"), ("AFRICOM", "Glossary term")]
    assert suggested(client, "keny") == [("Kenya", "Country")]
    first = client.get("/api/suggest?q=kenya").get_json()[0]
    assert first["url"] == "/countries/kenya" and client.get(first["url"]).status_code == 200


def test_suggestions_tolerate_one_typo_in_a_long_word(starter_app):
    client = starter_app.test_client()
    assert suggested(client, "forign")[0] == ("Foreign Military Sales", "Functional area")
    assert ("Foreign Military Financing (FMF)", "Article") in suggested(client, "forign militery")
    assert suggested(client, "kenia") == [("Kenya", "Country")]
    assert suggested(client, "fomr") == []  # four letters: as typed only


def test_suggestions_are_bounded(starter_app):
    client = starter_app.test_client()
    long_text = " ".join(["foreign"] * 200) + " " + "x" * 5000
    response = client.get("/api/suggest", query_string={"q": long_text})
    assert response.status_code == 200 and len(response.get_json()) <= 10
    assert len(suggested(client, "a")) == 10


STAFF_TITLES = ["sales security sustainment supply shipment support system standard status " * 30] * 20 + ["s"] * 20


def test_anonymous_suggestions_do_not_change_with_staff_only_documents(starter_app, tmp_path):
    """The candidates read per request were the best by Whoosh's scores, whose statistics count
    every document: 40 staff-only articles (long titles of s-words, and "s") dropped "OBO", "UXO",
    "DEF" and the Workforce area from anonymous suggestions. Now candidates are chosen by what
    each document holds alone, so what anonymous readers are offered is the same with or without them."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    for n, title in enumerate(STAFF_TITLES):
        (content / "articles" / "fms" / f"zz-{n}.md").write_text(f"---\ntitle: {title}\nsummary: x\nareas: [fms]\naccess: staff\n---\nBody.\n")
    with_staff = indexed_app(content, tmp_path)
    try:
        for prefix in ("o", "r", "s", "u", "de"):
            expected = suggested(starter_app.test_client(), prefix)
            assert suggested(with_staff.test_client(), prefix) == expected, prefix
        assert ("OA", "Glossary term") in suggested(with_staff.test_client(), "o")
    finally:
        close_app(with_staff)


def test_article(site_client):
    data = site_client.get("/api/articles/fms/letter-of-request").get_json()
    assert data["title"] == "Letter of Request" and data["experts"] == ["maria-delgado"]
    assert data["related"] == ["fms/letter-of-offer-and-acceptance"] and "<h2" in data["html"]
    missing = site_client.get("/api/articles/fms/none")
    assert missing.status_code == 404 and missing.get_json()["error"] == "Page not found"
    assert site_client.get("/api/articles/eum/internal-checklist").status_code == 404


def test_healthz_counts_visible_documents(site_client):
    assert site_client.get("/healthz").get_json() == {
        "status": "ok",
        "documents": 12,
        "content_problems": {"errors": 0, "warnings": 0, "files_with_errors": 0},
    }


def test_hostile_requests_get_clean_errors(site_client):
    hostile = site_client.get("/api/search?q=%00%ff&page=-1&per_page=abc")
    assert hostile.status_code == 200
    assert {k: hostile.get_json()[k] for k in ("total", "page", "per_page", "results")} == {"total": 0, "page": 1, "per_page": 10, "results": []}
    assert site_client.post("/api/search").status_code == 405
    assert site_client.get("/articles/../../etc/passwd").status_code == 404
    assert site_client.get("/api/nothing").get_json()["error"] == "Page not found"


@pytest.fixture(scope="module")
def dated_client(tmp_path_factory):
    """The sample content plus twelve "case file" articles, each changed a day apart, in shuffled order."""
    root = tmp_path_factory.mktemp("dated")
    notes = {
        f"articles/fms/case-file-{n:02d}.md": f"---\ntitle: Case file {n:02d}\nareas: [fms]\n---\nA case file{' case' * n}.\n" for n in range(12)
    }
    content = write_tree(root / "content", {**SAMPLE, **notes})
    for n in range(12):
        day = (n * 5) % 12  # shuffled: the most relevant (most "case") is not the newest
        os.utime(content / f"articles/fms/case-file-{n:02d}.md", (1_700_000_000 + day * 86_400,) * 2)
    app = indexed_app(content, root)
    yield app.test_client()
    close_app(app)


def test_search_sorted_by_last_updated_sorts_every_match_before_the_page_is_cut(dated_client):
    total = dated_client.get("/api/search?q=case").get_json()["total"]
    pages = [dated_client.get(f"/api/search?q=case&sort=updated&per_page=4&page={n}").get_json() for n in range(1, -(-total // 4) + 1)]
    assert {p["sort"] for p in pages} == {"updated"} and {p["total"] for p in pages} == {total}
    dated = [(r["updated"], r["score"]) for p in pages for r in p["results"] if r["updated"]]
    assert len(dated) >= 12 and dated == sorted(dated, reverse=True)  # newest first, the best first among equals
    titles = [r["title"] for p in pages for r in p["results"]]
    newest_first = sorted(range(12), key=lambda n: -((n * 5) % 12))
    assert [t for t in titles if t.startswith("Case file")] == [f"Case file {n:02d}" for n in newest_first]
    assert len(titles) == len(set(titles)) == total  # every match once, on one page
    relevance = dated_client.get("/api/search?q=case&per_page=4").get_json()
    assert relevance["sort"] == "relevance" and relevance["results"][0]["title"] == "Case file 11"


def test_search_sort_falls_back_to_relevance(dated_client):
    default = dated_client.get("/api/search?q=case").get_json()
    for bogus in ("bogus", "", "UPDATED%00", "-updated"):
        data = dated_client.get(f"/api/search?q=case&sort={bogus}").get_json()
        assert data["sort"] == "relevance" and data["results"] == default["results"], bogus
    assert dated_client.get("/api/search?q=case&sort=Updated").get_json()["sort"] == "updated"


def test_a_search_request_checks_the_index_for_changes_once_and_the_next_request_again(site, site_client, monkeypatch):
    """A results page makes a dozen index calls (spelling, labels, places); the live generation
    is read at the first only (``kb.index.looks``), and each request reads it again."""
    index = site.extensions["kb.index"]
    reads: list[str | None] = []
    real = index.store.generation
    site_client.get("/api/search?q=letter")  # what is built once per index state (the place table) is built
    monkeypatch.setattr(index.store, "generation", lambda: reads.append(real()) or reads[-1])
    for number in (1, 2):
        data = site_client.get("/api/search?q=letter+of+request").get_json()
        assert data["total"] >= 1 and data["facets"]["type"]
        assert len(reads) == number
    assert site_client.get("/search?q=lettr+of+offer").status_code == 200
    assert len(reads) == 3
