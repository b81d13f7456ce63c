"""Stored upload bytes (core/uploads.py): one folder per owner, a fresh random name each time."""

from __future__ import annotations

from pathlib import Path

from concertation.core.uploads import store_bytes, stored_path


def test_bytes_are_stored_under_their_owner_with_a_random_name(tmp_path: Path) -> None:
    first = store_bytes(tmp_path / "reunions", 7, "pdf", b"%PDF-1")
    second = store_bytes(tmp_path / "reunions", 7, "pdf", b"%PDF-2")
    assert first != second and first.endswith(".pdf") and len(first) == 32 + len(".pdf")
    assert stored_path(tmp_path / "reunions", 7, first) == tmp_path / "reunions" / "7" / first
    assert stored_path(tmp_path / "reunions", 7, first).read_bytes() == b"%PDF-1"
    assert stored_path(tmp_path / "reunions", 7, second).read_bytes() == b"%PDF-2"
