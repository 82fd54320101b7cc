"""Faults and load (``make test-load``): gunicorn with 2 workers under a bounded mixed load on 127.0.0.1.

While it serves: a content update and a full rebuild (zero failed requests), a deleted and a
corrupted index (503 with a reason on /healthz, the rest keeps answering, recovery without a
restart), a rebuild killed half way (the old index keeps serving, the next run completes) and
a full disk while writing the index (the old index keeps serving, a clear error, exit 1), and
the index folder deleted on a disk with room for one index only (the workers let go of the
deleted files, one rebuild at a time, recovery without a restart).
Figures go to ``test-artifacts/load.json`` and the README's quality section.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kb.index import SearchIndex
from kb.repository.sync import PARSE_CACHE

from ..conftest import ROOT, SAMPLE, write_tree
from ..live import BIN, LiveServer, build_site, fetch

pytestmark = pytest.mark.load

ARTIFACTS = ROOT / "test-artifacts"
WORDS = ("case", "letter", "offer", "training", "transfer", "logistics", "financing", "review", "partner", "export")
# Enough content that a rebuild takes a few seconds (so it can be killed half way).
LOAD_CONTENT: dict[str, str | bytes] = {
    **SAMPLE,
    **{
        f"articles/fms/load-{n:03d}.md": (
            f"---\ntitle: Load article {n} on {WORDS[n % 10]}\nsummary: About {WORDS[(n + 3) % 10]}.\n"
            f"tags: [{WORDS[n % 7]}]\n---\n" + " ".join(f"{WORDS[(n * k) % 10]} paragraph {k} of article {n}." for k in range(300))
        )
        for n in range(400)
    },
}
MIX = [
    "/",
    "/search?q=letter",
    "/search?q=case+review",
    "/search?q=LOA",
    "/api/search?q=transfer&page=2",
    "/api/suggest?q=lo",
    "/articles/fms/letter-of-request",
    "/articles/fms/load-007",
    "/glossary",
    "/people/maria-delgado",
    "/areas/fms",
    "/search?q=type:person",
    "/healthz",
    "/static/css/kb.css",
]


@dataclass
class Load:
    """A bounded load: ``threads`` clients cycling through ``MIX`` until ``stop`` or a limit (count, seconds)."""

    base: str
    threads: int = 3
    max_requests: int = 20_000
    max_seconds: float = 120
    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)

    def __enter__(self) -> Load:
        self.started = time.monotonic()
        for n in range(self.threads):
            worker = threading.Thread(target=self._run, args=(n,), daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(30)
        self.seconds = time.monotonic() - self.started

    def _run(self, offset: int) -> None:
        n = offset
        while not self._stop.is_set() and time.monotonic() - self.started < self.max_seconds:
            with self._lock:
                if len(self.latencies) + len(self.failures) >= self.max_requests:
                    return
            path = MIX[n % len(MIX)]
            n += 1
            began = time.perf_counter()
            try:
                status, _ = fetch(self.base + path, timeout=15)
            except OSError as error:
                with self._lock:
                    self.failures.append(f"{path}: {error}")
                continue
            with self._lock:
                self.latencies.append(time.perf_counter() - began)
                self.statuses[status] += 1
                if status != 200:
                    self.failures.append(f"{path}: HTTP {status}")

    @property
    def requests(self) -> int:
        return len(self.latencies) + sum(1 for f in self.failures if "HTTP" not in f)

    def figures(self) -> dict:
        ms = sorted(x * 1000 for x in self.latencies) or [0.0]
        return {
            "requests": self.requests,
            "failed": len(self.failures),
            "statuses": dict(self.statuses),
            "seconds": round(self.seconds, 1),
            "per_second": round(self.requests / max(self.seconds, 0.001), 1),
            "p50_ms": round(statistics.median(ms), 1),
            "p95_ms": round(ms[int(len(ms) * 0.95) - 1 if len(ms) > 1 else 0], 1),
            "max_ms": round(ms[-1], 1),
        }


FIGURES: dict[str, dict] = {}


def record(name: str, load: Load, **extra) -> None:
    FIGURES[name] = {**load.figures(), **extra}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "load.json").write_text(json.dumps(FIGURES, indent=1))
    print(name, FIGURES[name])


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("load")
    content, index = build_site(root, LOAD_CONTENT)
    return root, content, index


@pytest.fixture
def server(site):
    root, content, index = site
    server = LiveServer(content, index, root / "instance", workers=2).start()
    yield server
    server.stop()
    with SearchIndex(index).lock():  # a rebuild a worker started runs on: the next test starts after it
        pass
    assert server.tracebacks() == "", server.tracebacks()[-3000:]


def wait_healthy(server: LiveServer, seconds: float = 90) -> float:
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        if fetch(server.url + "/healthz", timeout=5)[0] == 200:
            return time.monotonic() - began
        time.sleep(0.25)
    raise AssertionError(f"not healthy again after {seconds} s")


def search_total(server: LiveServer, q: str) -> int:
    return json.loads(fetch(f"{server.url}/api/search?q={q}")[1])["total"]


def test_update_and_rebuild_under_load(server):
    with Load(server.url) as load:
        time.sleep(2)
        write_tree(server.content, {"articles/fms/capybara.md": "---\ntitle: Capybara notes\n---\nCapybara logistics.\n"})
        began = time.monotonic()
        update = server.kb("index")
        update_s = time.monotonic() - began
        assert update.returncode == 0, update.stderr
        began = time.monotonic()
        rebuild = server.kb("index", "--rebuild")
        rebuild_s = time.monotonic() - began
        assert rebuild.returncode == 0, rebuild.stderr
        time.sleep(1)
    record("update and rebuild", load, update_s=round(update_s, 1), rebuild_s=round(rebuild_s, 1))
    assert load.failures == []
    assert load.requests > 50
    assert {search_total(server, "capybara") for _ in range(6)} == {1}  # both workers see it


def healthz(server: LiveServer) -> tuple[int, dict]:
    status, body = fetch(server.url + "/healthz")
    return status, json.loads(body)


def broken_then_recovered(server: LiveServer, name: str, damage) -> None:
    """Damage the index under load; /healthz says why, the rest answers, the app rebuilds it by itself."""
    with Load(server.url, max_seconds=100) as load:
        time.sleep(1.5)
        damage(server.index)
        broke = time.monotonic()
        seen_503 = None
        while time.monotonic() - broke < 30 and seen_503 is None:
            status, body = healthz(server)
            if status == 503:
                seen_503 = body
            else:
                time.sleep(0.05)
        assert seen_503 is not None, "the damage was never reported"
        assert seen_503["reason"] and seen_503["error"], seen_503
        for path in ("/static/css/kb.css", "/accessibility"):  # what needs no index keeps working
            assert fetch(server.url + path)[0] == 200, path
        recovered_s = wait_healthy(server)
        time.sleep(1)
    statuses = load.statuses
    record(name, load, reported=seen_503["reason"][:120], recovered_s=round(recovered_s + 0, 1))
    assert set(statuses) <= {200, 503}, statuses  # never a 500
    assert all("HTTP 503" in f for f in load.failures), load.failures[:5]
    assert search_total(server, "letter") > 0
    assert healthz(server)[1]["documents"] >= len(LOAD_CONTENT) - 1


def delete_index(index_dir: Path) -> None:
    for path in index_dir.iterdir():
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


def corrupt_index(index_dir: Path) -> None:
    generation = index_dir / (index_dir / "CURRENT").read_text().strip()
    for path in generation.iterdir():
        if path.suffix in (".toc", ".seg", ".trm", ".pst", ".fdt", ".vps", ".lns") or path.name.startswith("_MAIN"):
            path.write_bytes(os.urandom(64))


def test_deleted_index_is_reported_and_rebuilt_without_a_restart(server):
    broken_then_recovered(server, "index deleted", delete_index)


def test_corrupted_index_is_reported_and_rebuilt_without_a_restart(server):
    broken_then_recovered(server, "index corrupted", corrupt_index)


def test_rebuild_killed_half_way_leaves_the_old_index_serving(server):
    before = (server.index / "CURRENT").read_text()
    total = search_total(server, "letter")
    with Load(server.url, max_seconds=100) as load:
        process = subprocess.Popen(
            [str(BIN / "flask"), "--app", "app", "kb", "index", "--rebuild"],
            cwd=ROOT,
            env=server.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        generations = {p.name for p in server.index.glob("gen-*")}
        while time.monotonic() < deadline and {p.name for p in server.index.glob("gen-*")} == generations:
            time.sleep(0.02)
        time.sleep(0.5)  # half way through writing the new generation
        assert process.poll() is None, "the rebuild finished before it could be killed: give it more content"
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
        time.sleep(1)
        assert (server.index / "CURRENT").read_text() == before
        assert healthz(server)[0] == 200 and search_total(server, "letter") == total
        began = time.monotonic()
        again = server.kb("index", "--rebuild")
        rebuild_s = time.monotonic() - began
        assert again.returncode == 0, again.stderr
        time.sleep(1)
    record("rebuild killed half way, then run again", load, rebuild_s=round(rebuild_s, 1))
    assert load.failures == []
    assert (server.index / "CURRENT").read_text() != before
    assert len(list(server.index.glob("gen-*"))) <= 2  # the half-written generation is gone
    assert search_total(server, "letter") == total


def _mount_tmpfs(path: Path, size: str) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    path.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True).returncode == 0


def test_full_disk_while_writing_the_index(tmp_path):
    """On a small tmpfs (root) the rebuild's new generation does not fit beside the live one."""
    mount = tmp_path / "small-disk"
    if not _mount_tmpfs(mount, "2m"):
        pytest.skip("mount -t tmpfs is not allowed here; test_full_disk_simulated covers ENOSPC in-process")
    try:
        small = {**SAMPLE, **{k: v for k, v in list(LOAD_CONTENT.items())[len(SAMPLE) : len(SAMPLE) + 20]}}
        content = write_tree(tmp_path / "content", small)
        server = LiveServer(content, mount / "index", tmp_path / "instance", workers=2)
        first = server.kb("index")
        assert first.returncode == 0, first.stderr
        server.start()
        try:
            total = search_total(server, "letter")
            write_tree(content, dict(list(LOAD_CONTENT.items())[len(SAMPLE) :]))  # 20 times the content
            with Load(server.url, max_seconds=60) as load:
                failed = server.kb("index", "--rebuild")
                time.sleep(1)
            record("full disk during a rebuild", load)
            assert failed.returncode == 1, failed.stdout + failed.stderr
            # (Whoosh's writer subprocesses print their own traceback first; the command's verdict is clear)
            assert "error: could not write the search index" in failed.stderr and "the disk is full" in failed.stderr
            assert load.failures == []
            assert healthz(server)[0] == 200 and search_total(server, "letter") == total
            assert len(list((mount / "index").glob("gen-*"))) == 1  # the half-written generation was removed
        finally:
            server.stop()
        assert server.tracebacks() == ""
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def _rebuilds_of(server: LiveServer) -> int:
    """How many ``kb index --rebuild`` processes the server's workers have running now."""
    workers = {int(pid) for pid in Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()}
    count = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError, IndexError):
            continue
        count += parent in workers and b"--rebuild" in command
    return count


