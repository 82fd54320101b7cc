"""Published commits pushed to a central repository (a bare repository in a temporary folder): through the
browser editor on the real app, index and database; a moved remote is merged, an unreachable one reported."""

from __future__ import annotations

import re

import pytest

from kb import gitbranches
from kb.accounts.service import add_user
from kb.repository import publishing

from .accounts.conftest import PASSWORD, Auth
from .conftest import SAMPLE, body
from .gitrepo import commit, git, init
from .web.test_editing import EDIT, build, close_app, form_of
from .web.test_review import BRANCH as PROPOSAL
from .web.test_review import act, propose

LOR = "articles/fms/letter-of-request.md"
SENTRY = "articles/eum/golden-sentry.md"


@pytest.fixture
def central(tmp_path):
    """(the central bare repository, the server's clone, another expert's clone)."""
    seed = init(tmp_path / "seed")
    commit(seed, "maria", "Initial content", SAMPLE, when="2025-01-10T09:00:00Z")
    origin = tmp_path / "central.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(origin))
    server, expert = tmp_path / "server", tmp_path / "expert"
    git(tmp_path, "clone", "-q", str(origin), str(server))
    git(tmp_path, "clone", "-q", str(origin), str(expert))
    return origin, server, expert


@pytest.fixture
def client(tmp_path, central):
    app = build(tmp_path, central[1])
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"email": "ed@example.mil", "password": "correct horse battery staple", "csrf_token": token})
    yield client
    close_app(app)


def save(client, text: str, message: str):
    page = client.get(EDIT).get_data(as_text=True)
    return client.post(EDIT, data=form_of(page, body=text, message=message, action="save"))


def remote_log(origin) -> str:
    return git(origin, "log", "--format=%an %s", "main")


def test_a_save_is_pushed_to_the_central_repository(client, central):
    origin, server, _ = central
    assert save(client, "A partner sends an LOR. Numbat.\n", "Mention numbats").status_code == 302
    assert git(origin, "rev-parse", "main") == git(server, "rev-parse", "HEAD")
    assert remote_log(origin).splitlines()[0] == "Ed Editor Mention numbats"
    assert client.get("/healthz").get_json()["content_push"] | {"at": None} == {"ok": True, "unpushed": 0, "at": None}


def test_when_the_remote_moved_the_save_is_merged_and_both_commits_reach_it(client, central):
    origin, server, expert = central
    commit(expert, "john", "Sentry: wombat", {SENTRY: body(SENTRY) + "\nWombat.\n"})
    git(expert, "push", "-q", "origin", "main")
    assert save(client, "A partner sends an LOR. Numbat.\n", "Mention numbats").status_code == 302
    log = remote_log(origin)
    assert "Ed Editor Mention numbats" in log and "John Smith Sentry: wombat" in log
    assert git(origin, "rev-parse", "main") == git(server, "rev-parse", "HEAD")
    assert "Wombat." in (server / SENTRY).read_text()
    assert "Golden Sentry" in client.get("/search?q=wombat").get_data(as_text=True)  # what the merge brought is indexed
    assert "not sent to the central repository" not in client.get("/articles/fms/letter-of-request").get_data(as_text=True)


def test_an_unreachable_remote_keeps_the_commit_reports_it_and_a_later_save_pushes_both(client, central, tmp_path):
    origin, server, _ = central
    git(server, "remote", "set-url", "origin", f"https://kb:s3cret-token@{tmp_path.name}.invalid/content.git")
    response = save(client, "A partner sends an LOR. Numbat.\n", "First save")
    assert response.status_code == 302
    page = client.get("/articles/fms/letter-of-request").get_data(as_text=True)
    assert "not sent to the central repository yet (1 commit(s) waiting)" in page and "s3cret" not in page
    assert git(server, "log", "-1", "--format=%s") == "First save"
    banner = client.get("/areas/eum").get_data(as_text=True)  # every page, for editors, until a push succeeds
    assert "1 published commit is not in the central repository yet" in banner and "s3cret" not in banner
    health = client.get("/healthz")
    assert health.get_json()["content_push"]["ok"] is False and health.get_json()["content_push"]["unpushed"] == 1
    assert "s3cret" not in health.get_data(as_text=True) and "invalid" not in health.get_data(as_text=True)
    git(server, "remote", "set-url", "origin", str(origin))
    assert save(client, "A partner sends an LOR. Numbat and wombat.\n", "Second save").status_code == 302
    assert remote_log(origin).splitlines()[:2] == ["Ed Editor Second save", "Ed Editor First save"]
    assert client.get("/healthz").get_json()["content_push"]["ok"] is True
    assert "not in the central repository yet" not in client.get("/areas/eum").get_data(as_text=True)


