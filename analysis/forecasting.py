"""Forecasting: statsmodels models of short annual series, with intervals calibrated to what
two or three points and a handful of outside sources can tell.

The series have two or three annual points (see :func:`analysis.assembly.assemble`). No model
can estimate its own error variance from them, so the spread comes from outside sources,
split into the two kinds of uncertainty a growth forecast has (:func:`variance_sources`):

* **year-to-year noise** σ_ε — how much one year's log growth departs from the trend. Measured
  by the deviations of *consecutive* yearly log growth rates within a series (intelligent
  compute 2022 and 2023; the global AI-server market 2021 and 2022). It enters a path's
  variance as h·σ_ε² (a random walk).
* **drift uncertainty** σ_μ — how wrong the trend growth rate itself may be. Measured by how
  far the report moved its own five-year CAGR between editions (log of the ratio of 1 + CAGR),
  only where both editions measure the same thing (the AI-server revision crosses a definition
  break and is listed but not used). A wrong drift persists, so it enters as h²·σ_μ².

Each component has its own degrees of freedom; a path's predictive distribution is a Student t
with the Welch–Satterthwaite degrees of freedom of the two (:func:`satterthwaite`), so the
quantiles carry the uncertainty of the variance estimates themselves (Normal quantiles on a
4-df variance were 20–42% too narrow).

Models, all on natural logs (growth is compound; intervals are asymmetric in levels), with
h = years after the last data year:

* ``drift`` — random walk with drift, ``SARIMAX(0,1,0)`` with a constant: "growth persists".
  Variance h·σ_ε² + h²·σ_μ².
* ``decay`` — growth mean-reverts toward a long-run rate g∞ with a half-life (an ARIMA(1,1,0)
  with a constant on logs, parameters fixed, mean from statsmodels' SARIMAX): growth in year
  T+j is g∞ + φ^j (g_T − g∞), φ = 0.5^(1/half-life). Variance: the noise h·σ_ε², the drift
  uncertainty of g∞ weighted by its share of the path (h − W)²·σ_μ², and the noise in the
  last observed growth g_T weighted by W = Σφ^j.
* ``loglinear`` — OLS of log value on year: constant growth, a sensitivity check. With two
  points it is the drift line; with three, within 1% of it. Level residual sd σ_ε/√2 (the sd
  of a difference of two independent residuals is √2 times theirs), slope uncertainty σ_μ.
* ``ets`` — damped additive trend (``ETSModel``) with fixed smoothing and damping
  (:data:`ETS_FIXED`; five parameters cannot be estimated from three points), initial state
  l₀ = y₀ − φb₀ so that the first fitted value is the first observation. Its bend comes
  entirely from the fixed φ (see :func:`ets_phi_sensitivity`). A sensitivity check.
* ``combination`` — an equal-weight mixture of ``drift`` and ``decay``: "growth persists" and
  "growth reverts". Its quantiles are the mixture's, found numerically.
* ``scenario`` — the drift model with a user-given growth rate per series; the user fixed the
  drift, so its interval carries only the noise.
* ``report_path`` — the report's own stated points (2022 base, 2023 estimate, 2027 forecast)
  joined at constant growth between them, over 2022–2027 and no further; not a fit, no interval.

Point forecasts are **medians** (the exponential of a log-scale centre), not means.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats

from analysis import assembly, cleaning, domain, scoring

ETS_FIXED = {"smoothing_level": 0.9, "smoothing_trend": 0.1, "damping_trend": 0.85}
ETS_PHI_GRID = (0.7, 0.8, 0.85, 0.9, 0.95, 0.98)
FITTED_MODELS = ("drift", "decay", "loglinear", "ets")
COMBINED = ("drift", "decay")
DEFAULT_DECAY_HALF_LIFE = 1.5
DEFAULT_LONG_RUN_GROWTH = 0.15


# ----------------------------------------------------------------------------- uncertainty

@dataclass(frozen=True)
class Variance:
    """The two variance components, each with its degrees of freedom."""
    noise: float  # σ_ε: sd of year-to-year log-growth noise
    noise_df: int
    drift: float  # σ_μ: sd of the error in the trend log growth rate
    drift_df: int

    def path(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Standard error and Satterthwaite dof of a·σ_ε² + b·σ_μ²."""
        va, vb = a * self.noise ** 2, b * self.drift ** 2
        return np.sqrt(va + vb), satterthwaite((va, self.noise_df), (vb, self.drift_df))


