"""The real thing: gunicorn with two workers over HTTP, while the index is updated and rebuilt."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ..conftest import ROOT, write_tree

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def server(tmp_path, content_dir, index):
    port = free_port()
    env = {**os.environ, "KB_CONTENT_DIR": str(content_dir), "KB_INDEX_DIR": str(index.directory), "KB_SECRET_KEY": "test"}
    log = open(tmp_path / "gunicorn.log", "wb")
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", "app:app"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            if fetch(base + "/healthz")[0] == 200:
                break
        except OSError:
            pass
        assert time.monotonic() < deadline and process.poll() is None, "gunicorn did not start"
        time.sleep(0.1)
    yield base, env
    process.terminate()
    process.wait(10)
    log.close()
    assert b"Traceback" not in (tmp_path / "gunicorn.log").read_bytes()


def kb_index(env, *args):
    return subprocess.run([str(BIN / "flask"), "--app", "app", "kb", "index", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_pages_over_http(server):
    base, _ = server
    for path, fragment in [
        ("/", "Functional areas"),
        ("/articles/fms/letter-of-request", "What it contains"),
        ("/search?q=EUM", "End-Use Monitoring"),
        ("/glossary", "TCN"),
        ("/static/vendor/uswds/css/uswds.min.css", ".usa-"),
    ]:
        status, body = fetch(base + path)
        assert status == 200 and fragment in body, path
    assert fetch(base + "/missing")[0] == 404


def test_workers_serve_without_errors_while_the_index_changes(server, content_dir):
    base, env = server
    failures: list[str] = []
    stop = threading.Event()

    def hammer():
        while not stop.is_set():
            for path in ("/api/search?q=letter", "/articles/fms/letter-of-request", "/healthz"):
                try:
                    status, _ = fetch(base + path)
                except OSError as error:
                    failures.append(f"{path}: {error}")
                    continue
                if status != 200:
                    failures.append(f"{path}: {status}")

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for n in range(3):
            write_tree(content_dir, {f"articles/fms/new-{n}.md": f"---\ntitle: Capybara {n}\n---\nCapybara notes."})
            assert kb_index(env).returncode == 0
        assert kb_index(env, "--rebuild").returncode == 0
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert failures == []
    # every worker sees the new content after the update commits
    totals = {json.loads(fetch(base + "/api/search?q=capybara")[1])["total"] for _ in range(10)}
    assert totals == {3}
