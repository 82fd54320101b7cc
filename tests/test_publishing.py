"""Published commits pushed to a central repository (a bare repository in a temporary folder): through the
browser editor on the real app, index and database; a moved remote is merged, an unreachable one reported."""

from __future__ import annotations

import re

import pytest

from kb import gitbranches
from kb.accounts.models import db
from kb.accounts.service import add_user
from kb.editing.proposals import Proposal
from kb.index import SearchIndex
from kb.repository import publishing
from kb.repository.sync import sync as index_sync

from .accounts.conftest import PASSWORD, Auth, close_app, make_app
from .conftest import SAMPLE, body
from .gitrepo import commit, git, init
from .web.test_editing import EDIT, build, form_of
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


@pytest.fixture
def two_servers(tmp_path, central):
    """Servers A (the ``central`` server's clone) and B (a clone of its own, its own index and instance folder), one SQLite
    database: (A's client, A's auth, B's client, B's auth, A's app, B's clone)."""
    origin = central[0]
    app_a = build(tmp_path, central[1])
    with app_a.app_context():
        add_user(app_a.extensions["kb.passwords"], "maria.delgado@example.mil", "Maria Delgado", "reader", PASSWORD)
    clone_b = tmp_path / "server-b"
    git(tmp_path, "clone", "-q", str(origin), str(clone_b))
    index_b = SearchIndex(tmp_path / "b" / "index")
    index_sync(clone_b, index_b)
    index_b.close()
    app_b = make_app(tmp_path / "b", clone_b, tmp_path / "b" / "index", app_a.config["SQLALCHEMY_DATABASE_URI"])
    client_a, client_b = app_a.test_client(), app_b.test_client()
    yield client_a, Auth(client_a), client_b, Auth(client_b), app_a, clone_b
    close_app(app_b)
    close_app(app_a)


def kb_sync(app):
    result = app.test_cli_runner().invoke(args=["kb", "sync"])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_proposal_made_on_one_server_is_approved_on_another_and_the_first_shows_it_published(two_servers, central):
    client_a, auth_a, client_b, auth_b, app_a, clone_b = two_servers
    origin, server, _ = central
    assert propose(client_a, auth_a).status_code == 302
    assert git(clone_b, "branch", "--list", "proposals/*") == ""  # B's clone has never seen it
    auth_b.login("ed@example.mil")
    queue = client_b.get("/review").get_data(as_text=True)
    assert f"Branch <code>{PROPOSAL}</code>" in queue and "Wombat" in queue  # the diff, from the fetched branch
    assert "missing from the content repository" not in queue
    auth_b.logout()
    assert act(client_b, auth_b, "ed@example.mil", "approve").status_code == 303
    message = git(origin, "log", "-1", "--format=%B", "main")
    assert "Proposed-by: Rita Reader" in message and "Approved-by: Ed Editor" in message
    assert git(origin, "rev-parse", "main") == git(clone_b, "rev-parse", "HEAD") and remote_branch(origin) == ""
    assert "Wombat funding" not in client_a.get("/articles/fms/letter-of-request").get_data(as_text=True)
    kb_sync(app_a)
    assert git(server, "rev-parse", "HEAD") == git(origin, "rev-parse", "main")
    assert "Wombat funding" in client_a.get("/articles/fms/letter-of-request").get_data(as_text=True)
    assert git(server, "branch", "--list", "proposals/*") == ""  # merged: gone here too, so no push brings it back
    auth_a.login("rita@example.mil")
    assert "approved and published" in client_a.get("/me").get_data(as_text=True)


def test_a_revision_made_on_one_server_reaches_the_others_sync_and_a_diverged_branch_is_kept_and_reported(two_servers, central, tmp_path):
    client_a, auth_a, client_b, _auth_b, _app_a, clone_b = two_servers
    _origin, server, _ = central
    propose(client_a, auth_a)
    kb = publishing.git.Identity("KB", "kb@localhost")
    assert publishing.receive(clone_b, tmp_path / "b" / "index") == ()
    first = git(clone_b, "rev-parse", PROPOSAL)
    revised = gitbranches.commit_to_branch(server, PROPOSAL, first, {LOR: "Revised on A.\n"}, "revision", (kb, kb))
    assert publishing.send(server, tmp_path / "index", kb).ok
    assert publishing.receive(clone_b, tmp_path / "b" / "index") == () and git(clone_b, "rev-parse", PROPOSAL) == revised
    ours = gitbranches.commit_to_branch(clone_b, PROPOSAL, revised, {LOR: "On B.\n"}, "here", (kb, kb))
    gitbranches.commit_to_branch(server, PROPOSAL, revised, {LOR: "On A again.\n"}, "there", (kb, kb))
    assert publishing.send(server, tmp_path / "index", kb).ok
    assert publishing.receive(clone_b, tmp_path / "b" / "index") == (PROPOSAL,)
    assert git(clone_b, "rev-parse", PROPOSAL) == ours  # never overwritten
    state = client_b.get("/healthz").get_json()["content_push"]
    assert state["ok"] is False and state["unpushed"] == 1


