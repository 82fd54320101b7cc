"""Settings: defaults anchored at the project, KB_* variables, the stored secret key."""

from __future__ import annotations

import stat

from kb import create_app
from kb.config import ROOT


def test_the_generated_secret_key_is_stored_once_and_shared(tmp_path):
    first = create_app({"INSTANCE_DIR": str(tmp_path)})
    second = create_app({"INSTANCE_DIR": str(tmp_path)})
    key_file = tmp_path / "secret_key"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    assert len(first.config["SECRET_KEY"]) == 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_workers_starting_together_all_read_the_one_complete_key(tmp_path):
    """gunicorn starts its workers at once: none may read the file before the key is in it."""
    import multiprocessing

    from kb.config import stored_secret_key

    for attempt in range(5):
        path = tmp_path / f"attempt-{attempt}" / "secret_key"
        with multiprocessing.get_context("fork").Pool(8) as pool:
            keys = pool.map(stored_secret_key, [path] * 32)
        assert len(set(keys)) == 1 and len(keys[0]) == 64
        assert sorted(p.name for p in path.parent.iterdir()) == ["secret_key"]  # no temporary file left


def test_an_explicit_secret_key_wins_and_is_not_stored(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_SECRET_KEY", "from-the-environment")
    assert create_app({"INSTANCE_DIR": str(tmp_path)}).config["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


def test_default_paths_do_not_depend_on_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KB_CONTENT_DIR", raising=False)
    app = create_app({"INSTANCE_DIR": str(tmp_path / "instance")})
    assert app.config["CONTENT_DIR"] == str(ROOT / "content")
    assert app.config["INDEX_DIR"] == str(tmp_path / "instance" / "index")
