"""The offline bundle's search index (kb/export/search_index.py): a script that assigns the index,
terms as the server's analyzer makes them, phrase pairs, acronyms, and only the documents handed in."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
import pytest

from kb.content import load_content
from kb.export import search_index
from kb.index.schema import english_analyzer

from .conftest import ROOT
from .web.hunt_site import LEAK, PATH, PERSON, PUBLIC_SLUG, STAFF_SLUG, build_site


def page_url(doc) -> str:
    return f"{doc.kind}s/{doc.id}.html"


def read_index(path: Path, name: str = search_index.GLOBAL) -> dict:
    text = path.read_text(encoding="utf-8")
    prefix = f"window.{name} = JSON.parse('"
    assert text.startswith(prefix) and text.endswith("');\n")
    return json.loads(text[len(prefix) : -4].replace("\\'", "'").replace("\\\\", "\\"))


@pytest.fixture(scope="module")
def starter(tmp_path_factory) -> dict:
    content = load_content(ROOT / "content")
    public = [d for d in content.documents if d.public]
    path = search_index.write(tmp_path_factory.mktemp("bundle"), public, content.glossary, page_url)
    assert path.name == "index.js" and path.parent.name == "search"
    return {**read_index(path), "phrases": read_index(path.parent / "phrases.js", search_index.PHRASES_GLOBAL)}


def postings(data: dict, term: str, field: str) -> set[str]:
    """The ids of the documents whose ``field`` holds ``term``."""
    index = data["index"]
    found = dict(index["index"]).get(term, {}).get(str(index["fieldIds"][field]), {})
    return {index["documentIds"][short] for short in found}


def test_the_index_holds_every_public_document_and_glossary_term_with_its_address(starter):
    content = load_content(ROOT / "content")
    public = [d for d in content.documents if d.public]
    index = starter["index"]
    assert index["documentCount"] == len(public) + len({e.term for e in content.glossary})
    stored = {index["documentIds"][k]: v for k, v in index["storedFields"].items()}
    loa = stored["article:fms/letter-of-offer-and-acceptance"]
    assert loa["t"] == "Letter of Offer and Acceptance (LOA)"
    assert loa["u"] == "articles/fms/letter-of-offer-and-acceptance.html"
    assert (loa["k"], loa["a"]) == ("article", ["fms"])
    assert "legal agreement" in loa["x"]
    assert stored["glossary:LOA"]["u"] == "glossary.html#term-loa"
    assert starter["areas"]["fms"] == "Foreign Military Sales"


def test_terms_are_the_servers_stems_with_accents_folded(starter):
    server = [t.text for t in english_analyzer()("Organizations requesting Koné's approval")]
    assert search_index.analyse("Organizations requesting Koné's approval") == server == ["organ", "request", "kone", "approv"]
    assert "article:fms/letter-of-offer-and-acceptance" in postings(starter, "loa", "aliases")
    assert "article:fms/letter-of-offer-and-acceptance" in postings(starter, "accept", "title")
    assert set(starter["stopWords"]) >= {"the", "of", "and"}
    assert "elig" in starter["vocabulary"] and "eligibility" in starter["vocabulary"]["elig"]


def test_a_phrase_is_indexed_as_its_consecutive_words_without_stop_words(starter):
    assert search_index.pairs(search_index.analyse("Letter of Offer and Acceptance")) == ["letter offer", "offer accept"]
    holders = lambda pair: {starter["index"]["documentIds"][str(n)] for n in starter["phrases"].get(pair, [])}  # noqa: E731
    assert "article:fms/letter-of-offer-and-acceptance" in holders("letter offer") & holders("offer accept")
    assert "article:fms/letter-of-offer-and-acceptance" not in holders("offer letter")


def test_the_glossary_gives_the_acronyms_and_the_servers_rewriting_rules(starter):
    assert starter["glossary"]["LOA"] == ["Letter of Offer and Acceptance"]
    rules = starter["acronymRules"]
    assert (rules["minLoose"], rules["minExpansion"]) == (3, 4) and "of" in rules["common"]


def test_the_public_index_of_the_hunt_site_holds_no_planted_staff_word(tmp_path):
    """Only the documents handed in are read, and a public page's links and mentions of a hidden
    article are masked as the site masks them (the hunt's public notes name the staff slug every way)."""
    content = load_content(build_site(tmp_path / "content"))
    public = [d for d in content.documents if d.public]
    assert STAFF_SLUG not in {d.id for d in public}
    path = search_index.write(tmp_path / "bundle", public, content.glossary, page_url)
    text = path.read_text(encoding="utf-8")
    assert sorted(p.name for p in path.parent.iterdir()) == ["index.js", "phrases.js"]
    assert LEAK.findall(text + (path.parent / "phrases.js").read_text(encoding="utf-8")) == []
    data = read_index(path)
    ids = set(data["index"]["documentIds"].values())
    assert {f"article:{PUBLIC_SLUG}", f"person:{PERSON}", f"path:{PATH}", "glossary:EPX"} <= ids
    assert "(hidden article)" in text and "a staff-only article" in text
    assert "article:" + PUBLIC_SLUG in postings(data, "escal", "title")


def test_people_are_indexed_without_their_contact_data(tmp_path):
    content = load_content(ROOT / "content")
    people = [d for d in content.documents if d.kind == "person" and d.public and d.get("email")]
    assert people
    path = search_index.write(tmp_path, people, (), page_url)
    text, stored = path.read_text(encoding="utf-8"), read_index(path)["index"]["storedFields"].values()
    assert [person.get("email") for person in people if person.get("email") in text] == []
    assert {s["t"] for s in stored} == {person.title for person in people}


def test_the_fragments_link_every_asset_and_the_index_from_the_bundle_root():
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(ROOT / "templates"), autoescape=True)
    results = env.get_template("export/_search_results.html").render(root="../")
    box = env.get_template("export/_search_box.html").render(root="../../")
    for asset in search_index.ASSETS:
        assert f'src="../static/{asset}"' in results
        assert (ROOT / "static" / asset).exists(), f"{asset}: run make assets"
    assert 'src="../search/index.js"' in results
    assert 'action="../../search.html"' in box and 'name="q"' in box and 'class="usa-search' in box
    assert 'id="results-search"' in results and 'role="status"' in results
