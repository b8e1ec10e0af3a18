"""Issue 29, N5: a raw value that is the cause of a failure is named by file, line and column,
before a kernel starts, and the committed tree is left untouched (the review's
``date_published=2024-01-01`` published 01 and 02, then failed in 03 blaming ``train_start``,
a parameter nobody had set). Run in a hard-linked scratch clone of this checkout (a second or
two: nothing is rebuilt)."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from .conftest import REPO
from .test_entry_point_drill import make, scratch, snapshot

pytestmark = pytest.mark.integration


def _set(path: Path, row_id: str, column: str, value: str) -> int:
    """Set one cell; write a new file (never through the hard link); return its line number."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    col = rows[0].index(column)
    line = next(i for i, r in enumerate(rows) if r and r[0] == row_id)
    rows[line][col] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.unlink()
    path.write_text(out.getvalue(), encoding="utf-8")
    return line + 1


@pytest.mark.parametrize("table, row, column, value, says", [
    ("article_dates", "date_published", "date", "2024-01-01", "is not the date the row's source was published"),
    ("published_figures", "pub_ic_2021_e2223", "published", "2099-01-01", "is after today"),
    ("published_figures", "pub_ic_2021_e2223", "published", "２０２３-０８-２１", "must be one date per source"),
    ("published_figures", "pub_ic_2021_e2223", "value", "9" * 300, "is above what the cleaning"),
])
def test_a_bad_raw_value_names_its_cell_and_leaves_the_tree_untouched(tmp_path, table, row, column, value, says):
    if not (REPO / ".venv" / "bin" / "python").exists() or not (REPO / "build" / "state").is_dir():
        pytest.skip("needs this checkout's .venv and build state (make all)")
    clone = scratch(tmp_path / "suanli", state=True)
    line = _set(clone / "data" / "raw" / f"{table}.csv", row, column, value)
    before = {k: v for k, v in snapshot(clone).items() if not k.startswith("build/")}
    result = make(clone, "all")
    lines = [x for x in result.stderr.strip().splitlines() if x.strip() and not x.startswith("make: ***")]
    assert result.returncode != 0 and len(lines) == 1, result.stderr[-2000:]
    assert f"data/raw/{table}.csv: line {line} (" in lines[0] and f"column '{column}': " in lines[0], lines[0]
    assert says in lines[0] and "train_start" not in lines[0]
    assert "runner: wrote" not in result.stdout  # no step published anything
    assert {k: v for k, v in snapshot(clone).items() if not k.startswith("build/")} == before
