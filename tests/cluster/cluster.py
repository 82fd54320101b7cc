"""Two app servers, one PostgreSQL, one bare content repository and nginx in front, all on 127.0.0.1.

Each server is what README's "Several servers" section describes: its own clone of the bare
repository, its own index and instance folder, the same ``KB_SECRET_KEY`` and
``KB_DATABASE_URL``; it starts with ``flask kb sync`` (pull what it missed, index), then runs
gunicorn and ``flask kb watch``. nginx runs as the current user from a temporary folder with
``docs/nginx-cluster.conf`` as its configuration (only the addresses replaced).
"""

from __future__ import annotations

import getpass
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..conftest import ROOT
from ..live import BIN, fetch, free_port

NGINX_TEMPLATE = ROOT / "docs" / "nginx-cluster.conf"
SECRET_KEY = "cluster-test-shared-secret-key"
WEBHOOK_SECRET = "cluster-test-webhook-secret"
GIT_ENV = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env={**os.environ, **GIT_ENV}, timeout=60)
    assert done.returncode == 0, (args, done.stderr)
    return done.stdout.strip()


def central_repository(root: Path) -> tuple[Path, Path]:
    """The starter content committed and pushed to a bare repository; returns (bare, an author's clone)."""
    author = root / "author"
    shutil.copytree(ROOT / "content", author)
    git(author, "init", "-q", "-b", "main")
    git(author, "config", "user.name", "Cluster Test")
    git(author, "config", "user.email", "cluster@example.mil")
    git(author, "add", "-A")
    git(author, "commit", "-q", "-m", "Starter content")
    bare = root / "central.git"
    git(root, "clone", "-q", "--bare", str(author), str(bare))
    git(author, "remote", "add", "origin", str(bare))
    git(author, "fetch", "-q", "origin")
    git(author, "branch", "-q", "--set-upstream-to=origin/main", "main")
    return bare, author


def push_article(author: Path, name: str, word: str) -> str:
    """Commit a new article that contains ``word`` and push it to the central repository; returns its sha."""
    path = author / "articles" / "fms" / f"{name}.md"
    path.write_text(f"---\ntitle: Cluster note {name}\nsummary: A note about {word}.\ntags: [cluster]\n---\nThe word {word} is new here.\n")
    git(author, "add", "-A")
    git(author, "commit", "-q", "-m", f"Add {name}")
    git(author, "push", "-q", "origin", "main")
    return git(author, "rev-parse", "HEAD")


@dataclass
class Node:
    """One app server: gunicorn (2 workers) and ``kb watch`` over its own clone, index and instance."""

    name: str
    folder: Path
    database_url: str
    port: int = field(default_factory=free_port)
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            **GIT_ENV,
            "KB_CONTENT_DIR": str(self.folder / "content"),
            "KB_INSTANCE_DIR": str(self.folder / "instance"),
            "KB_INDEX_DIR": str(self.folder / "index"),
            "KB_SECRET_KEY": SECRET_KEY,
            "KB_DATABASE_URL": self.database_url,
            "KB_NODE_NAME": self.name,
            "KB_TRUSTED_PROXIES": "127.0.0.1",
            "KB_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "KB_PASSWORD_PROFILE": "cheapest",
        }

    def kb(self, *args: str, stdin: str = "", timeout: float = 240) -> subprocess.CompletedProcess:
        command = [str(BIN / "flask"), "--app", "app", "kb", *args]
        return subprocess.run(command, cwd=ROOT, env=self.env, input=stdin, capture_output=True, text=True, timeout=timeout)

    def start(self) -> Node:
        """Catch up (``kb sync``: pull and index), then serve; returns once /healthz answers and the watcher is ready."""
        synced = self.kb("sync")
        assert synced.returncode in (0, 1), synced.stderr  # 1: content errors, listed, indexed with safe defaults
        self.processes = [
            self._spawn("gunicorn", [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{self.port}", "app:app"]),
            self._spawn("watch", [str(BIN / "flask"), "--app", "app", "kb", "watch"]),
        ]
        deadline = time.monotonic() + 60
        while not (self._healthy() and "ready" in self.log("watch")):
            assert time.monotonic() < deadline and all(p.poll() is None for p in self.processes), self.log("gunicorn")[-2000:] + self.log("watch")
            time.sleep(0.1)
        return self

    def _spawn(self, what: str, command: list[str]) -> subprocess.Popen:
        with open(self.folder / f"{what}.log", "ab") as log:
            # a session of its own: the server's processes are signalled as one group
            return subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )

    def log(self, what: str) -> str:
        path = self.folder / f"{what}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _healthy(self) -> bool:
        try:
            return fetch(self.url + "/healthz", timeout=2)[0] == 200
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL to every process of the server (gunicorn's master and workers, the watcher): a crash, not a shutdown."""
        self._signal(signal.SIGKILL)

    def stop(self) -> None:
        self._signal(signal.SIGTERM)

    def _signal(self, number: int) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, number)
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        self.processes = []


def nginx_config(folder: Path, port: int, upstreams: list[int]) -> Path:
    """docs/nginx-cluster.conf with this test's addresses, inside a main configuration that keeps every file in ``folder``."""
    servers = iter(upstreams)
    site = re.sub(r"server \d+\.\d+\.\d+\.\d+:\d+", lambda m: f"server 127.0.0.1:{next(servers)}", NGINX_TEMPLATE.read_text())
    site = re.sub(r"listen \d+;", f"listen 127.0.0.1:{port};", site)
    site = site.replace("/var/log/nginx/kb-access.log", str(folder / "access.log"))
    (folder / "kb-cluster.conf").write_text(site)
    temp = {name: folder / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir(exist_ok=True)
    user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""  # as root, nginx's workers would be nobody
    main = (
        f"{user}daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'} warn;\n"
        "events { worker_connections 512; }\nhttp {\n"
        + "".join(f"    {name}_temp_path {path};\n" for name, path in temp.items())
        + f"    include {folder / 'kb-cluster.conf'};\n}}\n"
    )
    (folder / "nginx.conf").write_text(main)
    return folder / "nginx.conf"


@dataclass
class Nginx:
    folder: Path
    upstreams: list[int]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Nginx:
        self.folder.mkdir(parents=True, exist_ok=True)
        config = nginx_config(self.folder, self.port, self.upstreams)
        with open(self.folder / "nginx.out", "wb") as out:
            self.process = subprocess.Popen(
                [nginx_binary(), "-p", str(self.folder), "-c", str(config), "-e", str(self.folder / "error.log")],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + 20
        while True:
            try:
                fetch(self.url + "/healthz", timeout=2)
                return self
            except OSError:
                assert self.process.poll() is None and time.monotonic() < deadline, (self.folder / "error.log").read_text(errors="replace")
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGQUIT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
