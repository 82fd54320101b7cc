"""Review before publishing over a real git repository, index and migrated database: proposals, the queue, every role."""

from __future__ import annotations

import io

import pytest

from kb.access import Reader
from kb.accounts.models import db
from kb.accounts.service import add_user
from kb.editing.proposals import Proposal, may_review, pending_count

from ..accounts.conftest import PASSWORD, Auth, close_app, csrf_token
from ..editing.conftest import LOR, sample_repository
from ..gitrepo import git as run_git
from .test_editing import BASE, TOKEN, build

ARTICLE = "/articles/fms/letter-of-request"
PROPOSE = f"{ARTICLE}/-/propose"
BRANCH = "proposals/1-fms-letter-of-request"


@pytest.fixture
def repo(tmp_path):
    return sample_repository(tmp_path / "repo")


@pytest.fixture
def app(tmp_path, repo):
    app = build(tmp_path, repo)
    with app.app_context():  # Maria is the article's expert (her profile's email); Rob is any other reader
        add_user(app.extensions["kb.passwords"], "maria.delgado@example.mil", "Maria Delgado", "reader", PASSWORD)
        add_user(app.extensions["kb.passwords"], "rob@example.mil", "Rob Reader", "reader", PASSWORD)
    yield app
    close_app(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def auth(client):
    return Auth(client)


def propose(client, auth, body="A partner sends an LOR. Wombat funding.\n", email="rita@example.mil", message="Mention wombats"):
    auth.login(email)
    page = client.get(PROPOSE).get_data(as_text=True)
    data = {
        "csrf_token": TOKEN.search(page).group(1),
        "base": BASE.search(page).group(1),
        "title": "Letter of Request",
        "body": body,
        "message": message,
    }
    response = client.post(PROPOSE, data={**data, "action": "save"})
    auth.logout()
    return response


def act(client, auth, email, action, comment=""):
    auth.login(email)
    response = auth.post(f"/review/1/{action}", {"comment": comment}, page="/review")
    auth.logout()
    return response


def test_a_reader_proposes_on_a_branch_and_main_is_untouched(client, auth, repo, app):
    head = run_git(repo, "rev-parse", "HEAD")
    auth.login("rita@example.mil")
    article = client.get(ARTICLE).get_data(as_text=True)
    assert f'href="{PROPOSE}"' in article and "Suggest an edit" in article and "Edit this page" not in article
    assert "Propose</button>" in client.get(PROPOSE).get_data(as_text=True)
    auth.logout()
    response = propose(client, auth)
    assert response.status_code == 302 and response.headers["Location"].endswith(ARTICLE)
    assert run_git(repo, "rev-parse", "HEAD") == head and run_git(repo, "status", "--porcelain") == ""
    assert "Wombat" not in (repo / LOR).read_text()
    assert run_git(repo, "log", "-1", "--format=%an <%ae> %s", BRANCH) == "Rita Reader <rita@example.mil> Mention wombats"
    assert "Wombat funding." in run_git(repo, "show", f"{BRANCH}:{LOR}")
    with app.app_context():
        proposal = db.session.get(Proposal, 1)
        assert (proposal.branch, proposal.slug, proposal.state) == (BRANCH, "fms/letter-of-request", "open")


def test_a_proposal_with_checker_errors_is_refused_and_keeps_the_text(client, auth, repo):
    response = propose(client, auth, body="Kept text.\n\n[[fms/missing-one]]\n")
    assert response.status_code == 422 and "missing-one" in response.get_data(as_text=True) and "Kept text." in response.get_data(as_text=True)
    assert run_git(repo, "branch", "--list", "proposals/*") == ""


@pytest.mark.parametrize("url", [PROPOSE, "/review", "/review/1/revise"])
def test_anonymous_readers_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("url", [PROPOSE, "/review/1/approve", "/review/1/changes", "/review/1/decline", "/review/1/revise"])
def test_anonymous_posts_are_refused_and_nothing_is_proposed(client, auth, repo, url):
    propose(client, auth)  # proposal 1 exists
    response = client.post(url, data={"csrf_token": csrf_token(client), "title": "x", "body": "Anonymous.\n", "comment": "x"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "Anonymous." not in run_git(repo, "log", "--all", "-p")


@pytest.mark.parametrize(
    ("email", "sees"),
    [
        ("rita@example.mil", False),
        ("rob@example.mil", False),
        ("maria.delgado@example.mil", True),
        ("ed@example.mil", True),
        ("ada@example.mil", True),
    ],
)
def test_the_queue_and_the_notice_only_for_editors_and_the_articles_experts(client, auth, email, sees):
    propose(client, auth)
    auth.login(email)
    queue = client.get("/review").get_data(as_text=True)
    article = client.get(ARTICLE).get_data(as_text=True)
    assert ("Proposal 1: Mention wombats" in queue) is sees and ("By Rita Reader" in queue) is sees
    assert ("1 proposed change" in article) is sees
    if sees:
        assert "Wombat" in queue and "<ins>" in queue and "Checks: 0 errors" in queue
    else:
        assert "No proposed changes wait for your review." in queue
        for action in ("approve", "changes", "decline"):
            assert auth.post(f"/review/1/{action}", {"comment": "no"}, page="/review").status_code == 404


def test_an_editor_approves_the_merge_names_both_and_the_article_is_updated(client, auth, repo):
    propose(client, auth)
    response = act(client, auth, "ed@example.mil", "approve")
    assert response.status_code == 303
    assert run_git(repo, "log", "-1", "--format=%P", "HEAD").count(" ") == 1  # a merge commit
    message = run_git(repo, "log", "-1", "--format=%B", "HEAD")
    assert "Proposed-by: Rita Reader <rita@example.mil>" in message and "Approved-by: Ed Editor <ed@example.mil>" in message
    assert "Wombat funding." in (repo / LOR).read_text()
    assert "Letter of Request" in client.get("/search?q=wombat").get_data(as_text=True)
    history = client.get(f"{ARTICLE}/-/history").get_data(as_text=True)
    assert "Rita Reader" in history and "Mention wombats" in history
    auth.login("rita@example.mil")
    assert "approved and published" in client.get("/me").get_data(as_text=True)


def test_an_expert_requests_changes_the_proposer_revises_and_an_editor_publishes(client, auth, repo):
    propose(client, auth)
    assert act(client, auth, "maria.delgado@example.mil", "changes", "Say who pays.").status_code == 303
    auth.login("rita@example.mil")
    me = client.get("/me").get_data(as_text=True)
    assert "changes requested" in me and "Maria Delgado: Say who pays." in me
    page = client.get("/review/1/revise").get_data(as_text=True)
    assert "Wombat funding." in page
    data = {"csrf_token": TOKEN.search(page).group(1), "base": BASE.search(page).group(1), "title": "Letter of Request"}
    response = client.post(
        "/review/1/revise", data={**data, "body": "Wombat funding, paid by the partner.\n", "message": "Who pays", "action": "save"}
    )
    assert response.status_code == 302
    assert run_git(repo, "rev-list", "--count", f"HEAD..{BRANCH}") == "2"
    assert "waiting for review" in client.get("/me").get_data(as_text=True)
    auth.logout()
    act(client, auth, "ed@example.mil", "approve")
    assert "paid by the partner" in (repo / LOR).read_text()


def test_a_decline_needs_a_reason_and_the_proposer_reads_it(client, auth, repo):
    propose(client, auth)
    act(client, auth, "ada@example.mil", "decline", "")
    act(client, auth, "ada@example.mil", "decline", "Out of scope.")
    auth.login("rita@example.mil")
    me = client.get("/me").get_data(as_text=True)
    assert "declined" in me and "Ada Admin: Out of scope." in me and "Revise" not in me
    assert "Wombat" not in (repo / LOR).read_text()


def test_review_actions_without_a_csrf_token_are_refused(client, auth, repo):
    propose(client, auth)
    auth.login("ed@example.mil")
    for action in ("approve", "changes", "decline"):
        assert client.post(f"/review/1/{action}", data={"comment": "x", "csrf_token": "forged"}).status_code == 400
    assert "Wombat" not in (repo / LOR).read_text()
    page = client.get(PROPOSE).get_data(as_text=True)
    response = client.post(
        PROPOSE, data={"csrf_token": "forged", "base": BASE.search(page).group(1), "title": "Letter of Request", "body": "Kept.\n"}
    )
    assert response.status_code == 400 and "Kept." in response.get_data(as_text=True)


def test_a_base_that_changed_still_merges_or_the_conflict_is_reported(client, auth, repo):
    propose(client, auth)
    (repo / "articles/fms/letter-of-offer-and-acceptance.md").write_text(
        (repo / "articles/fms/letter-of-offer-and-acceptance.md").read_text() + "\nMore.\n"
    )
    run_git(repo, "-c", "user.name=John", "-c", "user.email=j@x", "commit", "-qam", "Elsewhere")
    act(client, auth, "ed@example.mil", "approve")
    assert "Wombat funding." in (repo / LOR).read_text()
    propose(client, auth, body="Numbat funding.\n", message="Numbats")
    (repo / LOR).write_text((repo / LOR).read_text().replace("Wombat funding.", "Quokka funding."))
    run_git(repo, "-c", "user.name=John", "-c", "user.email=j@x", "commit", "-qam", "Quokkas")
    head = run_git(repo, "rev-parse", "HEAD")
    auth.login("ed@example.mil")
    response = auth.post("/review/2/approve", page="/review", follow_redirects=True)
    assert "conflicts with changes saved since" in response.get_data(as_text=True)
    assert run_git(repo, "rev-parse", "HEAD") == head and run_git(repo, "status", "--porcelain") == ""


def test_only_the_proposer_revises(client, auth):
    propose(client, auth)
    auth.login("rob@example.mil")
    assert client.get("/review/1/revise").status_code == 404


def test_a_staff_only_articles_proposal_is_hidden_from_readers_who_cannot_read_it(app):
    with app.app_context():
        index = app.extensions["kb.index"]
        outsider = Reader("Guest", staff=False, role="reader", user_id=99)
        editor_outside = Reader("Ed", staff=False, role="editor", user_id=2)
        db.session.add(
            Proposal(
                branch="proposals/9-eum-internal-checklist", slug="eum/internal-checklist", path="articles/eum/internal-checklist.md", proposer_id=1
            )
        )
        db.session.commit()
        assert not may_review(index, editor_outside, "eum/internal-checklist") and pending_count(index, outsider, "eum/internal-checklist") == 0
        assert may_review(index, Reader("Ed", staff=True, role="editor", user_id=2), "eum/internal-checklist")


def test_an_expert_does_not_review_their_own_proposal(client, auth):
    propose(client, auth, email="maria.delgado@example.mil")
    auth.login("maria.delgado@example.mil")
    assert "No proposed changes wait for your review." in client.get("/review").get_data(as_text=True)
    assert auth.post("/review/1/approve", page="/review").status_code == 404
    auth.logout()
    auth.login("ed@example.mil")
    assert "Proposal 1: Mention wombats" in client.get("/review").get_data(as_text=True)


def test_a_proposal_the_checker_now_refuses_is_not_published(client, auth, repo):
    response = propose(client, auth, body="See [[fms/letter-of-offer-and-acceptance]].\n", message="Link the LOA")
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    run_git(repo, "rm", "-q", "articles/fms/letter-of-offer-and-acceptance.md")
    run_git(repo, "-c", "user.name=John", "-c", "user.email=j@x", "commit", "-qm", "Remove the LOA")
    head = run_git(repo, "rev-parse", "HEAD")
    auth.login("ed@example.mil")
    queue = client.get("/review").get_data(as_text=True)
    assert "Checks: 2 errors" in queue and "link to missing article" in queue
    response = auth.post("/review/1/approve", page="/review", follow_redirects=True)
    assert "has errors against the content as it is now" in response.get_data(as_text=True)
    assert run_git(repo, "rev-parse", "HEAD") == head


@pytest.mark.parametrize("email", ["rita@example.mil", "maria.delgado@example.mil", "ed@example.mil", "ada@example.mil"])
def test_every_signed_in_role_gets_the_proposal_form(client, auth, email):
    auth.login(email)
    page = client.get(PROPOSE)
    assert page.status_code == 200 and "Suggest an edit: Letter of Request" in page.get_data(as_text=True)


CHECKLIST = "/articles/eum/internal-checklist"
CHECKLIST_FILE = "articles/eum/internal-checklist.md"


def test_with_a_second_person_required_an_editors_edit_of_a_staff_only_article_is_a_proposal(app, client, auth, repo):
    app.config["REVIEW_SECOND_PERSON"] = True
    head = run_git(repo, "rev-parse", "HEAD")
    auth.login("ed@example.mil")
    assert client.get(f"{ARTICLE}/-/edit").status_code == 200  # public articles: published directly as before
    response = client.get(f"{CHECKLIST}/-/edit", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.request.path == f"{CHECKLIST}/-/propose" and "reviewed by a second person" in page
    data = {"csrf_token": TOKEN.search(page).group(1), "base": BASE.search(page).group(1), "title": "Internal checklist"}
    sent = client.post(f"{CHECKLIST}/-/edit", data={**data, "body": "Check the wombats.\n", "message": "Wombats", "action": "save"})
    assert sent.status_code == 307 and sent.headers["Location"].endswith(f"{CHECKLIST}/-/propose")  # the form goes on, text and all
    assert (
        client.post(sent.headers["Location"], data={**data, "body": "Check the wombats.\n", "message": "Wombats", "action": "save"}).status_code
        == 302
    )
    assert run_git(repo, "rev-parse", "HEAD") == head and "Check the wombats." in run_git(
        repo, "show", f"proposals/1-eum-internal-checklist:{CHECKLIST_FILE}"
    )
    assert "No proposed changes wait for your review." in client.get("/review").get_data(as_text=True)
    assert auth.post("/review/1/approve", page="/review").status_code == 404  # nobody approves their own
    assert client.get(f"{CHECKLIST}/-/rename").status_code == 409 and client.get(f"{CHECKLIST}/-/delete").status_code == 409
    auth.logout()
    assert act(client, auth, "ada@example.mil", "approve").status_code == 303
    assert "Check the wombats." in (repo / CHECKLIST_FILE).read_text()


def test_without_the_setting_an_editor_edits_a_staff_only_article_directly(client, auth):
    auth.login("ed@example.mil")
    page = client.get(f"{CHECKLIST}/-/edit")
    assert page.status_code == 200 and "Internal" in page.get_data(as_text=True)


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24


def test_a_proposal_carries_an_image_kept_on_its_branch_and_served_once_approved(client, auth, repo):
    head = run_git(repo, "rev-parse", "HEAD")
    auth.login("rita@example.mil")
    page = client.get(PROPOSE).get_data(as_text=True)
    assert 'name="media" type="file"' in page and "keeps it in your proposal" in page
    data = {"csrf_token": TOKEN.search(page).group(1), "base": BASE.search(page).group(1), "title": "Letter of Request"}
    form = {
        **data,
        "body": "A partner sends an LOR. Wombat chart.\n",
        "message": "Chart",
        "action": "upload",
        "media": (io.BytesIO(PNG), "LOR Chart.png"),
    }
    response = client.post(PROPOSE, data=form, content_type="multipart/form-data")
    assert response.status_code == 303 and response.headers["Location"].endswith("/review/1/revise")
    revise_page = client.get("/review/1/revise").get_data(as_text=True)
    assert "Added media/fms/lor-chart.png to your proposal 1" in revise_page and "Wombat chart." in revise_page
    assert "![Describe the image: what it shows](/media/fms/lor-chart.png)" in revise_page
    assert run_git(repo, "rev-parse", "HEAD") == head and not (repo / "media").exists()  # nothing published yet
    assert run_git(repo, "ls-tree", "-r", "--name-only", BRANCH, "media") == "media/fms/lor-chart.png"
    described = {"csrf_token": TOKEN.search(revise_page).group(1), "base": BASE.search(revise_page).group(1), "title": "Letter of Request"}
    body = "A partner sends an LOR.\n\n![The LOR's path from partner to case](/media/fms/lor-chart.png)\n"
    assert client.post("/review/1/revise", data={**described, "body": body, "message": "Describe", "action": "save"}).status_code == 302
    auth.logout()
    assert client.get("/media/fms/lor-chart.png").status_code == 404
    auth.login("ed@example.mil")
    assert "Checks: 0 errors" in client.get("/review").get_data(as_text=True)  # the image on the branch counts
    auth.logout()
    assert act(client, auth, "ed@example.mil", "approve").status_code == 303
    served = client.get("/media/fms/lor-chart.png")
    assert served.status_code == 200 and served.get_data() == PNG and served.content_type == "image/png"


def test_a_proposals_image_may_not_replace_a_published_file_of_the_same_name(client, auth, repo):
    (repo / "media/fms").mkdir(parents=True)
    (repo / "media/fms/lor-chart.png").write_bytes(PNG + b"published")
    run_git(repo, "add", "media")
    run_git(repo, "-c", "user.name=M", "-c", "user.email=m@x", "commit", "-qm", "chart")
    auth.login("rita@example.mil")
    page = client.get(PROPOSE).get_data(as_text=True)
    data = {"csrf_token": TOKEN.search(page).group(1), "base": BASE.search(page).group(1), "title": "Letter of Request"}
    form = {**data, "body": "Kept text.\n", "message": "Chart", "action": "upload", "media": (io.BytesIO(PNG), "lor-chart.png")}
    response = client.post(PROPOSE, data=form, content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "A different file named media/fms/lor-chart.png exists already" in text and "Kept text." in text
    assert run_git(repo, "branch", "--list", "proposals/*") == ""


PROPOSE_NEW = "/areas/fms/-/propose-new"


def propose_new(client, auth, slug="wombat-sales", body="Wombats are sold under FMS.\n", email="rita@example.mil", token=True):
    auth.login(email)
    page = client.get(PROPOSE_NEW).get_data(as_text=True)
    data = {"base": BASE.search(page).group(1), "slug": slug, "title": "Wombat sales", "summary": "How wombats are sold.", "areas": "fms"}
    if token:
        data["csrf_token"] = TOKEN.search(page).group(1)
    response = client.post(PROPOSE_NEW, data={**data, "body": body, "action": "save"})
    auth.logout()
    return response


def test_a_reader_proposes_a_new_article_and_an_editor_publishes_it(client, auth, repo):
    auth.login("rita@example.mil")
    assert f'href="{PROPOSE_NEW}"' in client.get("/areas/fms").get_data(as_text=True)
    page = client.get(PROPOSE_NEW).get_data(as_text=True)
    assert "Propose a new article in" in page and "Short name for the address" in page
    auth.logout()
    head = run_git(repo, "rev-parse", "HEAD")
    assert propose_new(client, auth).status_code == 302
    assert run_git(repo, "rev-parse", "HEAD") == head and not (repo / "articles/fms/wombat-sales.md").exists()
    assert run_git(repo, "log", "-1", "--format=%an %s", "proposals/1-fms-wombat-sales") == "Rita Reader Add Wombat sales"
    for email in ("rob@example.mil", "maria.delgado@example.mil"):  # no experts yet: editors review a new article
        auth.login(email)
        assert "Proposal 1" not in client.get("/review").get_data(as_text=True)
        auth.logout()
    auth.login("ed@example.mil")
    queue = client.get("/review").get_data(as_text=True)
    assert "Proposal 1: Add Wombat sales" in queue and "New article fms/wombat-sales" in queue and "Checks: 0 errors" in queue
    auth.logout()
    assert act(client, auth, "ed@example.mil", "approve").status_code == 303
    assert "Wombats are sold under FMS." in client.get("/articles/fms/wombat-sales").get_data(as_text=True)
    assert "Wombat sales" in client.get("/search?q=wombats").get_data(as_text=True)


def test_a_new_article_proposal_is_refused_with_the_text_kept(client, auth, repo):
    taken = propose_new(client, auth, slug="letter-of-request", body="Kept wombat text.\n")
    assert taken.status_code == 409 and "exists already" in taken.get_data(as_text=True) and "Kept wombat text." in taken.get_data(as_text=True)
    bad = propose_new(client, auth, slug="../evil", body="Kept wombat text.\n")
    assert bad.status_code == 400 and "Kept wombat text." in bad.get_data(as_text=True)
    no_token = propose_new(client, auth, token=False, body="Kept wombat text.\n")
    assert no_token.status_code == 400 and "Kept wombat text." in no_token.get_data(as_text=True)
    assert run_git(repo, "branch", "--list", "proposals/*") == ""


def test_anonymous_readers_cannot_propose_a_new_article(client, repo):
    assert client.get(PROPOSE_NEW).status_code == 302
    response = client.post(PROPOSE_NEW, data={"csrf_token": csrf_token(client), "slug": "x", "title": "x", "body": "Anonymous.\n"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert run_git(repo, "branch", "--list", "proposals/*") == ""


@pytest.mark.parametrize("email", ["rita@example.mil", "maria.delgado@example.mil", "ed@example.mil", "ada@example.mil"])
def test_every_signed_in_role_gets_the_new_article_proposal_form(client, auth, email):
    auth.login(email)
    page = client.get(PROPOSE_NEW)
    assert page.status_code == 200 and "Propose a new article in" in page.get_data(as_text=True)
