"""The directory, the people API, country and command pages, and the privacy rule on every surface."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from markupsafe import escape

from kb.access import Reader
from kb.content import load_content
from kb.directory import FACET_LIMIT
from kb.index import SearchIndex
from kb.repository.sync import sync

from ..conftest import ROOT, close_app, indexed_app, make_app, write_tree
from ..directory_sample import CONTACTS, DIRECTORY_SAMPLE

STAFF = Reader(name="staff", staff=True, role="reader")


@pytest.fixture(scope="module")
def people_app(tmp_path_factory):
    root = tmp_path_factory.mktemp("people-web")
    app = indexed_app(write_tree(root / "content", DIRECTORY_SAMPLE), root)
    yield app
    close_app(app)


@pytest.fixture
def web(people_app):
    people_app.extensions.pop("kb.identify", None)
    return people_app.test_client()


@pytest.fixture
def staff_web(people_app):
    people_app.extensions["kb.identify"] = lambda: STAFF
    yield people_app.test_client()
    people_app.extensions.pop("kb.identify", None)


def body(response) -> str:
    return response.get_data(as_text=True)


def test_directory_page_lists_everyone_with_facets_in_a_get_form(web):
    response = web.get("/people")
    html = body(response)
    assert response.status_code == 200
    assert '<form action="/people" method="get"' in html and 'name="q"' in html
    for label in ("Functional area", "Combatant command", "Country", "Language", "Organization", "Certification"):
        assert f'<legend class="usa-legend kb-facets__group">{label}</legend>' in html
    assert re.search(r'<input class="usa-checkbox__input" id="f-language-\d+" type="checkbox" name="language" value="maori"', html)
    assert 'Māori <span class="kb-count">(1)</span>' in html
    boxes = re.findall(r'id="(f-[\w-]+)"', html)
    assert all(f'for="{box}"' in html for box in boxes)  # every checkbox has its label
    assert "6 people" in html and "Sorted by name" in html
    assert html.index("Ana Novak") < html.index("Bob Bio") < html.index("Chloé Koné") < html.index("John Smith")
    assert "<script" not in html.split("<main")[1].split("</main>")[0]  # works without JavaScript


def test_directory_text_and_filters(web):
    html = body(web.get("/people?q=pricing&region=EUCOM&language=French"))
    assert "1 person for “pricing”" in html and "Ana Novak" in html and "Bob Bio" not in html
    assert re.search(r'name="language" value="french" checked', html)
    html = body(web.get("/people?language=maori"))
    assert "1 person" in html and "Tane Parata" in html


def test_directory_paginates(web):
    html = body(web.get("/people?per_page=2&page=2"))
    assert "Chloé Koné" in html and "Ana Novak" not in html
    assert 'aria-label="Directory pages"' in html and "page=3" in html


def test_people_api_shape_filters_and_facets(web):
    data = web.get("/api/people?q=pricing&per_page=5").get_json()
    assert set(data) == {"total", "page", "per_page", "results", "facets"}
    assert data["page"] == 1 and data["per_page"] == 5 and data["results"][0]["id"] == "ana-novak"
    first = data["results"][0]
    assert set(first) == {"id", "name", "title", "organization", "areas", "regions", "countries", "languages", "expertise", "url", "score"}
    assert first["languages"] == ["French", "Polish"] and first["regions"] == ["EUCOM"] and first["url"] == "/people/ana-novak"
    assert set(data["facets"]) == {"area", "region", "country", "language", "organization", "certification"}
    everyone = web.get("/api/people").get_json()
    assert everyone["total"] == 6 and everyone["facets"]["language"]["Māori"] == 1
    assert everyone["facets"]["region"] == {"AFRICOM": 1, "EUCOM": 2, "INDOPACOM": 1, "SOUTHCOM": 1}
    for name, value, expected in [
        ("area", "eum", {"tane-parata", "chloe-kone"}),
        ("region", "AFRICOM", {"chloe-kone"}),
        ("country", "Poland", {"ana-novak"}),
        ("language", "maori", {"tane-parata"}),
        ("organization", "dsca", {"ana-novak", "chloe-kone", "maria-delgado"}),
        ("certification", "SC Workforce Certification, Advanced", {"ana-novak", "chloe-kone"}),
    ]:
        found = web.get(f"/api/people?{name}={quote(value)}").get_json()
        assert {r["id"] for r in found["results"]} == expected, name
    both = web.get("/api/people?language=French&language=German").get_json()
    assert {r["id"] for r in both["results"]} == {"ana-novak", "chloe-kone", "bob-bio"}


@pytest.mark.parametrize(
    "query, expected",
    [
        ("page=abc&per_page=xyz", (1, 20, 6)),  # the defaults; everyone (6 people)
        ("page=-3&per_page=0", (1, 1, 6)),  # the nearest allowed values
        ("per_page=100000", (1, 50, 6)),
        ("region=%00", (1, 20, 0)),
        ("language=" + "x" * 5000, (1, 20, 0)),
        ("q=%22unbalanced&area=", (1, 20, 0)),
        ("q=*&country=%ff", (1, 20, 0)),
        ("q=type:person%20AND%20(", (1, 20, 0)),
        ("page=99999", (1000, 20, 6)),  # the last allowed page, past everyone
    ],
)
def test_bad_parameters_never_give_a_500(web, query, expected):
    for url in ("/api/people?", "/people?", "/api/search?type=person&q=x&"):
        response = web.get(url + query)
        assert response.status_code in (200, 400), (url, query)
    data = web.get("/api/people?" + query).get_json()
    assert (data["page"], data["per_page"], data["total"]) == expected


def test_person_api(web):
    data = web.get("/api/people/ana-novak").get_json()
    assert data["name"] == "Ana Novak" and data["languages"] == ["French", "Polish"]
    assert data["language_levels"] == {"French": "ILR 3"} and data["sco"] == "Office of Defense Cooperation Warsaw"
    assert data["articles"] == ["fms/pricing"] and not {"email", "phone", "location"} & set(data)
    assert web.get("/api/people/nobody").status_code == 404


def test_person_api_for_staff(staff_web):
    staff = staff_web.get("/api/people/ana-novak").get_json()
    assert staff["email"] == "ana.novak@example.mil" and staff["location"] == "Warsaw, Poland"


def test_search_api_takes_the_directory_filters(web):
    found = web.get("/api/search?q=pricing&type=person&language=french&region=eucom").get_json()
    assert [r["id"] for r in found["results"]] == ["ana-novak"]
    assert [r["id"] for r in web.get("/api/search?type=person&q=monitoring&country=C%C3%B4te%20d%27Ivoire").get_json()["results"]] == ["chloe-kone"]
    articles = web.get("/api/search?q=visits&country=kenya").get_json()
    assert [r["id"] for r in articles["results"]] == ["eum/kenya-visits"]
    assert web.get("/api/search?q=pricing&organization=nowhere").get_json()["total"] == 0


@pytest.mark.parametrize(
    "query",
    [
        "q=pricing",
        "q=pricing&region=EUCOM",
        "region=AFRICOM",  # filters alone, no text
        "q=manager&language=French&language=Spanish",  # repeated values: either
        "region=africa",  # a place word for a command
        "q=who+knows+about+EUM+in+Kenya",
        "language=maori",
    ],
)
def test_search_api_for_people_answers_as_the_directory_does(web, query):
    """One ranking for people: /api/search?type=person gives the directory's people in its order."""
    directory = web.get(f"/api/people?{query}").get_json()
    found = web.get(f"/api/search?type=person&{query}").get_json()
    assert directory["total"] > 0
    assert found["total"] == directory["total"]
    assert [r["id"] for r in found["results"]] == [r["id"] for r in directory["results"]][: len(found["results"])]
    assert {r["type"] for r in found["results"]} == {"person"}
    assert found["facets"]["type"] == {"person": directory["total"]}
    assert found["facets"]["language"] == {k: v for k, v in directory["facets"]["language"].items() if v}


