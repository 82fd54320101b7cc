"""The site the hunt attacks: the starter content as a git repository, plus a staff-only and a
marked (CUI) article full of planted words, and public documents that point at both every way.

Each planted word is made up, used nowhere else, and sits in one place of the hidden articles
(title, summary, body, tag, alias, heading, link text, slug, earlier slug), so a leak names the
field it came from. ``build_site`` writes it as five commits, so History and diff pages exist.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from ..conftest import ROOT
from ..gitrepo import commit, init

STAFF_SLUG = "fms/vexquill-protocol"
OLD_STAFF_SLUG = "fms/old-vexquill"
CUI_SLUG = "logistics/tarnwhistle-ledger"
PUBLIC_SLUG = "fms/escalation-notes"
PERSON = "quentin-harrow"
PATH = "escalation-onboarding"

# word -> where it is planted
PLANTED = {
    "vexquill": "staff title and slug",
    "plumbrix": "staff summary",
    "quantorix": "staff body",
    "glimmerfax": "staff tag",
    "snorbleton": "staff alias",
    "zqxv": "staff acronym alias",
    "frobnitzel": "staff heading",
    "wobblequist": "staff link text",
    "tarnwhistle": "CUI title and slug",
    "dravlintok": "CUI summary",
    "pelliscrum": "CUI body",
    "skorvane": "CUI tag",
    "brindlemop": "CUI alias",
    "huxtaply": "CUI heading",
    "crumblefenn": "CUI link text",
    "gorplenix": "the note of the staff step of a public path",
    "marrowquench": "a commit message of a commit to the staff article only",
}
LEAK = re.compile(r"\b(?:" + "|".join(PLANTED) + r")\b", re.IGNORECASE)
NONSENSE = "zzyzxqwop"  # in no document: what a planted word must look like to an anonymous reader
HIDDEN_COUNTRY = "Tuvalu"  # only the staff article names it (regions.yml lists it)

STAFF = f"""---
title: Vexquill escalation protocol
summary: Plumbrix handling of internal escalations.
areas: [fms]
access: staff
tags: [glimmerfax, case-development]
aliases: [snorbleton, ZQXV]
experts: [maria-delgado, {PERSON}]
related: [{CUI_SLUG}, fms/letter-of-request]
countries: [{HIDDEN_COUNTRY}]
regions: [INDOPACOM]
redirect_from: [{OLD_STAFF_SLUG}]
---
The quantorix procedure starts with a [[fms/letter-of-request|wobblequist request]] and ends
in the [[{CUI_SLUG}]].

## Frobnitzel stages

Each stage is reviewed by the case manager.
"""

CUI = f"""---
title: Tarnwhistle ledger reconciliation
summary: Dravlintok entries of the ledger.
areas: [logistics]
marking: CUI
tags: [skorvane]
aliases: [brindlemop]
experts: [{PERSON}]
related: [{STAFF_SLUG}]
---
The pelliscrum reconciliation follows [crumblefenn](../fms/vexquill-protocol.md#frobnitzel-stages).

## Huxtaply checks

Monthly.
"""

PUBLIC = f"""---
title: Public escalation notes
summary: What anyone may know about escalations of FMS cases.
areas: [fms]
tags: [case-development]
experts: [{PERSON}]
related: [{STAFF_SLUG}, {CUI_SLUG}, fms/letter-of-request]
---
Escalations start with a [[fms/letter-of-request]]. Staff read [[{STAFF_SLUG}]],
[[{CUI_SLUG}|the ledger]], [the protocol](vexquill-protocol.md),
[its stages](../fms/vexquill-protocol.md#frobnitzel-stages), [checks](/articles/{CUI_SLUG}#huxtaply-checks)
and [[{OLD_STAFF_SLUG}]]. Bookmarks: [the full address](https://kb.example.mil/articles/{STAFF_SLUG}),
[its history](/articles/{CUI_SLUG}/-/history), <a href="//kb.example.mil/articles/{STAFF_SLUG}.md">the file</a>,
<https://kb.example.mil/articles/{CUI_SLUG}>. Staff also call it {STAFF_SLUG} or `{OLD_STAFF_SLUG}`.
"""

PERSON_TEXT = f"""---
name: Quentin Harrow
title: Escalation Officer
organization: DSCA
email: quentin.harrow@example.mil
areas: [fms]
expertise: [case escalation]
---
Quentin keeps [[{STAFF_SLUG}]] and [the ledger](../articles/{CUI_SLUG}.md) current,
and answers questions on [[{OLD_STAFF_SLUG}]].
"""

PATH_TEXT = f"""---
title: Escalation onboarding
summary: Three steps for new escalation officers.
steps:
  - article: fms/letter-of-request
    note: Where every case starts.
  - article: {STAFF_SLUG}
    note: Read the gorplenix checklist.
  - {CUI_SLUG}
  - article: {OLD_STAFF_SLUG}
    note: The protocol under its earlier slug.
  - {PUBLIC_SLUG}
---
Welcome.
"""

GLOSSARY_ENTRY = f"""
- term: EPX
  expansion: escalation protocol index
  definition: The list of escalation steps.
  see: {STAFF_SLUG}
"""


def build_site(root: Path) -> Path:
    """The content repository at ``root``: the starter content, then the hidden articles and
    what points at them, then edits; returns ``root``."""
    shutil.copytree(ROOT / "content", root)
    init(root)
    commit(root, "john", "Starter content", when="2026-01-05T09:00:00Z")
    glossary = (root / "glossary.yml").read_text(encoding="utf-8") + GLOSSARY_ENTRY
    first = {f"articles/{STAFF_SLUG}.md": STAFF.replace("## Frobnitzel stages\n\n", ""), f"articles/{CUI_SLUG}.md": CUI}
    commit(root, "maria", f"Add the escalation protocol {STAFF_SLUG}", first, when="2026-02-01T09:00:00Z")
    others = {f"articles/{PUBLIC_SLUG}.md": PUBLIC, f"people/{PERSON}.md": PERSON_TEXT, f"paths/{PATH}.md": PATH_TEXT, "glossary.yml": glossary}
    commit(root, "maria", f"Notes: link {STAFF_SLUG} and {CUI_SLUG}", others, when="2026-02-02T09:00:00Z")
    commit(root, "maria", "Marrowquench: the stages", {f"articles/{STAFF_SLUG}.md": STAFF}, when="2026-02-03T09:00:00Z")
    notes = PUBLIC + "\nAsk the case manager first.\n"
    both = {f"articles/{PUBLIC_SLUG}.md": notes, f"articles/{CUI_SLUG}.md": CUI + "\nQuarterly too.\n"}
    commit(root, "maria", f"Notes and {CUI_SLUG}: one more line each", both, when="2026-02-04T09:00:00Z")
    return root
