"""Forecasting: statsmodels models of short annual series, with intervals that say how little
three points can tell.

The series have two or three annual points (see :func:`analysis.cleaning.assemble`). That is
too few for any model to estimate its own error variance honestly, so the models here take
the *spread* from a pooled, openly reported source (:func:`pooled_sigma`) whenever a series has
fewer than :data:`MIN_DF` residual degrees of freedom, and say so in ``sigma_source``. Every
interval widens with the horizon; none has zero width.

Models, all on natural logs (so growth is compound and intervals are asymmetric in levels):

* ``loglinear`` — OLS of log value on year: constant growth; prediction interval from the
  observation interval (statsmodels' ``obs_ci``) or, with a pooled sigma, the same formula.
* ``drift`` — random walk with drift, ``SARIMAX(0,1,0)`` with a constant. Its interval adds
  the drift's estimation uncertainty (h²σ²/n), which SARIMAX's own forecast variance omits.
  On a single difference SARIMAX cannot be estimated; the drift is then that difference.
* ``ets`` — damped additive trend (``ETSModel``), a sensitivity check. With fewer than five
  points its five parameters cannot be estimated; the smoothing and damping parameters are
  then fixed (:data:`ETS_FIXED`) and reported, not estimated.
* ``combination`` — equal weights of the three on the log scale; its variance is the mean of
  the members' variances plus their spread (a mixture), so it is never narrower than its
  members' disagreement.
* ``report_path`` — the report's own projection, base × (1 + CAGR)^(year − base): a reference,
  not a fit, with no interval.
* ``scenario`` — the drift model with a user-given growth rate (``growth_override``).
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from analysis import cleaning

MIN_DF = 2
ETS_FIXED = {"smoothing_level": 0.9, "smoothing_trend": 0.1, "damping_trend": 0.85}
FITTED_MODELS = ("loglinear", "drift", "ets")

#: The report's projection for each series: (base year, base figure id, CAGR figure id, edition).
REPORT_PATHS = {
    "ai_server_market": (2022, "imp_ai_server_2022", "art_ai_server_cagr", "2023-24 ed"),
    "intelligent_compute": (2022, "pub_ic_2022_e2324", "pub_ic_cagr_e2324", "2023-24 ed"),
    "general_compute": (2022, "pub_gc_2022_e2324", "pub_gc_cagr_e2324", "2023-24 ed"),
}


@dataclass
class Forecast:
    series: str
    model: str
    years: np.ndarray
    log_mean: np.ndarray
    log_se: np.ndarray
    sigma_source: str
    train_start: int
    train_end: int
    growth: float  # fitted annual log growth at the start of the forecast
    notes: list[str] = field(default_factory=list)
    dof: float = math.inf  # degrees of freedom of the interval's quantile (inf: normal)

    def frame(self, level: float) -> pd.DataFrame:
        q = 0.5 + level / 2
        z = stats.norm.ppf(q) if math.isinf(self.dof) else stats.t.ppf(q, self.dof)
        return pd.DataFrame({
            "series": self.series, "model": self.model, "year": self.years.astype(int),
            "mean": np.exp(self.log_mean), "lower": np.exp(self.log_mean - z * self.log_se),
            "upper": np.exp(self.log_mean + z * self.log_se), "interval_level": level,
            "train_start": self.train_start, "train_end": self.train_end, "sigma_source": self.sigma_source,
        })


def _log_series(points: pd.DataFrame) -> pd.Series:
    s = points.set_index("year")["value"].sort_index()
    return np.log(s.astype(float))


def pooled_sigma(log_series: dict[str, pd.Series], growth_revisions: pd.DataFrame) -> tuple[float, pd.DataFrame]:
    """The standard deviation of annual log growth, pooled from every source there is.

    Two sources, both reported in the returned table:
    * within-series: deviations of each year's log growth from that series' mean growth
      (one degree of freedom per difference beyond the first);
    * between editions: how much the report's own growth rate for a series moved from one
      edition to the next (log of the ratio of 1 + CAGR), one degree of freedom each.
    """
    rows = []
    for name, s in log_series.items():
        d = s.diff().dropna()
        years = np.diff(s.index.values)
        d = d / years  # annualise a gap
        if len(d) >= 2:
            dev = d - d.mean()
            rows.append(dict(source=f"{name}: deviations of yearly log growth", sum_sq=float((dev ** 2).sum()),
                             df=len(d) - 1))
    for _, r in growth_revisions.iterrows():
        rev = math.log((1 + r["later_cagr"] / 100) / (1 + r["earlier_cagr"] / 100))
        rows.append(dict(source=f"{r['series']}: growth revision {r['earlier']} → {r['later']}", sum_sq=rev ** 2, df=1))
    table = pd.DataFrame(rows)
    sigma = math.sqrt(table["sum_sq"].sum() / table["df"].sum())
    table["sd"] = np.sqrt(table["sum_sq"] / table["df"])
    return sigma, table


def fit_loglinear(name: str, y: pd.Series, years: np.ndarray, sigma_pooled: float) -> Forecast:
    import statsmodels.api as sm

    t = y.index.values.astype(float)
    X = sm.add_constant(t)
    res = sm.OLS(y.values, X).fit()
    Xn = sm.add_constant(years.astype(float), has_constant="add")
    mean = Xn @ res.params
    n = len(t)
    dof = math.inf
    if res.df_resid >= MIN_DF:
        frame = res.get_prediction(Xn).summary_frame()
        se = np.sqrt(frame["mean_se"].values ** 2 + res.scale)  # the observation interval's se
        src, dof = "own", float(res.df_resid)
    else:
        sxx = ((t - t.mean()) ** 2).sum()
        se = sigma_pooled * np.sqrt(1 + 1 / n + (years - t.mean()) ** 2 / sxx)
        src = "pooled"
    notes = [f"slope {res.params[1]:.4f} log points a year (growth {math.expm1(res.params[1]):.1%})",
             f"{n} points, {int(res.df_resid)} residual df"]
    return Forecast(name, "loglinear", years, mean, se, src, int(t.min()), int(t.max()), float(res.params[1]), notes,
                    dof)


def fit_drift(name: str, y: pd.Series, years: np.ndarray, sigma_pooled: float, drift: float | None = None,
              model: str = "drift") -> Forecast:
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    notes = []
    span = int(y.index.max() - y.index.min())
    n_diff = len(y) - 1
    sigma2_own = None
    fitted_drift = float(y.iloc[-1] - y.iloc[0]) / span
    if n_diff >= 2 and span == n_diff:
        endog = pd.Series(y.values, index=pd.period_range(str(int(y.index.min())), periods=len(y), freq="Y"))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = SARIMAX(endog, order=(0, 1, 0), trend="c").fit(disp=False)
        fitted_drift = float(res.params["intercept"])
        sigma2_own = float(res.params["sigma2"])
        notes += [f"statsmodels: {w.category.__name__}: {w.message}" for w in caught]
        notes.append(f"SARIMAX(0,1,0)+c: drift {fitted_drift:.4f}, sigma² {sigma2_own:.5f} on {n_diff} differences")
    else:
        notes.append(f"one difference only: SARIMAX cannot be estimated; drift = the log difference {fitted_drift:.4f}")
    d = fitted_drift if drift is None else drift
    if drift is not None:
        notes.append(f"scenario: drift replaced by log(1 + growth) = {drift:.4f}")
    h = (years - y.index.max()).astype(float)
    mean = y.iloc[-1] + d * h
    if sigma2_own is not None and n_diff - 1 >= MIN_DF:
        sigma2, src = sigma2_own, "own"
    else:
        sigma2, src = sigma_pooled ** 2, "pooled"
    se = np.sqrt(sigma2 * (h + h ** 2 / max(n_diff, 1)))
    return Forecast(name, model, years, mean, se, src, int(y.index.min()), int(y.index.max()), d, notes)


def ets_variance_factors(h: np.ndarray, alpha: float, beta: float, phi: float) -> np.ndarray:
    """Var(h)/σ² of ETS(A,Ad,N): 1 + Σ_{j=1}^{h-1} (α + αβ(φ + … + φ^j))² (Hyndman et al. 2008, Table 6.1)."""
    out = []
    for hh in h.astype(int):
        total = 1.0
        for j in range(1, hh):
            phisum = sum(phi ** i for i in range(1, j + 1))
            total += (alpha + alpha * beta * phisum) ** 2
        out.append(total)
    return np.array(out)


def fit_ets(name: str, y: pd.Series, years: np.ndarray, sigma_pooled: float) -> Forecast:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    notes = []
    endog = pd.Series(y.values, index=pd.period_range(str(int(y.index.min())), periods=len(y), freq="Y"))
    h = (years - y.index.max()).astype(int)
    g0 = float(np.diff(y.values).mean()) if len(y) > 1 else 0.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if len(y) >= 5:
            res = ETSModel(endog, error="add", trend="add", damped_trend=True).fit(disp=False)
            estimated = dict(zip(res.model.param_names, np.asarray(res.params, dtype=float)))
            p = {k: estimated[k] for k in ETS_FIXED}
            bounds = [k for k, v in p.items() if v < 1e-3 or v > 0.98]
            notes.append("estimated: " + ", ".join(f"{k} {v:.3f}" for k, v in p.items()))
            if bounds:
                notes.append("at or near a bound: " + ", ".join(bounds))
            sigma, src = math.sqrt(float(res.mse)), "own"
        else:
            model = ETSModel(endog, error="add", trend="add", damped_trend=True, initialization_method="known",
                             initial_level=float(y.iloc[0]), initial_trend=g0)
            res = model.smooth([ETS_FIXED[k] for k in model.param_names])
            p = dict(ETS_FIXED)
            notes.append(f"{len(y)} points cannot identify 5 parameters: fixed " +
                         ", ".join(f"{k} {v}" for k, v in p.items()) + f"; initial level = first value, initial trend {g0:.4f}")
            sigma, src = sigma_pooled, "pooled"
        fc = res.forecast(int(h.max()))
    notes += [f"statsmodels: {w.category.__name__}: {w.message}" for w in caught]
    mean = np.asarray(fc)[h - 1]
    se = sigma * np.sqrt(ets_variance_factors(h, p["smoothing_level"], p["smoothing_trend"], p["damping_trend"]))
    growth = float(mean[0] - y.iloc[-1])
    return Forecast(name, "ets", years, mean, se, src, int(y.index.min()), int(y.index.max()), growth, notes)


def combine(members: list[Forecast]) -> Forecast:
    """Equal-weight mixture on the log scale: mean of means; mean variance plus the spread."""
    means = np.vstack([m.log_mean for m in members])
    var = np.vstack([m.log_se ** 2 for m in members])
    mean = means.mean(axis=0)
    se = np.sqrt(var.mean(axis=0) + means.var(axis=0))
    first = members[0]
    src = "pooled" if any(m.sigma_source == "pooled" for m in members) else "own"
    return Forecast(first.series, "combination", first.years, mean, se, src, first.train_start, first.train_end,
                    float(np.mean([m.growth for m in members])),
                    [f"equal weights of {', '.join(m.model for m in members)}"])


def report_path(series: str, figures: pd.DataFrame, implied: pd.DataFrame, years: np.ndarray) -> pd.DataFrame:
    base_year, base_id, cagr_id, edition = REPORT_PATHS[series]
    v = cleaning.values(figures, implied)
    base, cagr = v[base_id], v[cagr_id]
    all_years = np.arange(base_year, max(int(years.max()), 2027) + 1)
    return pd.DataFrame({"series": series, "model": "report_path", "year": all_years,
                         "mean": base * (1 + cagr / 100) ** (all_years - base_year),
                         "lower": np.nan, "upper": np.nan, "interval_level": np.nan,
                         "train_start": base_year, "train_end": base_year, "sigma_source": f"none ({edition} CAGR {cagr}%)"})


def forecast_series(name: str, points: pd.DataFrame, horizon_end: int, sigma_pooled: float,
                    growth_override: float | None = None) -> list[Forecast]:
    y = _log_series(points)
    years = np.arange(int(y.index.max()) + 1, horizon_end + 1)
    fits = [fit_loglinear(name, y, years, sigma_pooled), fit_drift(name, y, years, sigma_pooled),
            fit_ets(name, y, years, sigma_pooled)]
    fits.append(combine(fits))
    if growth_override is not None:
        fits.append(fit_drift(name, y, years, sigma_pooled, drift=math.log1p(growth_override), model="scenario"))
    return fits


def backtest_models(name: str, points: pd.DataFrame, sigma_pooled: float) -> pd.DataFrame:
    """Leave-last-out and rolling-origin errors: refit on data up to each origin, forecast the rest.

    An origin needs at least two points to fit, so a series of n points has n − 2 origins.
    """
    y = _log_series(points)
    rows = []
    for k in range(2, len(y)):
        train, test = y.iloc[:k], y.iloc[k:]
        sub = points.iloc[:k]
        for f in forecast_series(name, sub, int(test.index.max()), sigma_pooled):
            for year, actual in test.items():
                idx = np.where(f.years == year)[0]
                if not len(idx):
                    continue
                lm = float(f.log_mean[idx[0]])
                rows.append(dict(series=name, model=f.model, origin=str(int(train.index.max())), year=int(year),
                                 forecast=math.exp(lm), actual=math.exp(actual), error_log=lm - actual,
                                 error_pct=(math.exp(lm - actual) - 1) * 100,
                                 note=f"fit on {int(train.index.min())}-{int(train.index.max())}"))
    return pd.DataFrame(rows)


def backtest_report(figures: pd.DataFrame, implied: pd.DataFrame) -> pd.DataFrame:
    """Score the report's earlier forecasts against later actuals published by December 2023."""
    v = cleaning.values(figures, implied)
    rows = []

    def add(series, model, origin, year, fc, actual, note):
        rows.append(dict(series=series, model=model, origin=origin, year=year, forecast=fc, actual=actual,
                         error_log=math.log(fc / actual), error_pct=(fc / actual - 1) * 100, note=note))

    add("intelligent_compute", "report 2022-23 ed (estimate)", "2022-23 ed", 2022, v["pub_ic_2022_e2223"],
        v["pub_ic_2022_e2324"], "2022 estimate against the 2023-24 ed's actual")
    for year, actual_id, kind in ((2022, "pub_ic_2022_e2324", "actual"), (2023, "art_intelligent_compute_2023", "estimate")):
        add("intelligent_compute", "report 2022-23 ed (CAGR path)", "2022-23 ed", year,
            v["pub_ic_2021_e2223"] * (1 + v["pub_ic_cagr_e2223"] / 100) ** (year - 2021), v[actual_id],
            f"155.2 x 1.523^{year - 2021} against the 2023-24 ed's {kind}")
    g = (v["pub_server_2026_e2223"] / v["pub_server_2021_e2223"]) ** (1 / 5)
    for year, actual_id, kind in ((2022, "imp_ai_server_2022", "implied actual"), (2023, "art_ai_server_2023", "estimate")):
        add("ai_server_market", "report 2022-23 ed (CAGR path)", "2022-23 ed", year,
            v["pub_server_2021_e2223"] * g ** (year - 2021), v[actual_id],
            f"5.92 growing to 12.34 in 2026 ({(g - 1) * 100:.1f}%/yr) against the 2023-24 ed's {kind}; "
            "the editions' definitions differ (see the audit)")
    add("ai_server_market", "report 2019-20 ed (AI hardware)", "2019-20 ed", 2023, v["pub_hw_2023_e1920"],
        v["art_ai_server_2023"], "AI hardware forecast (servers >85% of it) against the 2023 AI server estimate")
    return pd.DataFrame(rows)


