"""Forecasting: the models compute what they claim to, and every variance formula is checked
against statsmodels' own or a Monte Carlo of the model it names."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import assembly, choice, domain, forecasting, priors, scoring

VAR = forecasting.Variance(noise=0.06, noise_df=2, drift=0.09, drift_df=2)
VAR_M = forecasting.Variance(noise=0.06, noise_df=2, drift=0.09, drift_df=2, measurement=0.05, measurement_df=5)


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
    assert var.measurement == 0 and var.measurement_df == 0  # no revisions given: no measurement component
    ai = src[src["source"].str.startswith("ai_server_market")]
    assert len(ai) == 1 and not ai["used"].iloc[0]  # the revision across the definition break is listed, not used


def test_measurement_error_comes_from_the_revisions(cleaned):
    revisions = pd.DataFrame({"label": ["a", "b", "c"], "error_log": [0.03, -0.09, -0.06]})
    src = forecasting.variance_sources(cleaned["series"], cleaned["figures"], cleaned["implied"], revisions)
    var = forecasting.pooled_variance(src)
    assert var.measurement == pytest.approx(math.sqrt((0.03 ** 2 + 0.09 ** 2 + 0.06 ** 2) / 3))
    assert var.measurement_df == 3


def test_satterthwaite_limits():
    assert forecasting.satterthwaite((1.0, 2), (0.0, 2)) == pytest.approx(2)
    assert forecasting.satterthwaite((1.0, 2), (1.0, 2)) == pytest.approx(4)
    assert forecasting.satterthwaite((1.0, 3), (2.0, 5)) == pytest.approx(9 / (1 / 3 + 4 / 5))


# ----------------------------------------------------------------------------- statsmodels' own variances

def test_arima_factors_are_statsmodels_and_match_the_closed_form():
    """ARIMA(1,1,0): Var(h)/σ² = Σ_{j=1..h} (Σ_{i=0..h-j} φ^i)²."""
    for half_life in (0.5, 1.5, 8.0):
        phi = priors.phi(half_life)
        f = np.array(forecasting.arima_variance_factors(phi, 12))
        closed = [sum(sum(phi ** i for i in range(h - j + 1)) ** 2 for j in range(1, h + 1)) for h in range(1, 13)]
        assert f == pytest.approx(closed, abs=1e-6)


def test_ets_factors_are_statsmodels_to_1e6():
    """statsmodels' smoothing_trend is already the error-correction β: Var(h)/σ² = 1 + Σ_{j<h}(α + β φ_j)²."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    a, b = forecasting.ETS_FIXED["smoothing_level"], forecasting.ETS_FIXED["smoothing_trend"]
    for phi in forecasting.ETS_PHI_GRID:
        f = np.array(forecasting.ets_variance_factors(phi, 12))
        closed = [1 + sum((a + b * sum(phi ** i for i in range(1, j + 1))) ** 2 for j in range(1, h))
                  for h in range(1, 13)]
        assert f == pytest.approx(closed, abs=1e-6)
        y = pd.Series(np.log([155.2, 260.0, 414.1]), index=pd.period_range("2021", periods=3, freq="Y"))
        m = ETSModel(y, error="add", trend="add", damped_trend=True, initialization_method="known",
                     initial_level=float(y.iloc[0]) - phi * 0.5, initial_trend=0.5)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            v = np.asarray(m.smooth([a, b, phi]).get_prediction(start=3, end=14).forecast_variance)
        assert v / v[0] == pytest.approx(f, abs=1e-6)  # with the real data, too
    wrong = [1 + sum((a + a * b * sum(0.85 ** i for i in range(1, j + 1))) ** 2 for j in range(1, h))
             for h in range(1, 13)]
    assert max(abs(np.array(forecasting.ets_variance_factors(0.85, 12)) - wrong)) > 0.1  # the old α·β factor is caught


