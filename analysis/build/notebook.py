"""Notebook set-up and tables: what makes executed notebooks reproducible and readable.

Called from the first code cell of every notebook. It exists so that no notebook repeats
these lines, and so that a change to them (a display precision, how a table reads) is one
change that reruns every notebook.

* Warnings are printed without the kernel's temporary file path (which contains a process
  id), so a warning that does appear is compared by nbval instead of failing it at random.
* Tables print rounded numbers: last-digit noise from BLAS kernels never reaches an output.
* :func:`table` renders every table a reader sees the same way: no index column, text
  left-aligned and wrapped (never cut off mid-word), numbers right-aligned and rounded to a
  sensible precision, whole numbers as integers, a missing value as "–".

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

        return pd.DataFrame(self.cells, columns=list(self.frame.columns))

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
        for i, column in enumerate(shown.columns):
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
        widths = {c: max([len(str(c))] + [len(v) for v in shown[c]]) for c in shown.columns}
        def row(values):
            return "  ".join(
                (v.rjust(widths[c]) if self.numeric[c] else v.ljust(widths[c]))
                for c, v in zip(shown.columns, values)).rstrip()
        lines = [row([str(c) for c in shown.columns])]
        lines += [row([shown[c][i] for c in shown.columns]) for i in range(len(shown))]
        return "\n".join(lines)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.to_html(), "text/plain": self.to_text()}


def table(frame, columns=None, digits: dict[str, int] | None = None) -> Table:
    """A table for display: the selected columns, read as :class:`Table` describes."""
    shown = frame if columns is None else frame[list(columns)]
    return Table(shown, digits)
