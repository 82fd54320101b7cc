"""`kb check`: each rule with its line, PATH other than KB_CONTENT_DIR, JSON, exit status."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from kb import create_app
from kb.health.checker import check_folder

from .conftest import SAMPLE, write_tree
from .gitrepo import commit, init

TODAY = dt.date(2026, 6, 1)


# the sample content with its one orphan (golden-sentry) linked from its area
LINKED = {"areas/eum.md": "---\ntitle: End-Use Monitoring\norder: 2\n---\nStart with [[eum/golden-sentry]].\n"}


@pytest.fixture
def content_dir(content_dir):
    return write_tree(content_dir, LINKED)


def problems_in(root, today=TODAY):
    return [str(p) for p in check_folder(root, today).problems]


def test_sample_content_is_clean(content_dir):
    assert problems_in(content_dir) == []


@pytest.mark.parametrize(
    "files, expected",
    [
        (
            {
                "articles/fms/x.md": "---\ntitle: X\nsources: [SAMM C9.9]\n---\n[[fms/letter-of-request]]\n",
                "articles/fms/y.md": "---\ntitle: Y\n---\n[[fms/x]]",
            },
            "articles/fms/x.md:3: error: unknown source 'SAMM C9.9' in 'sources' (not in sources.yml)",
        ),
        (
            {"articles/fms/x.md": "---\ntitle: X\n---\nIntro.\n\nSee [[fms/letter-of-request#pricing]].\n"},
            "articles/fms/x.md:6: error: link to missing heading '#pricing' in 'fms/letter-of-request'",
        ),
        (
            {"articles/fms/x.md": "---\ntitle: X\n---\nOne.\n\nTwo [LOA](letter-of-offer-and-acceptance.md#terms).\n"},
            "articles/fms/x.md:6: error: link to missing heading '#terms' in 'fms/letter-of-offer-and-acceptance'",
        ),
        ({"articles/fms/x.md": "---\ntitle: X\n---\nSee [[fms/gone]].\n"}, "articles/fms/x.md:4: error: link to missing article 'fms/gone'"),
        (
            {"articles/fms/x.md": "---\ntitle: X\n---\nIntro.\n\nSee [[eum/internal-checklist]].\n"},
            "articles/fms/x.md:6: warning: link to staff-only article 'eum/internal-checklist' without text of its own",
        ),
        (
            {"articles/fms/x.md": "---\ntitle: letter of request\n---\n[[fms/letter-of-request]]"},
            "articles/fms/x.md:2: error: duplicate title 'letter of request': already used by 'fms/letter-of-request' (title)",
        ),
        (
            {"articles/fms/x.md": "---\ntitle: X\nsummary: s\naliases: [Request Letter]\n---\n[[fms/letter-of-request]]"},
            "articles/fms/x.md:4: error: duplicate alias 'Request Letter': already used by 'fms/letter-of-request' (alias)",
        ),
        (
            {
                "glossary.yml": "- term: LOR\n  expansion: Letter of Request\n- term: LOR\n  expansion: letter of  request\n"
                "- term: TCN\n  expansion: third-country national\n"
            },
            "glossary.yml:3: error: 'LOR' is defined twice with the same expansion (first on line 1)",
        ),
        (
            {"articles/fms/lonely.md": "---\ntitle: Lonely\n---\nNobody links here. [[fms/letter-of-request]]"},
            "articles/fms/lonely.md:1: warning: orphan article: no page links to it and no path uses it",
        ),
        (
            {
                "articles/fms/x.md": "---\ntitle: X\nreview_by: 2026-01-01\n---\n[[fms/letter-of-request]]",
                "areas/fms.md": "---\ntitle: FMS\n---\n[[fms/x]] [[fms/letter-of-request]]",
            },
            "articles/fms/x.md:3: warning: review date 2026-01-01 has passed",
        ),
        (
            {
                "articles/fms/x.md": "---\ntitle: X\ncolour: red\nareas: fms\nexperts: {a: 1}\n---\n[[fms/letter-of-request]]",
                "areas/fms.md": "---\ntitle: FMS\n---\n[[fms/x]] [[fms/letter-of-request]]",
            },
            "articles/fms/x.md:3: warning: unknown frontmatter keys ignored: colour",
        ),
        (
            {"articles/fms/x.md": "---\ntitle: X\nexperts: {a: 1}\n---\n", "areas/fms.md": "---\ntitle: FMS\n---\n[[fms/x]]"},
            "articles/fms/x.md:3: error: 'experts' must be a list of text",
        ),
        (
            {"articles/fms/x.md": "---\ntitle: [X\n---\n", "areas/fms.md": "---\ntitle: FMS\n---\n[[fms/x]]"},
            "articles/fms/x.md:2: error: invalid YAML frontmatter",
        ),
        (
            {"articles/fms/x.md": "---\nsummary: no title\n---\n", "areas/fms.md": "---\ntitle: FMS\n---\n[[fms/x]]"},
            "articles/fms/x.md:1: error: missing required 'title'",
        ),
        (
            {"articles/fms/x.md": "---\ntitle: X\nareas: [nowhere]\nexperts: [ghost]\n---\n", "areas/fms.md": "---\ntitle: FMS\n---\n[[fms/x]]"},
            "articles/fms/x.md:4: error: unknown person 'ghost' in 'experts'",
        ),
        (
            {"paths/p.md": "---\ntitle: P\nsteps:\n  - fms/letter-of-request\n  - article: fms/none\n---\n"},
            "paths/p.md:5: error: step names unknown article 'fms/none'",
        ),
        ({"sources.yml": "- id: A\n- id: A\n"}, "sources.yml:2: error: source 'A' is listed twice (first on line 1)"),
        (
            {"articles/fms/x.md": "---\ntitle: X\n---\nIntro [[fms/letter-of-request]].\n\nSee [[fms/letter-of-request|the\nletter]].\n"},
            "articles/fms/x.md:6: warning: wiki-link '[[' without ']]' on the same line: keep a link on one line",
        ),
    ],
)
def test_each_rule_with_its_line(content_dir, files, expected):
    write_tree(content_dir, files)
    found = problems_in(content_dir)
    assert any(p.startswith(expected) for p in found), (expected, found)


def test_links_in_code_and_existing_anchors_are_fine(content_dir):
    write_tree(
        content_dir,
        {
            "articles/fms/x.md": "---\ntitle: X\n---\n"
            "[[fms/letter-of-request#what-it-contains]] and "
            "[ok](letter-of-request.md#what-it-contains)\n\n```\n[[fms/letter-of-request#nope]]\n```\n"
            "`[[fms/letter-of-request#nope]]`\n",
            "areas/fms.md": "---\ntitle: FMS\n---\n[[fms/x]] [[fms/letter-of-request]]",
        },
    )
    assert problems_in(content_dir) == []


def test_stale_articles_and_changed_sources_from_git_are_warnings(tmp_path):
    root = init(tmp_path / "repo")
    files = {**SAMPLE, **LINKED}
    files["articles/eum/golden-sentry.md"] = "---\ntitle: Golden Sentry program\nareas: [eum]\nsources: [SAMM C8]\n---\nx"
    files["sources.yml"] = "- id: SAMM C8\n  changed: 2026-02-01\n  note: E-Change 700\n"
    commit(root, "maria", "Initial content", files, when="2025-01-10T09:00:00Z")
    found = problems_in(root)
    assert "articles/eum/golden-sentry.md:1: warning: not changed for 365 days: due for review since 2026-01-10" in found
    assert ("articles/eum/golden-sentry.md:4: warning: source changed since last review: SAMM C8 changed on 2026-02-01: E-Change 700") in found
    assert check_folder(root, TODAY).errors == 0


def runner_for(content_dir, tmp_path):
    app = create_app(
        {"CONTENT_DIR": str(content_dir), "INDEX_DIR": str(tmp_path / "ix"), "SECRET_KEY": "t", "INSTANCE_DIR": str(tmp_path / "instance")}
    )
    return app.test_cli_runner()


def test_check_another_folder_than_the_configured_one(content_dir, tmp_path):
    other = write_tree(tmp_path / "other", {**SAMPLE, **LINKED, "articles/fms/x.md": "---\ntitle: X\n---\n[[fms/gone]]"})
    runner = runner_for(content_dir, tmp_path)
    assert runner.invoke(args=["kb", "check"]).exit_code == 0
    result = runner.invoke(args=["kb", "check", str(other)])
    assert result.exit_code == 1
    assert "articles/fms/x.md:4: error: link to missing article 'fms/gone'" in result.output


def test_an_earlier_slug_redirects_links_to_it_are_warnings_and_it_cannot_be_an_article(content_dir):
    write_tree(
        content_dir,
        {
            "articles/fms/x.md": "---\ntitle: X\nredirect_from: [fms/old-x, fms/letter-of-request]\n---\nSee [[fms/y]].\n",
            "articles/fms/y.md": "---\ntitle: Y\nredirect_from: [fms/old-x]\n---\nSee [[fms/old-x]].\n",
        },
    )
    found = problems_in(content_dir)
    assert "articles/fms/y.md:5: warning: link to 'fms/old-x', which moved to 'fms/x': link to the new slug" in found
    assert "articles/fms/x.md:3: error: 'redirect_from' names 'fms/letter-of-request', which is an article" in found
    assert "articles/fms/y.md:3: error: 'redirect_from' names 'fms/old-x', which 'fms/x' redirects already" in found


def test_links_to_staff_only_articles_with_their_own_text_or_from_staff_pages_are_fine(content_dir):
    write_tree(
        content_dir,
        {
            "articles/fms/x.md": "---\ntitle: X\n---\nSee [[eum/internal-checklist|the checklist]] and [[fms/y|the other one]].\n",
            "articles/fms/y.md": "---\ntitle: Y\naccess: staff\n---\nSee [[eum/internal-checklist]] and [[fms/x]].\n",
        },
    )
    assert not [p for p in problems_in(content_dir) if "staff-only" in p]


def test_json_format_and_warnings_alone_pass(content_dir, tmp_path):
    write_tree(content_dir, {"articles/fms/lonely.md": "---\ntitle: Lonely\n---\n[[fms/letter-of-request]]"})
    result = runner_for(content_dir, tmp_path).invoke(args=["kb", "check", "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert (data["errors"], data["warnings"]) == (0, 1)
    assert data["problems"] == [
        {"path": "articles/fms/lonely.md", "line": 1, "severity": "warning", "message": "orphan article: no page links to it and no path uses it"}
    ]


def test_the_shipped_content_has_no_errors_and_no_warnings():
    from .conftest import ROOT

    result = check_folder(ROOT / "content", dt.date.today())
    assert [str(p) for p in result.problems] == []


def test_the_scanner_finds_what_the_renderer_finds_on_the_shipped_content():
    """The checker scans bodies instead of rendering them (10x faster): it must agree with kb.render."""
    from kb.catalog import Catalog
    from kb.content import load_content
    from kb.health.checker import scan

    from .conftest import ROOT

    content = load_content(ROOT / "content")
    catalog = Catalog(content)
    titles = {d.id: d.title for d in content.of_kind("article")}
    checked = 0
    for doc in content.documents:
        rendered = catalog.render(doc)
        found = scan(doc.body, doc.path, titles.get)
        assert {h.anchor for h in rendered.headings} <= found.anchors, doc.path
        assert set(rendered.links) | set(rendered.missing) == {link.slug for link in found.links}, doc.path
        checked += bool(rendered.headings)
    assert checked > 50


@pytest.mark.parametrize(
    "markdown, anchors",
    [
        ("## Pricing and fees\n", {"pricing-and-fees"}),
        ("## Pricing\n\n## Pricing\n", {"pricing", "pricing_1"}),
        ("## The **LOA** `notes`\n", {"the-loa-notes"}),
        ("## See [[fms/letter-of-request]]\n", {"see-letter-of-request"}),
        ("## Custom {#my-id}\n", {"my-id"}),
        ("Setext heading\n--------------\n", {"setext-heading"}),
        ("```\n## not a heading\n```\n", set()),
        ("# Top\n##### Deep\n", {"top", "deep"}),
    ],
)
def test_scanner_anchors_match_the_renderer(markdown, anchors):
    from kb.health.checker import scan
    from kb.render import render_markdown

    found = scan(markdown, "articles/fms/x.md", {"fms/letter-of-request": "Letter of Request"}.get)
    assert found.anchors == anchors
    rendered = render_markdown(markdown, source_path="articles/fms/x.md", resolve={"fms/letter-of-request": "Letter of Request"}.get)
    assert all(f'id="{a}"' in rendered.html for a in anchors)


def test_an_access_in_doubt_and_a_symlink_fail_the_check_with_file_and_line(content_dir, tmp_path):
    """Issue 17: each of these was public with at most a warning, and the check passed."""
    import os

    doubtful = {
        "list": "marking: [CUI]",
        "mapping": "marking: {level: CUI}",
        "capital": "Access: staff",
        "upper": "ACCESS: staff",
        "marking-capital": "Marking: CUI",
        "typo": "acess: staff",
    }
    linked = "[[fms/letter-of-request]] " + " ".join(f"[[fms/{name}|{name}]]" for name in doubtful)
    files = {f"articles/fms/{name}.md": f"---\ntitle: {name}\nsummary: s\n{line}\n---\n{linked}\n" for name, line in doubtful.items()}
    write_tree(content_dir, files)
    os.symlink("../articles/eum/internal-checklist.md", content_dir / "people" / "x.md")
    result = runner_for(content_dir, tmp_path).invoke(args=["kb", "check"])
    assert result.exit_code == 1
    for name, line in doubtful.items():
        key = line.split(":")[0]
        assert any(
            out.startswith(f"articles/fms/{name}.md:4: error: '{key}'") and out.endswith("kept staff-only until it is fixed")
            for out in result.output.splitlines()
        ), name
    assert "people/x.md:1: error: symlink, skipped: the content folder may hold no symlinks (to files or folders)" in result.output
    assert f"{len(doubtful) + 1} errors" in result.output


@pytest.mark.parametrize(
    "text, expected",
    [
        ('---\ntitle: "Unclosed\nsummary: Fine.\n---\nBody.\n', ":2: error: invalid YAML frontmatter: a quoted value is never closed"),
        ("---\ntitle: 'It's here'\n---\nBody.\n", ":2: error: invalid YAML frontmatter: a quoted value goes on after its closing quote"),
        ("---\ntitle: Tabs\ntags:\n\t- lor\n---\nBody.\n", ":4: error: invalid YAML frontmatter: a tab is used for indentation"),
        ("---\ntitle: FMS: case closure\n---\nBody.\n", ":2: error: invalid YAML frontmatter: a colon followed by a space inside an unquoted value"),
        (
            "---\ntitle: Indented\n  summary: Fine.\n---\nBody.\n",
            ":3: error: invalid YAML frontmatter: this line is indented more than the key above it",
        ),
        ("---\ntitle: Words\njust words\n---\nBody.\n", ":3: error: invalid YAML frontmatter: this line is not 'key: value'"),
        ("---\ntitle: List\ntags: [lor, loa\n---\nBody.\n", ":3: error: invalid YAML frontmatter: a list in [brackets] is not closed with ']'"),
        ("---\ntitle: [Draft] Notes\n---\nBody.\n", ":2: error: invalid YAML frontmatter: a value starts with '[', which YAML reads as a list"),
        ("---\ntitle: Percent\naliases:\n  - %\n---\nBody.\n", ":4: error: invalid YAML frontmatter: a value starts with '%', which YAML reserves"),
        ("title: No opening\nsummary: Fine.\n---\nBody.\n", ":1: error: the frontmatter has no opening '---' line"),
        ("---\ntitle: No closing\nsummary: Fine.\n\nBody.\n", ":1: error: the frontmatter has no closing '---' line"),
    ],
    ids=[
        "unclosed-quote",
        "quote-inside",
        "tab",
        "colon",
        "indented",
        "no-colon",
        "unclosed-list",
        "list-then-text",
        "reserved",
        "no-opening",
        "no-closing",
    ],
)
def test_yaml_errors_are_explained_in_plain_words_on_their_line(content_dir, text, expected):
    """What is wrong and its usual cause, on the line to fix; the parser's own words follow."""
    write_tree(content_dir, {"articles/fms/broken.md": text})
    found = [p for p in problems_in(content_dir) if p.startswith("articles/fms/broken.md:")]
    assert any(p.startswith("articles/fms/broken.md" + expected) for p in found), found
    yaml_errors = [p for p in found if "invalid YAML" in p]
    assert all("(the YAML parser says: " in p for p in yaml_errors), yaml_errors


