"""Raw bytes on the wire (not percent-encoded), as only a hand-made client sends them, to real gunicorn."""

from __future__ import annotations

import socket

import pytest

from ..conftest import SAMPLE
from ..live import LiveServer, build_site


@pytest.fixture(scope="module")
def raw_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("raw")
    content, index = build_site(root, SAMPLE)
    server = LiveServer(content, index, root / "instance", workers=1, threads=2).start()
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
