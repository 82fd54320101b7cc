"""kb.slugmask: an article's source without the slugs of articles the reader may not see."""

from __future__ import annotations

import pytest

from kb.slugmask import MASK, SlugMask, slug_of

SOURCE = "articles/eum/public-notes.md"
MASKED = SlugMask(visible=frozenset({"eum/public-notes", "fms/loa", "fms/old-loa"}), hidden=frozenset({"eum/secret", "eum/was-secret", "overview"}))


@pytest.mark.parametrize(
    "target, slug",
    [
        ("secret.md", "eum/secret"),
        ("../fms/loa.md#lines", "fms/loa"),
        ("./secret.md?x=1", "eum/secret"),
        ("/articles/eum/secret", "eum/secret"),
        ("/kb/articles/eum/secret/-/history", "eum/secret"),
        ("/articles/eum/secret.md", "eum/secret"),
        ("secret", "eum/secret"),  # from /articles/eum/public-notes, as a browser resolves it
        ("../fms/loa", "fms/loa"),
        ("%2Farticles%2Feum%2Fsecret", "eum/secret"),
        ("../../people/maria.md", None),
        ("/people/maria-delgado", None),
        ("diagram.png", None),
        ("https://www.dsca.mil/articles/x", None),
        ("mailto:x@example.mil", None),
        ("#section", None),
    ],
)
def test_the_article_a_link_target_names(target, slug):
    assert slug_of(target, SOURCE) == slug


def test_frontmatter_slug_fields_inline_and_as_block_lists():
    text = "---\ntitle: Notes on eum/secret work\nrelated:\n  - fms/loa\n  - eum/gone\n"
    text += "redirect_from: [fms/old-loa, eum/elsewhere]\ntags: [gone]\n---\nBody.\n"
    assert MASKED.text(text, SOURCE).split("\n") == [
        "---",
        f"title: Notes on {MASK} work",  # a hidden slug anywhere
        "related:",
        "  - fms/loa",
        f"  - {MASK}",  # not an article the reader may see (gone, perhaps staff-only)
        f"redirect_from: [fms/old-loa, {MASK}]",
        "tags: [gone]",  # not a field of slugs
        "---",
        "Body.",
        "",
    ]


def test_links_in_every_form():
    line = (
        "[[eum/secret|a]] [[fms/loa#x]] [[eum/gone]] [b](secret.md) ![c](diagram.png) <a href='/articles/eum/secret'>d</a> [e](https://example.mil/x)"
    )
    assert MASKED.text(line, SOURCE) == (
        f"[[{MASK}|a]] [[fms/loa#x]] [[{MASK}]] [b]({MASK}) ![c](diagram.png) <a href='{MASK}'>d</a> [e](https://example.mil/x)"
    )
    assert MASKED.text("[ref]: ../eum/secret.md\nsee /articles/eum/secret.", SOURCE) == f"[ref]: {MASK}\nsee {MASK}."


def test_hidden_names_in_paths_but_not_as_words():
    text = "https://kb.example.mil/articles/eum/secret and eum/was-secret/x; an overview of eum/secret-plan"
    assert MASKED.text(text, SOURCE) == f"https://kb.example.mil/articles/{MASK} and {MASK}/x; an overview of eum/secret-plan"
    assert MASKED.commit({"sha": "a1", "subject": "Link eum/secret"}, SOURCE) == {"sha": "a1", "subject": f"Link {MASK}"}


def test_nothing_to_mask_leaves_the_text_as_it_was():
    text = "---\ntitle: T\nrelated: [fms/loa]\n---\nSee [[fms/loa]] and [x](../fms/loa.md).\n"
    assert MASKED.text(text, SOURCE) == text
