"""Notebook set-up: the few settings that make executed notebooks reproducible and readable.

Called from the first code cell of every notebook. It exists so that no notebook repeats
these lines, and so that a change to them (a display precision, the chart renderer) is one
change that reruns every notebook.

* Warnings are printed without the kernel's temporary file path (which contains a process
  id), so a warning that does appear is compared by nbval instead of failing it at random.
* Tables print rounded numbers: last-digit noise from BLAS kernels never reaches an output.
Charts are not set up here: notebooks that draw import :mod:`analysis.charts`, whose figures
display from their exported SVG/PNG bytes, and which switches Altair to a deterministic
renderer on import (so the notebooks that draw nothing never import Altair).
"""
from __future__ import annotations

import warnings


def _format_warning(message, category, filename, lineno, line=None):
    return f"{category.__name__}: {message}\n"


def setup() -> None:
    import pandas as pd

    warnings.formatwarning = _format_warning
    pd.set_option("display.precision", 4)
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.max_rows", 120)
    pd.set_option("display.max_colwidth", 80)
    pd.set_option("display.width", 160)


def table(frame, columns=None):
    """A frame for display: selected columns, a clean integer index."""
    shown = frame if columns is None else frame[list(columns)]
    return shown.reset_index(drop=True)