def satterthwaite(*parts: tuple[np.ndarray, float]) -> np.ndarray:
    """Welch–Satterthwaite degrees of freedom of a sum of independent variance estimates."""
    total = sum(np.asarray(v, dtype=float) for v, _ in parts)
    denom = sum(np.asarray(v, dtype=float) ** 2 / df for v, df in parts if df > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denom > 0, total ** 2 / np.where(denom > 0, denom, 1), math.inf)


def _growths(s: pd.Series) -> pd.Series:
    """Yearly log growth of a log series; only between consecutive years."""
    d = s.diff()
    gap = pd.Series(s.index, index=s.index).diff()
    return d[gap == 1]


def variance_sources(series_table: pd.DataFrame, figures: pd.DataFrame, implied: pd.DataFrame) -> pd.DataFrame:
    """Every source of the variance, what it measures, and whether it is used.

    Columns: source, measures (``noise`` or ``drift``), sum_sq, df, sd, used, note.
    """
    v = cleaning.values(figures, implied)
    rows = []

    def noise_row(label, growths, note):
        g = np.asarray(growths, dtype=float)
        rows.append(dict(source=label, measures="noise", sum_sq=float(((g - g.mean()) ** 2).sum()), df=len(g) - 1,
                         used=True, note=note))

    for name in domain.FORECAST_SERIES:
        g = _growths(assembly.used_logs(series_table, name))
        if len(g) >= 2:
            noise_row(f"{name}: consecutive yearly log growth rates {int(g.index.min())}-{int(g.index.max())}",
                      g.values, "deviations from their mean; one df per growth rate beyond the first")
    g21 = math.log1p(v["pub_global_server_yoy_2021_e2223"] / 100)
    g22 = math.log(v["pub_global_server_2022_idc2023"] / v["pub_global_server_2021_idc2023"])
    noise_row("global_ai_server_market: log growth 2021 (+39.1%) and 2022 (18.3/15.6, IDC June 2023)", [g21, g22],
              "reference series; both 2022 levels from one IDC release")

    def drift_row(series, earlier, later, c0, c1, used, note):
        rev = math.log((1 + c1 / 100) / (1 + c0 / 100))
        rows.append(dict(source=f"{series}: CAGR revision {earlier} ({c0}%) → {later} ({c1}%)", measures="drift",
                         sum_sq=rev ** 2, df=1, used=used, note=note))

    drift_row("intelligent_compute", "2022-23 ed", "2023-24 ed", v["pub_ic_cagr_e2223"], v["pub_ic_cagr_e2324"], True,
              "a revision of the five-year trend rate")
    drift_row("general_compute", "2022-23 ed", "2023-24 ed", v["pub_gc_cagr_e2223"], v["pub_gc_cagr_e2324"], True,
              "a revision of the five-year trend rate")
    drift_row("ai_server_market", "2022-23 ed", "2023-24 ed", round(v["imp_ai_server_cagr_2021_2026_e2223"], 1),
              v["art_ai_server_cagr"], False,
              "not used: the two editions define the market differently (see series_assembly)")
    t = pd.DataFrame(rows)
    t["sd"] = np.sqrt(t["sum_sq"] / t["df"])
    return t[["source", "measures", "sum_sq", "df", "sd", "used", "note"]]


def pooled_variance(sources: pd.DataFrame) -> Variance:
    """Pool each component over the sources used for it."""
    out = {}
    for kind in ("noise", "drift"):
        s = sources[sources["used"] & (sources["measures"] == kind)]
        df = int(s["df"].sum())
        if df < 1:
            raise ValueError(f"no source measures the {kind} component")
        out[kind] = (math.sqrt(float(s["sum_sq"].sum()) / df), df)
    return Variance(out["noise"][0], out["noise"][1], out["drift"][0], out["drift"][1])


# ----------------------------------------------------------------------------- forecasts

