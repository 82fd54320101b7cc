"""Settings: defaults anchored at the project, KB_* variables, the stored secret key."""

from __future__ import annotations

import dataclasses
import os
import re
import stat
import subprocess
import sys

import pytest

from kb import create_app
from kb.config import ROOT, SETTINGS, SettingError


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
    assert app.config["CONTENT_DIR"] == ROOT / "content"
    assert app.config["INDEX_DIR"] == tmp_path / "instance" / "index"


# --- typed settings: parsed once at start-up, a bad value stops the app naming the variable ---


def settings_of(tmp_path, **overrides):
    return create_app({"INSTANCE_DIR": str(tmp_path), **overrides}).extensions["kb.settings"]


@pytest.mark.parametrize("word", ["no", "No", "OFF", "false", "0", " off "])
def test_a_boolean_setting_reads_no_as_off(tmp_path, monkeypatch, word):
    """``KB_PRELOAD_POSTINGS=no`` turned preload on (``bool("no")``)."""
    monkeypatch.setenv("KB_PRELOAD_POSTINGS", word)
    app = create_app({"INSTANCE_DIR": str(tmp_path)})
    assert app.config["PRELOAD_POSTINGS"] is False and app.extensions["kb.settings"].PRELOAD_POSTINGS is False
    assert app.extensions["kb.index"].searchers._preload is False


@pytest.mark.parametrize("word", ["yes", "YES", "on", "True", "1"])
def test_a_boolean_setting_reads_yes_as_on(tmp_path, monkeypatch, word):
    monkeypatch.setenv("KB_REQUIRE_LOGIN", word)
    assert settings_of(tmp_path).REQUIRE_LOGIN is True


def test_a_bad_boolean_stops_the_app_naming_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_PRELOAD_POSTINGS", "maybe")
    with pytest.raises(SettingError) as error:
        create_app({"INSTANCE_DIR": str(tmp_path)})
    assert str(error.value) == "KB_PRELOAD_POSTINGS: expected a boolean (1/0, true/false, yes/no, on/off), got 'maybe'"


@pytest.mark.parametrize(
    "variable, value, message",
    [
        ("KB_REQUIRE_LOGIN", "2", "KB_REQUIRE_LOGIN: expected a boolean (1/0, true/false, yes/no, on/off), got '2'"),
        ("KB_PER_PAGE", "0", "KB_PER_PAGE: expected a whole number from 1 to 50, got '0'"),
        ("KB_PER_PAGE", "ten", "KB_PER_PAGE: expected a whole number from 1 to 50, got 'ten'"),
        ("KB_MAX_FILE_BYTES", "2.5e6", "KB_MAX_FILE_BYTES: expected a whole number of at least 1, got '2.5e6'"),
        ("KB_SEARCH_LOG_DAYS", "-1", "KB_SEARCH_LOG_DAYS: expected a whole number from 0 to 36500, got '-1'"),
        ("KB_WRITER_TIMEOUT", "soon", "KB_WRITER_TIMEOUT: expected a number from 0 to 3600, got 'soon'"),
        ("KB_LOGIN_LOCK_MINUTES", "nan", "KB_LOGIN_LOCK_MINUTES: expected a number from 0.1 to 10080, got 'nan'"),
        ("KB_SECURE_COOKIES", "sometimes", "KB_SECURE_COOKIES: expected auto or a boolean (1/0, true/false, yes/no, on/off), got 'sometimes'"),
        (
            "KB_TRUSTED_PROXIES",
            "10.0.0.0/8, proxy.local",
            "KB_TRUSTED_PROXIES: expected comma-separated IP addresses or CIDR networks, got 'proxy.local'",
        ),
        (
            "KB_TRUSTED_USER_HEADER",
            "X Remote User",
            "KB_TRUSTED_USER_HEADER: expected an HTTP header name such as X-Remote-User, got 'X Remote User'",
        ),
        ("KB_EDIT_URL", "https://git.example.mil/edit", "KB_EDIT_URL: expected an http(s) URL containing {path}, got 'https://git.example.mil/edit'"),
        ("KB_EDIT_URL", "javascript:alert(1)//{path}", "KB_EDIT_URL: expected an http(s) URL containing {path}, got 'javascript:alert(1)//{path}'"),
        (
            "KB_FRAME_ANCESTORS",
            "'self'; script-src *",
            "KB_FRAME_ANCESTORS: expected sources separated by spaces, such as 'self' https://portal.example.mil, got \"'self'; script-src *\"",
        ),
        ("KB_LOGIN_RATE_LIMIT", "lots", "KB_LOGIN_RATE_LIMIT: expected a rate such as '20 per minute' or '5/second; 100/hour', got 'lots'"),
        ("KB_PASSWORD_PROFILE", "fast", "KB_PASSWORD_PROFILE: expected one of default, cheapest, got 'fast'"),
    ],
)
def test_a_bad_value_stops_the_app_naming_the_variable(tmp_path, monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingError) as error:
        create_app({"INSTANCE_DIR": str(tmp_path)})
    assert str(error.value) == message


