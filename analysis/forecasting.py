"""Forecasting: models of short annual series on the log scale, with intervals that carry the
uncertainty of the noise, of the trend, of the latest (estimated) level and of the models' own
parameters.

The series have two or three annual points (:func:`analysis.assembly.assemble`). No model can
estimate its own error variance from them, so the spread comes from sources that measure it
(:func:`variance_sources`), in three components, each with its degrees of freedom:

* **year-to-year noise** σ_ε: the deviations of consecutive yearly log growth rates within a
  series (intelligent compute 2022 and 2023; the global AI-server market 2021 and 2022);
* **drift uncertainty** σ_μ: how far the report moved its own five-year CAGR between editions
  (log of the ratio of 1 + CAGR), where both editions measure the same thing;
* **measurement error** σ_m of the latest level: the last point of a series is an estimate
  (the 2023 figures), and the real-time record shows how far such estimates moved when the next
  figure came (:func:`analysis.evaluation.measurement_pairs`: an estimate published in the second
  half of its year or later, against the next figure). It shifts the whole path, so it enters
  every horizon as a constant σ_m².

A path's predictive distribution is a Student t with the Welch–Satterthwaite degrees of freedom of
its components (:func:`satterthwaite`); where a model's parameters are integrated over a grid, it
is a weighted mixture of such t's (:class:`Forecast`, quantiles and CRPS of the mixture).

Models, with h = years after the last data year; each variance is statsmodels' own (cached per
parameter value: it does not depend on the data) plus the components above, and
``tests/test_forecasting.py`` checks every formula against statsmodels or a Monte Carlo:

* ``drift`` — random walk with drift ("growth persists"): the drift is the mean of the yearly log
  differences (the maximum-likelihood drift of ``SARIMAX(0,1,0)`` with a constant). Variance
  h·σ_ε² (statsmodels' random walk) + h²·σ_μ² (a wrong drift persists) + σ_m².
* ``decay`` — ARIMA(1,1,0) with a constant on logs ("growth reverts"): growth in year T+k is
  g∞ + φ^k (g_T − g∞), φ = 0.5^(1/half-life). Its variance is statsmodels' forecast variance of
  that ARIMA with σ² = σ_ε², plus σ_m². The half-life and g∞ are integrated over the prior grid
  of :mod:`analysis.priors` (weighted by the series' own growth path): a mixture.
* ``nowcast`` — the next year from the latest half-year growth ("momentum, then reversion"): a
  bridge over half-years from the last year's H1 and H2 levels: the first forecast half-year grows
  year on year at the latest half-year's rate, the exit rate (China's AI servers: H2 2023 +99.6%),
  and reversion toward g∞ at the decay model's half-life (per half-year φ^½) begins after it. Same grid, same variance as the decay model: the
  bridge moves the centre, not the spread. A series with no half-year figure has no nowcast.
* ``loglinear`` — OLS of log value on year, a sensitivity check. Variance: statsmodels' OLS
  prediction variance σ_ε²(1 + 1/n + (x − x̄)²/Sxx) with the borrowed σ_ε, plus σ_m².
* ``ets`` — damped additive trend (statsmodels ``ETSModel``, smoothing_level 0.9,
  smoothing_trend 0.1 in statsmodels' error-correction form), initial level y₀ − φb₀, a
  sensitivity check. Its bend comes from the damping φ, which three points cannot estimate, so φ
  is integrated over :data:`ETS_PHI_GRID` with equal weights. Variance: statsmodels' analytic
  ETS variance with σ² = σ_ε², plus σ_m².
* ``combination`` — the default: a weighted mixture of members picked by the rule in
  :mod:`analysis.choice`, written before the scores.
* ``scenario`` — the drift model with a user-given growth rate; the user fixed the drift, so its
  interval carries the noise and the measurement error only.
* ``report_path`` — the report's own stated points joined at constant growth; no interval.

Point forecasts are **medians** (the exponential of a log-scale centre), not means.
"""
from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special, stats

from analysis import assembly, cleaning, domain, priors, scoring

ETS_FIXED = {"smoothing_level": 0.9, "smoothing_trend": 0.1}
ETS_PHI_GRID = (0.7, 0.8, 0.85, 0.9, 0.95, 0.98)
FITTED_MODELS = ("drift", "decay", "nowcast", "loglinear", "ets")


