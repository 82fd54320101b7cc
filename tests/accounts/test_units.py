"""Pure helpers of the accounts package: networks, client addresses, HTTPS, passwords, URIs."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.accounts import database_uri
from kb.accounts.network import came_over_https, client_address, is_trusted
from kb.accounts.passwords import Passwords
from kb.setting_values import networks

NETS = networks("10.0.0.0/8, 127.0.0.1, ::1")


@pytest.mark.parametrize(
    "address, trusted", [("10.2.3.4", True), ("127.0.0.1", True), ("::1", True), ("11.0.0.1", False), ("", False), (None, False), ("junk", False)]
)
def test_is_trusted(address, trusted):
    assert is_trusted(address, NETS) is trusted


@pytest.mark.parametrize(
    "remote, forwarded, client",
    [
        ("192.0.2.1", "198.51.100.1", "192.0.2.1"),  # not a proxy: the header is ignored
        ("10.0.0.1", "198.51.100.1", "198.51.100.1"),
        ("10.0.0.1", "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # a client-written entry on the left is not believed
        ("10.0.0.1", "198.51.100.1, 10.0.0.2", "198.51.100.1"),  # two proxies
        ("10.0.0.1", None, "10.0.0.1"),
    ],
)
def test_client_address(remote, forwarded, client):
    assert client_address(remote, forwarded, NETS) == client


def test_came_over_https():
    assert came_over_https(True, "192.0.2.1", None, NETS)
    assert came_over_https(False, "10.0.0.1", "https", NETS)
    assert not came_over_https(False, "192.0.2.1", "https", NETS)
    assert not came_over_https(False, "10.0.0.1", "http", NETS)


def test_passwords_hash_verify_and_refuse_unknown():
    passwords = Passwords("cheapest")
    stored = passwords.hash("a long enough password")
    assert stored.startswith("$argon2id$")
    assert passwords.verify(stored, "a long enough password")
    assert not passwords.verify(stored, "wrong")
    assert not passwords.verify(None, "a long enough password")
    assert not passwords.verify("not a hash", "x")


def test_database_uri(tmp_path: Path):
    assert database_uri(None, tmp_path) == f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    assert database_uri("postgresql://kb@db/kb", tmp_path) == "postgresql+psycopg://kb@db/kb"
    assert database_uri("postgres://kb@db/kb", tmp_path) == "postgresql+psycopg://kb@db/kb"
    assert database_uri("postgresql+psycopg://kb@db/kb", tmp_path) == "postgresql+psycopg://kb@db/kb"


def test_without_postgresql_the_tests_say_why_they_skip(monkeypatch):
    from tests import postgres

    monkeypatch.setattr(postgres.shutil, "which", lambda name: None)
    monkeypatch.setattr(postgres.glob, "glob", lambda pattern: [])
    with pytest.raises(postgres.PostgresUnavailable, match=r"PostgreSQL is not installed .*apt-get install postgresql"):
        postgres.PostgresServer()
