"""``flask kb export``: a static, dated, verifiable copy of what one access level may see (kb.export)."""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.html
import pytest

from kb.export import apply_update, search_index
from kb.index import SearchIndex
from kb.repository.sync import sync

from .conftest import ROOT, SAMPLE, close_app, make_app, write_tree
from .gitrepo import commit, git, init

EDITION = "Copy of SC Knowledge Base as of 2026-06-01, content commit "


@pytest.fixture
def repo_app(tmp_path: Path):
    """The app over the sample content as a git repository (one commit on 2026-06-01)."""
    content = init(write_tree(tmp_path / "content", SAMPLE))
    commit(content, "maria", "Sample content")
    app = make_app(content, tmp_path / "index", tmp_path / "instance")
    reindex(app)
    yield app
    close_app(app)


def reindex(app) -> None:
    index = SearchIndex(app.config["INDEX_DIR"])
    sync(app.config["CONTENT_DIR"], index)
    index.close()


def export(app, *args: str):
    return app.test_cli_runner().invoke(args=["kb", "export", *args], catch_exceptions=False)


def unzip(bundle: Path, folder: Path) -> Path:
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(folder)
    return folder


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def links(page: Path) -> list[tuple[str, str, str]]:
    """(tag, attribute, value) of every href and src of a page."""
    found = []
    for element in lxml.html.document_fromstring(page.read_bytes()).xpath("//*[@href or @src]"):
        found += [(element.tag, name, element.get(name)) for name in ("href", "src") if element.get(name) is not None]
    return found


def test_a_public_bundle_is_a_static_site_whose_links_are_files_of_the_bundle(repo_app, tmp_path):
    result = export(repo_app, "--access", "public", "--out", str(tmp_path / "public.zip"))
    assert result.exit_code == 0, result.output
    site = unzip(tmp_path / "public.zip", tmp_path / "site")
    sha = git(Path(repo_app.config["CONTENT_DIR"]), "rev-parse", "--short=7", "HEAD")
    assert {"index.html", "search.html", "glossary.html", "manifest.json", "apply_update.py"} <= set(os.listdir(site))
    assert (site / "articles/fms/letter-of-request.html").exists() and (site / "static/vendor/uswds/css/uswds.min.css").exists()
    assert (site / "static/css/print.css").exists() and (site / "areas/fms.html").exists() and (site / "paths/new-to-sc.html").exists()
    pages = sorted(site.rglob("*.html"))
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert EDITION + sha in text, page
        forms = re.findall(r"<form [^>]*>", text)
        assert all("kb-offline-search" in form for form in forms) and "csrf" not in text, page  # the bundle's search only
        for tag, attribute, value in links(page):
            parts = urlsplit(value)
            assert not value.startswith("/"), (page, value)  # no root-relative link: file:// has no site root
            if attribute == "src" or tag == "link":
                assert not parts.scheme, (page, value)  # nothing is loaded from a server
            if not parts.scheme and parts.path:
                assert (page.parent / unquote(parts.path)).resolve().is_file(), (page, value)
    request = (site / "articles/fms/letter-of-request.html").read_text(encoding="utf-8")
    assert 'href="letter-of-offer-and-acceptance.html"' in request and 'href="../../people/maria-delgado.html"' in request
    assert not (site / "articles/eum/internal-checklist.html").exists()
    assert not any(word in data for data in tree(site).values() for word in (b"Zebra", b"Quokka", b"internal-checklist"))