@pytest.mark.parametrize(
    "variable, value", [("KB_DATABASE_URL", "postgresql//kb:hunter2@db/kb"), ("KB_RATE_LIMIT_STORAGE", "rediss-x://:hunter2@cache")]
)
def test_a_bad_url_is_refused_without_repeating_its_password(tmp_path, monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingError, match=f"^{variable}: expected a .*the value is not shown: it may hold a password") as error:
        create_app({"INSTANCE_DIR": str(tmp_path)})
    assert "hunter2" not in str(error.value)


def test_settings_are_typed_once_and_frozen(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_PER_PAGE", " 25 ")
    monkeypatch.setenv("KB_WRITER_TIMEOUT", "2.5")
    monkeypatch.setenv("KB_SECURE_COOKIES", "off")
    monkeypatch.setenv("KB_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1")
    monkeypatch.setenv("KB_MARKINGS", "CUI, PROPIN,")
    monkeypatch.setenv("KB_CONTENT_DIR", "relative/content")
    monkeypatch.setenv("KB_SITE_NAME", "")  # empty: the default
    monkeypatch.chdir(tmp_path)
    app = create_app({"INSTANCE_DIR": str(tmp_path), "SEARCH_LOG_DAYS": "0"})
    settings = app.extensions["kb.settings"]
    assert (settings.PER_PAGE, settings.WRITER_TIMEOUT, settings.SECURE_COOKIES, settings.SEARCH_LOG_DAYS) == (25, 2.5, False, 0)
    assert [str(n) for n in settings.TRUSTED_PROXIES] == ["10.0.0.0/8", "127.0.0.1/32"]
    assert settings.MARKINGS == ("CUI", "PROPIN") and app.extensions["kb.markings"] == ("CUI", "PROPIN")
    content_dir, site_name = settings.CONTENT_DIR, settings.SITE_NAME
    assert content_dir == tmp_path / "relative" / "content" and site_name == "SC Knowledge Base"
    assert app.config["PER_PAGE"] == 25 and app.config["CONTENT_DIR"] == settings.CONTENT_DIR  # existing readers of app.config
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.PER_PAGE = 50


def test_overrides_are_parsed_like_variables(tmp_path):
    assert settings_of(tmp_path, REQUIRE_LOGIN="no").REQUIRE_LOGIN is False
    with pytest.raises(SettingError) as error:
        settings_of(tmp_path, PER_PAGE=500)
    assert str(error.value) == "KB_PER_PAGE: expected a whole number from 1 to 50, got 500"


def test_secrets_stay_out_of_the_settings_repr(tmp_path):
    settings = settings_of(tmp_path, WEBHOOK_SECRET="hook-s3cret", DATABASE_URL=f"sqlite:///{tmp_path}/kb.sqlite3")
    assert "hook-s3cret" not in repr(settings) and settings.SECRET_KEY not in repr(settings) and "kb.sqlite3" not in repr(settings)
    assert "PER_PAGE=10" in repr(settings)


def test_an_unknown_kb_variable_is_reported(tmp_path, monkeypatch, caplog):
    """A typo such as KB_REQUIRE_LOGN=1 would otherwise leave the site open without a word."""
    monkeypatch.setenv("KB_REQUIRE_LOGN", "1")
    create_app({"INSTANCE_DIR": str(tmp_path)})
    assert "KB_REQUIRE_LOGN is not a setting of the knowledge base and is ignored (did you mean KB_REQUIRE_LOGIN?)" in caplog.text


def test_the_flask_command_names_the_bad_variable(tmp_path):
    env = {**os.environ, "KB_INSTANCE_DIR": str(tmp_path), "KB_PRELOAD_POSTINGS": "maybe"}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "kb", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "KB_PRELOAD_POSTINGS: expected a boolean (1/0, true/false, yes/no, on/off), got 'maybe'" in result.stderr


SETTING_READ = re.compile(r"""(?:config|cfg)(?:\[|\.get\()\s*["']([A-Z_0-9]+)["']""")
CAST_AT_CALL_SITE = re.compile(r"""\b(?:int|float|bool)\(\s*(?:current_app\.|app\.)?(?:config|cfg)\b""")
FLASK_KEYS = {"TESTING", "SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_ENGINE_OPTIONS", "RATELIMIT_STORAGE_URI"}  # Flask's and its extensions' own


def test_every_setting_read_is_declared_and_typed():
    """No ``KB_*`` read outside kb/config.py, no undeclared key, no cast where a setting is used."""
    names = {s.name for s in SETTINGS}
    undeclared, casts, environ = [], [], []
    for path in sorted((ROOT / "kb").rglob("*.py")):
        source = path.read_text()
        where = path.relative_to(ROOT)
        undeclared += [f"{where}: {key}" for key in SETTING_READ.findall(source) if key not in names | FLASK_KEYS]
        casts += [f"{where}: {match}" for match in CAST_AT_CALL_SITE.findall(source)]
        if path.name != "config.py":
            environ += [f"{where}: {match}" for match in re.findall(r"os\.environ\.get\(|os\.environ\[|os\.getenv\(", source)]
    assert (undeclared, casts, environ) == ([], [], [])
