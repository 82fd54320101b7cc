"""Import people from an HR export: ``flask kb people import FILE.csv [--update] [--dry-run]``.

Each CSV row becomes ``people/<id>.md`` in the content folder. Header names are matched
case-insensitively (spaces, ``_`` and ``-`` alike) through ``COLUMNS``; list cells are
separated by ``;``; a language may carry a level as ``French (ILR 3)`` or ``French: ILR 3``.
The id comes from an ``id`` column or else the slugified name. An existing profile is only
changed with ``--update``, and then keeps its bio and every field the CSV leaves empty.
Every unusable row is reported with its line number and why; any such row makes the
command exit with status 1.
"""

from __future__ import annotations

import csv
import io
import os
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import yaml
from flask import current_app
from flask.cli import AppGroup

from ..content import parse_document

# frontmatter field -> the header names that mean it (compared after ``_header``)
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "person id", "slug"),
    "name": ("name", "full name", "display name"),
    "first_name": ("first name", "given name", "firstname"),
    "last_name": ("last name", "surname", "family name", "lastname"),
    "title": ("title", "job title", "position", "position title"),
    "organization": ("organization", "organisation", "org", "agency", "unit"),
    "email": ("email", "e mail", "email address", "mail"),
    "phone": ("phone", "telephone", "phone number", "work phone"),
    "location": ("location", "duty station", "duty location", "city"),
    "areas": ("areas", "area", "functional areas", "functional area"),
    "expertise": ("expertise", "skills", "specialties", "specialities"),
    "regions": ("regions", "region", "combatant command", "combatant commands", "command", "cocom"),
    "countries": ("countries", "country"),
    "languages": ("languages", "language"),
    "certification": ("certification", "certification level", "sc certification"),
    "sco": ("sco", "security cooperation office"),
    "bio": ("bio", "biography", "about"),
}
LIST_FIELDS = ("areas", "expertise", "regions", "countries", "languages")
FIELD_ORDER = (
    "name",
    "title",
    "organization",
    "sco",
    "email",
    "phone",
    "location",
    "areas",
    "expertise",
    "regions",
    "countries",
    "languages",
    "certification",
)
FRONTMATTER_PARTS = 3  # "", the YAML, the body: a file split at its two "---" lines
PROGRESS_FROM = 50  # rows; shorter files need no progress bar
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LEVEL = re.compile(r"^(?P<name>[^():]+?)\s*(?:\((?P<paren>[^)]*)\)|:\s*(?P<colon>.+))?$")


def _header(text: str) -> str:
    return " ".join(re.sub(r"[_\-]+", " ", str(text or "")).casefold().split())


_BY_HEADER = {name: key for key, names in COLUMNS.items() for name in names}


