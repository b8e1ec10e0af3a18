"""Issue 19's drill: a run that leaves plausibility is allowed, but says so on the terminal, one
line per series and bound (naming the series, the year and the ratio) and per parameter past a
plausible value, and still exits 0. The default build warns of what its own models pass."""
from __future__ import annotations

import re

import pandas as pd
import pytest

pytestmark = pytest.mark.integration

PASSES = re.compile(r"^suanli: 03_forecast \(run (\w+)\): warning: (\w+), (\w+): the median passes (.+?)"
                    r"(?: \(beyond its 80% band\))? in (\d{4}) \(ratio (\d+(?:\.\d+)?), (\d+)% of the distribution "
                    r"beyond it\)$", re.M)


@pytest.mark.parametrize("setting, parameter_line", [
    ("HORIZON=2035", "warning: HORIZON 2035 is 8 years past the report's own (2027): those years are extrapolation"),
    ("GROWTH=2", "warning: GROWTH 2 for ai_server_market is above 100% a year, every year to 2027"),
])
def test_a_run_past_plausibility_warns_and_exits_0(compendium, setting, parameter_line):
    result = compendium.make("forecast", "RUN=far", setting)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"suanli: 03_forecast (run far): {parameter_line}" in result.stdout
    found = PASSES.findall(result.stdout)
    assert found and all(run == "far" and float(ratio) > 1 for run, *_, ratio, _ in found)
    # every printed line is a row of the run's own plausibility table, at the ratio it prints
    table = pd.read_csv(compendium.root / "runs" / "far" / "processed" / "plausibility.csv")
    flagged = table[table["warning"].fillna("") != ""]
    assert len(flagged) == len(found)
    for _, series, model, bound, year, ratio, mass in found:
        row = flagged[(flagged["series"] == series) & (flagged["model"] == model) & (flagged["year"] == int(year))
                      & (flagged["bound_kind"] == bound)]
        assert len(row) == 1 and round(float(row["ratio"].iloc[0]), 2) == float(ratio)
        assert round(float(row["mass_beyond"].iloc[0]) * 100) == int(mass)  # the distribution's, from the table
    if setting == "HORIZON=2035":  # compute has a bound too (issue 26): what the world's spending could buy
        assert "intelligent_compute" in {series for _, series, *_ in found}
    if setting == "GROWTH=2":  # the scenario itself passes the world market
        assert {series for _, series, model, *_ in found if model == "scenario"} >= {"ai_server_market"}


def test_the_default_build_prints_the_warnings_its_plausibility_table_holds(compendium):
    (compendium.root / "build" / "state" / "03_forecast.json").unlink()  # 03 is out of date: it reruns
    result = compendium.make("all")
    assert result.returncode == 0, result.stderr[-2000:]
    table = pd.read_csv(compendium.root / "data" / "processed" / "plausibility.csv")
    expected = sorted(w for w in table["warning"].fillna("") if w)
    printed = sorted(line.split(": ", 2)[2] for line in result.stdout.splitlines()
                     if line.startswith("suanli: 03_forecast: warning:"))
    assert printed == expected and len(expected) >= 1
    assert compendium.outputs() == compendium.reference  # rebuilt, not changed