# ----------------------------------------------------------------------------- uncertainty

@dataclass(frozen=True)
class Variance:
    """The variance components, each with its degrees of freedom (0: unknown)."""
    noise: float  # σ_ε: sd of year-to-year log-growth noise
    noise_df: int
    drift: float  # σ_μ: sd of the error in the trend log growth rate
    drift_df: int
    measurement: float = 0.0  # σ_m: sd of the revision of the latest (estimated) level
    measurement_df: int = 0

    def path(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Standard error and Satterthwaite dof of a·σ_ε² + b·σ_μ² + σ_m²."""
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        va, vb = a * self.noise ** 2, b * self.drift ** 2
        vm = np.full(a.shape, self.measurement ** 2)
        return np.sqrt(va + vb + vm), satterthwaite((va, self.noise_df), (vb, self.drift_df),
                                                   (vm, self.measurement_df))


NO_VARIANCE = Variance(math.nan, 0, math.nan, 0)  # an information set with no variance source: point forecasts


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


def variance_sources(series_table: pd.DataFrame, figures: pd.DataFrame, implied: pd.DataFrame,
                     revisions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every source of the variance that the information set holds, what it measures, and whether
    it is used. (A build as of an earlier date may hold none of a kind: see :func:`pooled_variance`.)

    ``revisions``: the measurement pairs of the real-time record (columns ``label`` and
    ``error_log``), each one degree of freedom of σ_m.

    Columns: source, measures (``noise``, ``drift`` or ``measurement``), sum_sq, df, sd, used, note.
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
    if {"pub_global_server_yoy_2021_e2223", "pub_global_server_2022_idc2023", "pub_global_server_2021_idc2023"} <= set(v.index):
        g21 = math.log1p(v["pub_global_server_yoy_2021_e2223"] / 100)
        g22 = math.log(v["pub_global_server_2022_idc2023"] / v["pub_global_server_2021_idc2023"])
        noise_row("global_ai_server_market: log growth 2021 (+39.1%) and 2022 (18.3/15.6, IDC June 2023)", [g21, g22],
                  "reference series; both 2022 levels from one IDC release")

    def drift_row(series, earlier, later, ids, used, note):
        if not set(ids) <= set(v.index):
            return
        c0 = round(v[ids[0]], 1) if ids[0].startswith("imp_") else v[ids[0]]
        c1 = v[ids[1]]
        rev = math.log((1 + c1 / 100) / (1 + c0 / 100))
        rows.append(dict(source=f"{series}: CAGR revision {earlier} ({c0:g}%) → {later} ({c1:g}%)", measures="drift",
                         sum_sq=rev ** 2, df=1, used=used, note=note))

    drift_row("intelligent_compute", "2022-23 ed", "2023-24 ed", ("pub_ic_cagr_e2223", "pub_ic_cagr_e2324"), True,
              "a revision of the five-year trend rate")
    drift_row("general_compute", "2022-23 ed", "2023-24 ed", ("pub_gc_cagr_e2223", "pub_gc_cagr_e2324"), True,
              "a revision of the five-year trend rate")
    drift_row("ai_server_market", "2022-23 ed", "2023-24 ed", ("imp_ai_server_cagr_2021_2026_e2223", "art_ai_server_cagr"),
              False, "not used: the two editions define the market differently (see series_assembly)")
    if revisions is not None and len(revisions):
        e = revisions["error_log"].to_numpy(dtype=float)
        rows.append(dict(source=f"revisions of {len(e)} estimates of a year published in its second half or later "
                                f"({', '.join(revisions['label'])})", measures="measurement",
                         sum_sq=float((e ** 2).sum()), df=len(e), used=True,
                         note="log(estimate / next figure published); centred on zero: the bias test (notebook 02) "
                                     "does not measure a mean for so few revisions"))
    t = pd.DataFrame(rows, columns=["source", "measures", "sum_sq", "df", "used", "note"])
    t["sd"] = np.sqrt(t["sum_sq"].astype(float) / t["df"].astype(float))
    return t[["source", "measures", "sum_sq", "df", "sd", "used", "note"]]


def pooled_variance(sources: pd.DataFrame) -> Variance:
    """Pool each component over the sources used for it. Noise and drift are required (a
    ValueError otherwise: no interval can be given); measurement error is optional (0 if none)."""
    out = {}
    for kind in ("noise", "drift", "measurement"):
        s = sources[sources["used"] & (sources["measures"] == kind)]
        df = int(s["df"].sum())
        if df < 1:
            if kind == "measurement":
                out[kind] = (0.0, 0)
                continue
            raise ValueError(f"no source measures the {kind} component")
        out[kind] = (math.sqrt(float(s["sum_sq"].sum()) / df), df)
    return Variance(out["noise"][0], out["noise"][1], out["drift"][0], out["drift"][1],
                    out["measurement"][0], out["measurement"][1])


# ----------------------------------------------------------------------------- forecasts

@dataclass
class Forecast:
    """A forecast path on the log scale: a Student t per year, or a weighted mixture of such paths
    (``members``, ``weights``): the mixture's quantiles, CDF and CRPS are its own, not averages."""
    series: str
    model: str
    years: np.ndarray
    log_median: np.ndarray  # a t's centre; for a mixture, the mixture's mean
    log_se: np.ndarray  # a t's scale; for a mixture, the mixture's sd (where every member's dof > 2)
    dof: np.ndarray
    sigma_source: str
    train_start: int
    train_end: int
    growth: float  # log growth in the first forecast year
    notes: list[str] = field(default_factory=list)
    members: list["Forecast"] = field(default_factory=list)
    weights: np.ndarray | None = None
    member_names: list[str] = field(default_factory=list)  # a combination's members (analysis.choice)

    # -- the mixture's components, as arrays (component × year), built once
    def _parts(self):
        cached = self.__dict__.get("_cached_parts")
        if cached is None:
            ms = self.members or [self]
            w = np.asarray(self.weights if self.members else [1.0], dtype=float)
            cached = (w, np.vstack([m.log_median for m in ms]), np.vstack([m.log_se for m in ms]),
                      np.vstack([m.dof for m in ms]))
            self.__dict__["_cached_parts"] = cached
        return cached

    @property
    def distribution(self) -> list[str]:
        if self.members:
            _, _, _, d = self._parts()
            return [f"mixture of {d.shape[0]} t (df {lo:.1f} to {hi:.1f})" if np.all(np.isfinite(c)) else "point"
                    for lo, hi, c in zip(d.min(axis=0), d.max(axis=0), d.T)]
        return [f"t({d:.1f})" if np.isfinite(d) else ("normal" if np.isfinite(s) else "point")
                for d, s in zip(self.dof, self.log_se)]

    def has_distribution(self, i: int) -> bool:
        """Whether year index ``i`` has a predictive distribution (its information set held a
        variance source), not just a point."""
        _, _, s, _ = self._parts()
        return bool(np.all(np.isfinite(s[:, i]) & (s[:, i] > 0)))

    def _cdf_matrix(self, x: np.ndarray, cols) -> np.ndarray:
        """The mixture's CDF at x[j] for year index cols[j]."""
        w, m, s, d = self._parts()
        z = (x[None, :] - m[:, cols]) / s[:, cols]
        dd = d[:, cols]
        c = np.where(np.isinf(dd), special.ndtr(z), special.stdtr(np.where(np.isinf(dd), 1.0, dd), z))
        return w @ c

    def cdf(self, i: int, x: float) -> float:
        """The predictive CDF of year index ``i`` at log value ``x`` (the PIT of an outcome)."""
        if not self.has_distribution(i):
            return math.nan
        return float(self._cdf_matrix(np.array([x]), [i])[0])

    def cdfs(self, i: int, xs: np.ndarray) -> np.ndarray:
        """The predictive CDF of year index ``i`` at every log value of ``xs``, in one pass."""
        xs = np.asarray(xs, dtype=float)
        if not self.has_distribution(i):
            return np.full(xs.shape, math.nan)
        return self._cdf_matrix(xs, np.full(xs.shape, i, dtype=int))

    def log_quantile(self, q: float) -> np.ndarray:
        """The q-quantile of every year (a point forecast: its median for every q)."""
        w, m, s, d = self._parts()
        if not self.members:
            if not np.all(np.isfinite(s)):
                return self.log_median.copy()
            z = scoring.quantile(abs(2 * q - 1), self.dof)
            return self.log_median + np.sign(q - 0.5) * z * self.log_se
        if not np.all(np.isfinite(s)):
            return w @ m  # members without a distribution: the weighted mean of their logs
        n = len(self.years)
        cols = np.arange(n)
        spread = np.where(np.isinf(d), 10.0, stats.t.ppf(1 - 1e-9, np.where(np.isinf(d), 1.0, d)))
        lo, hi = (m - spread * s).min(axis=0), (m + spread * s).max(axis=0)
        for _ in range(64):  # bisection on every year at once: 2^-64 of the bracket
            mid = (lo + hi) / 2
            below = self._cdf_matrix(mid, cols) < q
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        return (lo + hi) / 2

    def median(self) -> np.ndarray:
        return np.exp(self.log_quantile(0.5))

    def frame(self, levels) -> pd.DataFrame:
        median = self.median()
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
        """CRPS on the log scale of year index ``i`` at the observed log value (NaN for a point, or
        where a member has at most 1 degree of freedom: its CRPS is infinite). A t: the closed
        form; a mixture: ∫ (F(x) − 1{x ≥ y})² dx by quadrature."""
        if not self.has_distribution(i):
            return math.nan
        w, m, s, d = self._parts()
        if np.any(d[:, i] <= 1):
            return math.nan
        if not self.members:
            return float(scoring.crps_t(y_log, self.log_median[i], self.log_se[i], self.dof[i]))
        from scipy import integrate

        cdf = lambda x: float(self._cdf_matrix(np.array([x]), [i])[0])  # noqa: E731
        below = integrate.quad(lambda x: cdf(x) ** 2, -np.inf, y_log, limit=200)[0]
        above = integrate.quad(lambda x: (1 - cdf(x)) ** 2, y_log, np.inf, limit=200)[0]
        return below + above


def mixture(model: str, parts: list[tuple[Forecast, float]], notes: list[str] | None = None) -> Forecast:
    """The weighted mixture of ``parts`` (forecast, weight), flattened to t components; weights are
    renormalised. Its stored centre and scale are the mixture's mean and sd on the log scale."""
    members, weights = [], []
    for f, w in parts:
        if f.members:
            members += f.members
            weights += list(np.asarray(f.weights) * w)
        else:
            members.append(f)
            weights.append(w)
    weights = np.asarray(weights, dtype=float) / float(np.sum(weights))
    means = np.vstack([m.log_median for m in members])
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.vstack([m.log_se ** 2 * np.where(m.dof > 2, m.dof / np.maximum(m.dof - 2, 1e-9), np.nan)
                         for m in members])
    mean = weights @ means
    sd = np.sqrt(weights @ var + weights @ (means - mean) ** 2)
    first = parts[0][0]
    growth = float(np.dot([f.growth for f, _ in parts], [w for _, w in parts]) / sum(w for _, w in parts))
    return Forecast(first.series, model, first.years, mean, sd, np.full(len(first.years), np.nan),
                    first.sigma_source, first.train_start, first.train_end, growth, list(notes or []),
                    members=members, weights=weights)


def _h(y: pd.Series, years: np.ndarray) -> np.ndarray:
    return (years - y.index.max()).astype(float)


def fit_drift(name: str, y: pd.Series, years: np.ndarray, var: Variance, drift: float | None = None,
              model: str = "drift") -> Forecast:
    """Random walk with drift; with ``drift`` given (a scenario) the interval carries only the noise
    and the measurement error."""
    span = int(y.index.max() - y.index.min())
    fitted = float(y.iloc[-1] - y.iloc[0]) / span  # the mean yearly log difference: SARIMAX(0,1,0)+c's MLE
    notes = [f"drift {fitted:.4f}: the mean yearly log difference over {span} year{'s' if span != 1 else ''}"]
    h = _h(y, years)
    if drift is None:
        d, (se, dof) = fitted, var.path(h, h ** 2)
    else:
        d = drift
        se, dof = var.path(h, np.zeros_like(h))
        notes.append(f"scenario: drift fixed at log(1 + growth) = {drift:.4f}; interval: noise and measurement only")
    return Forecast(name, model, years, y.iloc[-1] + d * h, se, dof, "pooled", int(y.index.min()), int(y.index.max()),
                    d, notes)


#: The longest horizon whose variance factors are computed (then cached per parameter value).
MAX_STEPS = 40


def arima_variance_factors(phi: float, steps: int) -> tuple[float, ...]:
    """statsmodels' forecast variance of an ARIMA(1,1,0) with AR coefficient ``phi`` and σ² = 1,
    for h = 1 … steps (it depends on φ and h only, so it is computed once per φ)."""
    return _arima_factors(float(phi))[:steps]


@functools.lru_cache(maxsize=64)
def _arima_factors(phi: float) -> tuple[float, ...]:
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    endog = pd.Series([0.0, 0.1], index=pd.period_range("2000", periods=2, freq="Y"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = SARIMAX(endog, order=(1, 1, 0), trend="c").smooth([0.0, phi, 1.0])
        return tuple(float(v) for v in np.asarray(res.get_forecast(MAX_STEPS).var_pred_mean))


def decay_means(y_last: float, g0: float, g_inf: float, phi: float, h: np.ndarray) -> np.ndarray:
    """The ARIMA(1,1,0)+c forecast of the log level: growth g∞ + φ^k (g0 − g∞) in year T+k
    (statsmodels' SARIMAX gives the same, tests/test_forecasting.py)."""
    k = np.arange(1, int(h.max()) + 1)
    growth = g_inf + phi ** k * (g0 - g_inf)
    return y_last + np.cumsum(growth)[h.astype(int) - 1]


def _component(name, model, years, y, mean, h, factors, var, note) -> Forecast:
    se, dof = var.path(np.asarray(factors, dtype=float)[h.astype(int) - 1], np.zeros_like(h))
    return Forecast(name, model, years, mean, se, dof, "pooled", int(y.index.min()), int(y.index.max()),
                    float(mean[0] - y.iloc[-1]), [note])


def fit_decay(name: str, y: pd.Series, years: np.ndarray, var: Variance, half_life: float,
              long_run_growth: float) -> Forecast:
    """One decay component: growth decaying geometrically from the last yearly growth toward g∞."""
    p, g_inf = priors.phi(half_life), math.log1p(long_run_growth)
    g0 = float(y.iloc[-1] - y.iloc[-2]) / int(y.index[-1] - y.index[-2])
    h = _h(y, years)
    mean = decay_means(float(y.iloc[-1]), g0, g_inf, p, h)
    return _component(name, "decay", years, y, mean, h, arima_variance_factors(p, int(h.max())), var,
                      f"half-life {half_life:g} y (φ = {p:.3f}), long-run growth {long_run_growth:.0%}")


@dataclass(frozen=True)
class HalfYears:
    """The last data year's half-years: levels and the latest half-year growth (a rate)."""
    year: int
    h1: float
    h2: float
    h2_growth: float
    source: str


def half_years(figures: pd.DataFrame, implied: pd.DataFrame, indicator: str, year: int) -> HalfYears | None:
    """H1 and H2 levels of ``year`` and H2's year-on-year growth, from stated or derived figures
    (H2 = the year less H1 where no H2 level is stated); None when the information set lacks them."""
    rows = pd.concat([figures[["id", "indicator", "period", "measure", "value_clean"]].rename(
        columns={"value_clean": "value"}), implied[["id", "indicator", "period", "measure", "value"]]])
    rows = rows[rows["indicator"] == indicator]

    def one(period, measure):
        r = rows[(rows["period"] == period) & (rows["measure"] == measure)].sort_values("id")
        return (float(r["value"].iloc[0]), str(r["id"].iloc[0])) if len(r) else (None, None)

    h1, h1_id = one(f"{year} H1", "level")
    h2, h2_id = one(f"{year} H2", "level")
    g2, g2_id = one(f"{year} H2", "yoy_growth")
    if h1 is None or h2 is None or g2 is None:
        return None
    return HalfYears(year, h1, h2, g2 / 100, f"{h1_id}, {h2_id}, {g2_id}")


def fit_nowcast(name: str, y: pd.Series, years: np.ndarray, var: Variance, half_life: float,
                long_run_growth: float, halves: HalfYears) -> Forecast:
    """One nowcast component: the half-year bridge from the last year's H1 and H2; the first forecast
    half-year grows year on year at H2's rate (the exit rate), and each later one reverts toward g∞
    by φ^½ per half-year."""
    p, g_inf = priors.phi(half_life), math.log1p(long_run_growth)
    ph = math.sqrt(p)
    h = _h(y, years)
    steps = int(h.max())
    # half-years after H2: the first grows at the exit rate (H2's year-on-year), reversion begins after it
    g = g_inf + ph ** np.arange(0, 2 * steps) * (math.log1p(halves.h2_growth) - g_inf)
    h1 = halves.h1 * np.exp(np.cumsum(g[0::2]))
    h2 = halves.h2 * np.exp(np.cumsum(g[1::2]))
    annual = np.log(h1 + h2)
    # the bridge is anchored on the year's own halves; it is shifted onto the assembled level of that year
    anchor = float(y.iloc[-1]) - math.log(halves.h1 + halves.h2)
    mean = anchor + annual[h.astype(int) - 1]
    return _component(name, "nowcast", years, y, mean, h, arima_variance_factors(p, steps), var,
                      f"H2 {halves.year} growth {halves.h2_growth:+.1%} reverting at a half-life of {half_life:g} y "
                      f"toward {long_run_growth:.0%}")


def fit_loglinear(name: str, y: pd.Series, years: np.ndarray, var: Variance) -> Forecast:
    """OLS of log value on year, in closed form (slope = Sxy / Sxx), with statsmodels' OLS prediction
    variance σ²(1 + 1/n + (x − x̄)²/Sxx) at the borrowed σ_ε, plus σ_m²."""
    t = y.index.values.astype(float)
    v = y.values.astype(float)
    n = len(t)
    t_bar, v_bar = float(t.sum()) / n, float(v.sum()) / n
    sxx = float(((t - t_bar) ** 2).sum())
    slope = float(((t - t_bar) * (v - v_bar)).sum()) / sxx
    x = years.astype(float)
    mean = v_bar + slope * (x - t_bar)
    se, dof = var.path(1 + 1 / n + (x - t_bar) ** 2 / sxx, np.zeros_like(x))
    notes = [f"slope {slope:.4f} log points a year (growth {math.expm1(slope):.1%}); {n} points"]
    return Forecast(name, "loglinear", years, mean, se, dof, "pooled", int(t.min()), int(t.max()), slope, notes)


def ets_variance_factors(phi: float, steps: int, alpha: float = ETS_FIXED["smoothing_level"],
                         beta: float = ETS_FIXED["smoothing_trend"]) -> tuple[float, ...]:
    """statsmodels' analytic forecast variance of ETS(A,Ad,N) with σ² = 1, h = 1 … steps. (In
    statsmodels' error-correction form, Var(h)/σ² = 1 + Σ_{j<h} (α + β(φ + … + φ^j))².)"""
    return _ets_factors(float(phi), float(alpha), float(beta))[:steps]


@functools.lru_cache(maxsize=64)
def _ets_factors(phi: float, alpha: float, beta: float) -> tuple[float, ...]:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    steps = MAX_STEPS
    endog = pd.Series([0.0, 0.1, 0.2], index=pd.period_range("2000", periods=3, freq="Y"))
    model = ETSModel(endog, error="add", trend="add", damped_trend=True, initialization_method="known",
                     initial_level=0.0, initial_trend=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = model.smooth([alpha, beta, phi])
        pred = res.get_prediction(start=3, end=2 + steps)
        v = np.asarray(pred.forecast_variance, dtype=float)
        return tuple(float(x) for x in v / v[0])  # Var(1) = σ²: the factors are Var(h) / σ²


def ets_means(y: pd.Series, phi: float, steps: int) -> np.ndarray:
    """ETS(A,Ad,N) in error-correction form, initial level y₀ − φb₀ and trend b₀ = mean yearly log
    difference: l_t = l_{t−1} + φb_{t−1} + αε_t, b_t = φb_{t−1} + βε_t; forecast
    l_T + (φ + … + φ^h) b_T (statsmodels' ETSModel gives the same, tests/test_forecasting.py)."""
    a, b = ETS_FIXED["smoothing_level"], ETS_FIXED["smoothing_trend"]
    values = y.values.astype(float)
    b_t = float(np.diff(values).mean() / np.diff(y.index.values).mean())
    l_t = float(values[0]) - phi * b_t
    for obs in values:
        e = obs - (l_t + phi * b_t)
        l_t, b_t = l_t + phi * b_t + a * e, phi * b_t + b * e
    damp = np.cumsum(phi ** np.arange(1, steps + 1))
    return l_t + damp * b_t


def fit_ets(name: str, y: pd.Series, years: np.ndarray, var: Variance, phi: float) -> Forecast:
    """One ETS component at damping ``phi``."""
    h = _h(y, years).astype(int)
    mean = ets_means(y, phi, int(h.max()))[h - 1]
    return _component(name, "ets", years, y, mean, h.astype(float), ets_variance_factors(phi, int(h.max())), var,
                      f"damping φ = {phi}")


def integrated(model: str, components: list[Forecast], weights, notes: list[str]) -> Forecast:
    """A model whose parameters are integrated over a grid: the mixture of its components."""
    return mixture(model, list(zip(components, weights)), notes)


def forecast_series(name: str, points: pd.DataFrame, horizon_end: int, var: Variance | None,
                    half_life: float | None = None, long_run_growth: float | None = None,
                    scenario_growth: float | None = None, halves: HalfYears | None = None,
                    per_year_bias: float | None = None) -> dict[str, Forecast]:
    """Every model of one series (the combination is added by :mod:`analysis.choice`);
    ``per_year_bias``: the record's bias, which raises the prior's long-run rates (:func:`analysis.priors.adjusted`)."""
    var = var or NO_VARIANCE
    y = np.log(points.set_index("year")["value"].sort_index().astype(float))
    years = np.arange(int(y.index.max()) + 1, horizon_end + 1)
    fits = {"drift": fit_drift(name, y, years, var)}
    g = priors.posterior(priors.grid(name, half_life, long_run_growth, per_year_bias), y,
                         var.noise if var.noise_df else None)
    last = math.expm1(float(y.iloc[-1] - y.iloc[-2]) / int(y.index[-1] - y.index[-2]))
    lr = tuple(sorted(set(g["g_inf"])))
    kind = priors.direction(last, lr)
    what = {"decaying": "decaying", "reverting": "reverting upward", "either": "decaying or reverting"}[kind]
    decay = [fit_decay(name, y, years, var, r.half_life, r.g_inf) for r in g.itertuples()]
    fits["decay"] = integrated("decay", decay, g["weight"], [
        f"last growth {last:.1%}, {what} toward {', '.join(f'{x:.0%}' for x in lr)}; "
        f"{len(g)} grid points (half-life {', '.join(f'{x:g}' for x in sorted(set(g['half_life'])))} y)"])
    if halves is not None and halves.year == int(y.index.max()):
        now = [fit_nowcast(name, y, years, var, r.half_life, r.g_inf, halves) for r in g.itertuples()]
        nc = integrated("nowcast", now, g["weight"], [])
        first = float(nc.median()[0]) / math.exp(float(y.iloc[-1])) - 1 if years.size else math.nan
        nc.notes.append(
            f"exit rate: H2 {halves.year} growth {halves.h2_growth:+.1%} year on year ({halves.source}); H1 {halves.year + 1} "
            f"grows at it, then the decay model's reversion; the first year's median growth is {first:+.1%}, below the "
            f"exit rate because H2 {halves.year + 1} already reverts and the year is the sum of both halves")
        fits["nowcast"] = nc
    fits["loglinear"] = fit_loglinear(name, y, years, var)
    fits["ets"] = integrated("ets", [fit_ets(name, y, years, var, p) for p in ETS_PHI_GRID],
                             np.full(len(ETS_PHI_GRID), 1 / len(ETS_PHI_GRID)),
                             [f"damping φ integrated over {', '.join(map(str, ETS_PHI_GRID))} (equal weights)"])
    if scenario_growth is not None:
        fits["scenario"] = fit_drift(name, y, years, var, drift=math.log1p(scenario_growth), model="scenario")
    return fits


def ets_phi_sensitivity(name: str, points: pd.DataFrame, year: int) -> pd.DataFrame:
    """The ETS median for ``year`` at each damping φ of the grid."""
    y = np.log(points.set_index("year")["value"].sort_index().astype(float))
    steps = year - int(y.index.max())
    return pd.DataFrame([dict(series=name, phi=phi, year=year, median=float(np.exp(ets_means(y, phi, steps)[-1])))
                         for phi in ETS_PHI_GRID])


# ----------------------------------------------------------------------------- the report's path

def report_path(series_table: pd.DataFrame, name: str, vantage) -> tuple[pd.DataFrame, float]:
    """The report's own path through its stated points, over the years it states and no further.

    "The report" is the latest edition known at the build's date (``vantage``, from
    :func:`analysis.editions.vantage`). Returns the path (one row per year, from its first stated
    year to its horizon) and the implied yearly growth from its last data year to its horizon,
    or an empty path and NaN when that edition states no such points for the series.
    """
    pts = assembly.report_points(series_table, name, vantage)
    cols = ["series", "model", "year", "median", "sigma_source"]
    if len(pts) < 2 or vantage.report_horizon not in set(pts["year"]) or vantage.last_data_year not in set(pts["year"]):
        return pd.DataFrame(columns=cols), math.nan
    pts = pts.set_index("year")["value"]
    years = np.arange(int(pts.index.min()), int(pts.index.max()) + 1)
    logv = np.interp(years, pts.index.values.astype(float), np.log(pts.values.astype(float)))
    path = pd.DataFrame({"series": name, "model": "report_path", "year": years, "median": np.exp(logv)})
    span = vantage.report_horizon - vantage.last_data_year
    implied = (pts[vantage.report_horizon] / pts[vantage.last_data_year]) ** (1 / span) - 1
    path["sigma_source"] = "none: " + ", ".join(f"{int(k)} = {v:g}" for k, v in pts.items()) + \
        f" ({vantage.report_edition}); {implied:.1%} a year {vantage.last_data_year}-{vantage.report_horizon}"
    return path[cols], float(implied)


# ----------------------------------------------------------------------------- against the report

def comparison(forecasts: pd.DataFrame, scores: pd.DataFrame, horizon_end: int, report_horizon: int) -> pd.DataFrame:
    """Each model's forecast for the report's horizon (or the last forecast year, if earlier)
    against the report's path, with the model's real-time scores (``scores``: the evaluation's
    summary by series and model, comparable pairs, with each figure's n: a series' row carries that
    series' own scores, never scores pooled over series): one row per series, model and level."""
    year = min(horizon_end, report_horizon)
    final = forecasts[forecasts["year"] == year]
    rep = final[final["model"] == "report_path"].set_index("series")["median"]
    overall = scores[scores["horizon"] == "all"] if len(scores) else scores
    by_model = overall.set_index(["series", "forecaster"]) if len(overall) else pd.DataFrame()
    rows = []
    for _, r in final[final["model"] != "report_path"].iterrows():
        key = (r["series"], r["model"])
        s = by_model.loc[key] if key in by_model.index else None
        report = rep.get(r["series"], np.nan)
        rows.append(dict(series=r["series"], model=r["model"], year=year, level=r["level"], median=r["median"],
                         lower=r["lower"], upper=r["upper"], report=report, vs_report_pct=(r["median"] / report - 1) * 100,
                         report_inside_interval=bool(r["lower"] <= report <= r["upper"]),
                         evaluation_n=int(s["n"]) if s is not None else 0,
                         mae_log=float(s["mae_log"]) if s is not None else np.nan,
                         evaluation_n_distribution=int(s["n_distribution"]) if s is not None else 0,
                         interval_score_80=float(s["interval_score_80"]) if s is not None else np.nan,
                         crps_log=float(s["crps_log"]) if s is not None else np.nan,
                         distribution=r["distribution"]))
    cols = ["series", "model", "year", "level", "median", "lower", "upper", "report", "vs_report_pct",
            "report_inside_interval", "evaluation_n", "mae_log", "evaluation_n_distribution", "interval_score_80",
            "crps_log", "distribution"]
    return pd.DataFrame(rows, columns=cols)
