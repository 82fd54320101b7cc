"""Fixtures that build a throwaway content folder and a real index under tmp_path."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kb import create_app
from kb.accounts.models import db
from kb.index import SearchIndex
from kb.repository.sync import sync

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

SAMPLE = {
    "areas/fms.md": """
        ---
        title: Foreign Military Sales
        summary: Government-to-government sales.
        order: 1
        ---
        FMS overview. Start with the [[fms/letter-of-request]].
        """,
    "areas/eum.md": """
        ---
        title: End-Use Monitoring
        summary: Checking that partners use U.S. articles as agreed.
        order: 2
        ---
        The End-Use Monitoring area.
        """,
    "articles/fms/letter-of-request.md": """
        ---
        title: Letter of Request
        summary: How a partner asks for defense articles.
        tags: [case-development, lor]
        experts: [maria-delgado]
        related: [fms/letter-of-offer-and-acceptance]
        aliases: [request letter]
        review_by: 2030-01-01
        ---
        A partner sends an LOR to start a case. The implementing agency answers with an
        [LOA](letter-of-offer-and-acceptance.md). Running the process well matters.

        ## What it contains
        Quantities and the funding source.
        """,
    "articles/fms/letter-of-offer-and-acceptance.md": """
        ---
        title: Letter of Offer and Acceptance
        summary: The offer document of an FMS case.
        tags: [case-development]
        experts: [maria-delgado, john-smith]
        ---
        The LOA lists lines, notes and terms. See [[fms/letter-of-request|how requests start]].
        """,
    "articles/eum/golden-sentry.md": """
        ---
        title: Golden Sentry program
        summary: The DoD program that checks use of transferred articles.
        areas: [eum]
        ---
        Golden Sentry checks night vision devices in routine and enhanced checks.
        """,
    "articles/eum/internal-checklist.md": """
        ---
        title: Zebra compliance checklist
        summary: Internal checklist for compliance visits.
        access: staff
        areas: [eum]
        experts: [maria-delgado]
        ---
        The zebra checklist links to [[fms/letter-of-request]]. Quokka inventory steps.
        """,
    "people/maria-delgado.md": """
        ---
        name: Maria Delgado
        title: Country Program Director
        organization: DSCA
        email: maria.delgado@example.mil
        phone: "+1 555 0101"
        areas: [fms]
        expertise: [LOA development]
        regions: [SOUTHCOM]
        languages: [Spanish]
        ---
        Maria has managed FMS cases for years.
        """,
    "people/john-smith.md": """
        ---
        name: John Smith
        title: Case Manager
        areas: [fms]
        ---
        John writes LOAs.
        """,
    "paths/new-to-sc.md": """
        ---
        title: New to Security Cooperation
        summary: First steps.
        audience: Newcomers
        steps:
          - article: fms/letter-of-request
            note: How cases start.
          - fms/letter-of-offer-and-acceptance
          - article: eum/internal-checklist
            note: Staff only step.
        ---
        Welcome.
        """,
    "glossary.yml": """
        - term: LOR
          expansion: Letter of Request
          definition: The partner's formal request.
          see: fms/letter-of-request
        - term: LOA
          expansion: Letter of Offer and Acceptance
          definition: The offer document.
          see: fms/letter-of-offer-and-acceptance
        - term: EUM
          expansion: End-Use Monitoring
          definition: Checks on the use of transferred articles.
        - term: TCN
          expansion: Transportation Control Number
          definition: Identifies a shipment.
        - term: TCN
          expansion: third-country national
          definition: Neither a U.S. nor a host-nation citizen.
        """,
}


def body(rel: str) -> str:
    """A sample file's text as written to disk (dedented), for tests that append to it."""
    return textwrap.dedent(SAMPLE.get(rel, "---\ntitle: New\n---\n")).lstrip("\n")


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "content", SAMPLE)


@pytest.fixture
def index(tmp_path: Path, content_dir: Path):
    search_index = SearchIndex(tmp_path / "index")
    sync(content_dir, search_index)
    yield search_index
    search_index.close()


def make_app(content_dir: Path, index_dir: Path, instance_dir: Path, **settings):
    """The real app over a content folder and an index; view errors surface in tests (TESTING).

    Its database is not migrated, so the search log is off unless a test asks for it (the
    accounts and search-log tests build migrated apps of their own)."""
    return create_app(
        {
            "CONTENT_DIR": str(content_dir),
            "INDEX_DIR": str(index_dir),
            "SECRET_KEY": "test",
            "INSTANCE_DIR": str(instance_dir),
            "TESTING": True,
            "SEARCH_LOG_DAYS": 0,
            **settings,
        }
    )


def close_app(app) -> None:
    app.extensions["kb.searchlog"].close()  # its writer thread stops, what waits is written
    with app.app_context():
        db.engine.dispose()
    app.extensions["kb.index"].close()
    rebuild = app.extensions.get("kb.rebuild")  # started by the missing-index page
    if rebuild is not None:
        rebuild.wait(60)


@pytest.fixture
def app(tmp_path: Path, content_dir: Path, index: SearchIndex):
    app = make_app(content_dir, index.directory, tmp_path / "instance")
    yield app
    close_app(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    """Flask's CLI runner for ``flask kb ...`` commands against the test app."""
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """One app over the sample content for the read-only web tests (built once per session)."""
    root = tmp_path_factory.mktemp("site")
    content = write_tree(root / "content", SAMPLE)
    search_index = SearchIndex(root / "index")
    sync(content, search_index)
    search_index.close()
    app = make_app(content, root / "index", root / "instance")
    yield app
    close_app(app)


@pytest.fixture(scope="session")
def starter_app(tmp_path_factory):
    """One app over the shipped content/ (read-only tests of the starter content), indexed once."""
    app = indexed_app(ROOT / "content", tmp_path_factory.mktemp("starter"))
    yield app
    close_app(app)


def indexed_app(content_dir: Path, root: Path):
    """The real app over ``content_dir``, its index built in ``root`` first."""
    search_index = SearchIndex(root / "index")
    sync(content_dir, search_index)
    search_index.close()
    return make_app(content_dir, root / "index", root / "instance")


@pytest.fixture
def site_client(site):
    return site.test_client()


def shared_or_skip(relative: str) -> Path:
    """A path in ../shared; skips the test where that folder is absent (a user's clone)."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"{path} not found: this test needs the project's shared test material")
    return path
