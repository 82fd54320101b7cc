"""CSV the app writes, safe to open in a spreadsheet: the one writer of every report's CSV.

Cells hold text that visitors typed (search queries) or that content carries (titles). A cell
that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by spreadsheets
as a formula (``=HYPERLINK(...)`` becomes a live link), so it gets a leading single quote,
as OWASP's "CSV injection" advice says. Numbers are written as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value``, with a ``'`` in front when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The CSV document (``\\n`` line ends) of ``header`` and ``rows``, every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([safe_cell(name) for name in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue()
