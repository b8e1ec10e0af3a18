"""Atomic, staged file writes: a failed, interrupted or concurrent step never leaves a
half-written output, and a failed step leaves every previous output in place.

Everything the compendium writes goes to a temporary file in the destination folder (so the
final rename is on one filesystem and therefore atomic). Temporary names are unique per writer
(``.<name>.<pid>.<random>.part``): a writer removes only its own temporaries, and a sweep
removes only those whose process is gone, so two builds at once never delete each other's
files. They end in ``.part`` so that neither nbval nor ``git`` (see ``.gitignore``) picks one up.

**Staging.** When ``SUANLI_STAGE`` names a ledger file (the runner sets it for the kernel it
starts), a write is not renamed into place: the temporary is kept and listed in the ledger, and
the runner publishes every output of the step together, only after the whole notebook
succeeded (:func:`publish`), or removes them all (:func:`discard`). So a step is all or nothing.

Part of the build layer, and one of the two build modules the science may import (its tables,
figures and data package are written through it; ``tests/test_layers.py``), so it must stay a
leaf: it imports nothing from ``analysis``.
"""
from __future__ import annotations

import os
import re
import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

STAGE_ENV = "SUANLI_STAGE"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep(target: Path) -> None:
    """Remove temporaries of ``target`` that a killed writer left behind (its process is gone)."""
    target = Path(target)
    if not target.parent.exists():
        return
    mine = re.compile(rf"\.{re.escape(target.name)}\.(\d+)\.[0-9a-f]{{12}}\.part")
    for stale in target.parent.glob(f".{target.name}.*.part"):
        match = mine.fullmatch(stale.name)
        if match and int(match.group(1)) != os.getpid() and not _alive(int(match.group(1))):
            stale.unlink(missing_ok=True)


def temporary(target: Path) -> Path:
    """A fresh temporary name beside ``target``, unique to this process and call."""
    return target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(6)}.part"


def _ledger() -> Path | None:
    value = os.environ.get(STAGE_ENV)
    return Path(value) if value else None


@contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; on success rename it over ``target`` (or, when
    staging, keep it and list it in the ledger). On failure only this temporary is removed."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep(target)
    tmp = temporary(target)
    ledger = _ledger()
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        if ledger is None:
            os.replace(tmp, target)
        else:
            with open(ledger, "a", encoding="utf-8") as fh:
                fh.write(f"{os.path.abspath(tmp)}\t{os.path.abspath(target)}\n")
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _unchanged(target: Path, data: bytes) -> bool:
    return _ledger() is None and target.exists() and target.read_bytes() == data


def write_text(target: Path | str, text: str, touch: bool = False) -> bool:
    """Write ``text`` atomically. If the content is unchanged, the file is not rewritten and its
    mtime is kept (``touch=True`` refreshes the mtime instead). Returns True when written."""
    target = Path(target)
    data = text.encode("utf-8")
    if _unchanged(target, data):
        if touch:
            os.utime(target)
        return False
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return True


def write_bytes(target: Path | str, data: bytes) -> bool:
    """Binary counterpart of :func:`write_text`."""
    target = Path(target)
    if _unchanged(target, data):
        return False
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return True


def write_csv(target: Path | str, frame) -> bool:
    """Write a DataFrame as UTF-8 CSV with ``\\n`` line endings and no index, atomically."""
    return write_text(target, frame.to_csv(index=False, lineterminator="\n"))


def staged(ledger: Path) -> list[tuple[Path, Path]]:
    """The (temporary, target) pairs a staged step wrote, last write of a target winning."""
    if not Path(ledger).exists():
        return []
    pairs: dict[Path, Path] = {}
    for line in Path(ledger).read_text(encoding="utf-8").splitlines():
        tmp, _, target = line.partition("\t")
        if target:
            old = pairs.pop(Path(target), None)
            if old is not None:
                old.unlink(missing_ok=True)
            pairs[Path(target)] = Path(tmp)
    return [(tmp, target) for target, tmp in pairs.items()]


def publish(pairs: list[tuple[Path, Path]], last: Path | None = None) -> list[Path]:
    """Rename every staged temporary over its target (``last`` renamed last); a target whose
    bytes are unchanged keeps its file and mtime. Returns the targets."""
    ordered = sorted(pairs, key=lambda p: p[1] == last)
    for tmp, target in ordered:
        if target.exists() and target.read_bytes() == tmp.read_bytes():
            tmp.unlink()
        else:
            os.replace(tmp, target)
    return [t for _, t in ordered]


def discard(pairs: list[tuple[Path, Path]]) -> None:
    """Remove every staged temporary: the step failed, its previous outputs stay."""
    for tmp, _ in pairs:
        tmp.unlink(missing_ok=True)
