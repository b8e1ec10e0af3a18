"""Coherence with the world: China's AI servers against the world's market, growth bounds, warnings."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import coherence


def test_the_world_path_runs_through_the_report_and_extends_at_its_rate(cleaned):
    w = coherence.world_path(cleaned["series"], np.arange(2024, 2029), 0.06).set_index("year")
    rate = (34.7 / 19.5) ** 0.25 - 1
    assert w.loc[2026, "world"] == pytest.approx(34.7) and w.loc[2028, "world"] == pytest.approx(34.7 * (1 + rate) ** 2)
    assert w.loc[2024, "world"] == pytest.approx(19.5 * (1 + rate) ** 2)
    assert (w["world_low"] < w["world"]).all() and (w["world"] < w["world_high"]).all()
    assert coherence.world_path(cleaned["series"].iloc[:0], np.arange(2024, 2026), 0.06).empty


def test_a_median_above_a_bound_is_flagged_once():
    f = pd.DataFrame(dict(series="ai_server_market", model="drift", year=[2024, 2025, 2026],
                          median=[20.0, 40.0, 80.0]))
    world = pd.DataFrame(dict(year=[2024, 2025, 2026], world=[30.0, 35.0, 40.0], world_low=np.nan,
                              world_high=np.nan, vintage="v"))
    obs = pd.DataFrame(dict(indicator=["ai_server_market"], year=[2023], growth=[0.5]))
    t = coherence.checks(f, world, {"ai_server_market": (2023, 10.0)}, obs)
    w = t[t["bound_kind"] == "the world's AI-server market"]
    assert w["implausible"].tolist() == [False, True, True] and (w["warning"] != "").sum() == 1
    assert "in 2025 (ratio 1.14)" in w.loc[w["warning"] != "", "warning"].iloc[0]
    g = t[t["bound_kind"] != "the world's AI-server market"]
    assert g["implausible"].tolist() == [True, True, True]  # 20 > 10 × 1.5
    assert set(t[t["implausible"] & (t["year"] == 2024)]["model"]) == {"drift"}


def test_a_median_inside_the_band_is_not_flagged_and_the_mass_beyond_is_the_distribution_s():
    from analysis import forecasting
    years = np.array([2024])
    fit = forecasting.Forecast("ai_server_market", "nowcast", years, np.log([42.0]), np.array([0.3]),
                               np.array([np.inf]), "pooled", 2022, 2023, 0.5)
    f = pd.DataFrame(dict(series="ai_server_market", model="nowcast", year=[2024], median=[42.0]))
    world = pd.DataFrame(dict(year=[2024], world=[40.0], world_low=[27.0], world_high=[60.0], vintage="v"))
    t = coherence.checks(f, world, {}, pd.DataFrame(columns=["indicator", "year", "growth"]),
                         fits={"ai_server_market": {"nowcast": fit}})
    r = t.iloc[0]
    assert r["ratio"] > 1 and not r["implausible"]  # 1.05x the centre, inside the band: no flag
    # P(X > W), X ~ N(log 42, 0.3), W ~ N(log 40, log(1.5)/z): a normal difference
    from scipy import stats
    sd_w = np.log(60 / 40) / coherence.Z80
    expected = 1 - stats.norm.cdf((np.log(40) - np.log(42)) / np.hypot(0.3, sd_w))
    assert r["mass_beyond"] == pytest.approx(expected, abs=1e-6)
    assert coherence.below_at(t, "ai_server_market", 2024, coherence.WORLD_BOUND) == {"nowcast": pytest.approx(1 - expected)}


def test_parameters_beyond_plausible_values_warn():
    w = coherence.parameter_warnings({"ai_server_market": 2.0, "general_compute": 0.1}, 0.6, 2035, 2027)
    assert len(w) == 3 and w[0].startswith("warning: GROWTH 2 for ai_server_market")
    assert "HORIZON 2035 is 8 years past" in w[2]
    assert coherence.parameter_warnings({}, 0.15, 2030, 2027) == []