@dataclass
class Forecast:
    """A forecast path on the log scale: a Student t per year, or an equal-weight mixture of them."""
    series: str
    model: str
    years: np.ndarray
    log_median: np.ndarray
    log_se: np.ndarray
    dof: np.ndarray
    sigma_source: str
    train_start: int
    train_end: int
    growth: float  # log growth in the first forecast year
    notes: list[str] = field(default_factory=list)
    members: list["Forecast"] = field(default_factory=list)

    @property
    def distribution(self) -> list[str]:
        if self.members:
            return ["mixture of " + " and ".join(f"t({d:.1f})" for d in ds)
                    for ds in zip(*[m.dof for m in self.members])]
        return [f"t({d:.1f})" if np.isfinite(d) else "normal" for d in self.dof]

    def _mix_cdf(self, x: float, i: int) -> float:
        return float(np.mean([stats.t.cdf((x - m.log_median[i]) / m.log_se[i], m.dof[i]) for m in self.members]))

    def log_quantile(self, q: float) -> np.ndarray:
        if not self.members:
            z = scoring.quantile(abs(2 * q - 1), self.dof)
            return self.log_median + np.sign(q - 0.5) * z * self.log_se
        out = []
        for i in range(len(self.years)):
            lo = min(m.log_median[i] - 1e5 * m.log_se[i] for m in self.members)
            hi = max(m.log_median[i] + 1e5 * m.log_se[i] for m in self.members)
            out.append(optimize.brentq(lambda x: self._mix_cdf(x, i) - q, lo, hi, xtol=1e-12))
        return np.array(out)

    def frame(self, levels) -> pd.DataFrame:
        median = np.exp(self.log_quantile(0.5)) if self.members else np.exp(self.log_median)
        parts = []
        for level in levels:
            parts.append(pd.DataFrame({
                "series": self.series, "model": self.model, "year": self.years.astype(int), "median": median,
                "lower": np.exp(self.log_quantile(0.5 - level / 2)), "upper": np.exp(self.log_quantile(0.5 + level / 2)),
                "level": level, "distribution": self.distribution,
                "dof": np.nan if self.members else self.dof,
                "train_start": self.train_start, "train_end": self.train_end, "sigma_source": self.sigma_source}))
        return pd.concat(parts, ignore_index=True)

    def crps(self, i: int, y_log: float) -> float:
        """CRPS on the log scale of year index ``i`` at the observed log value."""
        if not self.members:
            return float(scoring.crps_t(y_log, self.log_median[i], self.log_se[i], self.dof[i]))
        from scipy import integrate

        below = integrate.quad(lambda x: self._mix_cdf(x, i) ** 2, -np.inf, y_log, limit=200)[0]
        above = integrate.quad(lambda x: (1 - self._mix_cdf(x, i)) ** 2, y_log, np.inf, limit=200)[0]
        return below + above


def _h(y: pd.Series, years: np.ndarray) -> np.ndarray:
    return (years - y.index.max()).astype(float)


def _endog(y: pd.Series) -> pd.Series:
    return pd.Series(y.values, index=pd.period_range(str(int(y.index.min())), periods=len(y), freq="Y"))