def test_ets_and_decay_means_are_statsmodels(points):
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    y = _logs(points["intelligent_compute"])
    endog = pd.Series(y.values, index=pd.period_range(str(int(y.index.min())), periods=len(y), freq="Y"))
    for phi in (0.7, 0.9):
        b0 = float(np.diff(y.values).mean())
        m = ETSModel(endog, error="add", trend="add", damped_trend=True, initialization_method="known",
                     initial_level=float(y.iloc[0]) - phi * b0, initial_trend=b0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = np.asarray(m.smooth([0.9, 0.1, phi]).forecast(6))
        assert forecasting.ets_means(y, phi, 6) == pytest.approx(want, abs=1e-8)
    phi, g_inf = priors.phi(2.0), math.log(1.2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = SARIMAX(endog.iloc[-2:], order=(1, 1, 0), trend="c").smooth([g_inf * (1 - phi), phi, 0.01])
        want = np.asarray(res.forecast(6))
    g0 = float(y.iloc[-1] - y.iloc[-2])
    assert forecasting.decay_means(float(y.iloc[-1]), g0, g_inf, phi, np.arange(1, 7.0)) == pytest.approx(want, abs=1e-8)


def test_drift_noise_is_the_random_walks_and_the_rest_by_monte_carlo():
    """Var = hσ_ε² + h²σ_μ² + σ_m²: a random walk with a drift that is itself wrong by N(0, σ_μ²),
    from a level that is wrong by N(0, σ_m²)."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    y = pd.Series(np.log([100.0, 160.0, 250.0]), index=pd.period_range("2021", periods=3, freq="Y"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = SARIMAX(y, order=(0, 1, 0), trend="c").smooth([0.4, 1.0])
        assert np.asarray(res.get_forecast(5).var_pred_mean) == pytest.approx(np.arange(1, 6), abs=1e-9)
    fit = forecasting.fit_drift("x", y.set_axis([2021, 2022, 2023]), np.arange(2024, 2029), VAR_M)
    rng = np.random.default_rng(1)
    n, h = 200_000, np.arange(1, 6)
    paths = (rng.normal(0, 0.05, n)[:, None] + rng.normal(0, 0.09, n)[:, None] * h
             + np.cumsum(rng.normal(0, 0.06, (n, 5)), axis=1))
    assert fit.log_se ** 2 == pytest.approx(paths.var(axis=0), rel=0.02)


def test_decay_variance_is_its_arima_by_monte_carlo(points):
    """The decay component's variance is the ARIMA(1,1,0) it names (σ_ε) plus σ_m²: simulated."""
    s = _logs(points["ai_server_market"])
    years = np.arange(2024, 2030)
    fit = forecasting.fit_decay("ai_server_market", s, years, VAR_M, half_life=1.5, long_run_growth=0.15)
    phi, g_inf = priors.phi(1.5), math.log(1.15)
    g0 = float(s.iloc[-1] - s.iloc[-2])
    rng = np.random.default_rng(2)
    n = 200_000
    level = np.full(n, float(s.iloc[-1])) + rng.normal(0, 0.05, n)
    g = np.full(n, g0)
    out = []
    for _ in years:
        g = g_inf + phi * (g - g_inf) + rng.normal(0, 0.06, n)
        level = level + g
        out.append(level.copy())
    sim = np.array(out).T
    assert fit.log_se ** 2 == pytest.approx(sim.var(axis=0), rel=0.02)
    assert fit.log_median == pytest.approx(sim.mean(axis=0), abs=0.002)


def test_loglinear_variance_is_ols_prediction_variance_by_monte_carlo():
    """σ²(1 + 1/n + (x − x̄)²/Sxx): refit OLS on simulated points and predict a new observation."""
    t = np.array([2021.0, 2022.0, 2023.0])
    x = np.arange(2024, 2028).astype(float)
    var = forecasting.Variance(0.06, 2, 0.09, 2)
    fit = forecasting.fit_loglinear("x", pd.Series([4.0, 4.5, 5.1], index=t.astype(int)), x.astype(int), var)
    rng = np.random.default_rng(3)
    n = 100_000
    e = rng.normal(0, 0.06, (n, 3))
    y = 1.0 + 0.5 * (t - 2021) + e
    tb = t.mean()
    slope = ((t - tb) * (y - y.mean(axis=1, keepdims=True))).sum(axis=1) / ((t - tb) ** 2).sum()
    pred = y.mean(axis=1, keepdims=True) + slope[:, None] * (x - tb)
    new = 1.0 + 0.5 * (x - 2021) + rng.normal(0, 0.06, (n, len(x)))
    assert fit.log_se ** 2 == pytest.approx((new - pred).var(axis=0), rel=0.02)


# ----------------------------------------------------------------------------- the models

def test_drift_interval_is_t(points):
    s = _logs(points["intelligent_compute"])
    fit = forecasting.fit_drift("intelligent_compute", s, np.arange(2024, 2028), VAR)
    assert fit.growth == pytest.approx(np.diff(s.values).mean(), abs=1e-9)
    h = np.arange(1, 5)
    assert fit.log_se == pytest.approx(np.sqrt(h * 0.06 ** 2 + h ** 2 * 0.09 ** 2))
    fr = fit.frame([0.8])
    z = stats.t.ppf(0.9, fit.dof)
    assert (np.log(fr["upper"]) - np.log(fr["median"])).to_numpy() == pytest.approx(z * fit.log_se)
    assert (z > stats.norm.ppf(0.9)).all()  # t quantiles are wider than Normal ones


def test_decay_integrates_its_prior_and_is_weighted_by_the_series(points):
    fits = forecasting.forecast_series("intelligent_compute", points["intelligent_compute"], 2027, VAR)
    decay = fits["decay"]
    assert len(decay.members) == len(priors.HALF_LIVES) * 3
    g = priors.posterior(priors.grid("intelligent_compute"), _logs(points["intelligent_compute"]), VAR.noise)
    assert decay.weights == pytest.approx(g["weight"].to_numpy())
    # 67.5% then 59.3%: a slow deceleration, so long half-lives gain weight
    by_h = g.groupby("half_life")["weight"].sum()
    assert by_h[8.0] > by_h[0.5]
    fixed = forecasting.forecast_series("intelligent_compute", points["intelligent_compute"], 2027, VAR, 1.5, 0.15)
    assert len(fixed["decay"].members) == 1  # a parameter given collapses the grid


def test_general_compute_reverts_upward(points):
    fits = forecasting.forecast_series("general_compute", points["general_compute"], 2027, VAR)
    assert "reverting upward" in fits["decay"].notes[0]  # 8.8% against long-run rates of 9-19%


def test_nowcast_starts_from_the_second_half(cleaned, points):
    halves = forecasting.half_years(cleaned["figures"], cleaned["implied"], "ai_server_market", 2023)
    assert halves.h1 == pytest.approx(3.0) and halves.h2 == pytest.approx(6.1) and round(halves.h2_growth, 3) == 0.996
    fits = forecasting.forecast_series("ai_server_market", points["ai_server_market"], 2027, VAR, 2.0, 0.15,
                                       halves=halves)
    now, decay = fits["nowcast"], fits["decay"]
    # 2024 at a fixed half-life: H1 2024 grows at the exit rate (+99.6%, H2 2023 year on year),
    # H2 2024 at the rate reverted by one half-year
    ph, gi, g2 = math.sqrt(priors.phi(2.0)), math.log(1.15), math.log(1.99620431)
    h1, h2 = 3.0 * math.exp(g2), 6.1 * math.exp(gi + ph * (g2 - gi))
    assert math.exp(now.log_median[0]) == pytest.approx((h1 + h2) * 9.1 / 9.1, rel=1e-6)
    first = (h1 + h2) / 9.1 - 1
    assert "exit rate: H2 2023 growth +99.6%" in now.notes[0] and f"{first:+.1%}" in now.notes[0]
    assert 0.8 < first < 0.996  # below the exit rate: H2 2024 already reverts
    assert now.log_median[0] > decay.log_median[0]  # momentum: above the plain decay
    assert forecasting.half_years(cleaned["figures"], cleaned["implied"], "intelligent_compute", 2023) is None
    assert "nowcast" not in forecasting.forecast_series("intelligent_compute", points["intelligent_compute"], 2027, VAR)


def test_mixture_quantiles_and_cdf_agree(points):
    fits = forecasting.forecast_series("ai_server_market", points["ai_server_market"], 2030, VAR)
    mix = forecasting.mixture("m", [(fits["drift"], 0.3), (fits["decay"], 0.7)])
    w, m, s, d = mix._parts()
    for q in (0.1, 0.5, 0.9):
        x = mix.log_quantile(q)
        cdf = [float(w @ stats.t.cdf((x[i] - m[:, i]) / s[:, i], d[:, i])) for i in range(len(x))]
        assert cdf == pytest.approx([q] * len(x), abs=1e-9)
    assert w.sum() == pytest.approx(1) and w[0] == pytest.approx(0.3)


def test_mixture_of_one_model_scores_like_the_model(points):
    d = forecasting.fit_drift("intelligent_compute", _logs(points["intelligent_compute"]), np.arange(2024, 2026), VAR)
    mix = forecasting.mixture("m", [(d, 0.5), (d, 0.5)])
    assert mix.crps(0, 6.5) == pytest.approx(float(scoring.crps_t(6.5, d.log_median[0], d.log_se[0], d.dof[0])),
                                             rel=1e-5)
    assert mix.log_quantile(0.9) == pytest.approx(d.log_quantile(0.9), abs=1e-9)


def test_intervals_widen_and_nest(points):
    for s, p in points.items():
        for f in forecasting.forecast_series(s, p, 2035, VAR_M).values():
            fr = f.frame([0.5, 0.8, 0.95])
            for _, g in fr.groupby("level"):
                width = np.log(g["upper"]) - np.log(g["lower"])
                assert (np.diff(width.to_numpy()) > 0).all(), (s, f.model)
            w = fr.pivot(index="year", columns="level", values="upper")
            assert (w[0.5] < w[0.8]).all() and (w[0.8] < w[0.95]).all()


def test_scenario_fixes_the_drift_and_keeps_only_noise_and_measurement(points):
    fits = forecasting.forecast_series("general_compute", points["general_compute"], 2027, VAR_M, scenario_growth=0.1)
    sc = fits["scenario"]
    assert math.exp(sc.log_median[-1]) == pytest.approx(59.3 * 1.1 ** 4)
    assert sc.log_se == pytest.approx(np.sqrt(0.06 ** 2 * np.arange(1, 5) + 0.05 ** 2))


def test_a_point_forecast_when_no_variance_source_is_known_yet(points):
    fits = forecasting.forecast_series("intelligent_compute", points["intelligent_compute"], 2025, None)
    fits["combination"] = choice.default_combination(fits)
    assert np.isfinite(fits["decay"].log_quantile(0.5)).all() and np.isfinite(fits["combination"].median()).all()
    assert not any(f.has_distribution(0) for f in fits.values())
    assert math.isnan(fits["drift"].cdf(0, 6.0)) and math.isnan(fits["drift"].crps(0, 6.0))


def test_pit_is_the_predictive_cdf_at_the_outcome(points):
    fits = forecasting.forecast_series("intelligent_compute", points["intelligent_compute"], 2025, VAR)
    for f in fits.values():
        assert f.cdf(0, float(f.log_quantile(0.2)[0])) == pytest.approx(0.2, abs=1e-6), f.model
        assert f.has_distribution(0)


def test_report_path_runs_through_the_reports_points_and_stops_at_2027(cleaned):
    vantage = cleaned["vantage"]
    path, implied = forecasting.report_path(cleaned["series"], "ai_server_market", vantage)
    v = path.set_index("year")["median"]
    assert list(v.index) == list(range(2022, domain.REPORT_HORIZON + 1))
    assert v[2022] == pytest.approx(9.1 / 1.825, rel=1e-4) and v[2023] == pytest.approx(9.1) and v[2027] == pytest.approx(13.4)
    assert implied == pytest.approx((13.4 / 9.1) ** 0.25 - 1) and round(implied, 3) == 0.102
    ic, _ = forecasting.report_path(cleaned["series"], "intelligent_compute", vantage)
    assert ic.set_index("year")["median"][2023] == pytest.approx(414.1)  # not 348 from compounding the CAGR


def test_no_statsmodels_warning_is_hidden(points):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for s, p in points.items():
            forecasting.forecast_series(s, p, 2035, VAR)
