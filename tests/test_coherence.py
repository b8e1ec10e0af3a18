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
    assert coherence.implausible_at(t, "ai_server_market", 2024) == frozenset({"drift"})


def test_parameters_beyond_plausible_values_warn():
    w = coherence.parameter_warnings({"ai_server_market": 2.0, "general_compute": 0.1}, 0.6, 2035, 2027)
    assert len(w) == 3 and w[0].startswith("warning: GROWTH 2 for ai_server_market")
    assert "HORIZON 2035 is 8 years past" in w[2]
    assert coherence.parameter_warnings({}, 0.15, 2030, 2027) == []
