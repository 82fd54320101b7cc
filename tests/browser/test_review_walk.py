"""The issue's "done when" walk in the real browser, over a content folder cloned from a central bare
repository: a reader proposes a change with an image, the article's expert requests changes, the reader
revises, an editor approves; the proposal branch and then the merge commit reach the central repository
and the image is served. Two editors edit the same article at once: the second keeps their text."""

from __future__ import annotations

import re
import subprocess

import pytest

from ..conftest import ROOT, SAMPLE
from ..gitrepo import commit, git, init
from ..live import BIN, LiveServer
from .conftest import DESKTOP

PASSWORD = "correct horse battery staple"
ACCOUNTS = (
    ("erin.editor@example.mil", "Erin Editor", "editor"),
    ("eddie.editor@example.mil", "Eddie Editor", "editor"),
    ("rosa.reader@example.mil", "Rosa Reader", "reader"),
    ("maria.delgado@example.mil", "Maria Delgado", "reader"),  # the letter of request's expert (her profile's email)
)
ARTICLE = "/articles/fms/letter-of-request"
BRANCH = "proposals/1-fms-letter-of-request"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24


@pytest.fixture(scope="module")
def central(tmp_path_factory):
    """(the central bare repository, gunicorn over a clone of it with the four accounts)."""
    root = tmp_path_factory.mktemp("walk")
    seed = init(root / "seed")
    commit(seed, "maria", "Initial content", SAMPLE)
    origin = root / "central.git"
    git(root, "clone", "-q", "--bare", str(seed), str(origin))
    git(root, "clone", "-q", str(origin), str(root / "content"))
    server = LiveServer(root / "content", root / "index", root / "instance", workers=1, threads=4)
    assert server.kb("index").returncode == 0
    server.start()
    assert server.kb("db", "upgrade").returncode == 0
    for email, name, role in ACCOUNTS:
        command = [str(BIN / "flask"), "--app", "app", "kb", "users", "add", email, name, "--role", role, "--password-stdin"]
        added = subprocess.run(command, cwd=ROOT, env=server.env, input=PASSWORD + "\n", capture_output=True, text=True, timeout=120)
        assert added.returncode == 0, added.stderr
    yield origin, server
    server.stop()
    assert server.tracebacks() == "", "the server logged an exception"


@pytest.fixture
def tabs(browser, central, watch):
    """New signed-out tabs, each in its own browser context (its own cookies)."""
    contexts = []

    def open_tab():
        context = browser.new_context(viewport=DESKTOP, base_url=central[1].url, service_workers="block")
        context.on("request", watch.request)
        tab = context.new_page()
        tab.on("pageerror", watch.error)
        tab.set_default_timeout(20_000)
        contexts.append(context)
        return tab

    yield open_tab
    for context in contexts:
        context.close()
    assert watch.external == [], "requests left 127.0.0.1"


