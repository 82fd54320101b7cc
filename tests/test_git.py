"""kb.git against real repositories: batched history, facts, one commit's diff, pull and diffs."""

from __future__ import annotations

import datetime as dt

import pytest

from kb import git, gitbranches

from .conftest import SAMPLE, body, write_tree
from .gitrepo import commit, init
from .gitrepo import git as run_git

LOR = "articles/fms/letter-of-request.md"


@pytest.fixture
def repo(tmp_path):
    root = init(tmp_path / "content")
    first = commit(root, "maria", "Initial content", SAMPLE, when="2025-01-10T09:00:00Z")
    second = commit(root, "john", "LOR: add funding note", {LOR: body(LOR) + "\nFunding: national funds.\n"}, when="2025-03-05T10:00:00Z")
    third = commit(root, "maria", "LOR: <script>alert(1)</script>", {LOR: body(LOR) + "\nFunding: <b>FMF</b>.\n"}, when="2025-04-01T11:00:00Z")
    return root, (first, second, third)


def test_histories_in_one_pass_newest_first(repo):
    root, (first, second, third) = repo
    found = git.histories(root)
    assert [c.sha for c in found[LOR]] == [third, second, first]
    assert [c.author for c in found[LOR]] == ["Maria Delgado", "John Smith", "Maria Delgado"]
    assert found[LOR][0].date == dt.datetime(2025, 4, 1, 11, 0)
    assert found[LOR][1].subject == "LOR: add funding note" and found[LOR][1].email == "john.smith@example.mil"
    assert [c.sha for c in found["people/john-smith.md"]] == [first]


def test_histories_for_some_paths_only(repo):
    root, (_first, _, third) = repo
    found = git.histories(root, ["people/john-smith.md", LOR])
    assert set(found) == {"people/john-smith.md", LOR} and found[LOR][0].sha == third
    assert git.histories(root, []) == {}


def test_file_facts(repo):
    root, _ = repo
    facts = git.file_facts(git.histories(root)[LOR], True)
    assert facts["tracked"] and facts["updated"] == "2025-04-01T11:00:00"
    assert facts["author"] == "Maria Delgado" and facts["authors"] == ["Maria Delgado", "John Smith"]
    assert len(facts["commits"]) == 3
    assert "not a git repository" in git.file_facts(None, False)["reason"]
    assert "not been committed" in git.file_facts(None, True)["reason"]


def test_a_folder_that_is_not_a_repository(tmp_path):
    root = write_tree(tmp_path / "plain", SAMPLE)
    assert git.histories(root) is None and not git.is_repository(root)
    assert git.head(root) is None


def test_the_file_before_and_after_one_commit(repo):
    root, (first, second, third) = repo
    before, after = git.versions(root, third, LOR)
    assert before == body(LOR) + "\nFunding: national funds.\n" and after == body(LOR) + "\nFunding: <b>FMF</b>.\n"
    assert git.versions(root, first, LOR) == (None, body(LOR))  # the first commit has no parent
    assert git.versions(root, second, "articles/fms/nope.md") == (None, None)


@pytest.mark.parametrize(
    "sha, path",
    [
        ("--output=/tmp/x", LOR),
        ("HEAD", LOR),
        ("abc", LOR),
        ("a" * 41, LOR),
        ("ABCDEF1", LOR),
        ("1234567", "../outside.md"),
        ("1234567", "/etc/passwd"),
        ("1234567", "--all"),
    ],
)
def test_versions_refuses_anything_but_a_hex_id_and_a_content_path(repo, sha, path):
    with pytest.raises(git.GitError):
        git.versions(repo[0], sha, path)


def test_changed_and_touched_paths(repo):
    root, (first, _second, third) = repo
    assert git.changed_paths(root, first, third) == [("M", LOR)]
    assert git.touched_paths(root, first, third) == {LOR}
    assert git.changed_paths(root, "HEAD~1", third) is None  # only ids


def test_changed_paths_reports_deletions_and_additions(repo):
    root, (_, _, third) = repo
    fourth = commit(root, "ed", "move", {"articles/fms/new.md": "---\ntitle: New\n---\nx"}, delete=("people/john-smith.md",))
    assert sorted(git.changed_paths(root, third, fourth)) == [("A", "articles/fms/new.md"), ("D", "people/john-smith.md")]


