"""The one CSV writer: cells a spreadsheet would run as a formula get a leading quote (OWASP)."""

from __future__ import annotations

import csv
import io

import pytest

from kb.csvfile import csv_text, safe_cell


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("https://evil.example","x")'])
def test_a_formula_start_gets_a_quote(cell):
    assert safe_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["letter of request", "a=b", "1-2", "'quoted", "", 3, -3, 0.5, None])
def test_other_cells_stay_as_they_are(cell):
    assert safe_cell(cell) == cell


def test_csv_text_makes_every_cell_safe_and_still_parses():
    document = csv_text(["query", "count"], [["=1+1", 2], ['he said "hi", twice', -1]])
    assert list(csv.reader(io.StringIO(document))) == [["query", "count"], ["'=1+1", "2"], ['he said "hi", twice', "-1"]]
