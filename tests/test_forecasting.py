"""Forecasting: the models compute what they claim to, and intervals are calibrated as documented."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import assembly, domain, forecasting, scoring

VAR = forecasting.Variance(noise=0.06, noise_df=2, drift=0.09, drift_df=2)


@pytest.fixture(scope="module")
def points(cleaned):
    return {s: assembly.assemble(cleaned["series"], s, 2021).query("used") for s in domain.FORECAST_SERIES}


def _logs(p):
    return np.log(p.set_index("year")["value"])


def test_variance_split_by_hand(cleaned):
    src = forecasting.variance_sources(cleaned["series"], cleaned["figures"], cleaned["implied"])
    var = forecasting.pooled_variance(src)
    g = np.diff(np.log([155.2, 260.0, 414.1]))
    gg = np.array([math.log(1.391), math.log(18.3 / 15.6)])  # IDC June 2023: both levels from one release
    noise_ss = ((g - g.mean()) ** 2).sum() + ((gg - gg.mean()) ** 2).sum()
    assert var.noise == pytest.approx(math.sqrt(noise_ss / 2)) and var.noise_df == 2
    drift_ss = math.log(1.339 / 1.523) ** 2 + math.log(1.166 / 1.185) ** 2
    assert var.drift == pytest.approx(math.sqrt(drift_ss / 2)) and var.drift_df == 2
    ai = src[src["source"].str.startswith("ai_server_market")]
    assert len(ai) == 1 and not ai["used"].iloc[0]  # the revision across the definition break is listed, not used
    assert set(src["measures"]) == {"noise", "drift"}


def test_satterthwaite_limits():
    assert forecasting.satterthwaite((1.0, 2), (0.0, 2)) == pytest.approx(2)
    assert forecasting.satterthwaite((1.0, 2), (1.0, 2)) == pytest.approx(4)
    assert forecasting.satterthwaite((1.0, 3), (2.0, 5)) == pytest.approx(9 / (1 / 3 + 4 / 5))


def test_drift_interval_is_t_with_noise_and_drift_variance(points):
    s = _logs(points["intelligent_compute"])
    fit = forecasting.fit_drift("intelligent_compute", s, np.arange(2024, 2028), VAR)
    assert fit.growth == pytest.approx(np.diff(s.values).mean(), abs=1e-5)
    h = np.arange(1, 5)
    assert fit.log_se == pytest.approx(np.sqrt(h * 0.06 ** 2 + h ** 2 * 0.09 ** 2))
    fr = fit.frame([0.8])
    z = stats.t.ppf(0.9, fit.dof)
    assert (np.log(fr["upper"]) - np.log(fr["median"])).to_numpy() == pytest.approx(z * fit.log_se)
    assert (z > stats.norm.ppf(0.9)).all()  # t quantiles are wider than Normal ones


def test_loglinear_level_sd_is_noise_over_root_two(points):
    p = points["ai_server_market"]
    fit = forecasting.fit_loglinear("ai_server_market", _logs(p), np.arange(2024, 2028), VAR)
    t = p["year"].to_numpy(float)
    want = np.sqrt(0.06 ** 2 / 2 * (1 + 1 / 2) + 0.09 ** 2 * (np.arange(2024, 2028) - t.mean()) ** 2)
    assert fit.log_se == pytest.approx(want)
    assert fit.log_median == pytest.approx(forecasting.fit_drift("ai_server_market", _logs(p), np.arange(2024, 2028),
                                                                 VAR).log_median)  # two points: the same line


def test_decay_mean_is_the_closed_form_and_bounded(points):
    s = _logs(points["ai_server_market"])
    years = np.arange(2024, 2036)
    fit = forecasting.fit_decay("ai_server_market", s, years, VAR, half_life=1.5, long_run_growth=0.15)
    phi, g_inf, g0 = 0.5 ** (1 / 1.5), math.log(1.15), math.log(9.1 / (9.1 / 1.825))
    growth = [g_inf + phi ** j * (g0 - g_inf) for j in range(1, 13)]
    assert fit.log_median == pytest.approx(s.iloc[-1] + np.cumsum(growth), abs=1e-6)  # SARIMAX vs closed form
    yearly = np.diff(np.r_[s.iloc[-1], fit.log_median])
    assert yearly[-1] == pytest.approx(g_inf, abs=0.01)  # growth converges to the long-run rate
    drift = forecasting.fit_drift("ai_server_market", s, years, VAR)
    assert fit.log_median[-1] < drift.log_median[-1] - 3  # 2035: bounded growth, e^3 = 20x below the drift path


def test_ets_initial_state_fits_the_first_point_and_phi_matters(points):
    p = points["intelligent_compute"]
    y = _logs(p)
    res, b0 = forecasting._ets_smooth(y, 0.85)
    assert float(np.asarray(res.fittedvalues)[0]) == pytest.approx(y.iloc[0])  # 155.2, not a year ahead
    fit = forecasting.fit_ets("intelligent_compute", y, np.arange(2024, 2028), VAR)
    assert round(math.exp(fit.log_median[-1])) == 1000  # the corrected 2027 value (issue 13: 925 → 1000)
    sens = forecasting.ets_phi_sensitivity("intelligent_compute", p, 2027, VAR)
    assert sens["median"].is_monotonic_increasing and sens["median"].max() / sens["median"].min() > 3


def test_ets_variance_factor_formula():
    f = forecasting.ets_variance_factors(np.array([1, 2, 3]), 0.5, 0.2, 0.9)
    assert f[0] == 1
    assert f[1] == pytest.approx(1 + (0.5 + 0.5 * 0.2 * 0.9) ** 2)
    assert f[2] == pytest.approx(f[1] + (0.5 + 0.5 * 0.2 * (0.9 + 0.81)) ** 2)


def test_combination_is_the_mixture_of_drift_and_decay(points):
    for s, p in points.items():
        fits = {f.model: f for f in forecasting.forecast_series(s, p, 2030, VAR)}
        comb = fits["combination"]
        assert [m.model for m in comb.members] == list(forecasting.COMBINED)
        for q in (0.1, 0.5, 0.9):
            x = comb.log_quantile(q)
            cdf = [np.mean([stats.t.cdf((x[i] - m.log_median[i]) / m.log_se[i], m.dof[i]) for m in comb.members])
                   for i in range(len(x))]
            assert np.array(cdf) == pytest.approx(np.full(len(cdf), q), abs=1e-9)
        lo = np.minimum(fits["drift"].log_median, fits["decay"].log_median)
        hi = np.maximum(fits["drift"].log_median, fits["decay"].log_median)
        med = comb.log_quantile(0.5)
        assert ((med >= lo - 1e-9) & (med <= hi + 1e-9)).all()


def test_mixture_of_one_model_scores_like_the_model(points):
    d = forecasting.fit_drift("intelligent_compute", _logs(points["intelligent_compute"]), np.arange(2024, 2026), VAR)
    mix = forecasting.combine([d, d])
    assert mix.crps(0, 6.5) == pytest.approx(float(scoring.crps_t(6.5, d.log_median[0], d.log_se[0], d.dof[0])), rel=1e-6)
    assert mix.log_quantile(0.9) == pytest.approx(d.log_quantile(0.9), abs=1e-9)


def test_intervals_widen_and_nest(points):
    for s, p in points.items():
        for f in forecasting.forecast_series(s, p, 2035, VAR):
            fr = f.frame([0.5, 0.8, 0.95])
            for _, g in fr.groupby("level"):
                width = np.log(g["upper"]) - np.log(g["lower"])
                assert (np.diff(width.to_numpy()) > 0).all(), (s, f.model)
            w = fr.pivot(index="year", columns="level", values="upper")
            assert (w[0.5] < w[0.8]).all() and (w[0.8] < w[0.95]).all()


def test_scenario_fixes_the_drift_and_keeps_only_the_noise(points):
    fits = forecasting.forecast_series("general_compute", points["general_compute"], 2027, VAR, scenario_growth=0.1)
    sc = next(f for f in fits if f.model == "scenario")
    assert math.exp(sc.log_median[-1]) == pytest.approx(59.3 * 1.1 ** 4)
    assert sc.log_se == pytest.approx(0.06 * np.sqrt(np.arange(1, 5)))
    assert (sc.dof == 2).all()


def test_report_path_runs_through_the_reports_points_and_stops_at_2027(cleaned):
    path, implied = forecasting.report_path(cleaned["series"], "ai_server_market")
    v = path.set_index("year")["median"]
    assert list(v.index) == list(range(2022, domain.REPORT_HORIZON + 1))
    assert v[2022] == pytest.approx(9.1 / 1.825, rel=1e-4) and v[2023] == pytest.approx(9.1) and v[2027] == pytest.approx(13.4)
    assert implied == pytest.approx((13.4 / 9.1) ** 0.25 - 1) and round(implied, 3) == 0.102
    ic, _ = forecasting.report_path(cleaned["series"], "intelligent_compute")
    assert ic.set_index("year")["median"][2023] == pytest.approx(414.1)  # not 348 from compounding the CAGR


def test_real_time_backtest_uses_the_2022_23_edition(cleaned):
    bt = forecasting.backtest_models("intelligent_compute", cleaned["series"], VAR, (0.8,), 1.5, 0.15, ("2022-23 ed",))
    drift = bt[bt["model"] == "drift"].iloc[0]
    assert drift["forecast"] == pytest.approx(268.0 ** 2 / 155.2)  # the 2022-23 ed's own 268.0, not the revised 260.0
    assert round(drift["error_pct"], 1) == 11.8
    lo, hi, y = math.log(drift["lower"]), math.log(drift["upper"]), math.log(414.1)
    assert drift["interval_score_log"] == pytest.approx(float(scoring.interval_score(lo, hi, y, 0.8)))
    assert drift["crps_log"] > 0
    assert forecasting.backtest_models("ai_server_market", cleaned["series"], VAR, (0.8,), 1.5, 0.15,
                                       ("2022-23 ed",)).empty


def test_no_statsmodels_warning_is_hidden(points):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for s, p in points.items():
            forecasting.forecast_series(s, p, 2035, VAR)
