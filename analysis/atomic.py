"""Atomic file writes: a failed or interrupted step never leaves a half-written output.

Everything the compendium writes goes to a temporary file in the destination folder (so the
final rename is on one filesystem and therefore atomic) and is renamed over the target only
when complete. Temporary names end in ``.part`` so that neither nbval nor ``git`` (see
``.gitignore``) ever picks one up, and ``make clean`` can sweep any left by a SIGKILL.
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def sweep(target: Path) -> None:
    """Remove temporaries that a killed earlier write of ``target`` left behind.

    Only one writer per target runs at a time (make guarantees it), so any existing
    ``.<name>.*.part`` beside the target is stale.
    """
    if target.parent.exists():
        for stale in target.parent.glob(f".{target.name}.*.part"):
            stale.unlink(missing_ok=True)


@contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; rename it over ``target`` on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(target: Path | str, text: str, touch: bool = False) -> bool:
    """Write ``text`` atomically. If the content is unchanged, the file is not rewritten and its
    mtime is kept, so make reruns nothing downstream of an output that did not change (a
    notebook's side outputs, a parameters file); ``touch=True`` refreshes the mtime instead,
    for a file that is itself the make target of the step that wrote it.

    Returns True when the file was (re)written.
    """
    target = Path(target)
    sweep(target)
    if target.exists() and target.read_bytes() == text.encode("utf-8"):
        if touch:
            os.utime(target)
        return False
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")
    return True


def write_bytes(target: Path | str, data: bytes) -> bool:
    """Binary counterpart of :func:`write_text` (unchanged content: not rewritten, mtime kept)."""
    target = Path(target)
    sweep(target)
    if target.exists() and target.read_bytes() == data:
        return False
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return True


def write_csv(target: Path | str, frame) -> bool:
    """Write a DataFrame as UTF-8 CSV with ``\\n`` line endings and no index, atomically."""
    return write_text(target, frame.to_csv(index=False, lineterminator="\n"))
