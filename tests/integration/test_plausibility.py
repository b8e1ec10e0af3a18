"""Issue 19's drill: a run that leaves plausibility is allowed, but says so on the terminal, one
line per series and bound (naming the series, the year and the ratio) and per parameter past a
plausible value, and still exits 0. The default build warns of what its own models pass.

Since issue 31 one run carries both settings that leave plausibility (HORIZON=2035 and GROWTH=2,
until then a run each), and it is the run test_runs.py's staleness drill builds once the default
outputs are up to date again (until then a third run of its own). The default build's warnings are
checked on the two clean builds of test_determinism.py (:func:`default_warnings_are_the_table_s`),
instead of a rebuild of 03_forecast here."""
from __future__ import annotations

import re

import pandas as pd

PASSES = re.compile(r"^suanli: 03_forecast \(run (\w+)\): warning: (\w+), (\w+): the median passes (.+?)"
                    r"(?: \(beyond its 80% band\))? in (\d{4}) \(ratio (\d+(?:\.\d+)?), (\d+)% of the distribution "
                    r"beyond it\)$", re.M)

#: The settings of the run that leaves plausibility, and the line each must print (the growth's
#: runs to the run's horizon: "to 2027" with GROWTH=2 alone).
SETTINGS = {
    "HORIZON=2035": "warning: HORIZON 2035 is 8 years past the report's own (2027): those years are extrapolation",
    "GROWTH=2": "warning: GROWTH 2 for ai_server_market is above 100% a year, every year to 2035",
}


def warns_past_plausibility(compendium, result, run: str) -> None:
    """``result``: ``make forecast RUN=<run>`` with :data:`SETTINGS`. It exits 0, prints each
    parameter's line, and every line it prints about a median passing a bound is a row of the run's
    own plausibility table, at the ratio and mass it prints."""
    assert result.returncode == 0, result.stderr[-2000:]
    for parameter_line in SETTINGS.values():
        assert f"suanli: 03_forecast (run {run}): {parameter_line}" in result.stdout
    found = PASSES.findall(result.stdout)
    assert found and all(r == run and float(ratio) > 1 for r, *_, ratio, _ in found)
    table = pd.read_csv(compendium.root / "runs" / run / "processed" / "plausibility.csv")
    flagged = table[table["warning"].fillna("") != ""]
    assert len(flagged) == len(found)
    for _, series, model, bound, year, ratio, mass in found:
        row = flagged[(flagged["series"] == series) & (flagged["model"] == model) & (flagged["year"] == int(year))
                      & (flagged["bound_kind"] == bound)]
        assert len(row) == 1 and round(float(row["ratio"].iloc[0]), 2) == float(ratio)
        assert round(float(row["mass_beyond"].iloc[0]) * 100) == int(mass)  # the distribution's, from the table
    # compute has a bound too (issue 26): what the world's spending could buy, passed by 2035
    assert "intelligent_compute" in {series for _, series, *_ in found}
    # with GROWTH=2 the scenario itself passes the world market
    assert {series for _, series, model, *_ in found if model == "scenario"} >= {"ai_server_market"}


def default_warnings_are_the_table_s(compendium, result) -> None:
    """``result``: a make all that ran 03_forecast for the default outputs. The warnings it printed
    are exactly those of the plausibility table it wrote (at least one)."""
    table = pd.read_csv(compendium.root / "data" / "processed" / "plausibility.csv")
    expected = sorted(w for w in table["warning"].fillna("") if w)
    printed = sorted(line.split(": ", 2)[2] for line in result.stdout.splitlines()
                     if line.startswith("suanli: 03_forecast: warning:"))
    assert printed == expected and len(expected) >= 1


def test_the_run_settings_are_past_plausibility_and_the_pattern_reads_a_warning():
    """The pattern the drills read the terminal with takes a warning line apart, and takes nothing
    else for one."""
    line = ("suanli: 03_forecast (run far): warning: ai_server_market, ets: the median passes the world market "
            "(beyond its 80% band) in 2031 (ratio 1.25, 61% of the distribution beyond it)")
    assert PASSES.findall(line) == [("far", "ai_server_market", "ets", "the world market", "2031", "1.25", "61")]
    assert PASSES.findall(line.replace("ratio 1.25", "ratio x")) == []
    assert set(SETTINGS) == {"HORIZON=2035", "GROWTH=2"}
