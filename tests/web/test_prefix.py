"""The whole site served under a URL prefix (``SCRIPT_NAME=/kb`` behind a proxy)."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

PREFIX = "/kb"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src", "action", "data-suggest-url") and value:
                self.urls.append(value)


def _site_urls(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return [u for u in parser.urls if not urlsplit(u).scheme and not u.startswith(("#", "mailto:"))]


def crawl_under_prefix(client, limit: int | None = None, skip: tuple[str, ...] = ()) -> tuple[int, set[str]]:
    """Follow every link from the home page, served under PREFIX: each must keep the prefix and
    answer. Returns the pages read and the paths seen (``skip``: path prefixes not followed)."""
    seen, queue, pages = {"/"}, ["/"], 0
    while queue and (limit is None or pages < limit):
        path = queue.pop(0)
        response = client.get(path, environ_overrides={"SCRIPT_NAME": PREFIX})
        if path.startswith("/search/open?"):  # a result opened from the results page: counted, then redirected
            assert response.status_code == 302 and response.headers["Location"].startswith(PREFIX + "/"), path
            continue
        if path.endswith("/-/report"):  # "Report a problem" is for signed-in readers: to the sign-in page, prefix kept
            assert response.status_code == 302 and response.headers["Location"].startswith(PREFIX + "/login?next="), path
            continue
        assert response.status_code == 200, path
        pages += 1
        if response.mimetype != "text/html":
            continue
        for url in _site_urls(response.get_data(as_text=True)):
            assert url.startswith(PREFIX + "/"), f"{url} on {path} leaves the prefix"
            target = urldefrag(url)[0][len(PREFIX) :]
            if target not in seen and not target.startswith(("/static/", *skip)):
                seen.add(target)
                queue.append(target)
    return pages, seen


def test_every_link_of_every_page_stays_under_the_prefix_and_works(site_client):
    pages, seen = crawl_under_prefix(site_client, limit=60)
    assert pages >= 10 and {"/glossary", "/articles/fms/letter-of-request", "/people/maria-delgado"} <= seen


def test_links_inside_articles_and_the_suggest_box_use_the_prefix(site_client):
    html = site_client.get("/articles/fms/letter-of-request", environ_overrides={"SCRIPT_NAME": PREFIX}).get_data(as_text=True)
    assert 'href="/kb/articles/fms/letter-of-offer-and-acceptance"' in html
    assert 'data-suggest-url="/kb/api/suggest"' in html
    assert 'href="/articles/' not in html