def test_search_page_for_people_uses_the_directory_ranking(web):
    html = body(web.get("/search?q=pricing&type=person&region=EUCOM&language=french"))
    assert "Ana Novak" in html and "1 result" in html


def test_profile_shows_levels_places_articles_and_paths(web):
    html = body(web.get("/people/ana-novak"))
    assert "French (ILR 3)" in html and "Polish" in html
    assert '<a class="usa-link" href="/countries/poland">Poland</a>' in html
    assert '<a class="usa-link" href="/regions/EUCOM">EUCOM</a>' in html
    assert "Office of Defense Cooperation Warsaw" in html and "FMS pricing" in html
    html = body(web.get("/people/maria-delgado"))
    assert "New to Security Cooperation" in html  # a path through an article she is expert on


def test_country_and_command_pages(web):
    html = body(web.get("/countries/kenya"))
    assert "<h1>Kenya</h1>" in html and "Chloé Koné" in html and "Compliance visits in Kenya" in html
    assert 'href="/regions/AFRICOM"' in html
    html = body(web.get("/countries/new-zealand"))
    assert "Office of Defense Cooperation Wellington" in html and "Tane Parata" in html
    html = body(web.get("/regions/AFRICOM"))
    assert "U.S. Africa Command" in html and "Chloé Koné" in html and 'href="/countries/cote-d-ivoire"' in html
    assert web.get("/regions/africa").status_code == 200
    assert web.get("/countries/narnia").status_code == 404 and web.get("/regions/MOONCOM").status_code == 404
    lists = body(web.get("/countries")) + body(web.get("/regions"))
    assert 'href="/countries/cote-d-ivoire">Côte d&#39;Ivoire</a>' in lists and 'href="/regions/INDOPACOM"' in lists
    assert 'href="/countries"' in body(web.get("/people")) and 'href="/regions"' in body(web.get("/people"))


