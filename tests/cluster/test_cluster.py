"""Two servers, one PostgreSQL (``make test-cluster``; issue 24): stateless replicas behind nginx.

PostgreSQL, one bare content repository cloned by two app servers (gunicorn + ``kb watch``,
separate content, index and instance folders, the same KB_SECRET_KEY and KB_DATABASE_URL),
and nginx (docs/nginx-cluster.conf) as a round-robin balancer without sticky sessions, all on
127.0.0.1 and all torn down at the end. Every check goes through nginx and asserts that both
servers answered (``X-KB-Node``, from ``KB_NODE_NAME``). Timings go to test-artifacts/cluster.json.
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import pytest

from ..conftest import ROOT
from ..postgres import PostgresServer, PostgresUnavailable
from .client import Browser, Traffic, until_both_answered
from .cluster import WEBHOOK_SECRET, Nginx, Node, central_repository, git, nginx_binary, push_article

pytestmark = pytest.mark.cluster

NODES = {"kb1", "kb2"}
PASSWORD = "a long cluster test password"
READER = "rita.reader@example.mil"
EDITOR = "eddie.editor@example.mil"
GUESSED = "gus.guessed@example.mil"
PATH, STEP = "new-to-security-cooperation", "bpc/title-10-and-title-22"
READERS_PATHS = ("/", "/search?q=letter+of+request", "/api/search?q=case", "/articles/fms/letter-of-request", "/glossary", "/healthz")
FIGURES: dict[str, float | int] = {}


def record(**figures) -> None:
    FIGURES.update(figures)
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    (ROOT / "test-artifacts" / "cluster.json").write_text(json.dumps(FIGURES, indent=1))


class Cluster:
    def __init__(self, root, stack: ExitStack) -> None:
        postgres = PostgresServer().init()
        stack.callback(postgres.destroy)
        database = postgres.new_database()
        bare, self.author = central_repository(root)
        self.nodes = [Node(name, root / name, database) for name in sorted(NODES)]
        for node in self.nodes:
            git(root, "clone", "-q", str(bare), str(node.folder / "content"))
        upgraded = self.nodes[0].kb("db", "upgrade")
        assert upgraded.returncode == 0, upgraded.stderr
        for email, role in ((READER, "reader"), (EDITOR, "editor"), (GUESSED, "reader")):
            name = email.split("@")[0].replace(".", " ").title()
            added = self.nodes[0].kb("users", "add", email, name, "--role", role, "--password-stdin", stdin=PASSWORD)
            assert added.returncode == 0, added.stderr
        for node in self.nodes:
            stack.callback(node.stop)
        with ThreadPoolExecutor(len(self.nodes)) as starting:  # each indexes its own clone: side by side
            list(starting.map(Node.start, self.nodes))
        self.nginx = Nginx(root / "nginx", [node.port for node in self.nodes])
        stack.callback(self.nginx.stop)
        self.nginx.start()

    def browser(self, forwarded_for: str | None = None) -> Browser:
        return Browser(self.nginx.url, forwarded_for)

    def signed_in(self, email: str) -> Browser:
        browser = self.browser()
        assert browser.sign_in(email, PASSWORD).status == 200
        return browser

    def node(self, name: str) -> Node:
        return next(node for node in self.nodes if node.name == name)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if nginx_binary() is None:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx); the cluster test is skipped")
    started = time.monotonic()
    with ExitStack() as stack:  # everything started is stopped, also when a start fails half way
        try:
            built = Cluster(tmp_path_factory.mktemp("cluster"), stack)
        except PostgresUnavailable as why:
            pytest.skip(str(why))
        record(start_seconds=round(time.monotonic() - started, 1))
        yield built


def searchable(browser: Browser, word: str):
    return lambda: browser.request(f"/api/search?q={word}", accept="application/json")


def webhook(node: Node) -> int:
    request = urllib.request.Request(node.url + "/hooks/content", data=b"{}", headers={"X-Gitlab-Token": WEBHOOK_SECRET}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def _served_me(cluster) -> set[str]:
    log = (cluster.nginx.folder / "access.log").read_text()
    return set(re.findall(r'"GET /me HTTP/1\.1" 200 \d+ upstream=(\S+)', log))


def test_a_sign_in_holds_whichever_server_answers(cluster):
    browser = cluster.signed_in(READER)
    seen = until_both_answered(lambda: browser.request("/me"), NODES)
    for node, answers in seen.items():
        assert all(a.status == 200 and "Rita Reader" in a.body and 'name="password"' not in a.body for a in answers), node
    # nginx's own record agrees: both upstreams served /me (it logs a request once the answer is sent: wait for the last)
    wanted = {f"127.0.0.1:{node.port}" for node in cluster.nodes}
    deadline = time.monotonic() + 5
    while (served := _served_me(cluster)) != wanted and time.monotonic() < deadline:
        time.sleep(0.1)
    assert served == wanted


def test_a_step_marked_on_one_server_is_seen_from_the_other(cluster):
    browser = cluster.signed_in(READER)
    form = {"done": "1", "csrf_token": browser.csrf_token(f"/paths/{PATH}")}
    marked = browser.request(f"/paths/{PATH}/steps/{STEP}", form, accept="application/json")
    assert marked.status == 200 and marked.json()["done"] is True
    seen = until_both_answered(lambda: browser.request("/api/me/progress", accept="application/json"), NODES)
    other = (NODES - {marked.node}).pop()
    assert [STEP in a.json()["paths"][PATH]["done"] for a in seen[other]] == [True] * len(seen[other])


def test_five_failed_sign_ins_spread_over_both_servers_lock_the_account(cluster):
    guesser = cluster.browser(forwarded_for="198.51.100.7")
    token = guesser.csrf_token()  # then POSTs only: round robin sends them to each server in turn
    failed = [guesser.sign_in(GUESSED, "not the password at all", token) for _ in range(5)]
    assert [a.status for a in failed] == [401, 401, 401, 401, 429] and {a.node for a in failed} == NODES
    owner = cluster.browser(forwarded_for="198.51.100.8")  # another address: the account itself is locked
    token = owner.csrf_token()
    seen = until_both_answered(lambda: owner.sign_in(GUESSED, PASSWORD, token), NODES)
    for answers in seen.values():
        assert all(a.status == 429 and "Too many failed sign-ins" in a.body for a in answers)
    assert cluster.nodes[0].kb("users", "unlock", GUESSED).returncode == 0
    assert owner.sign_in(GUESSED, PASSWORD).status == 200


def test_searches_on_both_servers_appear_in_one_search_gap_report(cluster):
    reader = cluster.browser()
    words: dict[str, str] = {}
    seen = until_both_answered(lambda: _search_new_word(reader, words), NODES)
    assert {a.status for answers in seen.values() for a in answers} == {200}
    editor = cluster.signed_in(EDITOR)
    deadline = time.monotonic() + 15  # each worker writes its searches every 2 s
    while True:
        report = editor.request("/reports/search?format=json", accept="application/json")
        found = {row["query"] for row in report.json()["zero_results"]}
        if set(words) <= found or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert set(words) <= found and set(words.values()) == NODES


def _search_new_word(browser: Browser, words: dict[str, str]):
    word = f"qzxgap{len(words)}vbn"
    answer = browser.request(f"/search?q={word}")
    words[word] = answer.node
    return answer


def test_a_pushed_commit_is_searchable_on_both_servers_within_a_second_of_the_webhooks(cluster):
    """Three pushes, each followed by one webhook call per server; the median time to searchable on both is at most 1 s
    (3 s on a machine loaded beyond its cores, where the two servers' watchers wait for CPU)."""
    browser = cluster.browser()
    seconds = []
    for n, word in enumerate(("quokkaridge", "numbatcreek", "bilbyplain")):
        push_article(cluster.author, f"cluster-push-{n}", word)
        started = time.monotonic()
        assert [webhook(node) for node in cluster.nodes] == [202, 202]
        until_found(browser, word, NODES)
        seconds.append(round(time.monotonic() - started, 2))
    busy = os.getloadavg()[0] / (os.cpu_count() or 1)
    limit = 1.0 if busy <= 1 else 3.0  # a machine with more work than cores (a shared runner) gets more, and the figures say so
    record(webhook_to_searchable_on_both_seconds=seconds, load_per_core=round(busy, 1), limit_seconds=limit)
    assert sorted(seconds)[1] <= limit, (seconds, f"load per core {busy:.1f}")


def test_a_killed_server_costs_no_request_and_catches_up_when_it_returns(cluster):
    kb1, kb2 = cluster.node("kb1"), cluster.node("kb2")
    browser = cluster.browser()
    with Traffic(cluster.nginx.url, READERS_PATHS) as traffic:
        time.sleep(1)
        kb2.kill()
        sha = push_article(cluster.author, "cluster-two", "wombatvale")
        assert webhook(kb1) == 202  # kb2 is down: its webhook delivery fails, and it never learns of this one
        until_found(browser, "wombatvale", {"kb1"})
        time.sleep(1)
        restarted = time.monotonic()
        kb2.start()
        record(restart_seconds=round(time.monotonic() - restarted, 1))
        first = first_answer_of("kb2", searchable(browser, "wombatvale"))  # nginx tries kb2 again after fail_timeout
        time.sleep(1)
    record(requests_while_a_server_died=traffic.answers, failed_requests=len(traffic.failures))
    assert traffic.answers > 50 and len(traffic.failures) <= traffic.threads, traffic.failures  # at most the requests in flight at the kill
    assert first.status == 200 and first.json()["total"] > 0  # kb2's very first answer already has the commit it missed
    health = json.loads(urllib.request.urlopen(kb2.url + "/healthz", timeout=10).read())
    assert health["content_sync"]["commit"] == sha


def until_found(browser: Browser, word: str, nodes: set[str], seconds: float = 10) -> None:
    found: set[str] = set()
    deadline = time.monotonic() + seconds
    while found != nodes:
        assert time.monotonic() < deadline, f"{word} not found on {sorted(nodes - found)}"
        answer = searchable(browser, word)()
        if answer.status == 200 and answer.json()["total"] > 0:
            found.add(answer.node)
        time.sleep(0.01)  # poll, but leave the two cores to the servers


def first_answer_of(node: str, ask, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while (answer := ask()).node != node:
        assert time.monotonic() < deadline, f"{node} never answered"
        time.sleep(0.05)
    return answer