def test_a_staff_bundle_is_marked_on_every_page_and_has_contacts_only_when_asked(repo_app, tmp_path):
    assert export(repo_app, "--access", "staff", "--out", str(tmp_path / "staff.zip")).exit_code == 0
    site = unzip(tmp_path / "staff.zip", tmp_path / "staff")
    assert (site / "articles/eum/internal-checklist.html").exists()
    assert all("Staff only — not for public release" in p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    assert "kb-export-cover" in (site / "index.html").read_text(encoding="utf-8")
    assert "maria.delgado@example.mil" not in (site / "people/maria-delgado.html").read_text(encoding="utf-8")
    assert export(repo_app, "--access", "staff", "--with-contacts", "--out", str(tmp_path / "contacts.zip")).exit_code == 0
    contacts = unzip(tmp_path / "contacts.zip", tmp_path / "contacts")
    assert "maria.delgado@example.mil" in (contacts / "people/maria-delgado.html").read_text(encoding="utf-8")
    refused = export(repo_app, "--with-contacts", "--out", str(tmp_path / "x.zip"))
    assert refused.exit_code == 2 and "--access staff" in refused.output


def test_verify_passes_on_a_bundle_and_names_the_file_after_one_byte_changes(repo_app, tmp_path):
    bundle = tmp_path / "public.zip"
    export(repo_app, "--out", str(bundle))
    verified = export(repo_app, "--verify", str(bundle))
    assert verified.exit_code == 0 and "every file matches the manifest" in verified.output
    data = bytearray(bundle.read_bytes())
    with zipfile.ZipFile(bundle) as archive:
        info = archive.getinfo("glossary.html")
    at = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + info.compress_size // 2
    data[at] ^= 0x01
    changed = tmp_path / "changed.zip"
    changed.write_bytes(bytes(data))
    failed = export(repo_app, "--verify", str(changed))
    assert failed.exit_code == 1 and "glossary.html: changed" in failed.output and "does NOT verify" in failed.output


def test_a_signed_manifest_verifies_with_the_key_only(tmp_path, repo_app):
    signed = make_app(repo_app.config["CONTENT_DIR"], repo_app.config["INDEX_DIR"], tmp_path / "signed", EXPORT_SIGNING_KEY="k3y")
    other = make_app(repo_app.config["CONTENT_DIR"], repo_app.config["INDEX_DIR"], tmp_path / "other", EXPORT_SIGNING_KEY="another")
    try:
        export(signed, "--out", str(tmp_path / "signed.zip"))
        with zipfile.ZipFile(tmp_path / "signed.zip") as archive:
            assert len(archive.read("manifest.sig").strip()) == 64
        assert export(signed, "--verify", str(tmp_path / "signed.zip")).exit_code == 0
        wrong = export(other, "--verify", str(tmp_path / "signed.zip"))
        assert wrong.exit_code == 1 and "manifest.sig: does not match" in wrong.output
    finally:
        close_app(signed)
        close_app(other)


def test_an_update_applied_to_the_older_copy_equals_a_fresh_export(repo_app, tmp_path):
    content = Path(repo_app.config["CONTENT_DIR"])
    export(repo_app, "--out", str(tmp_path / "old.zip"))
    changes = {"articles/fms/new-article.md": "---\ntitle: Case closure steps\nsummary: Closing.\n---\nClose the case.\n"}
    changes["articles/eum/golden-sentry.md"] = (content / "articles/eum/golden-sentry.md").read_text() + "\nNew paragraph.\n"
    commit(content, "maria", "Edits", changes, when="2026-07-01T12:00:00Z", delete=("articles/fms/letter-of-offer-and-acceptance.md",))
    reindex(repo_app)
    assert export(repo_app, "--out", str(tmp_path / "fresh.zip")).exit_code == 0
    update = export(repo_app, "--since", str(tmp_path / "old.zip"), "--out", str(tmp_path / "update.zip"))
    assert update.exit_code == 0, update.output
    assert (tmp_path / "update.zip").stat().st_size < (tmp_path / "fresh.zip").stat().st_size / 2
    copy = unzip(tmp_path / "old.zip", tmp_path / "copy")
    applied = subprocess.run([sys.executable, str(copy / "apply_update.py"), str(tmp_path / "update.zip")], capture_output=True, text=True)
    assert applied.returncode == 0, applied.stderr
    assert tree(copy) == tree(unzip(tmp_path / "fresh.zip", tmp_path / "fresh"))
    again = subprocess.run([sys.executable, str(copy / "apply_update.py"), str(tmp_path / "update.zip")], capture_output=True, text=True)
    assert again.returncode == 1 and "another edition" in again.stderr
    other = export(repo_app, "--access", "staff", "--since", str(tmp_path / "old.zip"), "--out", str(tmp_path / "staff-update.zip"))
    assert other.exit_code == 1 and "export in full instead" in other.output and not (tmp_path / "staff-update.zip").exists()


def test_the_same_content_exports_the_same_bytes(repo_app, tmp_path):
    export(repo_app, "--out", str(tmp_path / "a.zip"))
    export(repo_app, "--out", str(tmp_path / "b.zip"))
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_area_limits_the_articles_and_an_unknown_area_exits_2_with_the_choices(repo_app, tmp_path):
    wrong = export(repo_app, "--area", "nope", "--out", str(tmp_path / "x.zip"))
    assert wrong.exit_code == 2 and "Choose from: eum, fms" in wrong.output and not (tmp_path / "x.zip").exists()
    assert export(repo_app, "--area", "eum", "--out", str(tmp_path / "eum.zip")).exit_code == 0
    with zipfile.ZipFile(tmp_path / "eum.zip") as archive:
        names = set(archive.namelist())
    assert "articles/eum/golden-sentry.html" in names and "areas/eum.html" in names
    assert "articles/fms/letter-of-request.html" not in names and "areas/fms.html" not in names


def test_broken_content_is_exported_with_safe_defaults_and_listed(repo_app, tmp_path):
    content = Path(repo_app.config["CONTENT_DIR"])
    commit(content, "maria", "Broken", {"articles/fms/broken.md": "---\ntitle: Broken mxyzptlk\naccess: [oops\n---\nBody mxyzptlk.\n"})
    reindex(repo_app)
    result = export(repo_app, "--out", str(tmp_path / "public.zip"))
    assert result.exit_code == 0
    assert "articles/fms/broken.md:" in result.output and ": error: " in result.output
    with zipfile.ZipFile(tmp_path / "public.zip") as archive:
        assert not any(b"mxyzptlk" in archive.read(name) for name in archive.namelist())


def run_export(app, out: Path, limit: int | None = None) -> subprocess.Popen:
    """``flask kb export`` in a process of its own over the app's folders (optionally with a file size limit)."""
    names = ("CONTENT_DIR", "INDEX_DIR", "INSTANCE_DIR")
    env = {**os.environ, **{f"KB_{n}": str(app.config[n]) for n in names}, "KB_SECRET_KEY": "test", "KB_INSTANCE_DIR": app.instance_path}
    limited = (lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))) if limit else None
    command = [sys.executable, "-m", "flask", "--app", "kb:create_app", "kb", "export", "--out", str(out)]
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=limited)


