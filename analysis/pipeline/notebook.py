"""Notebook set-up and tables: what makes executed notebooks reproducible and readable.

Called from the first code cell of every notebook. It exists so that no notebook repeats
these lines, and so that a change to them (a display precision, how a table reads) is one
change that reruns every notebook.

* Warnings are printed without the kernel's temporary file path (which contains a process
  id), so a warning that does appear is compared by nbval instead of failing it at random.
* Tables print rounded numbers: last-digit noise from BLAS kernels never reaches an output.
* :func:`table` renders every table a reader sees the same way: no index column, text
  left-aligned and wrapped (never cut off mid-word), numbers right-aligned and rounded to a
  sensible precision, whole numbers as integers, a missing value as "–", and a number used as
  a column header written as a number ("0.7", not "0.700000").

Charts are not set up here: notebooks that draw import :mod:`analysis.charts`, whose figures
display from their exported SVG/PNG bytes, and which switches Altair to a deterministic
renderer on import (so the notebooks that draw nothing never import Altair).

It belongs to the build layer: it serves the notebooks (reproducible, readable outputs), not
the science, and no science module imports it.
"""
from __future__ import annotations

import hashlib
import math
import warnings

MISSING = "–"


def _format_warning(message, category, filename, lineno, line=None):
    return f"{category.__name__}: {message}\n"


def setup() -> None:
    import pandas as pd

    warnings.formatwarning = _format_warning
    pd.set_option("display.precision", 4)
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.max_rows", 120)
    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.width", 160)


def decimals(values) -> int:
    """Decimals for a column of floats: enough to read, not the machine's last digits.

    Whole numbers get none; otherwise the typical magnitude decides (≥ 100: 1, ≥ 1: 2, else 3).
    """
    finite = [abs(float(v)) for v in values if v is not None and not _missing(v)]
    if not finite or all(float(v).is_integer() for v in finite):
        return 0
    typical = sorted(finite)[len(finite) // 2]
    if typical >= 100:
        return 1
    if typical >= 1:
        return 2
    return 3


def _missing(value) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def header(label) -> str:
    """A column header as a reader sees it: a number as written ('0.7', '2027'), not '0.700000'."""
    if _is_number(label) or hasattr(label, "dtype") and label.dtype.kind in "iuf":
        number = float(label)
        return f"{int(number)}" if number.is_integer() else f"{number:g}"
    return str(label)


class Table:
    """A table for reading, with identical HTML and plain-text renderings on every run.

    The HTML comes from pandas' Styler with a content-derived id (so two runs write the same
    bytes), the plain text from the same formatted cells.
    """

    def __init__(self, frame, digits: dict[str, int] | None = None):
        self.frame = frame.reset_index(drop=True)
        self.digits = dict(digits or {})
        self.numeric = {c: self._numeric(c) for c in self.frame.columns}
        self.cells = {c: [self._cell(c, v) for v in self.frame[c]] for c in self.frame.columns}

    def _numeric(self, column) -> bool:
        values = [v for v in self.frame[column] if not _missing(v)]
        return bool(values) and all(_is_number(v) or hasattr(v, "dtype") and v.dtype.kind in "iuf" for v in values)

    def _cell(self, column, value) -> str:
        if _missing(value):
            return MISSING
        if not self.numeric[column]:
            return str(value)
        places = self.digits.get(column)
        if places is None:
            places = decimals(self.frame[column])
        number = float(value)
        if math.isinf(number):
            return "∞" if number > 0 else "−∞"
        text = f"{number:.{places}f}"
        return text.replace("-", "−") if number < 0 else text

    def formatted(self):
        import pandas as pd

        shown = pd.DataFrame(self.cells, columns=list(self.frame.columns))
        shown.columns = [header(c) for c in self.frame.columns]
        return shown

    def _uid(self) -> str:
        digest = hashlib.sha256(self.formatted().to_csv(index=False).encode("utf-8")).hexdigest()
        return digest[:10]

    def to_html(self) -> str:
        shown = self.formatted()
        styles = [
            {"selector": "", "props": "border-collapse: collapse;"},
            {"selector": "th", "props": "text-align: left; vertical-align: bottom;"},
            {"selector": "td", "props": "vertical-align: top; padding: 0.2em 0.6em;"},
        ]
        for i, column in enumerate(self.frame.columns):
            if self.numeric[column]:
                props = "text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums;"
            else:
                props = "text-align: left; white-space: normal; max-width: 36em; overflow-wrap: anywhere;"
            styles.append({"selector": f"td.col{i}", "props": props})
            align = "right" if self.numeric[column] else "left"
            styles.append({"selector": f"th.col{i}", "props": f"text-align: {align};"})
        styler = (shown.style.hide(axis="index").set_uuid(self._uid()).format(escape="html")
                  .set_table_styles(styles))
        return styler.to_html()

    def to_text(self) -> str:
        shown = self.formatted()
        columns = list(self.frame.columns)
        values = [list(shown.iloc[:, j]) for j in range(len(columns))]
        widths = [max([len(header(c))] + [len(v) for v in vs]) for c, vs in zip(columns, values)]
        def row(cells):
            return "  ".join((v.rjust(w) if self.numeric[c] else v.ljust(w))
                             for c, v, w in zip(columns, cells, widths)).rstrip()
        lines = [row([header(c) for c in columns])]
        lines += [row([vs[i] for vs in values]) for i in range(len(shown))]
        return "\n".join(lines)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.to_html(), "text/plain": self.to_text()}


def table(frame, columns=None, digits: dict[str, int] | None = None) -> Table:
    """A table for display: the selected columns, read as :class:`Table` describes."""
    shown = frame if columns is None else frame[list(columns)]
    return Table(shown, digits)


# ----------------------------------------------------------------------------- rendered pages

def _assignments(source: str) -> dict | None:
    """A parameters cell's ``name = value`` (or ``name: type = value``) literals, or None if it holds
    anything else."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    out = {}
    for node in tree.body:
        target = node.target if isinstance(node, ast.AnnAssign) else (
            node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None)
        if not isinstance(target, ast.Name) or node.value is None:
            return None
        try:
            out[target.id] = ast.literal_eval(node.value)
        except ValueError:
            return None
    return out


class PagePreprocessor:
    """An nbconvert preprocessor (enabled in the ``suanli`` template's conf.json) for the rendered
    page of a notebook: its ``<title>`` is the notebook's own heading ("04 · Forecast figures —
    suanli"), and the cell papermill injects is left out when it only repeats the defaults of the
    parameters cell above it (a named run's cell, with other values, stays). The executed notebook
    itself is unchanged. A plain callable, so importing this module never imports nbconvert."""

    def __init__(self, enabled: bool = True, **kwargs):
        self.enabled = enabled

    def __call__(self, nb, resources):
        heading = next((c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown" and c.source), "")
        nb.metadata["title"] = f"{heading.lstrip('#').strip()} — suanli" if heading.strip("# ") else "suanli"
        tags = [c.get("metadata", {}).get("tags", []) for c in nb.cells]
        defaults = next((_assignments(c.source) for c, t in zip(nb.cells, tags) if "parameters" in t), None)
        if defaults is not None:
            nb.cells = [c for c, t in zip(nb.cells, tags)
                        if not ("injected-parameters" in t and _assignments(c.source) == defaults)]
        return nb, resources
