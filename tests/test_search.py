"""Search as readers use it: acronyms both ways, syntax, facets, suggestions, access."""

from __future__ import annotations

import datetime as dt

import pytest

from kb.access import ANONYMOUS, Reader
from kb.queries import Acronyms, SearchRequest, expert_topic
from kb.search import search, suggest

STAFF = Reader(name="staff", staff=True)
GLOSSARY = {
    "LOA": ["Letter of Offer and Acceptance"],
    "EUM": ["End-Use Monitoring"],
    "TCN": ["Transportation Control Number", "third-country national"],
    "AT": ["Anti-Tamper"],
}


def run(index, q, reader=ANONYMOUS, page=1, per_page=10, **chosen):
    return search(index, reader, SearchRequest(q=q, chosen=tuple(chosen.items()), page=page, per_page=per_page))


def ids(page):
    return [f"{h.type}:{h.id}" for h in page.hits]


def test_acronym_variants_both_ways():
    acronyms = Acronyms(GLOSSARY)
    assert acronyms.variants("EUM checks") == ["EUM checks", '"End-Use Monitoring" checks']
    assert acronyms.variants("letter of offer and acceptance")[1] == "LOA"
    assert acronyms.variants("end-use monitoring visit")[1] == "EUM visit"
    assert acronyms.variants("tcn") == ["tcn", '"Transportation Control Number"', '"third-country national"']
    # short common words are only acronyms when typed in capitals; field values are never rewritten
    assert acronyms.variants("look at this") == ["look at this"]
    assert acronyms.variants("AT devices") == ["AT devices", '"Anti-Tamper" devices']
    assert acronyms.variants("area:eum") == ["area:eum"]


def test_acronym_finds_the_expansion(index):
    assert ids(run(index, "EUM"))[:2] == ["area:eum", "glossary:EUM"]
    assert "article:eum/golden-sentry" not in ids(run(index, "EUM"))  # it never says EUM or End-Use


def test_expansion_finds_pages_that_say_the_acronym(index):
    found = ids(run(index, "letter of offer and acceptance"))
    assert found[0] == "article:fms/letter-of-offer-and-acceptance"
    assert "article:fms/letter-of-request" in found  # it only says "LOA"


def test_a_glossary_term_shows_all_its_expansions(index):
    page = run(index, "tcn")
    assert [(e.term, e.expansions) for e in page.expansions] == [("TCN", ("Transportation Control Number", "third-country national"))]


def test_did_you_mean_corrects_typos_but_never_glossary_terms(index):
    assert run(index, "goldn sentry").suggestion == "golden sentry"
    assert run(index, "LOR").suggestion is None
    assert run(index, "EUM").suggestion is None


def test_did_you_mean_never_suggests_staff_only_words(index):
    assert run(index, "quokkka").suggestion is None
    assert run(index, "quokkka", reader=STAFF).suggestion == "quokka"


def test_did_you_mean_beside_a_public_word_never_suggests_a_staff_only_word(index):
    """The other word finds public pages, so the corrected query would too: the staff word must
    not be in the anonymous reader's dictionary at all (the public word is still corrected)."""
    for typed, staff_word in (("quokkka request", "quokka request"), ("zebbra letter", "zebra letter"), ("zebra lettr", "zebra letter")):
        assert run(index, typed, reader=STAFF).suggestion == staff_word
    assert run(index, "quokkka request").suggestion is None
    assert run(index, "zebbra letter").suggestion is None
    assert run(index, "zebbra lettr").suggestion == "zebbra letter"


def test_did_you_mean_never_suggests_a_word_of_an_article_made_staff_only(index, content_dir):
    """Its old words stay in the index files until segments merge: the corrected word itself
    must find something the reader may see."""
    from kb.repository.sync import sync

    assert run(index, "goldn request").suggestion == "golden request"
    path = content_dir / "articles/eum/golden-sentry.md"
    path.write_text(path.read_text().replace("areas: [eum]", "areas: [eum]\naccess: staff"))
    sync(content_dir, index)
    assert run(index, "goldn request").suggestion is None
    assert run(index, "goldn request", reader=STAFF).suggestion == "golden request"


def test_phrases_and_prefixes(index):
    assert ids(run(index, '"night vision devices"')) == ["article:eum/golden-sentry"]
    assert ids(run(index, '"vision night"')) == []
    assert "article:eum/golden-sentry" in ids(run(index, "sentr*"))


