"""Atomic writes: nothing half-written, stale temporaries swept, unchanged files left alone."""
from __future__ import annotations

import os

import pytest

from analysis.base import atomic


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
    stale = tmp_path / ".fig.svg.999999999.abcdef012345.part"  # its writer (pid) is gone
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


# ----------------------------------------------------------------------------- concurrency, staging

_WRITER = """
import sys
from analysis.base import atomic
target, text, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
failures = 0
for i in range(n):
    try:
        atomic.write_text(target, text * 2000 + str(i % 2))
    except OSError:
        failures += 1
print(failures)
"""


def test_two_concurrent_writers_never_delete_each_other(tmp_path):
    import subprocess
    import sys

    target = tmp_path / "shared.txt"
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(target), letter, "150"],
                              stdout=subprocess.PIPE, text=True) for letter in "ab"]
    outs = [p.communicate(timeout=120)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert outs == ["0", "0"]  # no write failed
    body = target.read_text()
    assert body[:-1] in ("a" * 2000, "b" * 2000)  # one writer's complete content
    assert list(tmp_path.glob("*.part")) == []


def test_sweep_removes_only_temporaries_of_dead_writers(tmp_path):
    target = tmp_path / "fig.svg"
    alive = tmp_path / f".fig.svg.{os.getppid()}.0123456789ab.part"
    dead = tmp_path / ".fig.svg.999999999.0123456789ab.part"
    other = tmp_path / ".fig.svg.x.999999999.0123456789ab.part"  # another target's temporary
    for f in (alive, dead, other):
        f.write_text("t")
    atomic.sweep(target)
    assert alive.exists() and other.exists() and not dead.exists()


def test_staged_writes_are_published_together_or_discarded(tmp_path, monkeypatch):
    ledger = tmp_path / "ledger.tsv"
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("old a\n")
    b.write_text("old b\n")
    monkeypatch.setenv(atomic.STAGE_ENV, str(ledger))
    atomic.write_text(a, "new a\n")
    atomic.write_text(b, "new b\n")
    assert a.read_text() == "old a\n" and b.read_text() == "old b\n"  # nothing visible yet
    pairs = atomic.staged(ledger)
    atomic.discard(pairs)
    assert a.read_text() == "old a\n" and list(tmp_path.glob("*.part")) == []
    ledger.unlink()
    atomic.write_text(a, "new a\n")
    atomic.write_bytes(b, b"old b\n")  # unchanged: published without touching the file
    mtime = b.stat().st_mtime_ns
    monkeypatch.delenv(atomic.STAGE_ENV)
    published = atomic.publish(atomic.staged(ledger), last=a)
    assert [p.name for p in published] == ["b.csv", "a.csv"]
    assert a.read_text() == "new a\n" and b.stat().st_mtime_ns == mtime
    assert list(tmp_path.glob("*.part")) == []


_KERNEL = """
import os, sys
from analysis.base import atomic
atomic.write_text(sys.argv[1], "staged by a process that then exits")
"""
_OTHER_WRITER = """
import sys
from analysis.base import atomic
atomic.write_text(sys.argv[1], "another writer")
"""


@pytest.mark.parametrize("owned", [True, False])
def test_a_staged_temporary_belongs_to_its_publisher_until_published(tmp_path, owned):
    """A kernel stages a write and exits; the runner (alive) has not published yet. Another writer of
    the same file must not sweep the temporary: it is named after the runner, not the kernel."""
    import subprocess
    import sys

    target = tmp_path / "out.csv"
    ledger = tmp_path / "ledger.tsv"
    env = {**os.environ, atomic.STAGE_ENV: str(ledger)}
    if owned:
        env[atomic.STAGE_OWNER_ENV] = str(os.getpid())  # this test process plays the runner
    subprocess.run([sys.executable, "-c", _KERNEL, str(target)], env=env, check=True)
    (tmp, _), = atomic.staged(ledger)
    assert tmp.exists() and (f".{os.getpid()}." in tmp.name) == owned
    env = {k: v for k, v in os.environ.items() if k not in (atomic.STAGE_ENV, atomic.STAGE_OWNER_ENV)}
    subprocess.run([sys.executable, "-c", _OTHER_WRITER, str(target)], env=env, check=True)
    assert tmp.exists() == owned  # without an owner, the kernel's temporary was taken for a leftover
    if owned:
        atomic.publish(atomic.staged(ledger))
        assert target.read_text() == "staged by a process that then exits"


def test_temporaries_are_recognised_by_name_only(tmp_path):
    assert atomic.is_temporary(tmp_path / ".fig.svg.123.0123456789ab.part")
    for name in ("fig.svg.part", ".fig.svg.part", ".fig.svg.x.0123456789ab.part", "objects.part"):
        assert not atomic.is_temporary(tmp_path / name), name
    dead, alive = tmp_path / ".a.999999999.0123456789ab.part", tmp_path / f".a.{os.getppid()}.0123456789ab.part"
    for f in (dead, alive):
        f.write_text("t")
    assert atomic.sweep_folder(tmp_path) == [dead] and alive.exists()


def test_a_table_reads_back_as_written_empty_is_missing_and_text_stays_text(tmp_path):
    import pandas as pd

    target = tmp_path / "t.csv"
    atomic.write_csv(target, pd.DataFrame({"label": ["NA", "None", None], "value": [1.5, None, 2.0]}))
    back = atomic.read_csv(target)
    assert back["label"].tolist()[:2] == ["NA", "None"] and pd.isna(back["label"][2])
    assert pd.isna(back["value"][1]) and back["value"][0] == 1.5
