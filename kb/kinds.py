"""The registry of document kinds: what each is called, where its files live, how it ranks.

Everything that needs the list of kinds (the loader, the catalog, the index, search, the
API and the templates) reads it here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str  # the ``type`` of its documents in the index and the API
    label: str  # one of them, as a reader says it
    plural: str  # a heading for several
    folder: str | None  # its folder in the content repository (None: not a folder of files)
    endpoint: str  # the page that shows one
    required: str = "title"  # the frontmatter key every file must have
    nested: bool = False  # ids may contain sub-folders (articles)
    boost: float = 1.0  # ranking factor


KINDS: tuple[Kind, ...] = (
    Kind("article", "Article", "Articles", "articles", "pages.article", nested=True),
    Kind("person", "Person", "People", "people", "pages.person", required="name"),
    Kind("area", "Functional area", "Functional areas", "areas", "pages.area"),
    Kind("path", "Onboarding path", "Onboarding paths", "paths", "paths.path"),
    # Glossary entries are short, so BM25 would rank them above the articles that explain a
    # term; the results page shows a searched term's expansions above the results anyway.
    Kind("glossary", "Glossary term", "Glossary", None, "pages.glossary", required="term", boost=0.1),
)
BY_NAME: dict[str, Kind] = {kind.name: kind for kind in KINDS}
FILE_KINDS: tuple[Kind, ...] = tuple(kind for kind in KINDS if kind.folder)