def test_pull_without_a_remote_is_a_no_op(repo):
    root, (_, _, third) = repo
    assert git.pull(root) == git.PullResult(third, third, pulled=False)


def test_most_changed_by_person_maps_emails_to_profiles(repo):
    root, _ = repo
    found = git.histories(root)
    stored = {
        "fms/letter-of-request": [c.as_dict() for c in found[LOR]],
        "fms/letter-of-offer-and-acceptance": [c.as_dict() for c in found["articles/fms/letter-of-offer-and-acceptance.md"]],
    }
    ranked = git.most_changed_by_person(stored, {"maria-delgado": "Maria.Delgado@example.mil", "john-smith": "john.smith@example.mil", "nobody": ""})
    assert ranked["maria-delgado"] == [("fms/letter-of-request", 2), ("fms/letter-of-offer-and-acceptance", 1)]
    assert ranked["john-smith"] == [("fms/letter-of-request", 1)]
    assert "nobody" not in ranked


def test_versions_of_a_content_folder_inside_a_larger_repository(tmp_path):
    """The starter content is ``content/`` inside the project's repository: paths are the content
    folder's, not the repository's (every commit page of a fresh clone answered 404)."""
    repo = init(tmp_path / "project")
    first = commit(repo, "john", "Add", {"content/articles/fms/a.md": "one\n"})
    second = commit(repo, "maria", "Edit", {"content/articles/fms/a.md": "two\n"})
    assert git.versions(repo / "content", second, "articles/fms/a.md") == ("one\n", "two\n")
    assert git.versions(repo / "content", first, "articles/fms/a.md") == (None, "one\n")


@pytest.mark.parametrize(
    "branch",
    [
        "main",
        "proposals/1-../../x",
        "proposals/1-x --upload-pack=evil",
        "-proposals/1-x",
        "proposals/1-x\x00",
        "proposals/x",
        "refs/heads/main",
        "proposals/1-X",
        "proposals/1-" + "a" * 250,
    ],
)
def test_hostile_proposal_branch_names_are_refused(tmp_path, branch):
    repo = init(tmp_path / "repo")
    parent = commit(repo, "maria", "Initial", {"articles/fms/a.md": "---\ntitle: A\n---\nA.\n"})
    with pytest.raises(git.GitError, match="not a proposal branch"):
        gitbranches.commit_to_branch(repo, branch, parent, {"articles/fms/a.md": "B.\n"}, "m", (git.Identity("R", "r@x"), git.Identity("S", "s@x")))
    assert gitbranches.branch_head(repo, branch) is None
    with pytest.raises(git.GitError, match="not a proposal branch"):
        gitbranches.merge_branch(repo, branch, "m", (git.Identity("R", "r@x"), git.Identity("S", "s@x")))
    assert git.head(repo) == parent


def test_a_proposal_commit_in_a_content_folder_inside_the_repository_leaves_the_work_tree_alone(tmp_path):
    repo = init(tmp_path / "repo")
    parent = commit(repo, "maria", "Initial", {"kb/articles/fms/a.md": "A.\n", "other.txt": "x\n"})
    who = (git.Identity("Rita Reader", "rita@x"), git.Identity("KB", "kb@x"))
    sha = gitbranches.commit_to_branch(repo / "kb", "proposals/1-fms-a", parent, {"articles/fms/a.md": "B.\n"}, "Propose", who)
    assert gitbranches.branch_head(repo / "kb", "proposals/1-fms-a") == sha and git.head(repo) == parent
    assert (repo / "kb/articles/fms/a.md").read_text() == "A.\n" and run_git(repo, "status", "--porcelain") == ""
    assert git.file_at(repo / "kb", sha, "articles/fms/a.md") == "B.\n" and git.file_at(repo, sha, "other.txt") == "x\n"
    assert gitbranches.merge_branch(repo / "kb", "proposals/1-fms-a", "Publish", who) is not None
    assert (repo / "kb/articles/fms/a.md").read_text() == "B.\n"