@pytest.mark.parametrize(
    "q, expected",
    [
        ("area:eum", {"area:eum", "article:eum/golden-sentry"}),
        ("AREA:EUM sentry", {"article:eum/golden-sentry"}),
        ("type:person", {"person:maria-delgado", "person:john-smith"}),
        ("kind:person spanish", {"person:maria-delgado"}),
        ("tag:lor", {"article:fms/letter-of-request"}),
        ("type:person area:fms spanish", {"person:maria-delgado"}),
    ],
)
def test_field_filters_in_the_query(index, q, expected):
    assert set(ids(run(index, q))) == expected


@pytest.mark.parametrize(
    "q",
    [
        '"unbalanced',
        "lone AND",
        "OR",
        "NOT",
        "AND OR NOT",
        "(((",
        ")",
        "title:",
        ":::",
        "*",
        "**a",
        "a~~2",
        "area:",
        "tag:[a TO",
        "x^",
        "^2",
        "{}",
        "[]",
        '""',
        "\\",
        "%s%s",
        "<script>alert(1)</script>",
        "LOA" * 700,
        "word " * 400,
        "\u202e\u0000\ufffd",
        "日本語 検索",
    ],
)
def test_malformed_queries_never_raise(index, q):
    page = search(index, ANONYMOUS, SearchRequest.from_args({"q": q}))
    assert len(page.hits) == min(page.total, 10)
    assert all(index.get(f"{hit.type}:{hit.id}", ["public"]) for hit in page.hits)


def test_long_queries_are_cut_and_flagged():
    request = SearchRequest.from_args({"q": "x" * 2000}, max_chars=500)
    assert len(request.q) == 500 and request.truncated


@pytest.mark.parametrize(
    "args, expected",
    [
        ({"page": "abc", "per_page": "-5"}, (1, 1)),
        ({"page": "", "per_page": "x"}, (1, 10)),
        ({"page": "99999", "per_page": "99999"}, (200, 50)),
        ({"page": "2", "per_page": "3"}, (2, 3)),
    ],
)
def test_paging_arguments_are_clamped(args, expected):
    request = SearchRequest.from_args(args)
    assert (request.page, request.per_page) == expected


def test_facets_count_by_type_and_area_and_ignore_the_chosen_filter(index):
    page = run(index, "FMS OR LOA OR sentry", type="article")
    assert set(page.facets["type"]) >= {"article", "area", "glossary"}
    assert all(h.type == "article" for h in page.hits)
    assert page.facets["area"]["fms"] >= 2


def test_pagination_returns_disjoint_pages(index):
    first = run(index, "letter OR sentry OR maria", per_page=2)
    second = run(index, "letter OR sentry OR maria", per_page=2, page=2)
    assert first.total == second.total > 2
    assert not set(ids(first)) & set(ids(second))


def test_staff_articles_vanish_from_counts_facets_and_suggestions(index):
    anonymous, staff = run(index, "zebra checklist"), run(index, "zebra checklist", reader=STAFF)
    assert "article:eum/internal-checklist" not in ids(anonymous)
    assert "article:eum/internal-checklist" in ids(staff)
    assert anonymous.total < staff.total
    assert anonymous.facets["area"].get("eum", 0) < staff.facets["area"]["eum"]
    assert suggest(index, ANONYMOUS, "zebr") == []
    assert suggest(index, STAFF, "zebr")[0].id == "eum/internal-checklist"


def test_suggestions_match_title_and_alias_prefixes(index):
    found = {s.id for s in suggest(index, ANONYMOUS, "lett")}
    assert {"fms/letter-of-request", "fms/letter-of-offer-and-acceptance"} <= found
    assert {s.id for s in suggest(index, ANONYMOUS, "request let")} == {"fms/letter-of-request", "LOR"}
    assert suggest(index, ANONYMOUS, "") == [] and suggest(index, ANONYMOUS, "%%%") == []


def test_snippets_highlight_matches(index):
    hit = run(index, "night vision").hits[0]
    assert hit.snippet == "Golden Sentry checks <mark>night</mark> <mark>vision</mark> devices in routine and enhanced checks."


@pytest.mark.parametrize(
    "text, topic",
    [
        ("who knows about CLSSA?", "CLSSA"),
        ("Who can help with a Section 333 proposal", "Section 333 proposal"),
        ("expert on leahy vetting", "leahy vetting"),
        ("who should I contact about the LOR", "LOR"),
        ("whole of government", None),
        ("LOR", None),
        ("who knows", None),
    ],
)
def test_expert_topic(text, topic):
    assert expert_topic(text) == topic


