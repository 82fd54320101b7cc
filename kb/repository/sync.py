"""Content folder -> catalog -> index records -> the index, updating only what changed.

A document is re-rendered when its file, the glossary, or the title of an article it
links to changed; everything else keeps its stored rendering.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import multiprocessing
import os
import time
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from ..access import CONTACT_FIELDS
from ..catalog import Catalog
from ..contacts import redact, redact_html, redact_markdown
from ..content import Content, Document, GlossaryEntry, ParseCache, Problem, load_content
from ..facets import fold_all
from ..git import file_facts, histories, modified_time
from ..health.freshness import Source, load_sources
from ..index import IndexBusy, IndexUnavailable, Record, SearchIndex
from ..index.building import PART_DOCUMENTS
from ..pagedata import AreaData, ArticleData, GlossaryData, Language, PathData, PathStep, PersonData, Sense, role
from ..places import Places

RENDER_VERSION = "8"  # bump when rendering or the record layout changes: forces a re-render
PARSE_CACHE = "parse-cache-3.pickle"  # in the index folder; a new name when parsing changes (3: access and marking read strictly)
WORDS_PER_MINUTE = 200


@dataclass(frozen=True)
class SyncReport:
    added: int
    updated: int
    deleted: int
    unchanged: int
    rebuilt: bool
    seconds: float
    problems: tuple[Problem, ...]

    def summary(self) -> str:
        action = "rebuilt" if self.rebuilt else "updated"
        return (
            f"index {action} in {self.seconds:.2f} s: {self.added} added, {self.updated} changed, "
            f"{self.deleted} deleted, {self.unchanged} unchanged; {len(self.problems)} content problems"
        )


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class _Source:
    """A document or glossary term about to be indexed, before rendering."""

    key: str
    digest: str
    title: str
    doc: Document | None = None
    senses: tuple[GlossaryEntry, ...] = ()


def _sources(catalog: Catalog, cited: dict[str, Source] | None = None) -> list[_Source]:
    glossary_digest = catalog.content.glossary_digest
    cited = cited or {}
    sources = [
        _Source(
            f"{doc.kind}:{doc.id}",
            _hash(
                doc.digest,
                doc.access,  # a stricter reading of the same file re-records it (the file's digest did not change)
                glossary_digest,
                catalog.content.regions_digest,
                ",".join(catalog.areas_of(doc)),
                *catalog.expert_evidence(doc),
                RENDER_VERSION,
                *(repr(cited.get(s)) for s in doc.get("sources", ())),
            ),
            doc.title,
            doc=doc,
        )
        for doc in catalog.content.documents
    ]
    for term, senses in catalog.glossary_terms().items():
        sources.append(_Source(f"glossary:{term}", _hash(repr(senses), RENDER_VERSION), term, senses=tuple(senses)))
    return sources


def _stale_keys(sources: list[_Source], manifest: dict[str, Any]) -> set[str]:
    """Keys to re-render: new or changed, or linking to an article (or an earlier slug of one) that
    appeared, vanished, was renamed, changed its access (public pages render links to staff-only
    articles apart) or its ``redirect_from``."""
    current = {s.key: (s.title, s.doc.access, tuple(s.doc.get("redirect_from", ()))) for s in sources if s.key.startswith("article:") and s.doc}
    previous = {k: (v["title"], v.get("access"), tuple(v.get("moved_from", ()))) for k, v in manifest.items() if k.startswith("article:")}
    moved = set()
    for key in current.keys() | previous.keys():
        if current.get(key) != previous.get(key):  # links to it, and to its earlier slugs, show something else now
            moved.add(key.split(":", 1)[1])
            moved.update(slug for facts in (current.get(key), previous.get(key)) if facts for slug in facts[2])
    stale = set()
    for source in sources:
        before = manifest.get(source.key)
        if before is None or before["digest"] != source.digest or moved.intersection(before.get("links", ())):
            stale.add(source.key)
    return stale


class _Recorder:
    """Builds index records for one content snapshot."""

    def __init__(self, catalog: Catalog, content_dir: Path, cited: dict[str, Source] | None = None, paths: list[str] | None = None) -> None:
        self.catalog = catalog
        self.content_dir = content_dir
        self.cited = cited or {}
        self.paths = paths  # the files about to be rendered, when known: git reads only their history

    @cached_property
    def places(self) -> Places:
        return Places(self.catalog.content.regions)

    def regions_of(self, doc: Document) -> tuple[str, ...]:
        """A document's commands: as written, then those of its countries (from ``regions.yml``)."""
        regions = doc.get("regions", ())
        codes = self.places.commands_for(regions, doc.get("countries", ()))
        return tuple(regions) + tuple(self.places.label(c) for c in codes[len(fold_all(regions)) :])

    @cached_property
    def history(self) -> dict[str, list] | None:
        """Read from git in one pass, only when something is rendered (runs before the pool forks).

        None when the content folder is not a git repository.
        """
        return histories(self.content_dir, self.paths)

    def git_facts(self, doc: Document) -> tuple[dt.datetime | None, dict[str, Any]]:
        """(updated, the file's git facts): from the one pass over the log, else the file's time."""
        commits = (self.history or {}).get(doc.path)
        updated = commits[0].date if commits else modified_time(self.content_dir / doc.path)
        return updated, file_facts(commits, self.history is not None)

    def cited_sources(self, doc: Document) -> tuple[dict[str, Any], ...]:
        """The article's sources with what ``sources.yml`` says of them (unknown ones: no date)."""
        return tuple(self.cited[s].as_dict() if s in self.cited else {"id": s, "changed": None, "note": ""} for s in doc.get("sources", ()))

    def record(self, source: _Source) -> Record:
        if source.doc is None:
            return self._glossary(source)
        doc = source.doc
        rendered = self.catalog.render(doc)
        updated, git = self.git_facts(doc)
        body = dict(
            html=rendered.html,
            path=doc.path,
            headings=rendered.headings,
            minutes=max(1, round(len(rendered.text.split()) / WORDS_PER_MINUTE)),
            git=git,
        )
        # missing targets count as links too, so the page is re-rendered when they appear
        common = dict(
            key=source.key,
            type=doc.kind,
            id=doc.id,
            title=doc.title,
            body=rendered.text,
            links=rendered.links + rendered.missing,
            updated=updated,
            digest=source.digest,
            access=doc.access,  # any kind: one whose access is in doubt is staff-only (kb.content.restriction)
        )
        if doc.kind == "article":
            tags = doc.get("tags", ())
            page = ArticleData(
                **body,
                review_by=doc.get("review_by"),
                related=doc.get("related", ()),
                aliases=doc.get("aliases", ()),
                countries=doc.get("countries", ()),
                regions=self.regions_of(doc),
                marking=doc.get("marking"),
                sources=self.cited_sources(doc),
                reviewed=doc.get("reviewed"),
            )
            facets = {"area": self.catalog.areas_of(doc), "tag": tags, "region": page.regions, "country": page.countries}
            return Record(
                **common,
                summary=doc.get("summary", ""),
                aliases=doc.get("aliases", ()),
                keywords=tuple(t.replace("-", " ") for t in tags),
                facets=facets,
                experts=doc.get("experts", ()),
                moved_from=doc.get("redirect_from", ()),
                page=page,
            )
        if doc.kind == "person":
            return self._person(doc, common, body)
        if doc.kind == "path":
            steps = tuple(PathStep(s.article, s.note) for s in doc.get("steps", ()))
            page = PathData(**body, audience=doc.get("audience", ""), steps=steps)
            notes = " ".join(s.note for s in steps)
            return Record(
                **{**common, "body": f"{rendered.text} {notes}", "links": tuple(dict.fromkeys([*common["links"], *(s.article for s in steps)]))},
                summary=doc.get("summary", ""),
                page=page,
            )
        return Record(**common, summary=doc.get("summary", ""), facets={"area": (doc.id,)}, order=doc.get("order", 100), page=AreaData(**body))

    def _person(self, doc: Document, common: dict[str, Any], body: dict[str, Any]) -> Record:
        # Contact data (the email, phone and location fields, and any address or phone number in
        # the person's text) is never in a searchable field or a snippet, and only the bio as
        # written (``contact_html``) has it, for signed-in staff: the rest is redacted for everyone.
        common, body = self._without_contacts(doc, common, body)
        languages = tuple(Language(item["name"], item["level"]) for item in doc.get("languages", ()))
        page = PersonData(
            **body,
            position=redact(doc.get("title", "")),
            organization=redact(doc.get("organization", "")),
            sco=redact(doc.get("sco", "")),
            email=doc.get("email", ""),
            phone=doc.get("phone", ""),
            location=doc.get("location", ""),
            expertise=tuple(redact(e) for e in doc.get("expertise", ())),
            regions=self.regions_of(doc),
            countries=doc.get("countries", ()),
            languages=languages,
            certification=redact(doc.get("certification", "")),
        )
        names = tuple(language.name for language in languages)
        summary = role(page.position, page.organization)
        keywords = (
            *page.expertise,
            *page.regions,
            *page.countries,
            *names,
            page.certification,
            page.organization,
            *self.catalog.expert_evidence(doc),
        )
        facets = {
            "area": doc.get("areas", ()),
            "region": page.regions,
            "country": page.countries,
            "language": names,
            "organization": (page.organization,),
            "certification": (page.certification,),
            "expertise": page.expertise,
        }
        return Record(**common, summary=summary, keywords=keywords, facets=facets, page=page)

    def _without_contacts(self, doc: Document, common: dict[str, Any], body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """(record fields, page data fields) of a person without contact data; the bio as written
        is kept apart as ``contact_html`` when it has any."""
        own = [doc.get(key) for key in CONTACT_FIELDS if doc.get(key)]
        public = {"text": common["body"], "html": body["html"], "headings": body["headings"]}
        source = redact_markdown(doc.body, own)
        if source != doc.body:  # rendered again, so headings and their anchors lose it too
            rendered = self.catalog.render(dataclasses.replace(doc, body=source))
            public = {"text": rendered.text, "html": rendered.html, "headings": rendered.headings}
        public_html = redact_html(public["html"], own)  # and what the Markdown spelled with entities
        common = {**common, "title": redact(doc.title), "body": redact(public["text"], own)}
        contact_html = body["html"] if public_html != body["html"] else ""
        return common, {**body, "html": public_html, "headings": public["headings"], "contact_html": contact_html}

    @staticmethod
    def _glossary(source: _Source) -> Record:
        senses = tuple(Sense(s.expansion, s.definition, s.see) for s in source.senses)
        page = GlossaryData(senses)
        return Record(
            key=source.key,
            type="glossary",
            id=source.title,
            title=source.title,
            aliases=page.expansions,
            summary="; ".join(page.expansions),
            body=" ".join(s.definition for s in source.senses),
            links=tuple(s.see for s in source.senses if s.see),
            digest=source.digest,
            page=page,
        )


@dataclass
class Memory:
    """What a long-running updater (``kb watch``) keeps between runs, so a run does not reload it.

    Valid while nobody else wrote the index: ``stamp`` is the generation and the manifest
    file's time and size after our own last run; anything else means reading them again.
    """

    cache: ParseCache | None = None
    manifest: dict[str, Any] | None = None
    stamp: tuple | None = None

    def recall(self, index: SearchIndex) -> tuple[ParseCache | None, dict[str, Any] | None]:
        if self.stamp is None or self.stamp != index.manifest_stamp():
            return None, None
        return self.cache, self.manifest

    def keep(self, index: SearchIndex, cache: ParseCache, manifest: dict[str, Any] | None) -> None:
        self.cache, self.manifest, self.stamp = cache.carried(), manifest, index.manifest_stamp()


def sync(
    content_dir: Path | str,
    index: SearchIndex,
    *,
    rebuild: bool = False,
    max_bytes: int = 2_000_000,
    wait: bool = True,
    changed: Collection[str] | None = None,
    memory: Memory | None = None,
    only_if_unreadable: bool = False,
    lock_fd: int | None = None,
) -> SyncReport | None:
    """Bring the index up to date with the content folder (one process at a time).

    With ``wait=False`` it raises ``IndexBusy`` at once when another update holds the lock.
    With ``changed`` (paths relative to the folder, e.g. from ``git diff`` after a pull) only
    those files are read and they are re-rendered even when their text is the same (their
    history grew); without it, or without a previous run, every file's stamp is compared.
    With ``memory`` the parse cache and manifest of the previous run stay in memory.
    With ``only_if_unreadable`` it does nothing and returns None when, once it holds the lock,
    the live index reads well: the rebuild a web worker asked for is done already.
    ``lock_fd`` is the index lock that web worker claimed for this process (``kb.locks.claim``).
    """
    started = time.perf_counter()
    content_dir = Path(content_dir)
    changed = set(changed) if changed is not None else None
    with index.lock(wait, lock_fd) as locked:
        if not locked:
            raise IndexBusy(f"another index update is running in {index.directory}")
        if only_if_unreadable and _readable(index):
            return None
        kept_cache, kept_manifest = memory.recall(index) if memory and not rebuild else (None, None)
        cache = ParseCache() if rebuild else kept_cache or ParseCache.load(index.directory / PARSE_CACHE)
        content = load_content(content_dir, max_bytes, cache, changed=None if rebuild else changed)
        catalog = Catalog(content)
        cited = load_sources(content_dir)[0]
        sources = _sources(catalog, cited)
        manifest = None if rebuild or not index.exists() or index.outdated() else kept_manifest or index.manifest()
        recorder = _Recorder(catalog, content_dir, cited)
        if manifest is None:
            added = _rebuild(index, recorder, sources)
            cache.save(index.directory / PARSE_CACHE)
            if memory:
                memory.keep(index, cache, index.manifest())
            return _report(content, added, 0, 0, 0, True, started)
        stale_keys = _stale_keys(sources, manifest)
        stale = [s for s in sources if s.key in stale_keys or (changed and s.doc and s.doc.path in changed)]
        recorder.paths = [s.doc.path for s in stale if s.doc is not None]
        with _records(recorder, stale) as records:
            records = list(records)
        deleted = sorted(manifest.keys() - {s.key for s in sources})
        added = sum(1 for r in records if r.key not in manifest)
        if records or deleted:
            manifest = index.update(records, deleted, manifest)
        cache.save(index.directory / PARSE_CACHE)
        if memory:
            memory.keep(index, cache, manifest)
        return _report(content, added, len(records) - added, len(deleted), len(sources) - len(records), False, started)


def _readable(index: SearchIndex) -> bool:
    try:
        index.verify(thorough=True)
    except IndexUnavailable:
        return False
    return True


PARALLEL_FROM = 64  # below this many documents a process pool costs more than it saves


def _parallel(count: int) -> int:
    """How many processes to render (and, for a rebuild, index) ``count`` documents in."""
    workers = os.cpu_count() or 1
    return workers if count >= PARALLEL_FROM and "fork" in multiprocessing.get_all_start_methods() else 1


def _rebuild(index: SearchIndex, recorder: _Recorder, sources: list[_Source]) -> int:
    """A new generation: every n-th document of each part rendered and indexed into a segment of its own.

    At least one part per process, and parts small enough to sort in memory (``PART_DOCUMENTS``).
    """
    processes = _parallel(len(sources))
    parts = max(processes, -(-len(sources) // PART_DOCUMENTS))
    if processes > 1:
        recorder.history  # noqa: B018 - read the git history once, before the fork
    return index.rebuild(lambda part: map(recorder.record, sources[part::parts]), parts, processes)


@contextlib.contextmanager
def _records(recorder: _Recorder, sources: list[_Source]) -> Iterator[Iterator[Record]]:
    """Render records, in a pool of forked processes (one per core) when there are many.

    The pool's results stream back in order, so the index writer works while they render.
    """
    workers = _parallel(len(sources))
    if workers == 1:
        yield map(recorder.record, sources)
        return
    recorder.history  # noqa: B018 - read the git history once, before the fork
    with multiprocessing.get_context("fork").Pool(workers, initializer=_adopt, initargs=(recorder,)) as pool:
        yield pool.imap(_record_in_worker, sources, chunksize=8)


_worker_recorder: _Recorder | None = None  # set in each pool process by _adopt (inherited through fork)


def _adopt(recorder: _Recorder) -> None:
    global _worker_recorder
    _worker_recorder = recorder


def _record_in_worker(source: _Source) -> Record:
    return _worker_recorder.record(source)


def _report(content: Content, added: int, updated: int, deleted: int, unchanged: int, rebuilt: bool, started: float) -> SyncReport:
    return SyncReport(added, updated, deleted, unchanged, rebuilt, time.perf_counter() - started, content.problems)
