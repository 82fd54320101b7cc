"""Index records from one content snapshot: what is about to be indexed (``Pending``), which of
it changed since the manifest (``stale_keys``), and each document rendered into its record
(``Recorder``), the page data of its kind included.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from ..access import CONTACT_FIELDS
from ..catalog import Catalog
from ..contacts import redact, redact_html, redact_markdown
from ..content import Document, GlossaryEntry
from ..facets import fold_all
from ..git import file_facts, histories, modified_time
from ..health.freshness import Source
from ..index import Record
from ..pagedata import AreaData, ArticleData, GlossaryData, Language, PathData, PathStep, PersonData, Sense, role
from ..places import Places

RENDER_VERSION = "12"  # bump when rendering or the record layout changes: forces a re-render
WORDS_PER_MINUTE = 200


def digest_of(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class Pending:
    """A document or glossary term about to be indexed, before rendering."""

    key: str
    digest: str
    title: str
    doc: Document | None = None
    senses: tuple[GlossaryEntry, ...] = ()


def pending_of(catalog: Catalog, cited: dict[str, Source] | None = None) -> list[Pending]:
    glossary_digest = catalog.content.glossary_digest
    cited = cited or {}
    sources = [
        Pending(
            f"{doc.kind}:{doc.id}",
            digest_of(
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
        sources.append(Pending(f"glossary:{term}", digest_of(repr(senses), RENDER_VERSION), term, senses=tuple(senses)))
    return sources


def stale_keys(sources: list[Pending], manifest: dict[str, Any]) -> set[str]:
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


def earlier_paths(doc: Document) -> list[str]:
    """The files an article was at before it was renamed (its ``redirect_from`` slugs)."""
    return [f"articles/{slug}.md" for slug in doc.get("redirect_from", ())] if doc.kind == "article" else []


class Recorder:
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
        if self.paths is None:
            return histories(self.content_dir, None)
        wanted = set(self.paths)
        earlier = [path for doc in self.catalog.content.documents if doc.path in wanted for path in earlier_paths(doc)]
        return histories(self.content_dir, [*self.paths, *earlier])

    def resolved(self, slug: str) -> str:
        """The slug an article is at now, when ``slug`` is an earlier one (its ``redirect_from``)."""
        return self.catalog.moved.get(slug, slug)

    def git_facts(self, doc: Document) -> tuple[dt.datetime | None, dict[str, Any]]:
        """(updated, the file's git facts): from the one pass over the log, else the file's time.

        A renamed article's history follows it: the commits of its earlier files (``redirect_from``) count too.
        """
        found = self.history or {}
        commits = found.get(doc.path)
        for path in earlier_paths(doc):
            commits = sorted({c.sha: c for c in (commits or []) + found.get(path, [])}.values(), key=lambda c: c.date, reverse=True)
        updated = commits[0].date if commits else modified_time(self.content_dir / doc.path)
        return updated, file_facts(commits, self.history is not None)

    def cited_sources(self, doc: Document) -> tuple[dict[str, Any], ...]:
        """The article's sources with what ``sources.yml`` says of them (unknown ones: no date)."""
        return tuple(self.cited[s].as_dict() if s in self.cited else {"id": s, "changed": None, "note": ""} for s in doc.get("sources", ()))

    def record(self, source: Pending) -> Record:
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
        # missing targets count as links too, so the page is re-rendered when they appear; and the
        # articles its text names, so a slug written out is masked once that article is staff-only
        common = dict(
            key=source.key,
            type=doc.kind,
            id=doc.id,
            title=doc.title,
            body=rendered.text,
            links=tuple(dict.fromkeys(rendered.links + rendered.missing + rendered.mentions)),
            updated=updated,
            digest=source.digest,
            access=doc.access,  # any kind: one whose access is in doubt is staff-only (kb.content.restriction)
        )
        build = {"article": self._article, "person": self._person, "path": self._path}.get(doc.kind, self._area)
        return build(doc, common, body)

    def _article(self, doc: Document, common: dict[str, Any], body: dict[str, Any]) -> Record:
        tags = doc.get("tags", ())
        page = ArticleData(
            **body,
            review_by=doc.get("review_by"),
            related=tuple(self.resolved(slug) for slug in doc.get("related", ())),
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

    def _path(self, doc: Document, common: dict[str, Any], body: dict[str, Any]) -> Record:
        steps = tuple(PathStep(s.article, s.note) for s in doc.get("steps", ()))
        # the note of a step through a staff-only article is shown with that step only: a public
        # path's searchable text leaves it out, as its page does for readers who may not see it
        notes = " ".join(s.note for s in steps if not (doc.public and self.catalog.staff_only(s.article)))
        return Record(
            **{**common, "body": f"{common['body']} {notes}", "links": tuple(dict.fromkeys([*common["links"], *(s.article for s in steps)]))},
            summary=doc.get("summary", ""),
            page=PathData(**body, audience=doc.get("audience", ""), steps=steps),
        )

    @staticmethod
    def _area(doc: Document, common: dict[str, Any], body: dict[str, Any]) -> Record:
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

    def _glossary(self, source: Pending) -> Record:
        senses = tuple(Sense(s.expansion, s.definition, s.see and self.resolved(s.see)) for s in source.senses)
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
