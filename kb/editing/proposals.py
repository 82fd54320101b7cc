"""Proposals: a reader's edit kept on its own branch (``proposals/<id>-<slug>``) until a reviewer publishes it.

The branch is written with git plumbing (``kb.gitbranches.commit_to_branch``), so the checked-out main
branch and its work tree stay as they are until a reviewer approves: then the branch is merged
with a merge commit naming proposer and approver, under the updater's lock as a save is, and the
file is indexed as ``kb sync`` does. The database keeps who proposed what and the review's state
and comments; git keeps the text.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column

from .. import git, gitbranches
from ..access import Reader, levels
from ..accounts.models import User, db, utcnow
from ..directory.accounts import expert_accounts
from ..locks import file_lock
from ..media import MEDIA_FOLDER
from ..pages.diffs import Hunk, line_diff
from ..repository.updater import LOCK_FILE
from .checks import Evaluation, evaluate
from .service import Edit, Outcome, Workspace, _index, starting_text

log = logging.getLogger(__name__)
STATES = ("open", "changes_requested", "approved", "declined")
PENDING = ("open", "changes_requested")
MAX_COMMENT_CHARS = 2000
MERGED_ELSEWHERE = "Merged in the central repository."


class Proposal(db.Model):
    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch: Mapped[str] = mapped_column(String(200), default="")
    slug: Mapped[str] = mapped_column(String(200), index=True)  # the article's id, from the index
    path: Mapped[str] = mapped_column(String(300))  # the file, relative to the content folder
    proposer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="open", index=True)
    message: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ProposalComment(db.Model):
    """A reviewer's request for changes, reason to decline, or approval note."""

    __tablename__ = "proposal_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    author_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # the state it set
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


@dataclass(frozen=True)
class Change:
    """What a reviewer sees of a proposal: the file before and after, as rows, and the checker's result."""

    before: str | None
    after: str | None
    hunks: tuple[Hunk, ...]
    evaluation: Evaluation | None
    tip: str | None


def branch_name(proposal_id: int, slug: str) -> str:
    """``proposals/<id>-<slug>``: the article id's slashes and anything but a-z0-9 become hyphens."""
    safe = "-".join(re.findall(r"[a-z0-9]+", slug.lower()))[:120] or "article"
    return f"proposals/{int(proposal_id)}-{safe}"


def propose(
    workspace: Workspace, edit: Edit, slug: str, proposer: User, today: dt.date, media: dict[str, bytes] | None = None
) -> tuple[Outcome, Proposal | None]:
    """Check the edit and keep it on a new proposal branch by ``proposer``, with ``media`` (path below the
    content folder -> bytes, checked by ``kb.editing.uploads.checked_media``); errors block as for a save."""
    media = media or {}
    text = starting_text(workspace, edit)
    evaluation = evaluate(workspace.content_dir, edit.path, text, today, workspace.limits, media=_names(media))
    if evaluation.blocked:
        return Outcome("invalid", text, edit.base, evaluation), None
    parent = edit.base or git.head(workspace.content_dir)
    if git.file_at(workspace.content_dir, parent or "", edit.path) == text and not media:
        return Outcome("unchanged", text, parent, evaluation), None
    proposal = Proposal(slug=slug, path=edit.path, proposer_id=proposer.id, message=edit.message)
    db.session.add(proposal)
    db.session.flush()
    proposal.branch = branch_name(proposal.id, slug)
    try:
        sha = gitbranches.commit_to_branch(
            workspace.content_dir, proposal.branch, parent or "", {edit.path: text, **media}, edit.message, (_identity(proposer), workspace.committer)
        )
    except git.GitError as exc:
        db.session.rollback()
        log.error("proposals: could not keep the proposal to %s: %s", slug, exc)
        return Outcome("failed", text, edit.base, evaluation, notes=(f"The proposal could not be kept and nothing was changed: {exc}",)), None
    db.session.commit()
    return Outcome("saved", text, sha, evaluation, commit=sha), proposal