def test_a_full_disk_is_a_clean_error_and_leaves_no_file(repo_app, tmp_path):
    out = tmp_path / "out" / "public.zip"
    process = run_export(repo_app, out, limit=20_000)  # no file may grow past 20 kB: as a full disk does
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 1
    assert f"error: could not write the bundle {out}" in stderr and "Traceback" not in stderr
    assert os.listdir(out.parent) == []


def test_an_interrupted_export_leaves_no_partial_file_under_the_final_name(repo_app, tmp_path):
    out = tmp_path / "out" / "public.zip"
    out.parent.mkdir()
    process = run_export(repo_app, out)
    deadline = time.monotonic() + 120
    while not any(p.name.startswith(".public.zip") for p in out.parent.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert not out.exists()


def test_the_bundle_searches_with_its_own_index(repo_app, tmp_path):
    export(repo_app, "--out", str(tmp_path / "public.zip"))
    site = unzip(tmp_path / "public.zip", tmp_path / "site")
    assert (site / "search" / "index.js").is_file()
    assert all((site / "static" / asset).is_file() for asset in search_index.ASSETS)
    assert "search/index.js" in (site / "search.html").read_text(encoding="utf-8")
    assert b"Zebra" not in (site / "search" / "index.js").read_bytes()


def test_a_site_that_requires_sign_in_still_exports_its_public_pages(repo_app, tmp_path):
    guarded = make_app(repo_app.config["CONTENT_DIR"], repo_app.config["INDEX_DIR"], tmp_path / "guarded", REQUIRE_LOGIN=True)
    try:
        assert guarded.test_client().get("/").status_code == 302  # the site itself: sign in first
        assert export(guarded, "--out", str(tmp_path / "public.zip")).exit_code == 0
        with zipfile.ZipFile(tmp_path / "public.zip") as archive:
            assert b"Letter of Request" in archive.read("articles/fms/letter-of-request.html")
            assert not any(name.startswith("login") for name in archive.namelist())
    finally:
        close_app(guarded)


@pytest.mark.parametrize("name", ["C:evil.html", "C:/Users/Public/evil.html", "index.html:hidden"])
def test_an_update_naming_a_windows_drive_or_stream_is_refused_and_writes_nothing(tmp_path, name):
    """On Windows ``copy / "C:evil.html"`` is on drive C, outside the copy (zip-slip): such a name is refused."""
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "manifest.json").write_text('{"files": {}}\n')
    update = tmp_path / "update.zip"
    with zipfile.ZipFile(update, "w") as archive:
        facts = {"from_manifest": apply_update.digest((copy / "manifest.json").read_bytes()), "from_commit": "abc", "removed": []}
        archive.writestr("update.json", json.dumps(facts))
        archive.writestr(name, "<p>planted</p>")
    assert apply_update.apply(update, copy) == ["the update names a file outside the copy: refused"]
    assert sorted(p.name for p in copy.iterdir()) == ["manifest.json"]
    assert apply_update.safe("articles/fms/letter-of-request.html")
