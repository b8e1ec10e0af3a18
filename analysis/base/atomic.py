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
A staged temporary is named after the process that will publish it (``SUANLI_STAGE_OWNER``, the
runner), not after the kernel that wrote it: the kernel exits before the runner publishes, and
a temporary must belong to a live process until it is published, or another writer's sweep
would take it for a leftover.

Both layers write through it (the science its tables, figures and data package; the pipeline
its state and pages), so it sits below both, in ``analysis/base/``, and imports nothing from
``analysis`` (``tests/test_layers.py``).
"""
from __future__ import annotations

import os
import re
import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

STAGE_ENV = "SUANLI_STAGE"
STAGE_OWNER_ENV = "SUANLI_STAGE_OWNER"
#: A writer's temporary: ``.<target name>.<pid>.<12 hex digits>.part``.
TEMPORARY = re.compile(r"\.(.+)\.(\d+)\.[0-9a-f]{12}\.part")


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` still exists (a temporary whose writer is gone may be swept)."""
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
        if match and int(match.group(1)) not in (os.getpid(), _owner()) and not process_alive(int(match.group(1))):
            stale.unlink(missing_ok=True)


def _owner() -> int:
    """The process a temporary belongs to: the publisher of a staged write, else this one."""
    if _ledger() is not None:
        owner = os.environ.get(STAGE_OWNER_ENV, "")
        if owner.isdigit():
            return int(owner)
    return os.getpid()


def temporary(target: Path) -> Path:
    """A fresh temporary name beside ``target``, unique to its owner and this call."""
    return target.parent / f".{target.name}.{_owner()}.{secrets.token_hex(6)}.part"


def is_temporary(path: Path) -> bool:
    """Whether ``path`` is named like a temporary this module makes."""
    return TEMPORARY.fullmatch(Path(path).name) is not None


def sweep_folder(folder: Path) -> list[Path]:
    """Remove every temporary in ``folder`` (not below it) whose owner is gone; return them."""
    removed = []
    if not Path(folder).is_dir():
        return removed
    for entry in Path(folder).iterdir():
        match = TEMPORARY.fullmatch(entry.name)
        if match and entry.is_file() and not entry.is_symlink() and not process_alive(int(match.group(2))):
            entry.unlink(missing_ok=True)
            removed.append(entry)
    return removed


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
            try:
                with open(ledger, "a", encoding="utf-8") as fh:
                    fh.write(f"{os.path.abspath(tmp)}\t{os.path.abspath(target)}\n")
            except OSError as err:  # the stage's ledger (in the temporary folder), not the output, failed
                raise OSError(err.errno, err.strerror, str(ledger)) from None
    except OSError as err:
        tmp.unlink(missing_ok=True)
        if err.filename in (None, str(tmp)):  # a failed write (a full disk) names the file it was for
            raise OSError(err.errno, err.strerror, str(target)) from None
        raise
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


#: Significant digits a table keeps. A float's last bits can differ between processors (BLAS
#: picks its kernels at run time), and a table must not: twelve digits are far more than any
#: figure here was stated with, and far fewer than the noise.
CSV_DIGITS = 12


def write_csv(target: Path | str, frame) -> bool:
    """Write a DataFrame as UTF-8 CSV with ``\\n`` line endings, no index and floats to
    :data:`CSV_DIGITS` significant digits, atomically. A column of numbers held as objects (as
    ``pd.DataFrame(rows)`` builds one when some rows lack a value) is written as numbers too."""
    return write_text(target, csv_text(frame))


def csv_text(frame) -> str:
    """The exact text :func:`write_csv` writes for ``frame`` (to hash a table before it is published)."""
    return frame.infer_objects().to_csv(index=False, lineterminator="\n", float_format=f"%.{CSV_DIGITS}g")


def read_csv(source: Path | str):
    """A table as :func:`write_csv` wrote it: an empty cell is missing, and any other text ("NA",
    "None", "n/a") stays text, which pandas would otherwise read as missing."""
    import pandas as pd

    return pd.read_csv(source, keep_default_na=False, na_values=[""])


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
