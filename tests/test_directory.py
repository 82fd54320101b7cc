"""The directory service over a real index: ranking by evidence, exact facets, places, pages."""

from __future__ import annotations

import numpy as np
import pytest

from kb.access import ANONYMOUS, Reader, levels
from kb.content import load_content
from kb.directory import FACETS, Directory, DirectoryRequest, analyse, concept_score, glossary_maps, stems
from kb.facets import fold, fold_all
from kb.index import SearchIndex
from kb.pages.library import NotFound
from kb.places import read_places
from kb.repository.sync import sync

from .conftest import write_tree
from .directory_sample import DIRECTORY_SAMPLE

STAFF = Reader(name="staff", staff=True, role="reader")


@pytest.fixture(scope="module")
def content(tmp_path_factory):
    return write_tree(tmp_path_factory.mktemp("directory") / "content", DIRECTORY_SAMPLE)


@pytest.fixture(scope="module")
def people_index(content):
    index = SearchIndex(content.parent / "index")
    sync(content, index)
    yield index
    index.close()


@pytest.fixture
def directory(people_index, content):
    return Directory(people_index, ANONYMOUS, read_places(content))


def ids(page) -> list[str]:
    return [h.id for h in page.hits]


def test_declared_skill_and_expert_articles_rank_above_a_bio_that_only_mentions_the_word(directory):
    page = directory.search(DirectoryRequest(q="pricing"))
    assert ids(page)[0] == "ana-novak" and "bob-bio" in ids(page)
    scores = {h.id: h.score for h in page.hits}
    assert scores["ana-novak"] > scores["bob-bio"] + 2
    assert page.sort == "relevance"


def test_expert_articles_alone_count_as_evidence(directory):
    # John declares nothing but is an expert on the LOA article
    page = directory.search(DirectoryRequest(q="letter of offer and acceptance"))
    assert set(ids(page)[:2]) == {"maria-delgado", "john-smith"}


@pytest.mark.parametrize(
    "query, first",
    [
        ("French speaker in Poland", "ana-novak"),
        ("who knows end-use monitoring in Africa", "chloe-kone"),
        ("EUM Kenya", "chloe-kone"),
        ("IMET in the Pacific", "tane-parata"),
        ("Maori speaker", "tane-parata"),
        ("Spanish LOA development South America", "maria-delgado"),
    ],
)
def test_mixed_skill_place_and_language_queries_put_the_right_person_first(directory, query, first):
    assert ids(directory.search(DirectoryRequest(q=query)))[0] == first


def test_a_country_query_finds_who_covers_it_and_its_command_finds_them_too(directory):
    assert ids(directory.search(DirectoryRequest(q="Kenya")))[0] == "chloe-kone"
    africa = directory.search(DirectoryRequest(q="Africa"))
    assert ids(africa)[0] == "chloe-kone"  # names Kenya and Côte d'Ivoire only, counts for AFRICOM


def test_query_analysis_separates_places_languages_and_skills(directory):
    analysis = directory.analyse("Who knows EUM in West Africa? French speaker")
    assert set(analysis.places.commands) == {"africom"} and analysis.languages == {"french"}
    assert analysis.concepts == ((("eum",), ("end", "use", "monitor")),)
    assert concept_score(analysis.concepts, frozenset(stems("end-use monitoring checks"))) > 1.0
    assert concept_score(analysis.concepts, frozenset(stems("pricing"))) == 0


def test_without_text_everyone_is_listed_by_name_and_paginated(directory):
    first = directory.search(DirectoryRequest(per_page=2))
    assert first.total == 6 and first.sort == "name" and first.pages == 3
    names = [h.name for p in (1, 2, 3) for h in directory.search(DirectoryRequest(per_page=2, page=p)).hits]
    assert names == sorted(names, key=str.casefold) and len(set(names)) == 6
    assert directory.search(DirectoryRequest(per_page=2, page=9)).hits == ()


def _values(content_dir, doc, name: str) -> set[str]:
    """A profile's values of a facet, as the filters take them (computed from the file)."""
    if name == "area":
        return set(doc.get("areas", ()))
    if name == "region":
        return set(read_places(content_dir).commands_for(doc.get("regions", ()), doc.get("countries", ())))
    if name == "country":
        return set(fold_all(doc.get("countries", ())))
    if name == "language":
        return set(fold_all(item["name"] for item in doc.get("languages", ())))
    return set(fold_all([doc.get(name, "")]))