def test_ask_an_expert_on_articles_and_areas(web):
    html = body(web.get("/articles/fms/pricing"))
    section = html.split('id="ask-heading"')[1].split("</section>")[0]
    assert section.index("Ana Novak") < section.index("Others who know this topic")
    others = re.findall(r'href="/people/([\w-]+)"', section.split("Others who know this topic")[1])
    assert others == ["maria-delgado", "john-smith", "chloe-kone", "bob-bio"]  # the listed expert not again; at most five
    html = body(web.get("/articles/eum/golden-sentry"))
    assert "Ask an expert" in html and "/people/chloe-kone" in html.split('id="ask-heading"')[1]
    assert "Ask an expert" in body(web.get("/areas/eum"))


# --- privacy: email, phone and location only for signed-in readers -----------------------------


def contact_strings(content_dir, keys=("email", "phone", "location")) -> list[str]:
    found = []
    for doc in load_content(content_dir).of_kind("person"):
        found += [doc.get(key) for key in keys if doc.get(key)]
    return found


PAGES = {  # what each fixed page shows whatever the content
    "/": "The source for Security Cooperation expertise",
    "/people": "Expertise directory",
    "/people?per_page=50": "Expertise directory",
    "/api/people?per_page=50": '"results":[{',
    "/countries": "Partner countries",
    "/regions": "Combatant commands",
    "/glossary": "Glossary A–Z",
}
SEARCHES = {  # what each search shows of a query (the pages and the search API echo it back)
    "/search?q=": "{echo}",
    "/api/search?q=": '"query":"{echo}"',
    "/api/search?type=person&q=": '"query":"{echo}"',
    "/api/suggest?q=": "[",
    "/people?q=": "{echo}",
    "/api/people?q=": '"results":[',
}


