"""Raw bytes on the wire (not percent-encoded), as only a hand-made client sends them, to real gunicorn."""

from __future__ import annotations

import json
import socket

import pytest

from ..conftest import SAMPLE
from ..live import LiveServer, build_site


@pytest.fixture(scope="module")
def raw_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("raw")
    content, index = build_site(root, SAMPLE)
    server = LiveServer(content, index, root / "instance", workers=1, threads=2, extra_env={"KB_WEBHOOK_SECRET": "s3cret"}).start()
    yield server
    server.stop()
    assert server.tracebacks() == ""


def raw_get(port: int, target: bytes) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1])


@pytest.mark.parametrize(
    "target",
    [
        b"/search?q=\xff\xfe\xfd",
        b"/search?q=caf\xc3\xa9",
        b"/search?q=\xc0\xaf\xed\xa0\x80",
        b"/api/search?q=\x80\x81",
        b"/api/suggest?q=\xff",
        b"/articles/\xff\xfe",
        b"/api/articles/fms/\xe9",
        b"/people/\x80",
        b"/\xff",
        b"/search?q=a&q=b&q=c&page=-1&per_page=100000&type=zzz",
        b"/search?" + b"q=x&" * 500,
        b"/static/../../../etc/passwd",
        b"/static/%2e%2e/%2e%2e/etc/passwd",
    ],
)
def test_raw_bytes_never_give_a_500(raw_server, target):
    status = raw_get(raw_server.port, target)
    assert status in (200, 400, 404), (target, status)


GIB = 1 << 30


def raw_post(port: int, path: bytes, headers: bytes, first_bytes: bytes) -> tuple[int, bytes]:
    """A POST that declares a 1 GiB body but sends only its first bytes: the answer must come without the rest."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"POST " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + headers)
        sock.sendall(b"Content-Length: %d\r\n\r\n" % GIB + first_bytes)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def test_a_huge_form_is_refused_before_it_is_read(raw_server):
    """A 1 GiB sign-in form once grew a worker to 2.2 GB: now 413, with a page that says why, at once."""
    status, body = raw_post(raw_server.port, b"/login", b"Content-Type: application/x-www-form-urlencoded\r\n", b"email=" + b"a" * 60_000)
    assert status == 413
    assert b"Request too large" in body and b"at most 1,000,000 bytes" in body


def test_a_huge_webhook_delivery_is_refused_before_it_is_read(raw_server):
    """GitHub's signature needs the body: over the limit it is 413 (JSON) before a byte of it is read."""
    status, body = raw_post(raw_server.port, b"/hooks/content", b"X-Hub-Signature-256: sha256=" + b"0" * 64 + b"\r\n", b"{" + b" " * 60_000)
    assert status == 413
    assert json.loads(body) == {
        "error": "Request too large",
        "message": "This site accepts requests of at most 1,000,000 bytes; this one is larger.",
        "limit": 1_000_000,
    }


def test_a_wrong_webhook_token_is_refused_without_reading_the_body(raw_server):
    """GitLab's token is a header: a wrong one is 401 at once, whatever the body (1 GiB grew a worker to 1.2 GB)."""
    status, body = raw_post(raw_server.port, b"/hooks/content", b"X-Gitlab-Token: wrong\r\n", b"{" + b" " * 60_000)
    assert status == 401 and json.loads(body)["message"] == "missing or wrong webhook secret"
