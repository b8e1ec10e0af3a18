"""Forecasting: the models compute what they claim to, and intervals are honest."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis import cleaning, forecasting


@pytest.fixture(scope="module")
def points(cleaned):
    return {s: cleaning.assemble(cleaned["series"], s, 2021).query("used") for s in cleaning.FORECAST_SERIES}


def test_loglinear_slope_equals_hand_ols(points):
    p = points["intelligent_compute"]
    t, y = p["year"].to_numpy(float), np.log(p["value"].to_numpy(float))
    slope = ((t - t.mean()) * (y - y.mean())).sum() / ((t - t.mean()) ** 2).sum()
    fit = forecasting.fit_loglinear("intelligent_compute", np.log(p.set_index("year")["value"]), np.arange(2024, 2028), 0.1)
    assert fit.growth == pytest.approx(slope)
    assert fit.log_mean[0] == pytest.approx(y.mean() + slope * (2024 - t.mean()))


def test_drift_equals_mean_log_difference(points):
    s = np.log(points["intelligent_compute"].set_index("year")["value"])
    fit = forecasting.fit_drift("intelligent_compute", s, np.arange(2024, 2028), 0.1)
    assert fit.growth == pytest.approx(np.diff(s.values).mean(), abs=1e-5)
    assert any("SARIMAX" in n for n in fit.notes)
    two = np.log(points["ai_server_market"].set_index("year")["value"])
    f2 = forecasting.fit_drift("ai_server_market", two, np.arange(2024, 2028), 0.1)
    assert f2.growth == pytest.approx(math.log(9.1 / (9.1 / 1.825)))
    assert f2.sigma_source == "pooled"


def test_intervals_widen_and_are_never_degenerate(points):
    for s, p in points.items():
        for f in forecasting.forecast_series(s, p, 2035, 0.07):
            fr = f.frame(0.8)
            width = np.log(fr["upper"]) - np.log(fr["lower"])
            assert np.isfinite(width).all() and (width > 0).all(), (s, f.model)
            assert (np.diff(width) > 0).all(), (s, f.model)


def test_combination_lies_within_its_members(points):
    for s, p in points.items():
        fits = forecasting.forecast_series(s, p, 2030, 0.07)
        members = np.vstack([f.log_mean for f in fits if f.model in forecasting.FITTED_MODELS])
        comb = next(f for f in fits if f.model == "combination")
        assert (comb.log_mean >= members.min(axis=0) - 1e-12).all()
        assert (comb.log_mean <= members.max(axis=0) + 1e-12).all()
        assert (comb.log_se >= np.vstack([f.log_se for f in fits if f.model in forecasting.FITTED_MODELS]).min(axis=0)).all()


def test_report_path_reproduces_13_4_bn_in_2027(cleaned):
    path = forecasting.report_path("ai_server_market", cleaned["figures"], cleaned["implied"], np.arange(2024, 2028))
    v = path.set_index("year")["mean"]
    assert v[2022] == pytest.approx(9.1 / 1.825)
    assert round(v[2027], 1) == 13.4
    assert v[2027] == pytest.approx(9.1 / 1.825 * 1.218 ** 5)


def test_pooled_sigma_by_hand(points, cleaned):
    logs = {s: np.log(p.set_index("year")["value"]) for s, p in points.items()}
    rev = forecasting.growth_revisions(cleaned["figures"], cleaned["implied"])
    sigma, table = forecasting.pooled_sigma(logs, rev)
    d = np.diff(logs["intelligent_compute"].values)
    ss = ((d - d.mean()) ** 2).sum()
    ss += math.log(1.339 / 1.523) ** 2 + math.log(1.166 / 1.185) ** 2
    ss += math.log(1.218 / ((12.34 / 5.92) ** 0.2)) ** 2
    assert sigma == pytest.approx(math.sqrt(ss / 4))
    assert int(table["df"].sum()) == 4


def test_ets_variance_factor_formula():
    f = forecasting.ets_variance_factors(np.array([1, 2, 3]), 0.5, 0.2, 0.9)
    assert f[0] == 1
    assert f[1] == pytest.approx(1 + (0.5 + 0.5 * 0.2 * 0.9) ** 2)
    assert f[2] == pytest.approx(f[1] + (0.5 + 0.5 * 0.2 * (0.9 + 0.81)) ** 2)


def test_ets_is_estimated_when_there_are_enough_points():
    rng = np.random.default_rng(1)
    years = np.arange(2010, 2022)
    y = pd.Series(np.cumsum(0.2 + rng.normal(0, 0.05, len(years))) + 3, index=years)
    fit = forecasting.fit_ets("synthetic", y, np.arange(2022, 2026), 0.1)
    assert fit.sigma_source == "own"
    assert any(n.startswith("estimated") for n in fit.notes)
    assert np.isfinite(fit.log_mean).all()


def test_growth_override_replaces_the_drift(points):
    fits = forecasting.forecast_series("general_compute", points["general_compute"], 2027, 0.07, growth_override=0.1)
    sc = next(f for f in fits if f.model == "scenario")
    assert sc.growth == pytest.approx(math.log(1.1))
    assert math.exp(sc.log_mean[-1]) == pytest.approx(59.3 * 1.1 ** 4)


def test_backtest_errors_in_log_points_and_percent(points):
    bt = forecasting.backtest_models("intelligent_compute", points["intelligent_compute"], 0.07)
    drift = bt[bt["model"] == "drift"].iloc[0]
    assert drift["forecast"] == pytest.approx(259.9 ** 2 / 155.2)
    assert drift["error_log"] == pytest.approx(math.log(drift["forecast"] / 414.1))
    assert drift["error_pct"] == pytest.approx((drift["forecast"] / 414.1 - 1) * 100)
    assert forecasting.backtest_models("ai_server_market", points["ai_server_market"], 0.07).empty