def surfaces(people: dict[str, tuple[str, str]], names: dict[str, str], countries: dict[str, str], regions: list[str]) -> list[tuple[str, str, str]]:
    """(url, the query text it echoes back, what it must show) for every page, API and search a person can appear on."""
    urls = [(url, "", shown) for url, shown in PAGES.items()]
    for person_id, (email, phone) in people.items():
        urls += [(f"/people/{person_id}", "", str(escape(names[person_id]))), (f"/api/people/{person_id}", "", f'"id":"{person_id}"')]
        for text in (email, phone, email.split("@")[0], person_id.replace("-", " ")):
            urls += [(url + quote(text), text, shown.format(echo=text)) for url, shown in SEARCHES.items()]
    urls += [(f"/countries/{slug}", "", str(escape(name))) for slug, name in countries.items()]
    return urls + [(f"/regions/{r}", "", f"{r}: U.S. ") for r in regions]


def person_names(content: Path) -> dict[str, str]:
    return {d.id: d.title for d in load_content(content).of_kind("person")}


def without_echo(text: str, query: str) -> str:
    """A response without the reader's own query (the search box and headings repeat it)."""
    return text.replace(query, "").replace(html.escape(query), "") if query else text


def test_no_contact_data_anywhere_for_anonymous_readers(web, people_app):
    content = people_app.config["CONTENT_DIR"]
    secrets = contact_strings(content)
    assert len(secrets) >= 11
    countries = {"kenya": "Kenya", "poland": "Poland", "new-zealand": "New Zealand", "cote-d-ivoire": "Côte d'Ivoire"}
    urls = surfaces(CONTACTS, person_names(content), countries, ["AFRICOM", "EUCOM", "INDOPACOM"])
    urls += [("/articles/fms/pricing", "", "FMS pricing"), ("/areas/fms", "", "Foreign Military Sales"), ("/areas/eum", "", "End-Use Monitoring")]
    for url, echo, shown in urls:
        response = web.get(url)
        assert response.status_code == 200 and shown in body(response), (url, shown)
        text = without_echo(body(response), echo)
        for secret in secrets:
            assert secret not in text, (url, secret)


@pytest.mark.parametrize("endpoint", ["/api/search?q=", "/api/people?q=", "/api/search?type=person&q="])
def test_searching_for_an_email_or_phone_finds_nobody(web, endpoint):
    for email, phone in CONTACTS.values():
        for text in (email, phone):
            assert web.get(endpoint + quote(text)).get_json()["total"] == 0, text


def test_signed_in_staff_see_contact_data_on_profiles_only(staff_web):
    html = body(staff_web.get("/people/ana-novak"))
    assert "ana.novak@example.mil" in html and "+1 555 0111" in html and "Warsaw, Poland" in html
    for url in ("/people", "/api/people", "/api/search?q=ana&type=person", "/countries/poland", "/regions/EUCOM"):
        text = body(staff_web.get(url))
        assert "Ana Novak" in text and "ana.novak@example.mil" not in text, url


def test_every_starter_profile_keeps_its_contact_data_private_on_every_surface(starter_app):
    client = starter_app.test_client()
    people = {d.id: (d.get("email"), d.get("phone")) for d in load_content(ROOT / "content").of_kind("person")}
    assert len(people) >= 20 and all(email and phone for email, phone in people.values())
    secrets = contact_strings(ROOT / "content", ("email", "phone"))  # locations are towns articles name too
    countries = {"kenya": "Kenya", "poland": "Poland", "republic-of-korea": "Republic of Korea"}
    for url, echo, shown in surfaces(people, person_names(ROOT / "content"), countries, ["AFRICOM", "CENTCOM", "EUCOM"]):
        response = client.get(url)
        assert response.status_code == 200 and shown in body(response), (url, shown)
        text = without_echo(body(response), echo)
        leaked = [s for s in secrets if s in text]
        assert leaked == [], url
    for email, phone in people.values():
        for endpoint in ("/api/search?q=", "/api/people?q="):
            assert client.get(endpoint + quote(email)).get_json()["total"] == 0, email
            assert client.get(endpoint + quote(phone)).get_json()["total"] == 0, phone