def slugify(text: str) -> str:
    """``"Kevin O'Donnell"`` -> ``"kevin-odonnell"``; ``"José Núñez"`` -> ``"jose-nunez"``."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    plain = re.sub(r"['’]", "", plain.casefold())
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


@dataclass(frozen=True)
class RowResult:
    line: int
    person_id: str
    action: str  # "created", "updated", "unchanged", "skipped" (exists, no --update) or "failed"
    message: str = ""

    def __str__(self) -> str:
        where = f"line {self.line}"
        who = f" ({self.person_id})" if self.person_id else ""
        return f"{where}{who}: {self.action}" + (f": {self.message}" if self.message else "")


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)
    ignored_columns: tuple[str, ...] = ()
    problems: list[str] = field(default_factory=list)  # about the whole file

    def count(self, action: str) -> int:
        return sum(r.action == action for r in self.rows)

    @property
    def failed(self) -> bool:
        return bool(self.problems) or self.count("failed") > 0


def _languages(cell: str) -> list[Any]:
    found: list[Any] = []
    for item in _cells(cell):
        match = _LEVEL.match(item)
        name = match.group("name").strip() if match else item
        level = (match.group("paren") or match.group("colon") or "").strip() if match else ""
        found.append({"name": name, "level": level} if level else name)
    return found


def _cells(cell: str) -> list[str]:
    return [part.strip() for part in (cell or "").split(";") if part.strip()]


def row_fields(row: dict[str, str]) -> tuple[dict[str, Any], str]:
    """Frontmatter fields and the bio from one row whose keys are frontmatter names."""
    values: dict[str, Any] = {}
    for key, cell in row.items():
        cell = " ".join((cell or "").split()) if key != "bio" else (cell or "").strip()
        if not cell or key in ("id", "first_name", "last_name", "bio"):
            continue
        if key == "languages":
            values[key] = _languages(cell)
        elif key in LIST_FIELDS:
            values[key] = _cells(cell)
        else:
            values[key] = cell
    if "name" not in values:
        name = " ".join(x for x in (row.get("first_name", "").strip(), row.get("last_name", "").strip()) if x)
        if name:
            values["name"] = name
    return values, (row.get("bio") or "").strip()


def _row_problem(values: dict[str, Any], person_id: str, known_areas: set[str] | None) -> str | None:
    if not values.get("name"):
        return "no name (a 'name' column, or 'first name' and 'last name')"
    if not person_id:
        return "no usable id: the id or name has no letters or digits"
    if person_id != slugify(person_id):
        return f"id '{person_id}' must be lower case letters, digits and hyphens"
    if values.get("email") and not _EMAIL.match(values["email"]):
        return f"email '{values['email']}' is not an email address"
    unknown = [a for a in values.get("areas", ()) if known_areas is not None and a not in known_areas]
    if unknown:
        return (
            "unknown functional area " + ", ".join(f"'{a}'" for a in unknown) + (f" (known: {', '.join(sorted(known_areas))})" if known_areas else "")
        )
    return None


def render_profile(meta: dict[str, Any], bio: str) -> str:
    """A person file: frontmatter in the documented key order (others after), then the bio."""
    ordered = {k: meta[k] for k in FIELD_ORDER if k in meta}
    ordered.update({k: v for k, v in meta.items() if k not in ordered})
    front = yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True, width=1000).strip()
    return f"---\n{front}\n---\n{bio.strip()}\n" if bio.strip() else f"---\n{front}\n---\n"


def _existing(path: Path) -> tuple[dict[str, Any], str] | None:
    """(frontmatter as written, bio) of an existing profile, or None when there is none."""
    if not path.exists():
        return None
    raw = path.read_bytes()
    doc, _ = parse_document("person", path.stem, path.name, raw)
    text = raw.decode("utf-8-sig", errors="replace").replace("\r\n", "\n")
    parts = re.split(r"^-{3,}[ \t]*$", text, maxsplit=2, flags=re.MULTILINE)
    meta: dict[str, Any] = {}
    if len(parts) == FRONTMATTER_PARTS:
        try:
            loaded = yaml.safe_load(parts[1])
            meta = loaded if isinstance(loaded, dict) else {}
        except yaml.YAMLError:
            meta = {}
    return meta, doc.body if doc is not None else ""


def import_people(
    csv_text: str,
    content_dir: Path,
    *,
    update: bool = False,
    dry_run: bool = False,
    known_areas: set[str] | None = None,
    progress: Callable[[Iterable], Iterable] | None = None,
) -> ImportReport:
    """Create or update ``people/<id>.md`` files from CSV text; see the module docstring."""
    report = ImportReport()
    table = _read_table(csv_text, report)
    if table is None:
        return report
    keys, rows = table
    people = _People(Path(content_dir) / "people", update, dry_run, known_areas)
    for number, cells in progress(rows) if progress else rows:
        if not any(c.strip() for c in cells):
            continue  # blank line
        if len(cells) > len(keys):
            report.rows.append(RowResult(number, "", "failed", f"{len(cells)} cells but {len(keys)} columns"))
            continue
        report.rows.append(people.save(number, {k: c for k, c in zip(keys, cells, strict=False) if k is not None}))
    return report


def _read_table(csv_text: str, report: ImportReport) -> tuple[list[str | None], list[tuple[int, list[str]]]] | None:
    """(each column's frontmatter key, the rows with their line numbers); None, with the problem reported, when unusable."""
    reader = csv.reader(io.StringIO(csv_text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        report.problems.append(f"line 1: no header row ({exc or 'empty file'})")
        return None
    keys = [_BY_HEADER.get(_header(h)) for h in header]
    report.ignored_columns = tuple(h for h, k in zip(header, keys, strict=True) if k is None and h.strip())
    if "name" not in keys and not {"first_name", "last_name"} <= set(keys):
        report.problems.append("line 1: no 'name' column (nor 'first name' and 'last name'); headers: " + ", ".join(header))
        return None
    rows: list[tuple[int, list[str]]] = []
    line = reader.line_num
    try:
        for cells in reader:
            rows.append((line + 1, cells))
            line = reader.line_num
    except csv.Error as exc:
        report.problems.append(f"line {reader.line_num}: unreadable CSV ({exc}); rows after it not imported")
    return keys, rows


@dataclass
class _People:
    """The people folder being written by one import: what it may do, and the ids already used."""

    folder: Path
    update: bool
    dry_run: bool
    known_areas: set[str] | None
    seen: dict[str, int] = field(default_factory=dict)

    def save(self, number: int, row: dict[str, str]) -> RowResult:
        """One row's profile, created, updated, skipped or failed."""
        values, bio = row_fields(row)
        person_id = (row.get("id") or "").strip() or slugify(values.get("name", ""))
        problem = _row_problem(values, person_id, self.known_areas)
        if problem is None and person_id in self.seen:
            problem = f"id '{person_id}' already used on line {self.seen[person_id]}"
        if problem:
            return RowResult(number, person_id, "failed", problem)
        self.seen[person_id] = number
        path = self.folder / f"{person_id}.md"
        before = _existing(path)
        if before is not None and not self.update:
            return RowResult(number, person_id, "skipped", f"people/{person_id}.md exists (use --update)")
        if before is None:
            text, action = render_profile(values, bio), "created"
        else:
            meta, old_bio = before
            text = render_profile({**meta, **values}, old_bio or bio)  # the profile's own bio wins
            action = "unchanged" if text == path.read_text(encoding="utf-8") else "updated"
        if not self.dry_run and action != "unchanged":
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)
        return RowResult(number, person_id, action, "dry run: nothing written" if self.dry_run else "")


people_cli = AppGroup("people", help="Manage people profiles.")


@people_cli.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--update", is_flag=True, help="Also update existing profiles (their bio is kept).")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
def import_command(csv_file: Path, update: bool, dry_run: bool) -> None:
    """Create people/<id>.md profiles from an HR CSV export (see README for the columns)."""
    content_dir = Path(current_app.config["CONTENT_DIR"])
    areas_dir = content_dir / "areas"
    known_areas = {p.stem for p in areas_dir.glob("*.md")} if areas_dir.is_dir() else None
    try:
        text = csv_file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{csv_file} is not UTF-8 ({exc}); export it as UTF-8 CSV") from None

    def progress(rows):
        if len(rows) < PROGRESS_FROM:
            yield from rows
            return
        with click.progressbar(rows, label=f"Importing {len(rows)} rows", file=sys.stderr) as bar:
            yield from bar

    report = import_people(text, content_dir, update=update, dry_run=dry_run, known_areas=known_areas, progress=progress)
    for problem in report.problems:
        click.echo(f"{csv_file}: {problem}", err=True)
    if report.ignored_columns:
        click.echo(f"{csv_file}: columns ignored: {', '.join(report.ignored_columns)}", err=True)
    for row in report.rows:
        if row.action in ("failed", "skipped"):
            click.echo(f"{csv_file}: {row}", err=True)
        else:
            click.echo(f"{csv_file}: {row}")
    counts = ", ".join(f"{report.count(a)} {a}" for a in ("created", "updated", "unchanged", "skipped", "failed"))
    click.echo(("dry run, nothing written: " if dry_run else "") + counts, err=True)
    if report.failed:
        raise SystemExit(1)
