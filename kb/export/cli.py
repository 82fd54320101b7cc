"""``flask kb export``: write, verify or update an offline bundle."""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..access import Reader, levels
from ..health.checker import check_folder
from ..health.problems import problem_lines
from ..index import IndexUnavailable
from ..index.store import describe
from ..web.exports import ACCESS_LEVELS
from .build import build, edition_of
from .bundle import files_of, write_zip
from .updates import old_manifest, same_kind, write_update_facts
from .verify import verify

FILE = click.Path(dir_okay=False, path_type=Path)


@click.command("export")
@click.option("--access", type=click.Choice(ACCESS_LEVELS), default="public", show_default=True, help="Who the copy is for.")
@click.option("--out", type=FILE, help="The ZIP file to write.")
@click.option("--area", "areas", multiple=True, help="Only this functional area's articles (repeatable).")
@click.option("--with-contacts", is_flag=True, help="People's email, phone and location (--access staff only).")
@click.option("--since", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Write an update to this older bundle.")
@click.option("--verify", "verify_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Check a bundle against its manifest.")
@with_appcontext
def export_command(access: str, out: Path | None, areas: tuple[str, ...], with_contacts: bool, since: Path | None, verify_file: Path | None) -> None:
    """Write an offline copy of the site (a static, dated ZIP with a manifest), or --verify one.

    Exit 1 when the bundle cannot be written or does not verify; 2 for a wrong option."""
    key = current_app.config["EXPORT_SIGNING_KEY"]
    if verify_file is not None:
        _verify(verify_file, key)
        return
    if out is None:
        raise click.UsageError("--out FILE.zip is required (or --verify FILE.zip)")
    if with_contacts and access != "staff":
        raise click.BadParameter("contact data goes into staff bundles only: add --access staff", param_hint="'--with-contacts'")
    chosen = _chosen_areas(areas, access)
    _report_content_problems()
    edition = edition_of(current_app, access, with_contacts)
    try:
        _write(edition, chosen, out, since, key)
    except OSError as error:
        click.echo(f"error: could not write the bundle {out}: {describe(error)}. Nothing was written under that name.", err=True)
        sys.exit(1)
    except ValueError as error:  # --since names no usable bundle
        click.echo(f"error: {error}", err=True)
        sys.exit(1)


def _verify(path: Path, key: str) -> None:
    problems = verify(path, key)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        click.echo(f"{path}: does NOT verify ({len(problems)} problems)", err=True)
        sys.exit(1)
    click.echo(f"{path}: every file matches the manifest{' and its signature' if key else ''}")


def _chosen_areas(areas: tuple[str, ...], access: str) -> frozenset[str] | None:
    """``--area`` values: areas this access level may see, else a usage error (exit 2) listing them."""
    if not areas:
        return None
    try:
        known = sorted(doc.id for doc in current_app.extensions["kb.index"].find(levels(Reader(staff=access == "staff")), type="area"))
    except IndexUnavailable as missing:
        raise click.ClickException(f"{missing}: run 'flask kb index' first") from None
    unknown = [area for area in areas if area not in known]
    if unknown:
        message = f"'{unknown[0]}' is not a functional area. Choose from: {', '.join(known) or '(none indexed)'}."
        raise click.BadParameter(message, param_hint="'--area'")
    return frozenset(areas)


def _report_content_problems() -> None:
    """Content problems, ``path:line: severity: message`` on stderr: such files are exported as the site
    shows them (with safe defaults: staff-only where their access is in doubt)."""
    cfg = current_app.config
    content = Path(cfg["CONTENT_DIR"])
    if not content.is_dir():
        return
    result = check_folder(
        content,
        dt.date.today(),
        max_bytes=cfg["MAX_FILE_BYTES"],
        stale_after_days=cfg["STALE_AFTER_DAYS"],
        markings=current_app.extensions["kb.markings"],
    )
    for line in problem_lines(result.problems):
        click.echo(line, err=True)


def _write(edition, areas: frozenset[str] | None, out: Path, since: Path | None, key: str) -> None:
    """Build in a folder beside ``out``, then write the ZIP (full, or the update since ``since``)."""
    old = old_manifest(since) if since is not None else None
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}.") as staging:
        folder = Path(staging) / "bundle"
        folder.mkdir()
        manifest = build(current_app, edition, areas, folder, key)
        if old is None:
            write_zip(folder, files_of(folder), out)
            click.echo(f"wrote {out}: {len(manifest['files'])} files, {edition.access} copy as of {edition.date} (commit {edition.commit})")
            return
        mismatch = same_kind(old[0], manifest)
        if mismatch:
            raise ValueError(mismatch)
        names = write_update_facts(folder, old[0], old[1], manifest)
        write_zip(folder, names, out)
        click.echo(f"wrote {out}: an update from commit {old[0].get('commit')} to {edition.commit}, {len(names)} files")