def test_a_bio_that_repeats_the_contact_data_does_not_leak_it(tmp_path):
    content = write_tree(
        tmp_path / "content",
        {
            **DIRECTORY_SAMPLE,
            "people/leaky-lee.md": """
        ---
        name: Leaky Lee
        email: leaky.lee@example.mil
        phone: "+1 555 0199"
        location: Fort Quokka
        ---
        Write to leaky.lee@example.mil or call +1 555 0199 at Fort Quokka.
        """,
        },
    )
    index = SearchIndex(tmp_path / "index")
    sync(content, index)
    index.close()
    app = make_app(content, tmp_path / "index", tmp_path / "instance")
    client = app.test_client()
    try:
        for url in ("/people/leaky-lee", "/api/people/leaky-lee", "/search?q=write+call", "/api/search?q=write+call", "/api/people?q=write+call"):
            text = body(client.get(url))
            assert "Leaky Lee" in text, url
            assert "leaky.lee@example.mil" not in text and "0199" not in text and "Quokka" not in text, url
        for text in ("leaky.lee@example.mil", "+1 555 0199", "Fort Quokka", "quokka"):
            found = client.get("/api/search?q=" + quote(text)).get_json()  # "fort" is in no document: "first Quokka"
            assert (found["corrected"] or found["total"] == 0) and "leaky-lee" not in [r["id"] for r in found["results"]], text
            assert client.get("/api/search?exact=1&q=" + quote(text)).get_json()["total"] == 0, text
            assert client.get("/api/people?q=" + quote(text)).get_json()["total"] == 0, text
        assert "Write to [contact details]" in body(client.get("/people/leaky-lee"))
    finally:
        app.extensions["kb.index"].close()


ZOE = """
    ---
    name: Zoe Quillon
    title: Case Manager (desk 703-555-0142)
    organization: DSCA
    email: zoe.q@example.mil
    areas: [fms]
    expertise: [LOA amendments, call +1 703 555 0143]
    countries: [Kenya]
    ---
    Ask me about LOA amendments: Zoe.Quillon@example.mil or (703) 555-0177, after hours
    <zoe.home@example.com> or 703&#46;555&#46;0178. Stock number 5340-01-123-4567, dated 2026-12-01,
    ticket zqxhook1796667134.
    """
ZOE_CONTACTS = ("Zoe.Quillon@example.mil", "555-0177", "zoe.home@example.com", "555.0178", "555&#46;0178", "555-0142", "555 0143")
ZOE_CONTACTS += ("zoe.q@example.mil",)


@pytest.fixture(scope="module")
def zoe_app(tmp_path_factory):
    root = tmp_path_factory.mktemp("zoe")
    app = indexed_app(write_tree(root / "content", {**DIRECTORY_SAMPLE, "people/zoe-quillon.md": ZOE}), root)
    yield app
    close_app(app)


def leaked(text: str) -> list[str]:
    found = [c for c in ZOE_CONTACTS if c.casefold() in text.casefold()]
    return found + re.findall(r"555\W?01[47]\d", text)


@pytest.mark.parametrize(
    "query", ["555-0177", "(703) 555-0177", "555-0142", "Zoe.Quillon@example.mil", "zoe.home@example.com", "0178", "0177", "703"]
)
def test_contact_data_written_in_a_persons_text_finds_nobody(zoe_app, query):
    client = zoe_app.test_client()
    for endpoint in ("/api/search?q=", "/api/people?q=", "/api/search?type=person&q="):
        assert "zoe-quillon" in [hit["id"] for hit in client.get(endpoint + "Zoe+Quillon").get_json()["results"]], endpoint  # she is there
        data = client.get(endpoint + quote(query)).get_json()
        assert "zoe-quillon" not in [hit["id"] for hit in data["results"]], (endpoint, query)