def revise(workspace: Workspace, proposal: Proposal, edit: Edit, proposer: User, today: dt.date, media: dict[str, bytes] | None = None) -> Outcome:
    """A new commit on the proposal's branch (the form must have been loaded at its tip), with ``media`` as
    for ``propose``; the review reopens."""
    media = media or {}
    tip = gitbranches.branch_head(workspace.content_dir, proposal.branch)
    text = starting_text(workspace, edit)
    if tip is None or edit.base != tip:
        return Outcome("conflict", text, tip, theirs=git.file_at(workspace.content_dir, tip or "", proposal.path))
    carried = _names(media) | branch_media(workspace.content_dir, tip)
    evaluation = evaluate(workspace.content_dir, proposal.path, text, today, workspace.limits, media=carried)
    if evaluation.blocked:
        return Outcome("invalid", text, tip, evaluation)
    try:
        sha = gitbranches.commit_to_branch(
            workspace.content_dir, proposal.branch, tip, {proposal.path: text, **media}, edit.message, (_identity(proposer), workspace.committer)
        )
    except git.GitError as exc:
        return Outcome("failed", text, tip, evaluation, notes=(f"The revision could not be kept: {exc}",))
    _set_state(proposal, "open")
    db.session.commit()
    return Outcome("saved", text, sha, evaluation, commit=sha)


def change_of(workspace: Workspace, proposal: Proposal, today: dt.date) -> Change:
    """The proposal's change since the commit it started from, checked against the content as it is now."""
    directory = workspace.content_dir
    tip = gitbranches.branch_head(directory, proposal.branch)
    if tip is None:
        return Change(None, None, (), None, None)
    base = gitbranches.merge_base(directory, git.head(directory) or "", tip)
    before = git.file_at(directory, base, proposal.path) if base else None
    after = git.file_at(directory, tip, proposal.path)
    media = branch_media(directory, tip)
    evaluation = evaluate(directory, proposal.path, after, today, workspace.limits, media=media) if after is not None else None
    return Change(before, after, line_diff(before, after), evaluation, tip)


def branch_media(content_dir, tip: str) -> set[str]:
    """Names (below media/) of the media files a proposal's branch adds or changes since it left the main branch."""
    base = gitbranches.merge_base(content_dir, git.head(content_dir) or "", tip)
    changes = git.changed_paths(content_dir, base, tip) if base else None
    return _names({path: b"" for status, path in changes or () if status != "D" and path.startswith(f"{MEDIA_FOLDER}/")})


def _names(media: dict[str, bytes]) -> set[str]:
    return {path.removeprefix(f"{MEDIA_FOLDER}/") for path in media}


def approve(workspace: Workspace, proposal: Proposal, approver: User, today: dt.date) -> str:
    """Merge and index; "published", or, with nothing published: "gone" (the branch is missing),
    "invalid" (the checker finds errors against today's content), "conflict"."""
    change = change_of(workspace, proposal, today)
    if change.tip is None or change.after is None:
        return "gone"
    if change.evaluation is not None and change.evaluation.blocked:
        return "invalid"
    proposer = db.session.get(User, proposal.proposer_id)
    message = (
        f"Publish proposal {proposal.id}: {proposal.message or proposal.slug}\n\n"
        f"Proposed-by: {_signature(proposer)}\nApproved-by: {_signature(approver)}\n"
    )
    with file_lock(workspace.index.directory / LOCK_FILE):
        merged = gitbranches.merge_branch(workspace.content_dir, proposal.branch, message, (_identity(approver), workspace.committer))
        if merged is None:
            return "conflict"
        _index(workspace, proposal.path)
    _set_state(proposal, "approved")
    _comment(proposal, approver, "approved", f"Approved and published by {approver.name}.")
    db.session.commit()
    return "published"


