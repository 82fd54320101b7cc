"""The JSON API."""

from __future__ import annotations


def test_search_shape(site_client):
    data = site_client.get("/api/search?q=LOA&per_page=5").get_json()
    assert set(data) >= {"query", "total", "page", "per_page", "results", "facets", "suggestion"}
    assert data["query"] == "LOA" and data["page"] == 1 and data["per_page"] == 5
    first = data["results"][0]
    assert set(first) == {"type", "id", "title", "url", "snippet", "score", "areas"}
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
    assert data == [{"title": "Golden Sentry program", "url": "/articles/eum/golden-sentry", "type": "article"}]
    letters = {(s["title"], s["type"]) for s in site_client.get("/api/suggest?q=l").get_json()}
    assert letters == {("Letter of Request", "article"), ("Letter of Offer and Acceptance", "article"), ("LOR", "glossary"), ("LOA", "glossary")}


def test_article(site_client):
    data = site_client.get("/api/articles/fms/letter-of-request").get_json()
    assert data["title"] == "Letter of Request" and data["experts"] == ["maria-delgado"]
    assert data["related"] == ["fms/letter-of-offer-and-acceptance"] and "<h2" in data["html"]
    missing = site_client.get("/api/articles/fms/none")
    assert missing.status_code == 404 and missing.get_json()["error"] == "Page not found"
    assert site_client.get("/api/articles/eum/internal-checklist").status_code == 404


def test_healthz_counts_visible_documents(site_client):
    assert site_client.get("/healthz").get_json() == {"status": "ok", "documents": 12}


def test_hostile_requests_get_clean_errors(site_client):
    hostile = site_client.get("/api/search?q=%00%ff&page=-1&per_page=abc")
    assert hostile.status_code == 200
    assert {k: hostile.get_json()[k] for k in ("total", "page", "per_page", "results")} == {"total": 0, "page": 1, "per_page": 10, "results": []}
    assert site_client.post("/api/search").status_code == 405
    assert site_client.get("/articles/../../etc/passwd").status_code == 404
    assert site_client.get("/api/nothing").get_json()["error"] == "Page not found"
