"""Issue 26 item 5, the full pipeline at a few representative dates: every allowed AS_OF builds,
and rows published after the date change nothing it builds.

The month-by-month sweep of the science runs in-process (tests/test_infoset.py,
``test_every_allowed_as_of_builds_the_cleaning_notebooks_tables``); here ``make all AS_OF=…`` is
driven, in a private copy, at the 2020-21 edition's release day (notebook 01 used to stop there
with a KeyError) and a date between editions. Each build exits 0, or says in one line that a
series has too few points. The first edition's release (2019-08-28, nothing but its own figures
known) is built, and checked with :func:`built_as_of`, by the low edges' run of
test_values.py (every parameter at its low edge; until issue 31 a default build of its own here).

Each build also carries test_information_set.py's drill of later rows at an earlier date (until
issue 31 a drill of its own, at 2022-12-31 and 2021-06-30, which ran ``01_clean`` twice per date):
a copy of the default build, taken before the build at the date, with rows of every raw table
published after the date appended, reruns ``01_clean`` at that date and writes the same bytes as
the build did (every file the registry says ``01_clean`` writes). Only ``01_clean`` reads the raw
tables (the registry says so, and the determinism drill's traced build proves it), so
byte-identical tables there mean byte-identical inputs, hence outputs, everywhere downstream. In-process, the
information set is compared with and without later rows at 2022-12-31 and 2021-06-30 too
(tests/test_infoset.py)."""
from __future__ import annotations

import pandas as pd
import pytest

from .conftest import _copy
from .test_information_set import LATER, append, clean_as_of

pytestmark = pytest.mark.integration

#: Rows published after every date built here (:data:`tests.integration.test_information_set.LATER`),
#: and one more: a figure of an edition, first found on a page published after those dates.
LATER_ROWS = LATER | {"published_figures.csv": LATER["published_figures.csv"] + [
    dict(id="pub_later_mid", indicator="ai_server_market", geography="China", period="2023", qualifier="=",
         value="77777", unit="USD bn", kind="forecast", vintage="2022-23 ed", source="web (single)",
         location="https://example.org/between", published="2023-01-15",
         note="after the dates built here: an edition's figure first found on a later page")]}


def built_as_of(processed, index, as_of: str) -> None:
    """A build as of ``as_of`` used only rows known by then, says its date on the index page, and
    audited only the checks whose inputs were public by then."""
    from analysis import audit as audit_checks, infoset

    info = pd.read_csv(processed / "information_set.csv")
    assert (info["known_from"] <= as_of).all() and not (info["date_rule"] == infoset.NO_DATE).any()
    assert f"Information set as of\n{as_of}" in index.read_text(encoding="utf-8")
    audit = pd.read_csv(processed / "audit.csv")
    assert len(audit) < len(audit_checks.CHECKS)  # only the checks whose inputs were public by then


def _outputs_of_01() -> set[str]:
    """The files ``01_clean`` writes (as declared), relative to a compendium's root."""
    from analysis.base import paths
    from analysis.pipeline import engine

    return {p.relative_to(paths.ROOT).as_posix() for p in engine.outputs("01_clean")}


@pytest.mark.parametrize("as_of", ["2020-12-15", "2022-06-30"])
def test_an_early_as_of_builds_or_says_in_one_line_why_not(compendium, tmp_path, as_of):
    # the later rows' copy is taken from the default build, before this one: its 01_clean must write everything anew
    leaked = _copy(compendium.root, tmp_path / "leaked")
    append(leaked.root, LATER_ROWS)
    result = compendium.make("-j2", "all", f"AS_OF={as_of}")
    if result.returncode != 0:
        lines = [x for x in result.stderr.splitlines() if x.strip() and not x.startswith("make")]
        assert len(lines) == 1 and "too few" in lines[0], result.stderr[-3000:]
    else:
        built_as_of(compendium.root / "data" / "processed", compendium.root / "reports" / "index.html", as_of)
    # rows published later change nothing as of this date: 01_clean, run with them, writes the same bytes
    rerun = clean_as_of(leaked, as_of)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "runner: wrote notebooks/01_clean.ipynb" in rerun.stdout
    ones, built, reference, with_later = _outputs_of_01(), compendium.outputs(), compendium.reference, leaked.outputs()
    assert ones <= set(built) and len(ones) >= 10
    assert {k: with_later[k] for k in ones} == {k: built[k] for k in ones}
    for rel in ("notebooks/01_clean.ipynb", "data/processed/information_set.csv", "data/processed/figures.csv"):
        assert built[rel] != reference[rel], rel  # built as of the earlier date, not the default's
    info = pd.read_csv(leaked.root / "data" / "processed" / "information_set.csv")
    assert (info["known_from"] <= as_of).all() and not info["id"].str.startswith("pub_later").any()
    notebook = (leaked.root / "notebooks" / "01_clean.ipynb").read_text(encoding="utf-8")
    assert f'as_of = \\"{as_of}\\"' in notebook  # the parameter the index page reports its date from
