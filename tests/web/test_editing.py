"""The browser editor over a real git repository, index and migrated database: roles, CSRF, preview, save, new articles."""

from __future__ import annotations

import io
import re
import shutil
import time

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from kb.accounts.models import db
from kb.accounts.service import add_user
from kb.index import SearchIndex
from kb.repository.sync import sync

from ..accounts.conftest import PASSWORD, USERS, Auth, close_app, make_app, migrate
from ..editing.conftest import LOR, sample_repository
from ..gitrepo import git as run_git

EDIT = "/articles/fms/letter-of-request/-/edit"
NEW = "/areas/fms/-/new"
AREA_EDIT, PATH_EDIT, PERSON_EDIT = "/areas/fms/-/edit", "/paths/new-to-sc/-/edit", "/people/maria-delgado/-/edit"
ROUTES = [("GET", EDIT), ("POST", EDIT), ("GET", NEW), ("POST", NEW)] + [(m, u) for u in (AREA_EDIT, PATH_EDIT, PERSON_EDIT) for m in ("GET", "POST")]
BASE = re.compile(r'name="base" value="([0-9a-f]*)"')
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def build(tmp_path, content):
    index = SearchIndex(tmp_path / "index")
    sync(content, index)
    index.close()
    app = make_app(tmp_path, content, tmp_path / "index", f"sqlite:///{tmp_path / 'db' / 'kb.sqlite3'}")
    migrate(app)
    with app.app_context():
        for email, name, role in USERS:
            add_user(app.extensions["kb.passwords"], email, name, role, PASSWORD)
    return app


@pytest.fixture
def repo(tmp_path):
    return sample_repository(tmp_path / "repo")