def test_an_unreachable_central_repository_is_told_and_nothing_is_approved(two_servers, central, tmp_path):
    client_a, auth_a, _client_b, auth_b, _app_a, clone_b = two_servers
    propose(client_a, auth_a)
    git(clone_b, "remote", "set-url", "origin", f"https://kb:s3cret-token@{tmp_path.name}.invalid/content.git")
    auth_b.login("ed@example.mil")
    response = auth_b.post("/review/1/approve", page="/review", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "the central repository could not be reached" in page and "s3cret" not in page
    assert "Published proposal" not in page and git(clone_b, "branch", "--list", "proposals/*") == ""


def merge_on_gitlab(expert, delete_branch: bool) -> str:
    """What a merge request's Merge button does: a merge commit on main, pushed; the branch deleted or kept."""
    git(expert, "fetch", "-q", "origin", f"{PROPOSAL}:{PROPOSAL}")
    git(expert, "pull", "-q", "--no-rebase", "origin", "main")
    git(expert, "-c", "user.name=John", "-c", "user.email=john@example.mil", "merge", "-q", "--no-ff", "-m", "Merge branch", PROPOSAL)
    git(expert, "push", "-q", "origin", "main")
    if delete_branch:
        git(expert, "push", "-q", "origin", f":{PROPOSAL}")
    return git(expert, "rev-parse", "HEAD")


@pytest.mark.parametrize("delete_branch", [True, False])
def test_a_proposal_merged_on_gitlab_is_published_at_the_next_sync(review_client, central, delete_branch):
    client, auth = review_client
    _origin, server, expert = central
    propose(client, auth)
    merged = merge_on_gitlab(expert, delete_branch)
    app = client.application
    assert "merged in the central repository: marked approved" in kb_sync(app)
    assert git(server, "rev-parse", "HEAD") == merged and git(server, "branch", "--list", "proposals/*") == ""
    with app.app_context():
        assert db.session.get(Proposal, 1).state == "approved"
    auth.login("rita@example.mil")
    mine = client.get("/me").get_data(as_text=True)
    assert "approved and published" in mine and "Merged in the central repository." in mine
    auth.logout()
    auth.login("ed@example.mil")
    assert "No proposed changes wait for your review." in client.get("/review").get_data(as_text=True)
    kb_sync(app)
    assert git(server, "branch", "--list", "proposals/*") == ""  # a branch kept on GitLab is not taken up again


def test_a_proposal_whose_branch_was_deleted_unmerged_on_gitlab_stays_open(review_client, central):
    client, auth = review_client
    _origin, server, expert = central
    propose(client, auth)
    git(expert, "push", "-q", "origin", f":{PROPOSAL}")
    kb_sync(client.application)
    with client.application.app_context():
        assert db.session.get(Proposal, 1).state == "open"
    assert git(server, "rev-parse", PROPOSAL)  # kept here: only a person declines it
    auth.login("ed@example.mil")
    assert f"Branch <code>{PROPOSAL}</code>" in client.get("/review").get_data(as_text=True)


def test_a_branch_approved_on_another_server_is_not_pushed_back_by_the_next_save(two_servers, central):
    client_a, auth_a, client_b, auth_b, _app_a, _clone_b = two_servers
    origin, server, _ = central
    propose(client_a, auth_a)
    assert act(client_b, auth_b, "ed@example.mil", "approve").status_code == 303
    assert remote_branch(origin) == "" and git(server, "rev-parse", PROPOSAL)  # A has not synced yet
    commit(server, "ed", "unrelated", {SENTRY: body(SENTRY) + "\nLocal.\n"})  # a save on A: refused, merged, pushed
    assert publishing.send(server, server.parent / "index", publishing.git.Identity("KB", "kb@localhost")).ok
    assert "Approved-by: Ed Editor" in git(origin, "log", "--format=%B", "main")
    assert remote_branch(origin) == ""  # not brought back


def test_the_proposer_revises_on_another_server_than_the_one_that_took_the_proposal(two_servers, central):
    client_a, auth_a, client_b, auth_b, _app_a, clone_b = two_servers
    origin = central[0]
    propose(client_a, auth_a)
    act(client_b, auth_b, "maria.delgado@example.mil", "changes", "Say who pays.")
    auth_b.login("rita@example.mil")
    page = client_b.get("/review/1/revise").get_data(as_text=True)
    assert "Wombat funding" in page  # the branch's text, fetched for B
    data = form_of(page, body="Wombat funding, paid by the partner.\n", message="Who pays", action="save")
    assert client_b.post("/review/1/revise", data=data).status_code == 302
    assert remote_branch(origin) == git(clone_b, "rev-parse", PROPOSAL)
    assert git(origin, "rev-list", "--count", f"main..{PROPOSAL}") == "2"