def test_contact_data_written_in_a_persons_text_is_shown_to_signed_in_staff_only(zoe_app):
    client = zoe_app.test_client()
    surfaces = ["/people/zoe-quillon", "/api/people/zoe-quillon", "/people", "/api/people?per_page=50"]
    surfaces += ["/people?q=amendments", "/api/people?q=amendments", "/search?q=amendments", "/api/search?q=amendments"]
    surfaces += ["/search?q=quillon", "/api/search?q=loa+amendments+zoe", "/countries/kenya", "/regions/AFRICOM"]
    surfaces += ["/api/suggest?q=zoe", "/sitemap.xml", "/feed.atom", "/areas/fms"]
    for url in surfaces:
        response = client.get(url)
        assert response.status_code == 200, url
        assert leaked(body(response)) == [], (url, leaked(body(response)))
    profile = body(client.get("/people/zoe-quillon"))
    assert "amendments: [contact details] or [contact details], after hours\n[contact details] or [contact details]. Stock" in profile
    assert "Case Manager (desk [contact details])" in profile
    assert "zoe-quillon" in str(client.get("/api/search?q=amendments").get_json())  # still found by her words
    zoe_app.extensions["kb.identify"] = lambda: STAFF
    try:
        profile = body(client.get("/people/zoe-quillon"))
        bio = client.get("/api/people/zoe-quillon").get_json()["bio_html"]
    finally:
        zoe_app.extensions.pop("kb.identify")
    for text in (profile, bio):
        assert "Zoe.Quillon@example.mil" in text and "(703) 555-0177" in text and "zoe.home@example.com" in text, text


@pytest.mark.parametrize("word", ["zqxhook1796667134", "5340-01-123-4567", "2026-12-01"])
def test_words_and_numbers_that_are_not_contact_data_stay_shown_and_searchable(zoe_app, word):
    client = zoe_app.test_client()
    assert word in body(client.get("/people/zoe-quillon"))
    assert [hit["id"] for hit in client.get("/api/search?q=" + quote(word)).get_json()["results"]] == ["zoe-quillon"]


def test_person_searches_point_to_the_directory(web):
    assert 'href="/people?q=pricing"' in body(web.get("/search?q=pricing&type=person"))
    assert 'href="/people?q=pricing"' in body(web.get("/search?q=who+knows+about+pricing"))


def test_every_facet_value_can_be_chosen_without_javascript(starter_app):
    """Past the first values, the rest of a facet is in a <details> list of the same checkboxes."""
    html = body(starter_app.test_client().get("/people"))
    languages = html[html.index(">Language</legend>") : html.index("</fieldset>", html.index(">Language</legend>"))]
    shown, more = languages.split("<details", 1)
    assert shown.count('name="language"') == FACET_LIMIT
    assert " more</summary>" in more and 'value="maori"' in languages and more.count('name="language"') > FACET_LIMIT
    ids = re.findall(r'id="(f-[\w-]+)"', html)
    assert len(ids) == len(set(ids))


def test_result_pages_keep_every_chosen_value_of_a_facet(web):
    """Page 2 of "French or Spanish" is still French or Spanish."""
    first = body(web.get("/search?q=pricing+OR+monitoring+OR+training&type=person&language=French&language=Spanish&per_page=1"))
    pages = [html.unescape(p) for p in re.findall(r'href="(/search\?[^"]*page=2[^"]*)"', first)]
    assert pages and all("language=French" in p and "language=Spanish" in p for p in pages)
    second = body(web.get(pages[0]))
    either = web.get("/api/people?q=pricing+OR+monitoring+OR+training&language=French&language=Spanish").get_json()["total"]
    assert either > 1 and f">{either} results" in first and f">{either} results" in second


