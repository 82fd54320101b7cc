"""A browser for the cluster test: cookies kept, every answer with the name of the server that gave it (X-KB-Node)."""

from __future__ import annotations

import http.cookiejar
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass(frozen=True)
class Answer:
    status: int
    node: str
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


class Browser:
    """One reader's browser through nginx; ``forwarded_for`` plays a client address (nginx appends its own hop)."""

    def __init__(self, base: str, forwarded_for: str | None = None) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}

    def request(self, path: str, form: dict[str, str] | None = None, accept: str = "text/html") -> Answer:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.base + path, data=data, headers={**self.headers, "Accept": accept})
        try:
            with self.opener.open(request, timeout=15) as response:
                return Answer(response.status, response.headers.get("X-KB-Node", ""), response.read().decode())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.headers.get("X-KB-Node", ""), error.read().decode())

    def csrf_token(self, path: str = "/login") -> str:
        found = CSRF.search(self.request(path).body)
        assert found, f"no CSRF token on {path}"
        return found.group(1)

    def sign_in(self, email: str, password: str, token: str | None = None) -> Answer:
        """POST /login; with a ``token`` from earlier, only the POST (so that round robin sends it to the next server)."""
        return self.request("/login", {"csrf_token": token or self.csrf_token(), "email": email, "password": password})


def until_both_answered(ask, nodes: set[str], seconds: float = 20) -> dict[str, list[Answer]]:
    """Ask again (``ask()`` returns an Answer) until every node in ``nodes`` has answered at least once."""
    seen: dict[str, list[Answer]] = {}
    deadline = time.monotonic() + seconds
    while not nodes <= seen.keys():
        assert time.monotonic() < deadline, f"only {sorted(seen)} answered"
        answer = ask()
        seen.setdefault(answer.node, []).append(answer)
    return seen


@dataclass
class Traffic:
    """Readers' GET requests through nginx on ``threads`` threads until stopped; failures are kept with their path."""

    base: str
    paths: tuple[str, ...]
    threads: int = 2
    answers: int = 0
    failures: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> Traffic:
        self._workers = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(self.threads)]
        for worker in self._workers:
            worker.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(30)

    def _run(self, offset: int) -> None:
        browser = Browser(self.base)
        n = offset
        while not self._stop.is_set():
            path = self.paths[n % len(self.paths)]
            n += 1
            try:
                status = browser.request(path).status
            except OSError as error:
                status, path = 0, f"{path}: {error}"
            with self._lock:
                self.answers += 1
                if status != 200:
                    self.failures.append(f"{path}: {status}")