def fit_drift(name: str, y: pd.Series, years: np.ndarray, var: Variance, drift: float | None = None,
              model: str = "drift") -> Forecast:
    """Random walk with drift; with ``drift`` given (a scenario) the interval carries only the noise."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    notes = []
    span = int(y.index.max() - y.index.min())
    fitted = float(y.iloc[-1] - y.iloc[0]) / span
    if len(y) >= 3 and span == len(y) - 1:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = SARIMAX(_endog(y), order=(0, 1, 0), trend="c").fit(disp=False)
        fitted = float(res.params["intercept"])
        notes += [f"statsmodels: {w.category.__name__}: {w.message}" for w in caught]
        notes.append(f"SARIMAX(0,1,0)+c: drift {fitted:.4f} on {len(y) - 1} differences")
    else:
        notes.append(f"one difference only: the drift is that log difference, {fitted:.4f}")
    h = _h(y, years)
    if drift is None:
        d, (se, dof) = fitted, var.path(h, h ** 2)
    else:
        d = drift
        se, dof = np.sqrt(h) * var.noise, np.full(len(h), float(var.noise_df))
        notes.append(f"scenario: drift fixed at log(1 + growth) = {drift:.4f}; interval: noise only")
    return Forecast(name, model, years, y.iloc[-1] + d * h, se, dof, "pooled", int(y.index.min()), int(y.index.max()),
                    d, notes)


def decay_phi(half_life: float) -> float:
    """Yearly persistence of excess growth with the given half-life in years."""
    return 0.5 ** (1 / half_life)


def fit_decay(name: str, y: pd.Series, years: np.ndarray, var: Variance, half_life: float,
              long_run_growth: float) -> Forecast:
    """Growth decaying geometrically from the last observed yearly growth toward ``long_run_growth``."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    phi, g_inf = decay_phi(half_life), math.log1p(long_run_growth)
    last_gap = int(y.index[-1] - y.index[-2])
    g0 = float(y.iloc[-1] - y.iloc[-2]) / last_gap
    h = _h(y, years)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # ARIMA(1,1,0) with a constant on the last two points, every parameter fixed: the forecast
        # conditions on the last observed growth g0.
        endog = _endog(y.iloc[-2:]) if last_gap == 1 else pd.Series(
            [y.iloc[-1] - g0, y.iloc[-1]], index=pd.period_range(str(int(y.index[-1]) - 1), periods=2, freq="Y"))
        res = SARIMAX(endog, order=(1, 1, 0), trend="c").smooth([g_inf * (1 - phi), phi, var.noise ** 2])
        mean = np.asarray(res.forecast(int(h.max())))[h.astype(int) - 1]
    w = np.array([sum(phi ** j for j in range(1, int(k) + 1)) for k in h])  # weight on g0 in the path
    se, dof = var.path(h + w ** 2, (h - w) ** 2)
    notes = [f"last growth {math.expm1(g0):.1%} decays toward {long_run_growth:.1%} with a half-life of "
             f"{half_life:g} years (φ = {phi:.3f}); mean from SARIMAX(1,1,0)+c with fixed parameters"]
    notes += [f"statsmodels: {w_.category.__name__}: {w_.message}" for w_ in caught]
    return Forecast(name, "decay", years, mean, se, dof, "pooled", int(y.index.min()), int(y.index.max()),
                    float(mean[0] - y.iloc[-1]), notes)


def fit_loglinear(name: str, y: pd.Series, years: np.ndarray, var: Variance) -> Forecast:
    import statsmodels.api as sm

    t = y.index.values.astype(float)
    res = sm.OLS(y.values, sm.add_constant(t)).fit()
    mean = sm.add_constant(years.astype(float), has_constant="add") @ res.params
    n = len(t)
    # level residual sd σ_ε/√2; slope error σ_μ acting from the centre of the fit
    se, dof = var.path(np.full(len(years), 0.5 * (1 + 1 / n)), (years - t.mean()) ** 2)
    notes = [f"slope {res.params[1]:.4f} log points a year (growth {math.expm1(res.params[1]):.1%}); "
             f"{n} points, {int(res.df_resid)} residual df"]
    return Forecast(name, "loglinear", years, mean, se, dof, "pooled", int(t.min()), int(t.max()),
                    float(res.params[1]), notes)


def ets_variance_factors(h: np.ndarray, alpha: float, beta: float, phi: float) -> np.ndarray:
    """Var(h)/σ² of ETS(A,Ad,N): 1 + Σ_{j=1}^{h-1} (α + αβ(φ + … + φ^j))² (Hyndman et al. 2008, Table 6.1)."""
    out = []
    for hh in h.astype(int):
        total = 1.0
        for j in range(1, hh):
            total += (alpha + alpha * beta * sum(phi ** i for i in range(1, j + 1))) ** 2
        out.append(total)
    return np.array(out)


def _ets_smooth(y: pd.Series, phi: float):
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    b0 = float(np.diff(y.values).mean() / np.diff(y.index.values).mean())
    model = ETSModel(_endog(y), error="add", trend="add", damped_trend=True, initialization_method="known",
                     initial_level=float(y.iloc[0]) - phi * b0, initial_trend=b0)
    p = dict(ETS_FIXED, damping_trend=phi)
    return model.smooth([p[k] for k in model.param_names]), b0