def test_a_glossary_yaml_error_is_explained_too(content_dir):
    write_tree(content_dir, {"glossary.yml": '- term: LOR\n  expansion: "Letter of Request\n  definition: x\n'})
    assert any(p.startswith("glossary.yml:2: error: invalid YAML: a quoted value is never closed") for p in problems_in(content_dir))


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24


def test_media_links_missing_files_alt_text_and_unused_media_with_file_and_line(content_dir):
    write_tree(
        content_dir,
        {
            "media/fms/chart.png": PNG,
            "media/fms/form.pdf": b"%PDF-1.7\n",
            "media/fms/unused.png": PNG,
            "articles/fms/charts.md": (
                "---\ntitle: Charts\nsummary: Case charts.\n---\n"
                "![Chart](/media/fms/chart.png) and [the form](../../media/fms/form.pdf).\n"
                "![](media/fms/chart.png)\n"
                "![Gone](/media/fms/gone.png)\n"
                "[old form](/media/fms/old.pdf) ![Bad](/media/fms/bad%20name.png)\n"
                "`![in code](/media/fms/nothing.png)`\n"
            ),
            "areas/fms.md": "---\ntitle: Foreign Military Sales\norder: 1\n---\nStart with [[fms/letter-of-request]] and [[fms/charts]].\n",
        },
    )
    assert problems_in(content_dir) == [
        "articles/fms/charts.md:6: warning: image 'media/fms/chart.png' without alt text: write ![what it shows](media/fms/chart.png)",
        "articles/fms/charts.md:7: error: image link to missing media file 'media/fms/gone.png'",
        "articles/fms/charts.md:8: error: attachment link to missing media file 'media/fms/old.pdf'",
        "articles/fms/charts.md:8: error: image link to 'media/fms/bad%20name.png': media names may hold only letters, digits, '.', '-', '_' and '/'",
        "media/fms/unused.png:1: warning: media file no document uses (it is not served to readers who are not signed in)",
    ]
