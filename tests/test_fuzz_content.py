"""Hostile and broken content: random and mutated Markdown, frontmatter and glossary entries.

Nothing may raise out of loading (``parse_document``, ``parse_glossary``, ``load_content``),
rendering (``kb.render``), indexing (a real ``SearchIndex``, ``kb.repository.sync``) or the checker
(``kb.health.checker.check_content``), and no HTML that reaches a reader contains a script element, an
event-handler attribute or a javascript:/data:/vbscript: URL, judged by an HTML parser.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from kb.content import load_content, parse_document, parse_glossary
from kb.health.checker import check_content
from kb.index import SearchIndex
from kb.render import render_markdown
from kb.repository.sync import sync

from .conftest import close_app, make_app, write_tree

URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "poster",
    "srcset",
    "background",
    "cite",
    "longdesc",
    "usemap",
    "dynsrc",
    "lowsrc",
    "ping",
}
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")
DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "frame", "frameset", "base", "form", "meta", "link", "style"}


class Unsafe(HTMLParser):
    """What a browser would run: script-like elements, on* attributes, script URLs (entities decoded)."""

    def __init__(self, allow_site_scripts: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.allow_site_scripts = allow_site_scripts
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        target = attributes.get("src") or attributes.get("href") or attributes.get("action") or ""
        # the templates' own files, forms and feeds: root-relative addresses of this site
        site_asset = self.allow_site_scripts and target.startswith("/") and not target.startswith("//")
        if tag in DANGEROUS_TAGS and not site_asset and not (tag == "meta" and self.allow_site_scripts):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if name in URL_ATTRIBUTES or name == "style":
                # as the WHATWG URL parser reads it: C0 controls and spaces trimmed, tabs and newlines removed
                cleaned = re.sub(r"[\t\n\r]", "", (value or "").strip("".join(map(chr, range(33))))).lower()
                if any(s in cleaned for s in BAD_SCHEMES if name == "style") or cleaned.startswith(BAD_SCHEMES):
                    self.found.append(f"{tag} {name}={value!r}")

    handle_startendtag = handle_starttag


def unsafe(html: str, page: bool = False) -> list[str]:
    parser = Unsafe(allow_site_scripts=page)
    parser.feed(html)
    parser.close()
    return parser.found


# -- the known vectors, as explicit examples -------------------------------------------------------

XSS_MARKDOWN = [
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "![img](javascript:alert(1))",
    '![img](x" onerror="alert(1))',
    "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    "<svg><script>alert(1)</script></svg>",
    '<a href="javascript&colon;alert(1)">x</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<object data=javascript:alert(1)>",
    '<form action="javascript:alert(1)"><button>x</button></form>',
    "[ref]\n\n[ref]: javascript:alert(1)",
    "<https://ok.example>",
    "<javascript:alert(1)>",
    '<a href="  javascript:alert(1)">x</a>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '[[fms/x" onmouseover="alert(1)]]',
    "[[x|<script>alert(1)</script>]]",
    "`<script>` and ```\n<script>\n```",
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '{: onclick="alert(1)" }\nA paragraph\n{: onclick="alert(1)" }',
    '# Heading {: onmouseover="alert(1)" }',
    "*[LOA]: <script>alert(1)</script>\n\nLOA text",
    '<a href="/x" onclick="alert(1)">x</a>',
]
XSS_TEXT = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "javascript:alert(1)",
    '" onmouseover="alert(1)',
    "</title><script>alert(1)</script>",
]


def resolve(slug: str) -> str | None:
    return {"fms/letter-of-request": "Letter of Request"}.get(slug)


GLOSSARY_ABBR = {"LOA": 'Letter "of" <script>alert(1)</script> Offer', "EUM": '" onmouseover="alert(1)'}


@pytest.mark.parametrize("text", XSS_MARKDOWN)
def test_known_vectors_render_safely(text):
    html = render_markdown(text, source_path="articles/fms/x.md", resolve=resolve, glossary=GLOSSARY_ABBR).html
    assert unsafe(html) == [], html


# -- random and mutated Markdown -------------------------------------------------------------------

PIECES = XSS_MARKDOWN + [
    "# Title",
    "## Section",
    "### Sub {#anchor}",
    "| a | b |\n|:-|-:|\n| 1 | 2 |",
    "```python\nprint(1)\n```",
    "    indented code",
    "> quote",
    "- item\n- item",
    "1. one\n2. two",
    "[[fms/letter-of-request]]",
    "[[fms/letter-of-request|the LOR]]",
    "[[missing/page]]",
    "[rel](../fms/letter-of-request.md)",
    "[a](x.md#frag)",
    "Note[^1]\n\n[^1]: foot",
    '!!! warning "Careful"\n    Body',
    "Term\n:   Definition",
    "LOA and EUM",
    "***",
    "<details><summary>s</summary>d</details>",
    "<kbd>Ctrl</kbd>",
    "&amp; &lt; &#0; &#x110000;",
    "\x00\x01\x7f",
    "\u202e\u200b\ufeff",
    "[[",
    "]]",
    "[]()",
    "![]()",
    "<!-- c -->",
    "<![CDATA[x]]>",
    "<",
    ">",
    "&",
    "\\",
    "|",
]
NOISE = st.text(alphabet=st.sampled_from(list("<>\"'`&[](){}:!#|*-_\n\t \\/=;") + ["a", "é", "\u0000", "\ud7ff"]), max_size=20)


@st.composite
def markdown_text(draw) -> str:
    parts = draw(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=40), NOISE), max_size=12))
    text = draw(st.sampled_from(["\n\n", "\n", " ", ""])).join(parts)
    for _ in range(draw(st.integers(0, 4))):  # mutate: insert, delete or duplicate a slice
        if not text:
            break
        at = draw(st.integers(0, len(text)))
        how = draw(st.sampled_from(["insert", "delete", "dup"]))
        if how == "insert":
            text = text[:at] + draw(NOISE) + text[at:]
        elif how == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 10)) :]
        else:
            text = text[:at] + text[max(0, at - 10) : at] + text[at:]
    return text


KEYS = [
    "title",
    "name",
    "summary",
    "tags",
    "experts",
    "related",
    "aliases",
    "review_by",
    "updated",
    "access",
    "areas",
    "order",
    "email",
    "phone",
    "organization",
    "expertise",
    "regions",
    "languages",
    "steps",
    "audience",
    "x",
]
YAML_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**12), 10**12),
        st.floats(allow_nan=True),
        st.text(max_size=30),
        st.sampled_from(XSS_TEXT),
        st.dates(),
        st.sampled_from(["staff", "public", "2030-13-45", "fms/letter-of-request"]),
    ),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["article", "note", "x"]), inner, max_size=3),
    max_leaves=8,
)
RAW_FRONT = [
    "",
    "title: [unclosed",
    "title: {a: b",
    ": :",
    "- just\n- a list",
    "title: !!python/object:os.system x",
    "title: &a x\nsummary: *a",
    "title: *missing",
    "\t\ttabs: x",
    "title: 'x'\ntitle: 'y'",
    "a: b: c",
    "title: x\n---\nmore: y",
    "%YAML 9.9\n---",
    "? complex\n: key",
    "title: " + "[" * 200,
]


@st.composite
def document_bytes(draw) -> bytes:
    if draw(st.booleans()):
        meta = draw(st.dictionaries(st.sampled_from(KEYS), YAML_VALUES, max_size=8))
        front = yaml.safe_dump(meta, allow_unicode=True, default_flow_style=draw(st.booleans()))
    else:
        front = draw(st.sampled_from(RAW_FRONT)) + draw(NOISE)
    opener = draw(st.sampled_from(["---\n", "---\r\n", "\ufeff---\n", "--- \n", ""]))
    closer = draw(st.sampled_from(["---\n", "...\n", "---", ""]))
    text = opener + front + ("\n" if not front.endswith("\n") else "") + closer + draw(markdown_text())
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-16", "latin-1"]))
    raw = text.encode(encoding, errors="replace")
    if draw(st.integers(0, 9)) == 0:
        raw += draw(st.binary(max_size=20))
    return raw


@st.composite
def glossary_bytes(draw) -> bytes:
    entries = draw(
        st.lists(
            st.one_of(
                st.fixed_dictionaries(
                    {
                        "term": st.one_of(st.sampled_from(["LOA", "EUM", "TCN", "<b>x</b>"]), st.text(max_size=12), st.sampled_from(XSS_TEXT)),
                        "expansion": st.one_of(st.text(max_size=30), st.sampled_from(XSS_TEXT)),
                        "definition": st.one_of(st.text(max_size=30), st.sampled_from(XSS_TEXT)),
                        "see": st.one_of(st.none(), st.sampled_from(["fms/letter-of-request", "../../etc/passwd", "javascript:alert(1)", "nope"])),
                    }
                ),
                YAML_VALUES,
            ),
            max_size=6,
        )
    )
    if draw(st.integers(0, 4)) == 0:
        return draw(st.sampled_from(RAW_FRONT)).encode() + draw(st.binary(max_size=10))
    return yaml.safe_dump(entries, allow_unicode=True).encode()


KIND_PATHS = {"article": "articles/fms/fuzz.md", "person": "people/fuzz.md", "area": "areas/fuzz.md", "path": "paths/fuzz.md"}


@settings(max_examples=300, deadline=1000)
@given(kind=st.sampled_from(sorted(KIND_PATHS)), raw=document_bytes())
@example(
    kind="article",
    raw=b"---\ntitle: <script>alert(1)</script>\naliases: ['<img src=x onerror=alert(1)>']\n---\n[x](javascript:alert(1)) <svg onload=alert(1)>",
)
def test_parse_and_render_never_raise_and_stay_safe(kind, raw):
    doc, problems = parse_document(kind, "fms/fuzz" if kind == "article" else "fuzz", KIND_PATHS[kind], raw)
    assert all(p.severity in ("error", "warning") for p in problems)
    if doc is not None:
        rendered = render_markdown(doc.body, source_path=doc.path, resolve=resolve, glossary=GLOSSARY_ABBR)
        assert unsafe(rendered.html) == [], rendered.html
        assert all(isinstance(h.text, str) for h in rendered.headings) and isinstance(rendered.text, str)


@settings(max_examples=200, deadline=1000)
@given(raw=glossary_bytes())
def test_parse_glossary_never_raises(raw):
    entries, problems = parse_glossary("glossary.yml", raw)
    assert all(isinstance(e.term, str) and e.term for e in entries)
    assert all(p.path == "glossary.yml" for p in problems)


@st.composite
def restricting_key(draw) -> str:
    """'access' or 'marking' as an author might mistype it: another case, one or two edits, or as is."""
    key = list(draw(st.sampled_from(["access", "marking"])))
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(key) - 1))
        how = draw(st.sampled_from(["upper", "delete", "insert", "replace", "swap"]))
        letter = draw(st.sampled_from("abcegikmnrsx_-"))
        if how == "upper":
            key[at] = key[at].upper()
        elif how == "delete" and len(key) > 3:
            del key[at]
        elif how == "insert":
            key.insert(at, letter)
        elif how == "replace":
            key[at] = letter
        elif at + 1 < len(key):
            key[at], key[at + 1] = key[at + 1], key[at]
    return "".join(key)


@settings(max_examples=300, deadline=1000)
@given(kind=st.sampled_from(sorted(KIND_PATHS)), key=restricting_key(), value=YAML_VALUES, quoted=st.booleans())
@example(kind="article", key="access", value="public", quoted=False)
@example(kind="article", key="marking", value=["CUI"], quoted=False)
def test_a_restricting_key_publishes_only_when_it_says_exactly_public(kind, key, value, quoted):
    """Whatever the key's spelling and value: public only for an article saying exactly ``access: public``
    (any case of the value); else staff-only, and an error unless it is an exactly written restriction."""
    required = "name" if kind == "person" else "title"
    front = yaml.safe_dump({required: "X", key: value}, allow_unicode=True, default_style='"' if quoted else None)
    doc, problems = parse_document(kind, "fms/fuzz" if kind == "article" else "fuzz", KIND_PATHS[kind], f"---\n{front}---\nBody.\n".encode())
    says_public = kind == "article" and key == "access" and isinstance(value, str) and value.strip().lower() == "public"
    assert doc.public is says_public, (front, doc.meta)
    understood = kind == "article" and (
        (key == "access" and isinstance(value, str) and value.strip().lower() in ("public", "staff"))
        or (key == "marking" and isinstance(value, str) and bool(value.strip()))
    )
    assert any(p.severity == "error" for p in problems) is not understood, (front, [str(p) for p in problems])


# -- the whole pipeline: folder -> check -> index -> pages --------------------------------------------

BASE_TREE = {
    "areas/fms.md": "---\ntitle: Foreign Military Sales\n---\nFMS.\n",
    "articles/fms/letter-of-request.md": "---\ntitle: Letter of Request\nexperts: [maria]\n---\nLOA and EUM.\n",
    "people/maria.md": "---\nname: Maria\n---\nExpert.\n",
}


def page_urls(client) -> list[str]:
    urls = [
        "/",
        "/glossary",
        "/areas/fms",
        "/people/maria",
        "/search?q=loa",
        "/search?q=fuzz",
        "/search?q=script",
        "/api/search?q=alert",
        "/api/suggest?q=sc",
        "/api/articles/fms/letter-of-request",
        "/healthz",
    ]
    data = client.get("/api/search?q=*&per_page=50").get_json()
    urls += [r["url"] for r in data.get("results", [])]
    return urls


def serve_and_check(root: Path) -> None:
    app = make_app(root / "content", root / "index", root / "instance")
    try:
        client = app.test_client()
        for url in page_urls(client):
            response = client.get(url)
            assert response.status_code in (200, 404), (url, response.status_code)
            if response.mimetype == "text/html":
                assert unsafe(response.get_data(as_text=True), page=True) == [], url
            else:
                payload = response.get_data(as_text=True)
                for html in re.findall(r'"(?:html|snippet)":\s*"((?:[^"\\]|\\.)*)"', payload):
                    assert unsafe(html.encode().decode("unicode_escape", "replace")) == [], url
    finally:
        close_app(app)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=[Phase.explicit, Phase.reuse, Phase.generate]
)  # no shrinking: each example indexes a folder
@given(docs=st.lists(st.tuples(st.sampled_from(sorted(KIND_PATHS)), document_bytes()), min_size=1, max_size=4), glossary=glossary_bytes())
def test_folder_check_index_and_pages_never_fail(docs, glossary):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files: dict[str, str | bytes] = {**BASE_TREE, "glossary.yml": glossary}
        for n, (kind, raw) in enumerate(docs):
            files[KIND_PATHS[kind].replace("fuzz", f"fuzz-{n}")] = raw
        content = write_tree(root / "content", files)
        loaded = load_content(content)
        check_content(loaded, dt.date(2026, 12, 1))
        index = SearchIndex(root / "index")
        try:
            sync(content, index)
            (content / "articles/fms/fuzz-0.md").write_bytes(docs[0][1][::-1])  # an update over the same index
            sync(content, index)
        finally:
            index.close()
        serve_and_check(root)


def test_hostile_content_through_the_whole_site(tmp_path):
    """Every named vector in titles, aliases, tags, glossary expansions, bodies and search highlights."""
    vector = "<script>alert(1)</script>"
    files = {
        **BASE_TREE,
        "articles/fms/hostile.md": (
            "---\n"
            f'title: "Hostile {vector} title"\n'
            "summary: '\"><img src=x onerror=alert(1)> summary'\n"
            f'aliases: ["{vector}", "\' onmouseover=\'alert(1)"]\n'
            f'tags: ["{vector}", "javascript:alert(1)"]\n'
            f'experts: ["maria", "{vector}"]\n'
            'related: ["javascript:alert(1)"]\n'
            "---\n"
            "Hostile body with LOA and EUM.\n\n" + "\n\n".join(XSS_MARKDOWN) + "\n"
        ),
        "people/hostile.md": f"---\nname: '{vector} Person'\nemail: 'x@example.mil\" onclick=\"alert(1)'\n"
        f"organization: '{vector}'\nexpertise: ['{vector}']\n---\n<svg onload=alert(1)>\n",
        "paths/hostile.md": f"---\ntitle: '{vector}'\nsteps:\n  - article: fms/hostile\n    note: '{vector}'\n---\nx\n",
        "glossary.yml": yaml.safe_dump(
            [
                {"term": "LOA", "expansion": f'Letter "of" {vector} Offer', "definition": vector, "see": "fms/hostile"},
                {"term": "EUM", "expansion": '" onmouseover="alert(1)', "definition": "<img src=x onerror=alert(1)>"},
                {"term": vector, "expansion": vector},
            ]
        ),
    }
    content = write_tree(tmp_path / "content", files)
    index = SearchIndex(tmp_path / "index")
    sync(content, index)
    index.close()
    serve_and_check(tmp_path)
    app = make_app(content, tmp_path / "index", tmp_path / "instance")
    try:
        client = app.test_client()
        article = client.get("/articles/fms/hostile").get_data(as_text=True)
        assert "<abbr" in article and vector not in article
        for url in (
            "/articles/fms/hostile",
            "/people/hostile",
            "/paths/hostile",
            "/glossary",
            "/search?q=hostile",
            "/search?q=" + quote(vector),
            "/search?q=alert",
            "/search?q=script",
            "/search?q=tag:" + quote(vector),
            "/nope?q=" + quote(vector),
            "/articles/" + quote(vector),
        ):
            response = client.get(url)
            assert response.status_code in (200, 404), url
            assert unsafe(response.get_data(as_text=True), page=True) == [], url
            assert vector not in response.get_data(as_text=True), url
    finally:
        close_app(app)
