"""Rendering: links, glossary tooltips, extensions, and one test per XSS vector."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from kb.render import STAFF_LINK_TEXT, render_markdown

TITLES = {"fms/letter-of-request": "Letter of Request", "financing/fees": "Fees"}


def render(text: str, glossary=None, source="articles/fms/page.md"):
    return render_markdown(text, source_path=source, resolve=TITLES.get, glossary=glossary)


def test_wiki_links_resolve_with_titles_and_custom_text():
    out = render("[[fms/letter-of-request]] and [[fms/letter-of-request|the LOR page]]")
    assert '<a href="/articles/fms/letter-of-request" rel="noopener noreferrer">Letter of Request</a>' in out.html
    assert ">the LOR page</a>" in out.html
    assert out.links == ("fms/letter-of-request",) and out.missing == ()


def test_relative_md_links_resolve_from_the_source_folder():
    out = render("[fees](../financing/fees.md#rates) [lor](letter-of-request.md)")
    assert 'href="/articles/financing/fees#rates"' in out.html
    assert 'href="/articles/fms/letter-of-request"' in out.html
    assert out.links == ("financing/fees", "fms/letter-of-request")


def test_links_from_area_pages_resolve_too():
    out = render("[lor](../articles/fms/letter-of-request.md)", source="areas/fms.md")
    assert 'href="/articles/fms/letter-of-request"' in out.html


def test_missing_links_are_marked_and_reported():
    out = render("[[fms/nowhere]] and [gone](gone.md)")
    assert out.missing == ("fms/nowhere", "fms/gone")
    assert 'class="kb-missing-link"' in out.html and "<a" not in out.html


def test_wiki_links_inside_code_stay_literal():
    out = render("`[[fms/letter-of-request]]`\n\n```\n[[fms/x]]\n```")
    assert out.links == () and out.missing == () and "[[fms/x]]" in out.html
    assert out.mentions == ("fms/letter-of-request",)  # named in text: rendered again when its access changes


def test_glossary_terms_become_abbr_with_all_expansions():
    out = render(
        "The TCN and the LOA.", glossary={"TCN": "Transportation Control Number; third-country national", "LOA": "Letter of Offer and Acceptance"}
    )
    assert '<abbr title="Transportation Control Number; third-country national">TCN</abbr>' in out.html
    assert '<abbr title="Letter of Offer and Acceptance">LOA</abbr>' in out.html


def test_extensions_toc_tables_code_footnotes_admonitions_deflists():
    text = (
        "## Steps {#steps}\n\n### Sub step\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nprint('x')\n```\n\n"
        'Note[^1]\n\n[^1]: A footnote.\n\n!!! warning "Careful"\n    Body.\n\nTerm\n:   Definition\n'
    )
    out = render(text)
    assert [(h.level, h.anchor, h.text) for h in out.headings] == [(2, "steps", "Steps"), (3, "sub-step", "Sub step")]
    for fragment in ("<table>", 'class="highlight"', 'class="footnote"', 'class="admonition warning"', "<dl>"):
        assert fragment in out.html
    assert "print" in out.text and "<" not in out.text


def test_headings_link_to_themselves_with_an_accessible_name():
    out = render("## Steps {#steps}\n\n### Pay `fees` & <b>taxes</b>\n\n##### Deep\n\nText.\n")
    assert '<h2 id="steps">Steps<a aria-label="Link to section: Steps" class="kb-anchor" href="#steps"' in out.html
    assert 'aria-label="Link to section: Pay fees &amp; taxes" class="kb-anchor" href="#pay-fees-taxes"' in out.html
    assert out.html.count('class="kb-anchor"') == 2  # the headings in the table of contents (levels 2 to 4)
    assert out.text == "Steps Pay fees & taxes Deep Text." and out.headings[1].text == "Pay fees & taxes"


@pytest.mark.parametrize(
    "attack, forbidden",
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src="x" onerror="alert(1)">', "onerror"),
        ('<a href="javascript:alert(1)">x</a>', "javascript:"),
        ("[x](javascript:alert(1))", "javascript:"),
        ('<a href="JaVaScRiPt:alert(1)">x</a>', "alert"),
        ('<a href="&#106;avascript:alert(1)">x</a>', "alert"),
        ('<iframe src="https://evil.example"></iframe>', "<iframe"),
        ('<div style="background:url(javascript:alert(1))">x</div>', "javascript"),
        ('<svg onload="alert(1)"></svg>', "onload"),
        ('<form action="https://evil.example"><input name="x"></form>', "<form"),
        ("<style>body{display:none}</style>", "<style"),
        ('<a href="data:text/html,<script>alert(1)</script>">x</a>', "data:"),
    ],
)
def test_xss_vectors_are_neutralised(attack, forbidden):
    assert forbidden.lower() not in render(attack).html.lower()


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.attributes = set()

    def handle_starttag(self, tag, attrs):
        self.attributes.update(name for name, _ in attrs)


@pytest.mark.parametrize("attack", ['[[x" onmouseover="alert(1)]]', '[[fms/letter-of-request|x" onclick="y]]', '[x](y.md" onclick="z)'])
def test_link_syntax_cannot_inject_attributes(attack):
    parser = _Elements()
    parser.feed(render(attack).html)
    assert not {a for a in parser.attributes if a.startswith("on")}


def test_safe_html_is_kept():
    out = render('<details><summary>More</summary>Hidden <kbd>Ctrl</kbd></details> <a href="https://dsca.mil" title="DSCA">x</a>')
    assert "<details>" in out.html and "<kbd>Ctrl</kbd>" in out.html and 'href="https://dsca.mil"' in out.html


def test_wiki_links_with_text_inside_table_cells():
    out = render("| Step | Page |\n|---|---|\n| 1 | [[fms/letter-of-request|the LOR]] |\n")
    assert "<td>" in out.html and ">the LOR</a></td>" in out.html
    assert out.html.count("<td") == 2


def test_wiki_link_syntax_in_inline_code_outside_tables_stays_as_written():
    out = render("Write `[[fms/letter-of-request|the LOR]]` to link with your own text.\n")
    assert "<code>[[fms/letter-of-request|the LOR]]</code>" in out.html


STAFF_TITLES = {"fms/open": "Open article", "fms/checklist": "Secret checklist title"}


def _render_public(text: str, public: bool = True) -> str:
    return render_markdown(
        text, source_path="articles/fms/page.md", resolve=STAFF_TITLES.get, staff_only=lambda slug: slug == "fms/checklist", public=public
    ).html


def test_a_public_page_never_writes_the_titles_of_staff_only_articles_it_links_to():
    html = _render_public("See [[fms/checklist]], [[fms/checklist|the checklist]], [x](checklist.md) and [[fms/open]].")
    assert "Secret checklist title" not in html
    assert html.count('href="/articles/fms/checklist"') == 3 and STAFF_LINK_TEXT in html and "the checklist" in html
    assert 'href="/articles/fms/open" rel="noopener noreferrer">Open article</a>' in html


def test_a_staff_only_page_links_to_staff_only_articles_as_usual():
    html = _render_public("See [[fms/checklist]].", public=False)
    assert STAFF_LINK_TEXT not in html and "Secret checklist title" in html


def test_a_public_page_never_writes_the_slug_of_a_staff_only_article_as_text():
    """Written out (prose, code, an address, a link's own text or title), the slug reads as in public
    diffs; the links keep their target, for the web layer to show to those who may see it."""
    text = """## About fms/checklist

See fms/checklist, `fms/checklist`, https://kb.example.mil/articles/fms/checklist/-/history and
<https://kb.example.mil/articles/fms/checklist>, [fms/checklist](checklist.md "fms/checklist"), and fms/open.
"""
    out = render_markdown(text, source_path="articles/fms/page.md", resolve=STAFF_TITLES.get, staff_only=lambda slug: slug == "fms/checklist")
    shown = re.sub(r'href="[^"]*"', "", out.html)
    assert "checklist" not in shown.replace('id="about-fmschecklist"', "") and "checklist" not in out.text
    assert out.html.count("(hidden article)") == 8 and "fms/open" in out.html and out.headings[0].text == "About (hidden article)"
    assert 'aria-label="Link to section: About (hidden article)"' in out.html  # the heading's anchor link too
    assert 'href="https://kb.example.mil/articles/fms/checklist"' in out.html and 'href="/articles/fms/checklist"' in out.html
    assert set(out.mentions) == {"fms/checklist", "fms/open"}  # so the page is rendered again when their access changes
    assert _render_public("See fms/checklist.", public=False) == "<p>See fms/checklist.</p>"