def _expected_counts(content_dir, facet: str, chosen: dict[str, set[str]]) -> dict[str, int]:
    """Brute force from the files: the facet's counts among people matching the other filters."""
    counts: dict[str, int] = {}
    for doc in load_content(content_dir).of_kind("person"):
        if all(_values(content_dir, doc, name) & wanted for name, wanted in chosen.items() if name != facet):
            for value in _values(content_dir, doc, facet):
                counts[value] = counts.get(value, 0) + 1
    return counts


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"language": {"french"}},
        {"region": {"eucom"}},
        {"country": {"kenya"}, "area": {"eum"}},
        {"organization": {"dsca"}},
        {"certification": {"sc workforce certification advanced"}},
        {"language": {"french", "german"}},
    ],
)
def test_every_facet_count_and_filter_is_exact(directory, content, filters):
    request = DirectoryRequest(filters=tuple((k, tuple(v)) for k, v in filters.items()), per_page=50)
    page = directory.search(request)
    for facet in FACETS:
        found = {v.value: v.count for v in page.facets[facet.name] if v.count}
        assert found == _expected_counts(content, facet.name, filters), facet.name
    expected = {
        doc.id for doc in load_content(content).of_kind("person") if all(_values(content, doc, name) & wanted for name, wanted in filters.items())
    }
    assert set(ids(page)) == expected and page.total == len(expected)


@pytest.mark.parametrize(
    "name, typed, expected",
    [
        ("language", "maori", {"tane-parata"}),
        ("language", "MĀORI", {"tane-parata"}),
        ("country", "cote d'ivoire", {"chloe-kone"}),
        ("country", "CÔTE D’IVOIRE", {"chloe-kone"}),
        ("region", "Africa", {"chloe-kone"}),
        ("region", "indopacom", {"tane-parata"}),
        ("certification", "sc workforce certification, advanced", {"ana-novak", "chloe-kone"}),
        ("language", "Klingon", set()),
        ("area", "FMS", {"ana-novak", "chloe-kone", "maria-delgado", "john-smith"}),
    ],
)
def test_filter_values_are_case_and_accent_insensitive(directory, name, typed, expected):
    page = directory.search(DirectoryRequest(filters=((name, (typed,)),)))
    assert set(ids(page)) == expected


def test_facet_labels_are_the_profiles_spelling(directory):
    page = directory.search(DirectoryRequest())
    labels = {f: {v.value: v.label for v in values} for f, values in page.facets.items()}
    assert labels["language"]["maori"] == "Māori" and labels["country"]["cote d ivoire"] == "Côte d'Ivoire"
    assert labels["region"]["africom"] == "AFRICOM" and labels["area"]["fms"] == "Foreign Military Sales"


def test_text_and_filters_combine(directory):
    page = directory.search(DirectoryRequest(q="pricing", filters=(("region", ("EUCOM",)), ("language", ("French",)))))
    assert ids(page) == ["ana-novak"]
    facet = {v.value: (v.count, v.selected) for v in page.facets["language"]}
    assert facet["french"] == (1, True) and facet["german"] == (1, False)  # Bob: EUCOM, German, mentions pricing


def test_country_page_gathers_people_articles_and_offices(directory):
    kenya = directory.country("kenya")
    assert kenya.label == "Kenya" and kenya.command == "AFRICOM"
    assert [p.id for p in kenya.people] == ["chloe-kone"]
    assert [a.id for a in kenya.articles] == ["eum/kenya-visits"]
    poland = directory.country("poland")
    assert poland.offices == (("Office of Defense Cooperation Warsaw", (poland.people[0],)),)
    assert directory.country("new-zealand").offices[0][0] == "Office of Defense Cooperation Wellington"
    with pytest.raises(NotFound):
        directory.country("narnia")


def test_command_page_counts_people_and_articles_through_their_countries(directory):
    africom = directory.region("AFRICOM")
    assert africom.name == "U.S. Africa Command" and [p.id for p in africom.people] == ["chloe-kone"]
    assert [a.id for a in africom.articles] == ["eum/kenya-visits"]  # the article names Kenya only
    assert ("Kenya", "kenya", 1) in africom.countries
    eucom = directory.region("europe")
    assert {p.id for p in eucom.people} == {"ana-novak", "bob-bio"}
    assert {a.id for a in directory.region("SOUTHCOM").articles} == {"fms/pricing"}
    assert {a.id for a in eucom.articles} == {"fms/pricing"}  # regions: [SOUTHCOM], countries: [Poland]
    with pytest.raises(NotFound):
        directory.region("MOONCOM")


def test_lists_of_countries_and_commands(directory):
    groups = dict(directory.country_list())
    assert ("Kenya", "kenya", 1, 1) in groups["AFRICOM"] and ("Côte d'Ivoire", "cote-d-ivoire", 1, 0) in groups["AFRICOM"]
    regions = {code: (people, articles) for code, _, people, articles in directory.region_list()}
    assert regions["AFRICOM"] == (1, 1) and regions["EUCOM"] == (2, 1) and regions["SOUTHCOM"] == (1, 1)


def test_ask_an_expert_skips_the_listed_experts_and_ranks_the_others(directory):
    others = directory.ask_an_expert(["fms"], ["pricing"], "FMS pricing", ["ana-novak"])
    assert sorted(p.id for p in others) == ["bob-bio", "chloe-kone", "john-smith", "maria-delgado"]  # who matches, less the listed expert
    assert directory.ask_an_expert(["eum"], [], "End-Use Monitoring", [])[0].id == "chloe-kone"


