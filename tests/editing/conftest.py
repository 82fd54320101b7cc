"""A real git content repository (the sample content, committed) and an index over it, for the editor's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.editing import Limits, Workspace
from kb.git import Identity
from kb.index import SearchIndex
from kb.repository.sync import sync

from ..conftest import SAMPLE
from ..gitrepo import commit, init

LOR = "articles/fms/letter-of-request.md"
SERVER = Identity("KB Server", "kb@server.example")
ED = Identity("Ed Editor", "ed@example.mil")


def sample_repository(root: Path) -> Path:
    """The sample content committed by Maria, as a content repository."""
    init(root)
    commit(root, "maria", "Initial content", SAMPLE, when="2025-01-10T09:00:00Z")
    return root


@pytest.fixture
def repo(tmp_path) -> Path:
    return sample_repository(tmp_path / "repo")


@pytest.fixture
def workspace(tmp_path, repo):
    index = SearchIndex(tmp_path / "index")
    sync(repo, index)
    yield Workspace(repo, index, SERVER, Limits())
    index.close()