@pytest.fixture
def app(tmp_path, repo):
    app = build(tmp_path, repo)
    yield app
    close_app(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def auth(client):
    return Auth(client)


def form_of(page: str, **changes) -> dict:
    """The editor form's hidden fields and the given changes, as a browser would send them."""
    return {"csrf_token": TOKEN.search(page).group(1), "base": BASE.search(page).group(1), "title": "Letter of Request", **changes}


def editor(client, auth, email="ed@example.mil"):
    auth.login(email)
    return client.get(EDIT).get_data(as_text=True)


@pytest.mark.parametrize(("method", "url"), ROUTES)
def test_anonymous_readers_are_sent_to_sign_in_or_refused(client, method, url):
    response = client.open(url, method=method, data={"title": "x"})
    if method == "GET":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize(("method", "url"), ROUTES)
def test_a_signed_in_reader_is_refused(client, auth, method, url):
    auth.login("rita@example.mil")
    assert client.open(url, method=method, data={"title": "x"}).status_code == 403
    assert "Edit this page" not in client.get("/articles/fms/letter-of-request").get_data(as_text=True)


@pytest.mark.parametrize("email", ["ed@example.mil", "ada@example.mil"])
def test_editors_and_admins_get_the_links_and_the_forms(client, auth, email):
    auth.login(email)
    article = client.get("/articles/fms/letter-of-request").get_data(as_text=True)
    assert f'href="{EDIT}"' in article and "Edit this page" in article
    assert f'href="{NEW}"' in client.get("/areas/fms").get_data(as_text=True)
    page = client.get(EDIT).get_data(as_text=True)
    assert 'value="Letter of Request"' in page and "A partner sends an LOR" in page and 'name="base"' in page
    assert "Short name for the address" in client.get(NEW).get_data(as_text=True)


def test_a_save_commits_as_the_editor_and_history_shows_them(client, auth, repo):
    page = editor(client, auth)
    data = form_of(page, body="A partner sends an LOR. Numbat funding.\n", message="Mention numbats", action="save")
    response = client.post(EDIT, data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/articles/fms/letter-of-request")
    assert "Saved." in client.get("/articles/fms/letter-of-request").get_data(as_text=True)
    assert run_git(repo, "log", "-1", "--format=%an <%ae> %cn %s") == "Ed Editor <ed@example.mil> SC Knowledge Base Mention numbats"
    assert "Letter of Request" in client.get("/search?q=numbat").get_data(as_text=True)
    history = client.get("/articles/fms/letter-of-request/-/history").get_data(as_text=True)
    assert "Ed Editor" in history and "Mention numbats" in history


def test_a_form_without_its_csrf_token_is_refused_and_keeps_the_text(client, auth, repo):
    page = editor(client, auth)
    data = {**form_of(page, body="My careful paragraph.\n", action="save"), "csrf_token": "forged"}
    response = client.post(EDIT, data=data)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "was not accepted" in text and "My careful paragraph." in text
    assert "My careful paragraph." not in (repo / LOR).read_text()


def test_a_session_that_ended_mid_edit_gives_the_text_back(client, auth):
    page = editor(client, auth)
    auth.logout()
    response = client.post(EDIT, data=form_of(page, body="Written before the session ended.\n", action="save"))
    assert response.status_code == 403
    assert "Written before the session ended." in response.get_data(as_text=True)
    assert "sign in again" in response.get_data(as_text=True)


def test_a_failed_check_shows_the_error_with_its_line_and_keeps_the_text(client, auth, repo):
    page = editor(client, auth)
    response = client.post(EDIT, data=form_of(page, body="Kept text.\n\n[[fms/missing-one]]\n", action="save"))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Not saved" in text and "missing-one" in text and "(line 3 of the text)" in text and "Kept text." in text
    assert "Kept text." not in (repo / LOR).read_text()


def test_a_conflict_shows_both_versions_and_keeps_the_text(client, auth, repo):
    page = editor(client, auth)
    (repo / LOR).write_text((repo / LOR).read_text().replace("A partner sends an LOR", "John's first line"))
    run_git(repo, "-c", "user.name=John", "-c", "user.email=j@x", "commit", "-qam", "John")
    response = client.post(EDIT, data=form_of(page, body="Ed's first line.\n", action="save"))
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "The version saved since" in text and "John&#39;s first line" in text and "Ed&#39;s first line." in text


def test_preview_is_rendered_and_sanitized_without_and_with_javascript(client, auth):
    page = editor(client, auth)
    hostile = "Hello [[fms/letter-of-offer-and-acceptance]] <script>alert(1)</script> <img src=x onerror=alert(2)>\n"
    response = client.post(EDIT, data=form_of(page, body=hostile, action="preview"))
    text = response.get_data(as_text=True)
    preview = text[text.index('id="edit-preview"') :]
    assert response.status_code == 200 and 'href="/articles/fms/letter-of-offer-and-acceptance"' in preview
    assert "<script>alert(1)" not in text and "onerror" not in preview
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text  # the user's text, escaped in the form
    live = client.post(EDIT, data=form_of(page, body=hostile), headers={"X-KB-Preview": "1"}).get_json()
    assert "Letter of Offer and Acceptance" in live["html"] and "<script" not in live["html"] and "onerror" not in live["html"]


def test_live_preview_without_a_token_is_refused(client, auth):
    page = editor(client, auth)
    response = client.post(EDIT, data={**form_of(page, body="x"), "csrf_token": ""}, headers={"X-KB-Preview": "1"})
    assert response.status_code == 400 and "error" in response.get_json()


def test_a_new_article_is_made_from_the_template(client, auth, repo):
    auth.login("ed@example.mil")
    page = client.get(NEW).get_data(as_text=True)
    assert "## Overview" in page and 'value="fms"' in page
    data = {"csrf_token": TOKEN.search(page).group(1), "title": "Case closure", "areas": "fms", "slug": "case-closure", "body": "Closing a case.\n"}
    response = client.post(NEW, data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/articles/fms/case-closure")
    assert "Closing a case." in client.get("/articles/fms/case-closure").get_data(as_text=True)
    assert run_git(repo, "log", "-1", "--format=%an %s") == "Ed Editor Add Case closure"


@pytest.mark.parametrize("slug", ["../../../etc/passwd", "a\x00b", "\u0430rticle", "x" * 200, "..", "fms/../../x"])
def test_hostile_short_names_are_refused_and_nothing_is_written(client, auth, repo, slug):
    auth.login("ed@example.mil")
    page = client.get(NEW).get_data(as_text=True)
    data = {"csrf_token": TOKEN.search(page).group(1), "title": "Evil", "slug": slug, "body": "Kept.\n"}
    response = client.post(NEW, data=data)
    assert response.status_code == 400 and "Kept." in response.get_data(as_text=True)
    assert run_git(repo, "status", "--porcelain") == ""


def test_a_content_folder_that_is_not_a_repository_turns_editing_off(tmp_path):
    from ..conftest import SAMPLE, write_tree

    app = build(tmp_path, write_tree(tmp_path / "plain", SAMPLE))
    try:
        client = app.test_client()
        Auth(client).login("ed@example.mil")
        response = client.get(EDIT)
        assert response.status_code == 409 and "not a git repository" in response.get_data(as_text=True)
    finally:
        close_app(app)


def test_with_sign_in_required_a_session_that_ended_still_gives_the_text_back(tmp_path, repo):
    app = build(tmp_path, repo)
    app.config["REQUIRE_LOGIN"] = True
    try:
        client = app.test_client()
        auth = Auth(client)
        page = editor(client, auth)
        auth.logout()
        response = client.post(EDIT, data=form_of(page, body="Written under KB_REQUIRE_LOGIN.\n", action="save"))
        assert response.status_code == 403 and "Written under KB_REQUIRE_LOGIN." in response.get_data(as_text=True)
        assert "/login" in client.get(EDIT).headers["Location"]
    finally:
        close_app(app)


def test_an_expired_form_is_refused_with_the_text_kept(client, auth, app, repo):
    page = editor(client, auth)
    app.config["WTF_CSRF_TIME_LIMIT"] = 1
    time.sleep(2.2)  # token timestamps are whole seconds: at least 2 s old, so over the 1 s limit
    response = client.post(EDIT, data=form_of(page, body="Written over a long lunch.\n", action="save"))
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "had expired" in text and "Written over a long lunch." in text
    assert "long lunch" not in (repo / LOR).read_text()


def test_a_new_article_can_be_previewed_before_it_has_a_short_name(client, auth, repo):
    auth.login("ed@example.mil")
    page = client.get(NEW).get_data(as_text=True)
    data = {"csrf_token": TOKEN.search(page).group(1), "title": "Draft", "slug": "", "body": "Draft about [[fms/letter-of-request]].\n"}
    live = client.post(NEW, data=data, headers={"X-KB-Preview": "1"}).get_json()
    assert 'href="/articles/fms/letter-of-request"' in live["html"]
    assert run_git(repo, "status", "--porcelain") == ""


def test_an_accounts_database_outage_mid_edit_gives_the_text_back(client, auth, tmp_path):
    page = editor(client, auth)
    moved = tmp_path / "db-moved-away"
    shutil.move(tmp_path / "db", moved)
    with client.application.app_context():
        db.engine.dispose()
    try:
        response = client.post(EDIT, data=form_of(page, body="Written while the database was down.\n", action="save"))
    finally:
        shutil.move(moved, tmp_path / "db")
    text = response.get_data(as_text=True)
    assert response.status_code == 403 and "Written while the database was down." in text and "Sign-in is unavailable" in text


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24


def upload(client, page, data: bytes, filename: str, body: str = "A partner sends an LOR.\n"):
    form = {**form_of(page, body=body, action="upload"), "media": (io.BytesIO(data), filename)}
    return client.post(EDIT, data=form, content_type="multipart/form-data")


def test_an_uploaded_image_is_committed_linked_in_the_text_and_served_once_the_article_is_saved(client, auth, repo):
    page = editor(client, auth)
    assert 'enctype="multipart/form-data"' in page and 'name="media" type="file"' in page
    response = upload(client, page, PNG, "Case Chart (v2).PNG")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Added media/fms/case-chart-v2.png" in text
    assert "A partner sends an LOR.\n\n![Describe the image: what it shows](/media/fms/case-chart-v2.png)\n</textarea>" in text
    assert (repo / "media/fms/case-chart-v2.png").read_bytes() == PNG
    assert run_git(repo, "log", "-1", "--format=%an %s") == "Ed Editor Add media/fms/case-chart-v2.png"
    assert run_git(repo, "status", "--porcelain") == ""
    saved = client.post(EDIT, data=form_of(text, body="See the chart.\n\n![Case process chart](/media/fms/case-chart-v2.png)\n", action="save"))
    assert saved.status_code == 302
    auth.logout()
    served = client.get("/media/fms/case-chart-v2.png")
    assert served.status_code == 200 and served.content_type == "image/png" and served.get_data() == PNG


@pytest.mark.parametrize(
    ("data", "filename", "reason"),
    [
        (b"<html><script>alert(1)</script></html>", "chart.png", "not one of the allowed types"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg", "SVG is never accepted"),
        (PNG, "...png", "has no letters or digits"),
        (b"", "empty.png", "No file was chosen"),
    ],
)
def test_a_refused_upload_says_why_keeps_the_text_and_commits_nothing(client, auth, repo, data, filename, reason):
    page = editor(client, auth)
    head = run_git(repo, "rev-parse", "HEAD")
    response = upload(client, page, data, filename, body="Kept text.\n")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert reason in text and "Kept text." in text
    assert run_git(repo, "rev-parse", "HEAD") == head and not (repo / "media").exists()


def test_an_uploaded_name_with_a_path_is_made_safe_and_stays_in_the_areas_media_folder(client, auth, repo):
    page = editor(client, auth)
    assert upload(client, page, PNG, "..\\..\\../Evil Name\u0430.png").status_code == 200
    assert sorted(p.relative_to(repo).as_posix() for p in (repo / "media").rglob("*")) == ["media/fms", "media/fms/evil-name.png"]
    other = upload(client, page, PNG + b"other", "evil-name.png")
    assert other.status_code == 422 and "A different file named media/fms/evil-name.png exists already" in other.get_data(as_text=True)
    assert (repo / "media/fms/evil-name.png").read_bytes() == PNG


def large_upload(client, page, data: bytes, filename: str, body: str):
    """``upload``, the request built in memory (the test client spools a large one to a file it never closes)."""
    boundary, sent = encode_multipart({**form_of(page, body=body, action="upload"), "media": FileStorage(io.BytesIO(data), filename)})
    return client.post(EDIT, data=sent, content_type=f"multipart/form-data; boundary={boundary}")


def test_an_image_of_more_than_the_form_limit_but_within_the_media_limit_is_accepted_with_the_text(client, auth, repo):
    """A 1.5 MB image: over KB_MAX_CONTENT_LENGTH (1 MB) but within KB_MEDIA_MAX_BYTES (5 MB) — the editor's
    form may carry both, so the upload is read and the text comes back."""
    page = editor(client, auth)
    assert "at most 5,000,000 bytes" in page and 'data-max-file="5000000"' in page and 'data-max-request="6000000"' in page
    response = large_upload(client, page, PNG + b"\x00" * 1_500_000, "big chart.png", body="Kept text.\n")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "Added media/fms/big-chart.png" in text and "Kept text." in text


def test_a_file_too_large_to_read_says_the_text_is_still_in_the_browser(client, auth, repo):
    page = editor(client, auth)
    response = large_upload(client, page, PNG + b"\x00" * 6_100_000, "huge.png", body="Lost text.\n")
    text = response.get_data(as_text=True)
    assert response.status_code == 413 and "The file is too large: nothing was saved" in text and "your text is still in the form" in text
    assert "media" not in run_git(repo, "ls-files")


def test_a_body_over_the_editors_limit_is_refused_at_once_with_the_text_kept(client, auth, repo):
    """625 kB of text (over Flask's 500 kB form field default, and over KB_EDIT_MAX_BYTES): refused with a
    clear message and the text in the form, before any check or rendering holds the save lock."""
    page = editor(client, auth)
    head = run_git(repo, "rev-parse", "HEAD")
    body = "Wombat paragraph with [[fms/letter-of-offer-and-acceptance]].\n\n" * 10_000
    for action in ("preview", "save"):
        response = client.post(EDIT, data=form_of(page, body=body, action=action))
        text = response.get_data(as_text=True)
        assert response.status_code in (200, 422) and "the browser editor takes files of at most 200,000 bytes (KB_EDIT_MAX_BYTES)" in text
        assert text.count("Wombat paragraph") >= 10_000
    assert run_git(repo, "rev-parse", "HEAD") == head


def test_an_editor_edits_an_areas_page_and_its_other_keys_stay_as_they_were(client, auth, repo):
    auth.login("ed@example.mil")
    assert f'href="{AREA_EDIT}"' in client.get("/areas/fms").get_data(as_text=True)
    page = client.get(AREA_EDIT).get_data(as_text=True)
    assert 'name="title"' in page and 'name="summary"' in page and 'name="areas"' not in page and 'name="tags"' not in page
    before = (repo / "areas/fms.md").read_text()
    data = {"csrf_token": TOKEN.search(page).group(1), "base": BASE.search(page).group(1), "title": "Foreign Military Sales"}
    response = client.post(AREA_EDIT, data={**data, "summary": "Sales of wombats.", "body": "FMS, now with wombats.\n", "action": "save"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/areas/fms")
    after = (repo / "areas/fms.md").read_text()
    assert "summary: Sales of wombats." in after and after.endswith("FMS, now with wombats.\n")
    kept = [line for line in before.split("---")[1].splitlines() if line and not line.startswith(("summary", "title"))]
    assert kept and all(line in after for line in kept)
    assert run_git(repo, "log", "-1", "--format=%an %s") == "Ed Editor Update Foreign Military Sales"
    assert "FMS, now with wombats." in client.get("/areas/fms").get_data(as_text=True)


def test_an_editor_edits_a_paths_page_and_its_steps_are_kept(client, auth, repo):
    auth.login("ed@example.mil")
    assert f'href="{PATH_EDIT}"' in client.get("/paths/new-to-sc").get_data(as_text=True)
    page = client.get(PATH_EDIT).get_data(as_text=True)
    data = {"csrf_token": TOKEN.search(page).group(1), "base": BASE.search(page).group(1), "title": "New to SC", "summary": "First steps."}
    response = client.post(PATH_EDIT, data={**data, "body": "Welcome, wombats.\n", "action": "save"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/paths/new-to-sc")
    after = (repo / "paths/new-to-sc.md").read_text()
    assert "title: New to SC" in after and "note: Staff only step." in after and "audience: Newcomers" in after
    missing = client.post(PATH_EDIT.replace("new-to-sc", "nowhere"), data={**data, "body": "x", "action": "save"})
    assert missing.status_code == 404


def test_an_editor_edits_a_persons_page_and_the_profile_fields_stay_as_they_were(client, auth, repo):
    """A profile's position and text from the browser; the name, contacts, expertise and languages
    are the profile's structured fields, kept exactly as written."""
    auth.login("ed@example.mil")
    assert f'href="{PERSON_EDIT}"' in client.get("/people/maria-delgado").get_data(as_text=True)
    page = client.get(PERSON_EDIT).get_data(as_text=True)
    assert "About the person" in page and ">Position</label>" in page and 'value="Country Program Director"' in page
    assert 'name="summary"' not in page and 'name="areas"' not in page
    data = {"csrf_token": TOKEN.search(page).group(1), "base": BASE.search(page).group(1), "title": "Deputy Director"}
    response = client.post(PERSON_EDIT, data={**data, "body": "Maria leads the wombat cases.\n", "action": "save"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/people/maria-delgado")
    after = (repo / "people/maria-delgado.md").read_text()
    assert "title: Deputy Director" in after and "Maria leads the wombat cases." in after
    for kept in (
        "name: Maria Delgado",
        "email: maria.delgado@example.mil",
        'phone: "+1 555 0101"',
        "expertise: [LOA development]",
        "languages: [Spanish]",
    ):
        assert kept in after, kept
    shown = client.get("/people/maria-delgado").get_data(as_text=True)
    assert "Deputy Director" in shown and "Maria leads the wombat cases." in shown


def test_a_page_edit_without_a_csrf_token_comes_back_with_the_text(client, auth, repo):
    auth.login("ed@example.mil")
    response = client.post(AREA_EDIT, data={"title": "FMS", "body": "Kept wombat text.\n", "action": "save"})
    assert response.status_code == 400 and "Kept wombat text." in response.get_data(as_text=True)
