"""Drill 1: a mutation matrix over every raw table. Each rejected mutation fails `make all`
before a kernel starts, naming file, line and column, and leaves every output byte-identical.
A UTF-8 BOM and CRLF line endings in every table are accepted and change no output: that drill's
build is the one test_runs.py's ``test_a_run_reads_the_default_outputs_only_when_they_are_up_to_date``
makes after its raw edit (until issue 31 a make all of its own here).

Every mutation of every table goes through the validator `make all` runs before any step
(:func:`analysis.pipeline.engine._check_raw`: ``sources.load_all`` and ``sources.check_formulas``),
in this process, on a copy of the raw tables: it must name the file, line and column
(:func:`test_bad_raw_data_is_refused_naming_file_line_and_column`, 56 cases, milliseconds each).
Through make itself goes a sample that holds every kind of mutation and every table at least
twice (:data:`THROUGH_MAKE`, 12 cases): the same line on make's stderr, no kernel started, every
output byte-identical and no temporary left. (Each of the 56 went through make until issue 31:
about 1.5 s each, for what the validator decides alone.)"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from analysis.sources import TABLES

from .conftest import REPO


pytestmark = pytest.mark.integration


KEYS = {t.name: t.key for t in TABLES.values()}
NONEMPTY = {"vintages": "publisher", "indicators": "label_en", "article_figures": "source",
            "published_figures": "source", "rankings": "entity", "article_dates": "event"}
NUMERIC = {"vintages": ("order", "an integer", "must be 1 or more"),
           "article_figures": ("value", "a number", "must not be negative"),
           "published_figures": ("value", "a number", "must not be negative"),
           "rankings": ("rank", "an integer", "must be 1 or more")}


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _write(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _set_field(path: Path, line_no: int, column: str, value: str) -> str:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    col = rows[0].index(column)
    rows[line_no - 1][col] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return rows[line_no - 1][0]


def _mutations():
    for name, t in TABLES.items():
        f, key = t.file, t.key
        second = t.columns[1]
        yield name, "missing column", rf"{f}: line 1, column '{second}': required column is missing"
        yield name, "extra column", rf"{f}: line 1, column 'extra': unexpected column"
        yield name, "empty value", rf"{f}: line 2 \({key} '[^']+'\), column '{NONEMPTY[name]}': must not be empty"
        yield name, "duplicate id", rf"{f}: line 3 \({key} '[^']+'\), column '{key}': duplicate value"
        yield name, "empty file", rf"{f}: file is empty"
        yield name, "non-UTF-8", rf"{f}: line 2, byte \d+: not valid UTF-8"
        yield name, "truncated last line", (rf"{f}: line \d+ \({key} '[^']*'\), column '\w+': "
                                            rf"(expected {len(t.columns)} fields|the last line does not end with a newline)")
        if name in NUMERIC:
            col, kind, neg = NUMERIC[name]
            yield name, "non-numeric value", rf"{f}: line 2 \({key} '[^']+'\), column '{col}': expected {kind}, got 'abc'"
            yield name, "negative value", rf"{f}: line 2 \({key} '[^']+'\), column '{col}': {neg}"
        if name in ("article_figures", "published_figures"):
            yield name, "share above 100%", rf"{f}: line \d+ \(id '[^']+'\), column 'value': a share \('%'\) must be at most 100"
            yield name, "unknown unit", rf"{f}: line 2 \(id '[^']+'\), column 'unit': must be one of the known units"
            yield name, "unknown indicator", rf"{f}: line 2 \(id '[^']+'\), column 'indicator': must be one of the known indicators"


def _apply(path: Path, table: str, mutation: str) -> None:
    t = TABLES[table]
    lines = _lines(path)
    if mutation == "missing column":
        import csv
        import io

        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([r[:1] + r[2:] for r in rows])
        path.write_text(out.getvalue(), encoding="utf-8")
    elif mutation == "extra column":
        _write(path, [lines[0] + ",extra"] + [ln + ",x" for ln in lines[1:]])
    elif mutation == "empty value":
        _set_field(path, 2, NONEMPTY[table], "")
    elif mutation == "duplicate id":
        import csv
        import io

        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        rows[2][t.columns.index(t.key)] = rows[1][t.columns.index(t.key)]
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8")
    elif mutation == "empty file":
        path.write_bytes(b"")
    elif mutation == "non-UTF-8":
        data = path.read_bytes().split(b"\n")
        data[1] = data[1] + b"\xff"
        path.write_bytes(b"\n".join(data))
    elif mutation == "truncated last line":
        text = path.read_text(encoding="utf-8").rstrip("\n")
        last = text.rsplit("\n", 1)[1]
        path.write_text(text[: len(text) - len(last) // 2], encoding="utf-8")  # cut mid-line, as a killed write would
    elif mutation == "non-numeric value":
        _set_field(path, 2, NUMERIC[table][0], "abc")
    elif mutation == "negative value":
        _set_field(path, 2, NUMERIC[table][0], "-5")
    elif mutation == "share above 100%":
        text = path.read_text(encoding="utf-8")
        m = re.search(r",(=|>|~),(\d+(?:\.\d+)?),%,", text)
        path.write_text(text[: m.start()] + f",{m[1]},150,%," + text[m.end():], encoding="utf-8")
    elif mutation == "unknown unit":
        _set_field(path, 2, "unit", "EFLOP")
    elif mutation == "unknown indicator":
        _set_field(path, 2, "indicator", "no_such_indicator")
    else:
        raise AssertionError(mutation)


def _sample(cases):
    """Every kind of mutation once, each on the table offering it that is used least so far (the
    first in the registry's order on a tie), the kinds fewest tables offer first: every table twice."""
    out, used = [], {t: 0 for t in TABLES}
    kinds = list(dict.fromkeys(m for _, m, _ in cases))
    for mutation in sorted(kinds, key=lambda k: sum(m == k for _, m, _ in cases)):
        table = min((t for t, m, _ in cases if m == mutation), key=lambda t: (used[t], list(TABLES).index(t)))
        used[table] += 1
        out += [c for c in cases if c[:2] == (table, mutation)]
    return out


MUTATIONS = list(_mutations())
THROUGH_MAKE = _sample(MUTATIONS)


def test_the_sample_through_make_holds_every_mutation_and_every_table():
    assert {m for _, m, _ in THROUGH_MAKE} == {m for _, m, _ in MUTATIONS}
    assert {t: sum(t == x for x, _, _ in THROUGH_MAKE) for t in TABLES} == {t: 2 for t in TABLES}
    assert len(MUTATIONS) == 56 and len(THROUGH_MAKE) == 12


@pytest.mark.parametrize("table, mutation, expected", MUTATIONS, ids=[f"{t}-{m}" for t, m, _ in MUTATIONS])
def test_bad_raw_data_is_refused_naming_file_line_and_column(tmp_path, table, mutation, expected):
    """The check `make all` runs before any step (engine._check_raw), on a mutated copy of data/raw."""
    from analysis import cleaning, sources

    raw = tmp_path / "data" / "raw"
    shutil.copytree(REPO / "data" / "raw", raw)
    _apply(raw / TABLES[table].file, table, mutation)
    with pytest.raises(sources.RawDataError) as err:
        sources.check_formulas(sources.load_all(raw), cleaning.DERIVED)
    assert re.search(r"data/raw/" + expected, str(err.value)), str(err.value)


@pytest.mark.parametrize("table, mutation, expected", THROUGH_MAKE, ids=[f"{t}-{m}" for t, m, _ in THROUGH_MAKE])
def test_bad_raw_data_fails_make_all_and_leaves_outputs_intact(compendium, table, mutation, expected):
    _apply(compendium.root / "data" / "raw" / TABLES[table].file, table, mutation)
    result = compendium.make("all")
    assert result.returncode != 0
    assert re.search(r"data/raw/" + expected, result.stderr), result.stderr[-1500:]
    assert "Kernel" not in result.stderr  # rejected before any kernel started
    assert compendium.outputs() == compendium.reference
    assert compendium.temporaries() == []