def test_a_conflicting_remote_change_keeps_the_local_commit_and_is_reported(tmp_path, central):
    origin, server, expert = central
    commit(expert, "john", "LOR: theirs", {LOR: body(LOR) + "\nTheirs.\n"})
    git(expert, "push", "-q", "origin", "main")
    local = commit(server, "ed", "LOR: ours", {LOR: body(LOR) + "\nOurs.\n"})
    state = publishing.send(server, tmp_path / "index", publishing.git.Identity("KB", "kb@localhost"))
    assert state is not None and not state.ok and state.unpushed == 1 and "conflict" in state.error
    assert git(server, "rev-parse", "HEAD") == local and git(server, "status", "--porcelain") == ""
    assert "LOR: ours" not in remote_log(origin)
    assert publishing.public_state(tmp_path / "index") | {"at": None} == {"ok": False, "unpushed": 1, "at": None}


def test_a_folder_without_a_remote_pushes_nothing(tmp_path):
    repo = init(tmp_path / "repo")
    commit(repo, "maria", "Initial content", SAMPLE)
    assert publishing.send(repo, tmp_path / "index", publishing.git.Identity("KB", "kb@localhost")) is None
    assert publishing.read_state(tmp_path / "index") is None


@pytest.fixture
def review_client(tmp_path, central):
    """The server's app with Maria (the letter of request's expert) as an account; signs in through the forms."""
    app = build(tmp_path, central[1])
    with app.app_context():
        add_user(app.extensions["kb.passwords"], "maria.delgado@example.mil", "Maria Delgado", "reader", PASSWORD)
    client = app.test_client()
    yield client, Auth(client)
    close_app(app)


def remote_branch(origin, branch=PROPOSAL) -> str:
    return git(origin, "for-each-ref", "--format=%(objectname)", f"refs/heads/{branch}")


def test_a_proposal_and_its_revision_reach_the_remote_and_the_approved_merge_replaces_the_branch(review_client, central):
    client, auth = review_client
    origin, server, _ = central
    assert propose(client, auth).status_code == 302
    assert remote_branch(origin) == git(server, "rev-parse", PROPOSAL)  # reviewers on GitLab see it
    act(client, auth, "maria.delgado@example.mil", "changes", "Say who pays.")
    auth.login("rita@example.mil")
    page = client.get("/review/1/revise").get_data(as_text=True)
    data = form_of(page, body="Wombat funding, paid by the partner.\n", message="Who pays", action="save")
    assert client.post("/review/1/revise", data=data).status_code == 302
    auth.logout()
    assert remote_branch(origin) == git(server, "rev-parse", PROPOSAL)
    assert git(origin, "rev-list", "--count", f"main..{PROPOSAL}") == "2"
    assert act(client, auth, "ed@example.mil", "approve").status_code == 303
    assert git(origin, "rev-parse", "main") == git(server, "rev-parse", "HEAD")
    assert "Approved-by: Ed Editor" in git(origin, "log", "-1", "--format=%B", "main")
    assert remote_branch(origin) == "" and git(server, "branch", "--list", "proposals/*") == ""  # merged: deleted
    assert client.get("/healthz").get_json()["content_push"]["ok"] is True


def test_an_unreachable_remote_keeps_the_proposal_reports_it_and_the_next_push_sends_it(review_client, central, tmp_path):
    client, auth = review_client
    origin, server, _ = central
    git(server, "remote", "set-url", "origin", f"https://kb:s3cret-token@{tmp_path.name}.invalid/content.git")
    assert propose(client, auth).status_code == 302
    assert git(server, "rev-parse", PROPOSAL)
    health = client.get("/healthz").get_json()["content_push"]
    assert health["ok"] is False and health["unpushed"] == 1
    git(server, "remote", "set-url", "origin", str(origin))
    assert publishing.send(server, tmp_path / "index", publishing.git.Identity("KB", "kb@localhost")).ok
    assert remote_branch(origin) == git(server, "rev-parse", PROPOSAL)


def test_a_revision_pushed_to_the_merge_request_is_taken_up_and_a_diverged_one_is_reported(review_client, central, tmp_path):
    client, auth = review_client
    origin, server, expert = central
    propose(client, auth)
    git(expert, "fetch", "-q", "origin", f"{PROPOSAL}:{PROPOSAL}")
    git(expert, "checkout", "-q", PROPOSAL)
    theirs = commit(expert, "john", "LOR: on GitLab", {LOR: body(LOR) + "\nFrom GitLab.\n"})
    git(expert, "push", "-q", "origin", PROPOSAL)
    commit(server, "ed", "unrelated", {SENTRY: body(SENTRY) + "\nLocal.\n"})  # something to push
    assert publishing.send(server, tmp_path / "index", publishing.git.Identity("KB", "kb@localhost")).ok
    assert git(server, "rev-parse", PROPOSAL) == theirs  # the GitLab revision is the proposal's tip now
    kb = publishing.git.Identity("KB", "kb@localhost")
    local = gitbranches.commit_to_branch(server, PROPOSAL, theirs, {LOR: "Local revision.\n"}, "here", (kb, kb))
    commit(expert, "john", "LOR: again", {LOR: body(LOR) + "\nAgain.\n"})
    git(expert, "push", "-q", "origin", PROPOSAL)
    state = publishing.send(server, tmp_path / "index", kb)
    assert state is not None and not state.ok and state.unpushed == 1 and "rejected" in state.error
    assert remote_branch(origin) == git(expert, "rev-parse", "HEAD") and git(server, "rev-parse", PROPOSAL) == local  # never forced