def test_results_never_carry_contact_data(directory):
    for hit in directory.search(DirectoryRequest(per_page=50)).hits:
        assert not {"email", "phone", "location"} & set(hit.as_json("/x"))


def test_arrays_line_up_while_the_index_changes(people_index, content):
    directory = Directory(people_index, STAFF, read_places(content))
    before = directory.search(DirectoryRequest(q="pricing")).total
    write_tree(content, {"people/zed-new.md": "---\nname: Zed New\nexpertise: [FMS pricing]\n---\n"})
    sync(content, people_index)
    try:
        assert directory.search(DirectoryRequest(q="pricing")).total == before + 1
    finally:
        (content / "people/zed-new.md").unlink()
        sync(content, people_index)


def test_analysis_is_pure():
    from kb.places import Places

    analysis = analyse("Arabic speaker CENTCOM case manager", Places(), ["arabic"], glossary_maps({}))
    assert analysis.languages == {"arabic"} and [c[0] for c in analysis.concepts] == [("centcom",), ("case",), ("manag",)]
    assert fold("Case Manager") == "case manager" and isinstance(np.zeros(1), np.ndarray)


def test_typed_filter_values_cost_no_memory(directory, people_index):
    directory.search(DirectoryRequest(filters=(("language", ("x",)), ("country", ("y",)))))
    searcher = people_index.searchers.current()

    def caches():
        return (
            len(searcher.filters),
            len(searcher.derived),
            sum(len(v) for v in searcher.derived.values() if isinstance(v, dict)),
        )

    before = caches()
    for n in range(200):
        directory.search(DirectoryRequest(filters=(("language", (f"x{n}",)), ("country", (f"y{n}",)), ("organization", (f"z{n}",)))))
    assert caches() == before


def test_top_k_keeps_ties_in_title_order():
    from kb.directory.ordering import top_by_score as _top

    scores = np.array([1.0, 3.0, 3.0, 2.0, 3.0, 0.0], dtype=np.float32)
    rank = np.array([5, 4, 3, 2, 1, 0])  # title order: document 5 first
    docs = np.arange(6)
    assert _top(scores, docs, 2, rank).tolist() == [4, 2]  # three tie at 3.0: the first two by title
    assert _top(scores, docs, 4, rank).tolist() == [4, 2, 1, 3]
    assert _top(None, docs, 3, rank).tolist() == [5, 4, 3]
    assert _top(scores, docs[:0], 3, rank).tolist() == [] and _top(scores, docs, 0, rank).tolist() == []


def test_ask_an_expert_is_kept_per_index_state(tmp_path):
    """An article view reuses its ranking until the content changes, then ranks again."""
    content = write_tree(tmp_path / "content", DIRECTORY_SAMPLE)
    index = SearchIndex(tmp_path / "index")
    sync(content, index)
    try:
        directory = Directory(index, ANONYMOUS, read_places(content))
        first = [h.id for h in directory.ask_an_expert(["eum"], [], "End-Use Monitoring")]
        assert [h.id for h in directory.ask_an_expert(["eum"], [], "End-Use Monitoring")] == first and "zed-new" not in first
        write_tree(content, {"people/zed-new.md": "---\nname: Zed New\nexpertise: [End-Use Monitoring]\nareas: [eum]\n---\nEUM.\n"})
        sync(content, index)
        assert directory.ask_an_expert(["eum"], [], "End-Use Monitoring")[0].id == "zed-new"
    finally:
        index.close()


@pytest.mark.parametrize("q", ["chloe kone", "Chloé Koné", "Koné", "kone", "CHLOE"])
def test_a_name_is_found_with_or_without_its_accents(directory, people_index, q):
    """Accents are folded when indexing and searching: the directory and the site search alike."""
    from kb.queries import SearchRequest
    from kb.search import search

    assert ids(directory.search(DirectoryRequest(q=q)))[0] == "chloe-kone"
    page = search(people_index, ANONYMOUS, SearchRequest(q=q), directory)
    assert f"{page.hits[0].type}:{page.hits[0].id}" == "person:chloe-kone" and page.suggestion is None


def test_ask_an_expert_on_an_index_without_people_answers_nobody_without_scoring_a_word(tmp_path):
    """A collection with no profiles (or none this reader may see): the side column's ranking
    would score every title word over every document only to keep none of them (issue 24)."""
    content = write_tree(tmp_path / "content", {k: v for k, v in DIRECTORY_SAMPLE.items() if not k.startswith("people/")})
    index = SearchIndex(tmp_path / "index")
    sync(content, index)
    try:
        directory = Directory(index, ANONYMOUS, read_places(content))
        assert directory.ask_an_expert(["eum"], ["pricing"], "End-Use Monitoring") == []
        assert len(index.searchers.current().scores) == 0  # no word's BM25F was computed
        assert index.search(["monitoring"], levels(ANONYMOUS), ()).total > 0  # the words are there to score
    finally:
        index.close()
