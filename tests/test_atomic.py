"""Atomic writes: nothing half-written, stale temporaries swept, unchanged files left alone."""
from __future__ import annotations

import os

import pytest

from analysis import atomic


def test_failure_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError):
        with atomic.atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "old\n"
    assert list(tmp_path.glob("*.part")) == []


def test_stale_temporaries_of_a_killed_write_are_swept(tmp_path):
    target = tmp_path / "fig.svg"
    stale = tmp_path / ".fig.svg.abc123.part"
    stale.write_text("junk")
    atomic.write_text(target, "<svg/>")
    assert not stale.exists() and target.read_text() == "<svg/>"


def test_unchanged_content_keeps_mtime_unless_touched(tmp_path):
    target = tmp_path / "a.txt"
    assert atomic.write_text(target, "x") is True
    old = target.stat().st_mtime_ns - 10_000_000_000
    os.utime(target, ns=(old, old))
    assert atomic.write_text(target, "x") is False
    assert target.stat().st_mtime_ns == old
    atomic.write_text(target, "x", touch=True)
    assert target.stat().st_mtime_ns > old
    assert atomic.write_bytes(target, b"y") is True and target.read_bytes() == b"y"