def fit_ets(name: str, y: pd.Series, years: np.ndarray, var: Variance, phi: float = ETS_FIXED["damping_trend"]) -> Forecast:
    h = _h(y, years).astype(int)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res, b0 = _ets_smooth(y, phi)
        mean = np.asarray(res.forecast(int(h.max())))[h - 1]
    a, b = ETS_FIXED["smoothing_level"], ETS_FIXED["smoothing_trend"]
    w = np.array([sum(phi ** j for j in range(1, k + 1)) for k in h])
    se, dof = var.path(ets_variance_factors(h, a, b, phi), w ** 2)
    notes = [f"{len(y)} points cannot identify 5 parameters: fixed smoothing_level {a}, smoothing_trend {b}, "
             f"damping_trend {phi}; initial trend {b0:.4f}, initial level y₀ − φ·b₀ (first fitted value = first point)"]
    notes += [f"statsmodels: {w_.category.__name__}: {w_.message}" for w_ in caught]
    return Forecast(name, "ets", years, mean, se, dof, "pooled", int(y.index.min()), int(y.index.max()),
                    float(mean[0] - y.iloc[-1]), notes)


def combine(members: list[Forecast]) -> Forecast:
    """Equal-weight mixture; the log_median/log_se stored are the mixture's mean and sd on the log scale."""
    means = np.vstack([m.log_median for m in members])
    var = np.vstack([m.log_se ** 2 * np.where(m.dof > 2, m.dof / np.maximum(m.dof - 2, 1e-9), np.nan)
                     for m in members])
    first = members[0]
    return Forecast(first.series, "combination", first.years, means.mean(axis=0),
                    np.sqrt(var.mean(axis=0) + means.var(axis=0)), np.full(len(first.years), np.nan), "pooled",
                    first.train_start, first.train_end, float(np.mean([m.growth for m in members])),
                    [f"equal-weight mixture of {' and '.join(m.model for m in members)}; quantiles of the mixture"],
                    members=list(members))


def forecast_series(name: str, points: pd.DataFrame, horizon_end: int, var: Variance,
                    half_life: float = DEFAULT_DECAY_HALF_LIFE, long_run_growth: float = DEFAULT_LONG_RUN_GROWTH,
                    scenario_growth: float | None = None) -> list[Forecast]:
    y = np.log(points.set_index("year")["value"].sort_index().astype(float))
    years = np.arange(int(y.index.max()) + 1, horizon_end + 1)
    fits = {"drift": fit_drift(name, y, years, var), "decay": fit_decay(name, y, years, var, half_life, long_run_growth),
            "loglinear": fit_loglinear(name, y, years, var), "ets": fit_ets(name, y, years, var)}
    out = list(fits.values()) + [combine([fits[m] for m in COMBINED])]
    if scenario_growth is not None:
        out.append(fit_drift(name, y, years, var, drift=math.log1p(scenario_growth), model="scenario"))
    return out


def ets_phi_sensitivity(name: str, points: pd.DataFrame, year: int, var: Variance) -> pd.DataFrame:
    """The ETS median for ``year`` over a grid of fixed damping parameters φ."""
    y = np.log(points.set_index("year")["value"].sort_index().astype(float))
    rows = []
    for phi in ETS_PHI_GRID:
        f = fit_ets(name, y, np.array([year]), var, phi=phi)
        rows.append(dict(series=name, phi=phi, year=year, median=float(np.exp(f.log_median[0]))))
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- the report's path

def report_path(series_table: pd.DataFrame, name: str) -> tuple[pd.DataFrame, float]:
    """The report's own path through its stated points, over the years it states and no further.

    Returns the path (one row per year, 2022–2027) and the implied yearly growth between its
    last data year and its horizon (2023→2027).
    """
    pts = assembly.report_points(series_table, name).set_index("year")["value"]
    years = np.arange(int(pts.index.min()), int(pts.index.max()) + 1)
    logv = np.interp(years, pts.index.values.astype(float), np.log(pts.values.astype(float)))
    path = pd.DataFrame({"series": name, "model": "report_path", "year": years, "median": np.exp(logv)})
    implied = (pts[domain.REPORT_HORIZON] / pts[domain.LAST_DATA_YEAR]) ** (
        1 / (domain.REPORT_HORIZON - domain.LAST_DATA_YEAR)) - 1
    path["sigma_source"] = "none: " + ", ".join(f"{int(k)} = {v:g}" for k, v in pts.items()) + \
        f" ({domain.REPORT_EDITION}); {implied:.1%} a year 2023-2027"
    return path, float(implied)