def test_the_place_table_comes_with_the_index_not_from_the_folder(tmp_path):
    """Pages read ``regions.yml`` as last indexed (like the glossary), never the folder at request
    time: an edited but unindexed table changes nothing, and ``kb index`` brings it in."""
    content = write_tree(tmp_path / "content", DIRECTORY_SAMPLE)
    index = SearchIndex(tmp_path / "index")
    sync(content, index)
    app = make_app(content, tmp_path / "index", tmp_path / "instance")
    try:
        client = app.test_client()
        assert client.get("/regions/AFRICOM").status_code == 200
        regions = content / "regions.yml"
        regions.write_text(regions.read_text().replace("AFRICOM", "AFRICACOM"))
        fresh = make_app(content, tmp_path / "index", tmp_path / "instance-2")  # a worker started after the edit
        assert fresh.test_client().get("/regions/AFRICOM").status_code == 200 and fresh.test_client().get("/regions/AFRICACOM").status_code == 404
        close_app(fresh)
        sync(content, index)
        assert client.get("/regions/AFRICACOM").status_code == 200 and client.get("/regions/AFRICOM").status_code == 404
        regions.unlink()  # the folder may even go away: the pages keep what was indexed
        assert "AFRICACOM" in body(client.get("/regions"))
    finally:
        index.close()
        close_app(app)


CHIP = re.compile(
    r'<a class="kb-chip" href="([^"]+)"><span class="usa-sr-only">Remove filter: </span><span class="kb-chip__facet">([^<]+)</span> ([^<]+)<'
)


def chips(html_text: str) -> dict[str, str]:
    """The "Remove filter" chips above the results: {"Facet value": link}."""
    return {f"{facet} {value}": html.unescape(href) for href, facet, value in CHIP.findall(html_text)}


def test_each_chosen_filter_is_a_chip_that_removes_only_itself(web):
    """Typed values show their labels ("Africa" is AFRICOM, "maori" is Māori); each chip keeps the rest."""
    first = chips(body(web.get("/people?q=cases&language=maori&language=French&region=Africa")))
    assert set(first) == {"Combatant command AFRICOM", "Language Māori", "Language French"}
    for name, link in first.items():
        left = chips(body(web.get(link)))
        assert set(left) == set(first) - {name} and "q=cases" in link, (name, link)


@pytest.mark.parametrize("typed", ["chloe", "cote d", "côte"])
def test_suggestions_as_you_type_fold_accents(web, typed):
    """Typing without accents suggests "Chloé Koné" and "Côte d'Ivoire", as the search finds them."""
    titles = [s["title"] for s in web.get("/api/suggest", query_string={"q": typed}).get_json()]
    assert titles[0] == ("Chloé Koné" if typed == "chloe" else "Côte d'Ivoire")


@pytest.mark.parametrize("query", ["q=pricing&type=person", "q=who+knows+about+FMS+pricing"])
def test_people_ranked_by_evidence_say_that_they_are_not_sorted_by_date(web, query):
    """The directory's ranking ignores ``sort=updated``: the API and the page say which order was used."""
    asked = web.get(f"/api/search?{query}&sort=updated").get_json()
    assert (asked["sort"], asked["sortable"]) == ("relevance", False) and asked["results"][0]["type"] == "person"
    assert [r["id"] for r in asked["results"]] == [r["id"] for r in web.get(f"/api/search?{query}").get_json()["results"]]
    page = body(web.get(f"/search?{query}&sort=updated"))
    assert "Sorted by relevance: people are ranked by the evidence of their expertise, not by last updated." in page
    assert 'aria-label="Sort results"' not in page
    documents = web.get("/api/search?q=pricing&sort=updated").get_json()
    assert (documents["sort"], documents["sortable"]) == ("updated", True)