def test_who_knows_queries_show_people_with_evidence_from_their_articles(index):
    page = run(index, "who knows about letters of offer?")
    assert page.expert_topic == "letters of offer"
    assert {h.type for h in page.hits} == {"person"} and ids(page)[0] in {"person:maria-delgado", "person:john-smith"}


def test_people_are_never_found_through_staff_only_articles(index):
    # maria-delgado is the expert on the staff-only "Zebra compliance checklist"
    assert run(index, "who knows about zebra").expert_topic is None
    assert "person:maria-delgado" not in ids(run(index, "zebra"))


def test_did_you_mean_spells_only_the_topic_of_a_who_knows_question_and_never_stop_words(index):
    from kb.search import spelling_suggestion

    assert spelling_suggestion(index, "the", {}, ("public",)) is None  # never indexed, so never "unknown"
    page = search(index, ANONYMOUS, SearchRequest(q="who knows about goldn sentry"))
    assert page.suggestion == "who knows about golden sentry"


class CountedCorrections:
    """The real index, counting the spelling look-ups ``spelling_suggestion`` asks of it."""

    def __init__(self, index) -> None:
        self.index, self.asked = index, []

    def correct(self, word, access):
        self.asked.append(word)
        return self.index.correct(word, access)

    def search(self, *args, **kwargs):
        return self.index.search(*args, **kwargs)


def test_did_you_mean_looks_up_a_repeated_word_once(index):
    from kb.search import spelling_suggestion

    counted = CountedCorrections(index)
    assert spelling_suggestion(counted, " ".join(["goldn"] * 60 + ["sentry", "goldn"]), {}, ("public",)) == " ".join(
        ["golden"] * 60 + ["sentry", "golden"]
    )
    assert counted.asked == ["goldn", "sentry"]


# -- "did you mean" and "showing results for" (issue 19, item 2) ----------------------------


@pytest.fixture(scope="module")
def starter(starter_app):
    """The shipped content/'s index: the session's starter app's, built once for every module that reads it."""
    return starter_app.extensions["kb.index"]


def test_a_misspelled_query_shows_the_corrected_results_first_whatever_its_own_count(starter):
    """``forign militery sales`` finds many pages on "sales" alone: the corrected query scores
    clearly better, so its results come first, the Foreign Military Sales area on top."""
    assert search(starter, ANONYMOUS, SearchRequest(q="forign militery sales", exact=True)).total >= 10
    page = run(starter, "forign militery sales")
    assert (page.suggestion, page.corrected, page.shown_query) == ("foreign military sales", True, "foreign military sales")
    assert ids(page)[0] == "area:fms"
    assert ids(page) == ids(run(starter, "foreign military sales"))


def test_the_words_as_typed_keep_their_own_results_and_the_suggestion(index):
    page = search(index, ANONYMOUS, SearchRequest(q="goldn sentry", exact=True))
    assert (page.suggestion, page.corrected, page.shown_query) == ("golden sentry", False, "goldn sentry")
    assert ids(page) == ["article:eum/golden-sentry"]  # on "sentry" alone
    corrected = run(index, "goldn sentry")
    assert (corrected.suggestion, corrected.corrected) == ("golden sentry", True)


def test_a_correction_that_adds_little_is_only_offered(index):
    """ "golden sentry" finds its page well already; the corrected word only ranks other pages far
    below it, so the results stay the reader's own and "did you mean" is offered."""
    page = run(index, "golden sentry lettr")
    assert (page.suggestion, page.corrected) == ("golden sentry letter", False)
    assert ids(page) == ["article:eum/golden-sentry"] and page.shown_query == "golden sentry lettr"


def test_at_most_three_words_of_a_query_are_corrected(index):
    page = run(index, "goldn sentyr chekcs devies")
    assert page.suggestion == "golden sentry checks devies" and page.corrected


def test_an_anonymous_misspelling_of_a_staff_only_word_is_neither_offered_nor_shown(index):
    """ "quokka" is only in a staff-only article: beside words with results or alone, the anonymous
    reader is never offered it, while staff get its results first."""
    for typed in ("quokkka", "quokkka letter request"):
        page = run(index, typed)
        assert page.suggestion is None and not page.corrected and "quokka" not in page.shown_query
    staff = run(index, "quokkka", reader=STAFF)
    assert (staff.suggestion, staff.corrected, ids(staff)) == ("quokka", True, ["article:eum/internal-checklist"])


