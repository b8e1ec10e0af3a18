"""Issue 26 item 5, the full pipeline at a few representative dates: every allowed AS_OF builds.

The month-by-month sweep of the science runs in-process (tests/test_infoset.py,
``test_every_allowed_as_of_builds_the_cleaning_notebooks_tables``); here ``make all AS_OF=…`` is
driven, in a private copy, at the 2020-21 edition's release day (notebook 01 used to stop there
with a KeyError) and a date between editions. Each build exits 0, or says in one line that a
series has too few points. The first edition's release (2019-08-28, nothing but its own figures
known) is built, and checked with :func:`built_as_of`, by the low edges' run of
test_values.py (every parameter at its low edge; until issue 31 a default build of its own here)."""
from __future__ import annotations

import pandas as pd
import pytest

pytestmark = pytest.mark.integration


def built_as_of(processed, index, as_of: str) -> None:
    """A build as of ``as_of`` used only rows known by then, says its date on the index page, and
    audited only the checks whose inputs were public by then."""
    from analysis import audit as audit_checks, infoset

    info = pd.read_csv(processed / "information_set.csv")
    assert (info["known_from"] <= as_of).all() and not (info["date_rule"] == infoset.NO_DATE).any()
    assert f"Information set as of\n{as_of}" in index.read_text(encoding="utf-8")
    audit = pd.read_csv(processed / "audit.csv")
    assert len(audit) < len(audit_checks.CHECKS)  # only the checks whose inputs were public by then


@pytest.mark.parametrize("as_of", ["2020-12-15", "2022-06-30"])
def test_an_early_as_of_builds_or_says_in_one_line_why_not(compendium, as_of):
    result = compendium.make("-j2", "all", f"AS_OF={as_of}")
    if result.returncode != 0:
        lines = [x for x in result.stderr.splitlines() if x.strip() and not x.startswith("make")]
        assert len(lines) == 1 and "too few" in lines[0], result.stderr[-3000:]
        return
    built_as_of(compendium.root / "data" / "processed", compendium.root / "reports" / "index.html", as_of)
