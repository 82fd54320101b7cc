"""Real git repositories under tmp_path for the git-workflow tests (no mocks of git)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from .conftest import write_tree

AUTHORS = {
    "maria": ("Maria Delgado", "maria.delgado@example.mil"),
    "john": ("John Smith", "john.smith@example.mil"),
    "ed": ("Ed Itor", "ed@example.mil"),
}


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", **(env or {})},
    )
    assert done.returncode == 0, (args, done.stderr)
    return done.stdout.strip()


def init(repo: Path) -> Path:
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")
    return repo


def commit(
    repo: Path, who: str, message: str, files: dict[str, str] | None = None, *, when: str = "2026-06-01T12:00:00Z", delete: tuple[str, ...] = ()
) -> str:
    """Write ``files``, delete ``delete``, commit everything as ``who`` at ``when``; returns the sha."""
    if files:
        write_tree(repo, files)
    for rel in delete:
        (repo / rel).unlink()
    name, email = AUTHORS[who]
    git(repo, "add", "-A")
    git(
        repo,
        "-c",
        f"user.name={name}",
        "-c",
        f"user.email={email}",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        message,
        env={"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when},
    )
    return git(repo, "rev-parse", "HEAD")