# -- names count: aliases said as a phrase, whole titles (issue 19, item 4) --------------------


def test_an_alias_said_as_a_phrase_lifts_its_page_above_pages_that_only_contain_the_words(starter):
    """ "case closure" is an alias of the closure article; the FMS area only contains the words."""
    assert ids(run(starter, "FMS case closure"))[0] == "article:fms/case-closure"
    reordered = ids(run(starter, "FMS closure case"))  # the same words, but not the alias
    assert reordered.index("area:fms") < reordered.index("article:fms/case-closure")


def test_a_query_that_is_a_whole_title_puts_that_page_first(starter):
    assert ids(run(starter, "foreign military sales"))[0] == "area:fms"
    assert ids(run(starter, "institutional capacity building"))[0] == "article:bpc/institutional-capacity-building"


# -- every word is findable (issue 19, item 1) -------------------------------------------------

VOCABULARY_SAMPLE = 300  # of about 6,000 words (a new seed each day), plus some of the words mixing letters and digits
VOCABULARY_DIGITS = 50


def test_every_word_of_a_public_document_finds_that_document(starter):
    """The property behind "a word with seven digits could not be found": any word of the public
    dictionary (words, numbers, stock and document numbers, dates written as one token) that the
    analyzer keeps (not a stop word), searched alone by an anonymous reader, finds a document
    that contains it."""
    import random

    from whoosh.query import Term

    from kb.index.schema import english_analyzer

    analyzer, whoosh = english_analyzer(), starter.searchers.current().whoosh
    vocabulary = sorted(term.decode() for term in whoosh.lexicon("spell_public"))
    assert len(vocabulary) > 5000
    digits = [word for word in vocabulary if any(c.isdigit() for c in word) and any(c.isalpha() for c in word)]
    lost = []
    seed = dt.date.today().toordinal()  # another sample each day: over time the whole vocabulary is tried
    chosen = random.Random(seed)
    for word in chosen.sample(vocabulary, VOCABULARY_SAMPLE) + chosen.sample(digits, min(VOCABULARY_DIGITS, len(digits))):
        having = {whoosh.stored_fields(d)["key"] for d in whoosh.docs_for_query(Term("spell_public", word))}
        if list(analyzer(word)) and not finds_one_of(starter, word, having):
            lost.append(word)
    assert lost == [], (seed, lost)


def finds_one_of(index, word: str, keys: set[str]) -> bool:
    """Whether the search for ``word`` finds one of ``keys``, page after page until it does
    (most words find one on the first page: reading every page made the test slow)."""
    for page in range(1, 200):
        result = search(index, ANONYMOUS, SearchRequest(q=word, per_page=50, page=page, exact=True))
        if {f"{h.type}:{h.id}" for h in result.hits} & keys:
            return True
        if page * 50 >= result.total or not result.hits:
            return False
    return False


# -- accents are folded as you type, as in the search (polish, issue 19 leftovers) ---------------


@pytest.mark.parametrize("typed", ["chloe", "Chloé", "kone", "chloe kon", "CHLOÉ KONÉ"])
def test_suggestions_fold_accents_as_the_search_does(tmp_path, typed):
    from kb.index import SearchIndex
    from kb.repository.sync import sync

    from .conftest import write_tree
    from .directory_sample import DIRECTORY_SAMPLE

    index = SearchIndex(tmp_path / "index")
    sync(write_tree(tmp_path / "content", DIRECTORY_SAMPLE), index)
    try:
        found = [(s.title, s.type) for s in suggest(index, ANONYMOUS, typed)]
        assert found[0] == ("Chloé Koné", "person")
    finally:
        index.close()


def test_a_corrected_search_says_what_the_query_as_typed_finds(index):
    """The search log needs what readers typed that found nothing as typed: a corrected page keeps that count."""
    corrected = run(index, "quokkka", reader=STAFF)
    typed = search(index, STAFF, SearchRequest(q="quokkka", exact=True))
    assert (corrected.corrected, corrected.total, corrected.typed_total, typed.total) == (True, 1, 0, 0)
    own = run(index, "golden sentry lettr")  # only offered: the results are the query's own
    assert (own.corrected, own.typed_total) == (False, None)
