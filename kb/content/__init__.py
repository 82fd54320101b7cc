"""Read a content folder into typed records, collecting problems instead of stopping.

Tolerant reader: a broken file is skipped (unreadable) or loaded with safe defaults
(bad metadata); every problem is reported with the file and, where known, the line.
``parse_document`` and ``parse_glossary`` are pure: they take text, not paths on disk.
"""

from .documents import decode, parse_document
from .folder import ParseCache, load_content
from .model import ACCESS_LEVELS, GLOSSARY_FILE, KINDS, REGIONS_FILE, Command, Content, Document, GlossaryEntry, Problem, Step
from .tables import load_yaml_list, parse_glossary, parse_regions

__all__ = [
    "ACCESS_LEVELS",
    "GLOSSARY_FILE",
    "KINDS",
    "REGIONS_FILE",
    "Command",
    "Content",
    "Document",
    "GlossaryEntry",
    "ParseCache",
    "Problem",
    "Step",
    "decode",
    "load_content",
    "load_yaml_list",
    "parse_document",
    "parse_glossary",
    "parse_regions",
]
