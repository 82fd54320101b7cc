"""The webhook's memory of GitHub deliveries: shared through a file, bounded in entries and in size."""

from __future__ import annotations

import json

from kb.repository.deliveries import DELIVERIES_FILE, KEPT, first_delivery


def test_a_delivery_is_new_once_and_the_memory_keeps_the_last_ones(tmp_path):
    assert first_delivery(tmp_path, "a") is True
    assert first_delivery(tmp_path, "a") is False
    assert first_delivery(tmp_path, None) is first_delivery(tmp_path, "") is True  # no id: nothing to compare
    for n in range(KEPT):
        first_delivery(tmp_path, f"id-{n}" + "x" * 10_000)  # long ids take the same room as short ones
    kept = json.loads((tmp_path / DELIVERIES_FILE).read_text())
    assert len(kept) == KEPT and {len(entry) for entry in kept} == {32}
    assert first_delivery(tmp_path, f"id-{KEPT - 1}" + "x" * 10_000) is False  # recent: remembered
    assert first_delivery(tmp_path, "a") is True  # the oldest was forgotten