# ----------------------------------------------------------------------------- backtests

def backtest_models(name: str, series_table: pd.DataFrame, var: Variance, levels, half_life: float,
                    long_run_growth: float, vintages: tuple[str, ...]) -> pd.DataFrame:
    """Real-time backtests: fit on what each edition published, score against the latest figures.

    For each origin edition the series is assembled ``as_of`` that edition; every later year
    with a current value is a test point. The variance sources all postdate the only possible
    origin (they need the 2023-24 edition), so the current variance is used and the note says so.
    """
    latest = assembly.assemble(series_table, name).query("used").set_index("year")["value"]
    rows = []
    for origin in vintages:
        pts = assembly.assemble(series_table, name, as_of=origin).query("used")
        if len(pts) < 2:
            continue
        last = int(pts["year"].max())
        test = latest[latest.index > last]
        if test.empty:
            continue
        for f in forecast_series(name, pts, int(test.index.max()), var, half_life, long_run_growth):
            for year, actual in test.items():
                i = int(np.where(f.years == year)[0][0])
                med = float(np.exp(f.log_quantile(0.5)[i])) if f.members else float(np.exp(f.log_median[i]))
                row = dict(series=name, model=f.model, origin=origin, train_end=last, year=int(year), horizon=int(year) - last,
                           forecast=med, actual=float(actual), error_log=math.log(med / actual),
                           error_pct=(med / actual - 1) * 100, crps_log=f.crps(i, math.log(actual)),
                           note=f"fit on {', '.join(f'{int(a)} = {b:g}' for a, b in zip(pts['year'], pts['value']))} "
                                f"({origin}); variance from later sources (none was published by the origin)")
                for level in levels:
                    lo = float(f.log_quantile(0.5 - level / 2)[i])
                    hi = float(f.log_quantile(0.5 + level / 2)[i])
                    rows.append(dict(row, level=level, lower=math.exp(lo), upper=math.exp(hi),
                                     interval_score_log=float(scoring.interval_score(lo, hi, math.log(actual), level))))
    cols = ["series", "model", "origin", "train_end", "year", "horizon", "forecast", "actual", "error_log", "error_pct",
            "level", "lower", "upper", "interval_score_log", "crps_log", "note"]
    return pd.DataFrame(rows, columns=cols)


def comparison(forecasts: pd.DataFrame, backtests: pd.DataFrame, horizon_end: int) -> pd.DataFrame:
    """Each model's forecast for the report's horizon (or the last forecast year, if earlier)
    against the report's path, with the backtest scores: one row per series, model and level."""
    year = min(horizon_end, domain.REPORT_HORIZON)
    final = forecasts[forecasts["year"] == year]
    rep = final[final["model"] == "report_path"].set_index("series")["median"]
    rows = []
    for _, r in final[final["model"] != "report_path"].iterrows():
        b = backtests[(backtests["series"] == r["series"]) & (backtests["model"] == r["model"])]
        bl = b[np.isclose(b["level"], r["level"])]
        report = rep.get(r["series"], np.nan)
        rows.append(dict(series=r["series"], model=r["model"], year=year, level=r["level"], median=r["median"],
                         lower=r["lower"], upper=r["upper"], report=report, vs_report_pct=(r["median"] / report - 1) * 100,
                         report_inside_interval=bool(r["lower"] <= report <= r["upper"]),
                         backtest_n=int(len(bl)),
                         log_error=float(bl["error_log"].abs().mean()) if len(bl) else np.nan,
                         interval_score_log=float(bl["interval_score_log"].mean()) if len(bl) else np.nan,
                         crps_log=float(bl["crps_log"].mean()) if len(bl) else np.nan,
                         distribution=r["distribution"]))
    return pd.DataFrame(rows)
