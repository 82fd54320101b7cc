"""A bug fails the test that meets it; in production it is a friendly 500 page, logged once."""

from __future__ import annotations

import logging

import pytest

from kb.pages.library import Library

from ..conftest import close_app, make_app

SECRET = "a detail of the bug the page must not show"


@pytest.fixture
def broken_home(monkeypatch):
    """``Library.home`` with a bug in it (the rest of the real app unchanged)."""

    def home(self):
        raise RuntimeError(SECRET)

    monkeypatch.setattr(Library, "home", home)


def test_a_bug_in_a_page_fails_the_test_instead_of_answering_500(site_client, broken_home):
    with pytest.raises(RuntimeError, match=SECRET):
        site_client.get("/")


@pytest.fixture
def production(tmp_path, content_dir, index):
    """The app as served: ``TESTING`` off, so Flask answers a bug with the 500 handler."""
    app = make_app(content_dir, index.directory, tmp_path / "instance", TESTING=False)
    yield app
    close_app(app)


def test_in_production_a_bug_is_a_friendly_page_logged_once_with_its_traceback(production, broken_home, caplog):
    with caplog.at_level(logging.ERROR):
        response = production.test_client().get("/")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in body and 'name="q"' in body  # the search box, to go on
    assert SECRET not in body and "Traceback" not in body and "RuntimeError" not in body
    [record] = [r for r in caplog.records if r.exc_info]
    assert record.exc_info[0] is RuntimeError and str(record.exc_info[1]) == SECRET


def test_in_production_the_api_answers_a_bug_with_json(production, monkeypatch):
    def search(*args, **kwargs):
        raise RuntimeError(SECRET)

    monkeypatch.setattr("kb.web.api.run_search", search)
    response = production.test_client().get("/api/search?q=loa")
    assert response.status_code == 500
    assert response.get_json()["error"] == "Something went wrong" and SECRET not in response.get_data(as_text=True)