def test_deleted_index_on_a_tight_disk_recovers_without_a_restart(tmp_path):
    """The index folder deleted under load on a disk with room for one index: the workers let go of its files (else
    every rebuild fails), one rebuild runs at a time, a failed one backs off, the site recovers without a restart."""
    mount = tmp_path / "tight-disk"
    if not _mount_tmpfs(mount, "200m"):
        pytest.skip("mount -t tmpfs is not allowed here")
    try:
        content = write_tree(tmp_path / "content", LOAD_CONTENT)
        server = LiveServer(content, mount / "index", tmp_path / "instance", workers=2)
        assert server.kb("index").returncode == 0
        generation = sum(-(-f.stat().st_size // 4096) * 4096 for f in (mount / "index").glob("gen-*/*"))  # in pages, as tmpfs counts
        (mount / "index" / PARSE_CACHE).unlink()  # optional (a rebuild that finds no room for it still succeeds)
        # room for one generation and a half: a rebuild fits only once the deleted one's space is free
        subprocess.run(["mount", "-o", f"remount,size={generation * 3 // 2}", str(mount)], check=True)
        server.start()
        try:
            rebuilds = []
            with Load(server.url, max_seconds=120) as load:
                time.sleep(1)
                delete_index(server.index)
                began = time.monotonic()
                while time.monotonic() - began < 90 and fetch(server.url + "/healthz", timeout=5)[0] != 200:
                    rebuilds.append(_rebuilds_of(server))
                    time.sleep(0.1)
                recovered_s = time.monotonic() - began
            record("index deleted on a tight disk", load, recovered_s=round(recovered_s, 1), index_mb=round(generation / 1e6, 1))
            assert healthz(server)[0] == 200, f"not recovered after {recovered_s:.0f} s"
            assert max(rebuilds) <= 1, rebuilds
            assert set(load.statuses) <= {200, 503}, load.statuses
            assert search_total(server, "letter") > 0
        finally:
            server.stop()
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_full_disk_simulated(tmp_path, monkeypatch):
    """ENOSPC in-process, where no tmpfs can be mounted: the same message, exit 1, the old index kept."""
    import errno

    from kb.index import store

    from ..conftest import close_app, make_app

    content, index = build_site(tmp_path, SAMPLE)
    app = make_app(content, index, tmp_path / "instance")
    try:
        before = (index / "CURRENT").read_text()

        def no_space(*args, **kwargs):
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(store, "_write_json", no_space)
        result = app.test_cli_runner().invoke(args=["kb", "index", "--rebuild"])
        assert result.exit_code == 1
        assert "the disk is full" in result.output and "keeps serving" in result.output
        assert (index / "CURRENT").read_text() == before
        assert len(list(index.glob("gen-*"))) == 1
        assert app.test_client().get("/healthz").status_code == 200
    finally:
        close_app(app)