def settle_merged(content_dir) -> list[Proposal]:
    """After a pull: the pending proposals whose branches the main branch has merged (a merge request merged on
    GitLab) become approved, "merged in the central repository"; every merged branch is then deleted here, so
    that no later push brings back one another server approved. A branch deleted unmerged changes nothing."""
    target = git.upstream(content_dir)
    merged = gitbranches.merged_proposals(content_dir, target.remote if target is not None else None)
    if not merged:
        return []
    settled = list(db.session.scalars(select(Proposal).where(Proposal.branch.in_(sorted(merged)), Proposal.state.in_(PENDING))))
    for proposal in settled:
        _set_state(proposal, "approved")
        db.session.add(ProposalComment(proposal_id=proposal.id, author_name="The central repository", kind="approved", text=MERGED_ELSEWHERE))
    db.session.commit()
    for branch in merged:
        gitbranches.retire_branch(content_dir, branch, None)
    return settled


def review(proposal: Proposal, reviewer: User, state: str, comment: str) -> None:
    """Request changes or decline, with the reviewer's comment (the proposer reads it on /me)."""
    if state not in ("changes_requested", "declined"):
        raise ValueError(state)
    _set_state(proposal, state)
    _comment(proposal, reviewer, state, comment[:MAX_COMMENT_CHARS])
    db.session.commit()


def may_review(index, reader: Reader, slug: str) -> bool:
    """Editors and admins, and the article's experts; never someone who may not read the article.
    A proposed new article (in no access level yet): editors and admins, who are staff."""
    if reader.user_id is not None and reader.staff and reader.has_role("editor") and is_new_article(index, slug):
        return True
    if reader.user_id is None or not may_see_article(index, reader, slug):
        return False
    return reader.has_role("editor") or any(u.id == reader.user_id for u in expert_accounts(index, slug))


def may_review_proposal(index, reader: Reader, proposal: Proposal, second_person: bool = False) -> bool:
    """``may_review``, except that an expert never reviews their own proposal; nor does an editor when
    ``second_person`` (``KB_REVIEW_SECOND_PERSON``; without it editors publish their own edits anyway)."""
    own = proposal.proposer_id == reader.user_id and (second_person or not reader.has_role("editor"))
    return not own and may_review(index, reader, proposal.slug)


def needs_second_person(access: str, second_person: bool) -> bool:
    """Whether a change to an article of this access level must be a proposal someone else approves."""
    return second_person and access != "public"


def is_new_article(index, slug: str) -> bool:
    """No article has this id, at any access level (a proposal that adds it)."""
    return index.get(f"article:{slug}", ("public", "staff")) is None


def may_see_article(index, reader: Reader, slug: str) -> bool:
    return index.get(f"article:{slug}", levels(reader)) is not None


def reviewable(index, reader: Reader, second_person: bool = False) -> list[Proposal]:
    """The pending proposals this reader may review, oldest first."""
    pending = db.session.scalars(select(Proposal).where(Proposal.state.in_(PENDING)).order_by(Proposal.created_at, Proposal.id))
    return [p for p in pending if may_review_proposal(index, reader, p, second_person)]


def pending_count(index, reader: Reader, slug: str) -> int:
    """How many pending proposals to ``slug`` this reader may review (the article page's notice)."""
    count = db.session.scalar(select(func.count(Proposal.id)).where(Proposal.slug == slug, Proposal.state.in_(PENDING))) or 0
    return count if count and may_review(index, reader, slug) else 0


def proposals_of(user_id: int) -> list[Proposal]:
    return list(db.session.scalars(select(Proposal).where(Proposal.proposer_id == user_id).order_by(Proposal.id.desc())))


def comments_of(proposal: Proposal) -> list[ProposalComment]:
    return list(db.session.scalars(select(ProposalComment).where(ProposalComment.proposal_id == proposal.id).order_by(ProposalComment.id)))


def _set_state(proposal: Proposal, state: str) -> None:
    proposal.state = state
    proposal.updated_at = utcnow()


def _comment(proposal: Proposal, author: User, kind: str, text: str) -> None:
    db.session.add(ProposalComment(proposal_id=proposal.id, author_id=author.id, author_name=author.name, kind=kind, text=text))


def _identity(user: User) -> git.Identity:
    return git.Identity(user.name, user.email)


def _signature(user: User | None) -> str:
    return f"{user.name} <{user.email}>" if user is not None else "a removed account"
