"""A real server for the browser and load tests: gunicorn on 127.0.0.1 over a tmp content folder and index."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from kb.index import SearchIndex
from kb.repository.sync import sync

from .conftest import ROOT, write_tree

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, timeout: float = 10) -> tuple[int, str]:
    """(status, body) of a GET; HTTP errors are answers too."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def build_site(root: Path, files: dict[str, str | bytes]) -> tuple[Path, Path]:
    """Write ``files`` as a content folder under ``root`` and index it; returns (content, index dir)."""
    content = write_tree(root / "content", files)
    index = SearchIndex(root / "index")
    sync(content, index)
    index.close()
    return content, root / "index"


@dataclass
class LiveServer:
    """gunicorn serving the app over ``content`` and ``index``; ``url`` is its base URL."""

    content: Path
    index: Path
    instance: Path
    workers: int = 2
    threads: int = 1
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "KB_CONTENT_DIR": str(self.content),
            "KB_INDEX_DIR": str(self.index),
            "KB_INSTANCE_DIR": str(self.instance),
            "KB_SECRET_KEY": "test",
            **self.extra_env,
        }

    @property
    def log(self) -> Path:
        return self.instance / "gunicorn.log"

    def start(self, timeout: float = 30) -> LiveServer:
        self.instance.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        command = [
            str(BIN / "gunicorn"),
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--graceful-timeout",
            "5",
            "app:app",
        ]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while True:
            try:
                if fetch(self.url + "/healthz", timeout=2)[0] == 200:
                    return self
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"gunicorn did not start: {self.log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def kb(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
        """``flask kb ...`` against this server's content and index, as an operator runs it."""
        return subprocess.run(
            [str(BIN / "flask"), "--app", "app", "kb", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    def tracebacks(self) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return text if "Traceback" in text else ""
