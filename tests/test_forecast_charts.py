"""Forecast charts: the fan has one band per level, extrapolation past 2027 is marked, and the
real-time record draws every pair."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis import assembly, charts, domain, evaluation, forecasting

VAR = forecasting.Variance(noise=0.06, noise_df=2, drift=0.09, drift_df=2)


def _forecasts(cleaned, horizon_end):
    pts = assembly.assemble(cleaned["series"], "ai_server_market").query("used")
    fits = forecasting.forecast_series("ai_server_market", pts, horizon_end, VAR)
    path, _ = forecasting.report_path(cleaned["series"], "ai_server_market", cleaned["vantage"])
    return pd.concat([f.frame([0.5, 0.8, 0.95]) for f in fits.values()] + [path], ignore_index=True)


def _layers(chart):
    return json.loads(chart.to_json())["layer"]


@pytest.mark.parametrize("horizon_end, marked", [(2027, False), (2035, True)])
def test_fan_and_extrapolation_band(cleaned, horizon_end, marked):
    f = _forecasts(cleaned, horizon_end)
    a = assembly.assemble(cleaned["series"], "ai_server_market")
    spec = json.loads(charts.forecast_panel("ai_server_market", cleaned["series"], a, f).to_json())
    areas = [lay for lay in spec["layer"] if lay["mark"]["type"] == "area"]
    assert len(areas) == 3  # 95, 80, 50
    text = json.dumps(spec)
    assert (f"after {domain.REPORT_HORIZON}: extrapolation" in text) is marked


def test_track_record_chart_draws_every_pair(cleaned):
    t = evaluation.vintage_pairs(cleaned["series"])
    labels = {s: f"label of {s}" for s in t["series"]}
    spec = json.loads(charts.track_record(t, labels).to_json())
    assert "label of intelligent_compute" in json.dumps(spec)
    datasets = spec["datasets"]
    # one small panel per series: together they draw every pair once
    assert sum(len(v) for v in datasets.values() if v and "error_pct" in v[0]) == len(t)
    assert len(spec["vconcat"]) == t["series"].nunique()
    ic = t[(t["series"] == "intelligent_compute") & (t["target_year"] == 2022)]
    assert np.isclose(ic["error_pct"].iloc[0], (268.0 / 260.0 - 1) * 100)
    assert f"{int(t['same_definition'].sum())} comparable pairs" in " ".join(spec["title"]["text"])
