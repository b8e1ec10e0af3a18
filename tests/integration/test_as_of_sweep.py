"""Issue 26 item 5, the full pipeline at a few representative dates: every allowed AS_OF builds.

The month-by-month sweep of the science runs in-process (tests/test_infoset.py,
``test_every_allowed_as_of_builds_the_cleaning_notebooks_tables``); here ``make all AS_OF=…`` is
driven, in a private copy, at the first edition's release (nothing but its own figures known),
the 2020-21 edition's release day (notebook 01 used to stop there with a KeyError) and a date
between editions. Each build exits 0, or says in one line that a series has too few points."""
from __future__ import annotations

import pandas as pd
import pytest

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("as_of", ["2019-08-28", "2020-12-15", "2022-06-30"])
def test_an_early_as_of_builds_or_says_in_one_line_why_not(compendium, tmp_path, as_of):
    from analysis import audit as audit_checks, infoset
    from tests.integration.conftest import _copy

    comp = _copy(compendium.root, tmp_path / "copy")
    result = comp.make("-j2", "all", f"AS_OF={as_of}")
    if result.returncode != 0:
        lines = [x for x in result.stderr.splitlines() if x.strip() and not x.startswith("make")]
        assert len(lines) == 1 and "too few" in lines[0], result.stderr[-3000:]
        return
    info = pd.read_csv(comp.root / "data" / "processed" / "information_set.csv")
    assert (info["known_from"] <= as_of).all() and not (info["date_rule"] == infoset.NO_DATE).any()
    assert f"Information set as of\n{as_of}" in (comp.root / "reports" / "index.html").read_text(encoding="utf-8")
    audit = pd.read_csv(comp.root / "data" / "processed" / "audit.csv")
    assert len(audit) < len(audit_checks.CHECKS)  # only the checks whose inputs were public by then
