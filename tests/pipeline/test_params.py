"""Parameters: every parameter of every notebook rejects a wrong type, an out-of-range value and
an unknown name, before a kernel starts, listing what is allowed."""
from __future__ import annotations

import ast
import os
import subprocess
import sys

import pytest

from analysis.pipeline import params, runner



def _cases():
    for nb, spec in params.SPECS.items():
        for name, p in spec.items():
            if p.choices:
                yield nb, name, "nope", "one of"
            if p.type is int:
                yield nb, name, "abc", "an integer"
                yield nb, name, str(int(p.high) + 1), f"from {p.low} to {p.high}"
                yield nb, name, "2.5", "an integer"
            if p.type is float:
                yield nb, name, "abc", "a number"
                yield nb, name, str(p.high + 1), str(p.high)
                yield nb, name, "nan", "a number"
            if name == "run_name":
                yield nb, name, "../escape", "letters, digits"
            if p.parse is not None:
                yield nb, name, "nope:1", f"{name} must be"
        yield nb, "no_such_parameter", "1", "known parameters"


CASES = list(_cases())


@pytest.mark.parametrize("nb, name, value, allowed", CASES)
def test_bad_parameter_is_rejected_with_allowed_values(nb, name, value, allowed):
    with pytest.raises(params.ParameterError) as err:
        params.check(nb, {name: value})
    msg = str(err.value)
    assert name in msg and allowed in msg


def test_every_case_kind_is_covered():
    names = {(nb, n) for nb, n, *_ in CASES}
    assert names >= {(nb, n) for nb, spec in params.SPECS.items() for n in spec}


def test_levels_are_a_list_of_levels_a_forecast_can_draw():
    for v in ("0", "1", "0.5,1.0", "a", "0.1,0.2,0.3,0.4,0.5,0.6", "1e-320", "0.001", "0.995", "none", "0.5,",
              "０.５", "0.5_0"):
        with pytest.raises(params.ParameterError, match="each from 0.01 to 0.99"):
            params.check("03_forecast", {"levels": v})
    assert params.check("03_forecast", {"levels": "0.95, 0.5"})["levels"] == "0.5,0.95"
    assert params.check("03_forecast", {"levels": "0.01,0.99"})["levels"] == "0.01,0.99"
    assert params.parse_levels("0.5,0.8,0.95") == (0.5, 0.8, 0.95)


def test_growth_scenarios_per_series():
    out = params.check("03_forecast", {"growth_override": "general_compute:0.1,ai_server_market:0.3"})
    assert out["growth_override"] == "ai_server_market:0.3,general_compute:0.1"
    assert params.parse_growth(out["growth_override"]) == {"ai_server_market": 0.3, "general_compute": 0.1}
    assert params.parse_growth("0.2") == {s: 0.2 for s in params.SERIES}
    for bad in ("nope:0.1", "0.1,0.2", "general_compute:2.5", "general_compute:0.1,general_compute:0.2", "x"):
        with pytest.raises(params.ParameterError, match="growth_override must be"):
            params.check("03_forecast", {"growth_override": bad})


def test_decay_defaults_are_the_prior_and_its_grid_lies_inside_the_allowed_range():
    from analysis import domain, forecasting, priors

    spec = params.SPECS["03_forecast"]
    assert spec["decay_half_life"].default is None and spec["long_run_growth"].default is None  # integrated over
    h, g = spec["decay_half_life"], spec["long_run_growth"]
    assert all(h.low <= x <= h.high for x in priors.HALF_LIVES)
    assert all(g.low <= x <= g.high for rates in priors.LONG_RUN.values() for x in rates)
    assert len(priors.grid("ai_server_market", half_life=2.0)) == len(priors.LONG_RUN["ai_server_market"])
    assert spec["train_start"].low == domain.FIRST_DATA_YEAR and params.LAST_DATA_YEAR == domain.LAST_DATA_YEAR
    assert set(params.METHODS) == set(forecasting.FITTED_MODELS) | {"combination"}


def test_defaults_and_conversion():
    out = params.check("03_forecast", {"horizon_end": "2030", "growth_override": "", "method": "ets"})
    assert out["horizon_end"] == 2030 and out["growth_override"] is None and out["method"] == "ets"
    assert out["levels"] == "0.5,0.8,0.95" and "seed" not in out


@pytest.mark.parametrize("nb", sorted(params.SPECS))
def test_notebook_parameters_cell_matches_the_spec(repo, nb):
    nbk = runner.load_source(repo / "notebooks" / "src" / f"{nb}.py")
    cell = next(c for c in nbk.cells if "parameters" in c.metadata.get("tags", []))
    defaults = {(n.target if isinstance(n, ast.AnnAssign) else n.targets[0]).id: ast.literal_eval(n.value)
                for n in ast.parse(cell.source).body}
    assert defaults == {k: p.default for k, p in params.SPECS[nb].items()}
    assert any("params.check" in c.source for c in nbk.cells), "no validation cell"


def test_runner_rejects_bad_parameters_before_a_kernel_starts(repo, tmp_path):
    """Shown, not timed (a duration until issue 31): the kernel named does not exist, so a start,
    had one been tried, would have failed naming it."""
    out = tmp_path / "02.ipynb"
    proc = subprocess.run([sys.executable, "-m", "analysis.pipeline.runner", str(repo / "notebooks/src/03_forecast.py"), str(out),
                           "-p", "horizn_end", "2030"], capture_output=True, text=True, cwd=repo,
                          env={**os.environ, "SUANLI_KERNEL": "no-such-kernel"})
    assert proc.returncode == 2
    assert "unknown parameter 'horizn_end'" in proc.stderr and "horizon_end (an integer from 2024 to 2035)" in proc.stderr
    assert not out.exists()
    assert "Kernel" not in proc.stderr and "no-such-kernel" not in proc.stderr


def test_the_params_module_writes_no_file_it_is_given(tmp_path):
    target = tmp_path / "p.yml"
    for args in (["write", "03_forecast", str(target), "method=ets"], ["check", "03_forecast", "method=nope"]):
        proc = subprocess.run([sys.executable, "-m", "analysis.pipeline.params", *args], capture_output=True, text=True)
        assert proc.returncode == 2, proc.stderr
    assert "one of all, drift, decay, nowcast, loglinear, ets, combination" in proc.stderr
    assert not target.exists()
    ok = subprocess.run([sys.executable, "-m", "analysis.pipeline.params", "check", "01_clean", "tolerance_pct=2"])
    assert ok.returncode == 0
