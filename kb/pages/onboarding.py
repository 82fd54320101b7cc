"""Onboarding paths as a reader sees them: steps resolved, reading times, and progress.

The path structure comes from the index (cached per index generation and access level,
never with anyone's progress in it); a user's progress is a set of done slugs from the
accounts database, laid over it by ``with_progress``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from ..access import Reader, levels
from ..index import Doc, SearchIndex
from .library import NotFound

EVERY_LEVEL = ("public", "staff")


@dataclass(frozen=True)
class Step:
    slug: str
    note: str
    article: Doc | None  # None: renamed or removed, shown as unavailable
    done: bool = False

    @property
    def available(self) -> bool:
        return self.article is not None

    @property
    def minutes(self) -> int:
        return self.article.page.minutes if self.article else 0


@dataclass(frozen=True)
class OnboardingPath:
    id: str
    title: str
    summary: str
    audience: str
    html: str
    steps: tuple[Step, ...]

    @property
    def available_steps(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.available)

    @property
    def total(self) -> int:
        return len(self.available_steps)

    @property
    def done(self) -> tuple[str, ...]:
        return tuple(s.slug for s in self.available_steps if s.done)

    @property
    def minutes(self) -> int:
        return sum(s.minutes for s in self.steps)

    @property
    def minutes_left(self) -> int:
        return sum(s.minutes for s in self.available_steps if not s.done)

    @property
    def next_step(self) -> Step | None:
        return next((s for s in self.available_steps if not s.done), None)

    @property
    def percent(self) -> int:
        return round(100 * len(self.done) / self.total) if self.total else 0

    def with_progress(self, done: set[str]) -> OnboardingPath:
        return replace(self, steps=tuple(replace(s, done=s.available and s.slug in done) for s in self.steps))


class Onboarding:
    """The onboarding paths for one reader."""

    def __init__(self, index: SearchIndex, reader: Reader) -> None:
        self.index = index
        self.access = levels(reader)

    def paths(self) -> list[OnboardingPath]:
        return self.index.per_generation(
            f"onboarding:{','.join(self.access)}", lambda: [self._resolve(doc) for doc in self.index.find(self.access, type="path")]
        )

    def path(self, path_id: str) -> OnboardingPath:
        found = next((p for p in self.paths() if p.id == path_id), None)
        if found is None:
            raise NotFound(f"path {path_id!r}")
        return found

    def _resolve(self, doc: Doc) -> OnboardingPath:
        steps = []
        for step in doc.page.steps:
            article = self._article(step.article)
            if article is not None and article.access not in self.access:
                continue  # a step this reader may not see does not exist for them (nor its slug, nor its note)
            steps.append(Step(step.article, step.note, article))
        return OnboardingPath(doc.id, doc.title, doc.summary, doc.page.audience, doc.page.html, tuple(steps))

    def _article(self, slug: str) -> Doc | None:
        """The article a step names, by its slug or an earlier one (``redirect_from``), whoever may see it."""
        found = self.index.get(f"article:{slug}", EVERY_LEVEL)
        if found is None:
            moved = self.index.find(EVERY_LEVEL, type="article", moved_from=slug, limit=1)
            found = moved[0] if moved else None
        return found


@dataclass(frozen=True)
class PathBar:
    """Where an article sits in a path the reader follows: "Step 3 of 12 · <path title>"."""

    path: OnboardingPath
    step: Step
    number: int
    previous: Step | None
    next: Step | None


def path_bar(path: OnboardingPath, article_id: str) -> PathBar | None:
    """The bar for the article ``article_id`` read in ``path``; None when the path has no such step."""
    steps = path.available_steps
    for number, step in enumerate(steps, start=1):
        if step.article is not None and step.article.id == article_id:
            before = steps[number - 2] if number > 1 else None
            after = steps[number] if number < len(steps) else None
            return PathBar(path, step, number, before, after)
    return None


def progress(paths: list[OnboardingPath], done: Mapping[str, set[str]]) -> list[OnboardingPath]:
    """Every path with the user's done marks."""
    return [p.with_progress(done.get(p.id, set())) for p in paths]