def sign_in(page, email: str, then: str = ARTICLE) -> None:
    page.goto(f"/login?next={then}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(then) + "$"))


def test_a_proposal_with_an_image_is_revised_approved_pushed_and_served(tabs, central):
    origin, _ = central
    reader = tabs()
    sign_in(reader, ACCOUNTS[2][0])
    reader.get_by_role("link", name="Suggest an edit").click()
    reader.get_by_label("Text (Markdown)").fill("A partner sends an LOR. See the chart.\n")
    reader.locator("input[name=media]").set_input_files({"name": "LOR chart.png", "mimeType": "image/png", "buffer": PNG})
    reader.get_by_role("button", name="Upload the file").click()
    reader.wait_for_url(re.compile("/review/1/revise$"))
    assert "Added media/fms/lor-chart.png to your proposal 1" in reader.locator("main").inner_text()
    assert git(origin, "for-each-ref", "--format=%(refname)", "refs/heads/proposals") == f"refs/heads/{BRANCH}"  # on the remote
    text = reader.get_by_label("Text (Markdown)")
    text.fill(text.input_value().replace("Describe the image: what it shows", "The LOR from partner to case"))
    reader.get_by_role("button", name="Send the revision").click()
    reader.wait_for_url(re.compile("/me$"))

    expert = tabs()
    sign_in(expert, ACCOUNTS[3][0], then="/review")
    proposal = expert.locator("#proposal-1")
    proposal.get_by_label("What should change?").fill("Say who pays.")
    proposal.get_by_role("button", name="Request changes").click()
    expert.wait_for_url(re.compile("/review$"))

    reader.goto("/me")
    assert "Maria Delgado: Say who pays." in reader.locator("main").inner_text()
    reader.get_by_role("link", name="Revise").click()
    text = reader.get_by_label("Text (Markdown)")
    text.fill(text.input_value().replace("See the chart.", "The partner pays. See the chart."))
    reader.get_by_role("button", name="Send the revision").click()
    reader.wait_for_url(re.compile("/me$"))
    assert git(origin, "rev-parse", BRANCH) == git(central[1].content, "rev-parse", BRANCH)  # the revision too

    editor = tabs()
    sign_in(editor, ACCOUNTS[0][0], then="/review")
    editor.locator("#proposal-1").get_by_role("button", name="Approve and publish").click()
    editor.wait_for_url(re.compile("/review$"))
    assert "Published proposal 1." in editor.locator("main").inner_text()
    message = git(origin, "log", "-1", "--format=%B", "main")
    assert "Proposed-by: Rosa Reader" in message and "Approved-by: Erin Editor" in message  # the merge is on the remote
    assert git(origin, "ls-tree", "--name-only", "main", "media/fms/") == "media/fms/lor-chart.png"
    editor.goto(ARTICLE)
    assert "The partner pays." in editor.locator("main").inner_text()
    assert editor.locator("main img[alt='The LOR from partner to case']").get_attribute("src") == "/media/fms/lor-chart.png"
    served = editor.request.get("/media/fms/lor-chart.png")
    assert served.status == 200 and served.headers["content-type"] == "image/png" and served.body() == PNG


def test_two_editors_edit_the_same_article_at_once_and_the_second_keeps_their_text(tabs, central):
    first, second = tabs(), tabs()
    for tab, account in ((first, ACCOUNTS[0]), (second, ACCOUNTS[1])):
        sign_in(tab, account[0], then=f"{ARTICLE}/-/edit")
    first.get_by_label("Text (Markdown)").fill("The first editor's wombat text.\n")
    first.get_by_role("button", name="Save", exact=True).click()
    first.wait_for_url(re.compile(re.escape(ARTICLE) + "$"))
    second.get_by_label("Text (Markdown)").fill("The second editor's numbat text.\n")
    second.get_by_role("button", name="Save", exact=True).click()
    main = second.locator("main").inner_text()
    assert "Nothing was saved. Your text is kept" in main and "The first editor's wombat text." in main
    assert second.get_by_label("Text (Markdown)").input_value() == "The second editor's numbat text.\n"


def test_a_file_too_large_for_the_form_is_stopped_in_the_browser_with_the_text_in_place(tabs):
    editor = tabs()
    sign_in(editor, ACCOUNTS[0][0], then=f"{ARTICLE}/-/edit")
    editor.get_by_label("Text (Markdown)").fill("Unsaved wombat text.\n")
    editor.locator("input[name=media]").set_input_files({"name": "huge.png", "mimeType": "image/png", "buffer": PNG + b"\x00" * 5_000_001})
    editor.get_by_role("button", name="Upload the file").click()
    error = editor.locator("#edit-media-error")
    error.wait_for(state="visible")
    assert "files of at most 5,000,000 bytes are accepted" in error.inner_text().replace("\u202f", ",")
    assert editor.url.endswith("/-/edit") and editor.get_by_label("Text (Markdown)").input_value() == "Unsaved wombat text.\n"