def growth_revisions(figures: pd.DataFrame, implied: pd.DataFrame) -> pd.DataFrame:
    """How each series' growth rate moved between editions (the between-edition part of the pooled sigma)."""
    v = cleaning.values(figures, implied)
    return pd.DataFrame([
        dict(series="intelligent_compute", earlier="2022-23 ed", later="2023-24 ed",
             earlier_cagr=v["pub_ic_cagr_e2223"], later_cagr=v["pub_ic_cagr_e2324"]),
        dict(series="general_compute", earlier="2022-23 ed", later="2023-24 ed",
             earlier_cagr=v["pub_gc_cagr_e2223"], later_cagr=v["pub_gc_cagr_e2324"]),
        dict(series="ai_server_market", earlier="2022-23 ed", later="2023-24 ed",
             earlier_cagr=v["imp_ai_server_cagr_2021_2026_e2223"], later_cagr=v["art_ai_server_cagr"]),
    ])


def comparison(forecasts: pd.DataFrame, backtests: pd.DataFrame, horizon_end: int) -> pd.DataFrame:
    """Each model's final-year forecast against the report's projection for the same year."""
    final = forecasts[forecasts["year"] == horizon_end]
    rep = final[final["model"] == "report_path"].set_index("series")["mean"]
    loo = backtests[~backtests["model"].str.startswith("report")].groupby(["series", "model"])["error_pct"] \
        .apply(lambda e: float(np.sqrt((e ** 2).mean())))
    rows = []
    for _, r in final[final["model"] != "report_path"].iterrows():
        rows.append(dict(series=r["series"], model=r["model"], year=horizon_end, mean=r["mean"], lower=r["lower"],
                         upper=r["upper"], report=rep.get(r["series"], np.nan),
                         vs_report_pct=(r["mean"] / rep.get(r["series"], np.nan) - 1) * 100,
                         report_inside_interval=bool(r["lower"] <= rep.get(r["series"], np.nan) <= r["upper"]),
                         backtest_rmse_pct=loo.get((r["series"], r["model"]), np.nan),
                         sigma_source=r["sigma_source"]))
    return pd.DataFrame(rows)
