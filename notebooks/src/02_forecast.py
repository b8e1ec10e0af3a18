# %% [markdown]
# # 02 · Forecasts of China's AI server spend and compute
#
# Three series from notebook 01: China's **AI server market** (USD bn), **intelligent
# compute** (智能算力, FP16 EFLOPS) and **general compute** (通用算力, FP64 EFLOPS). Each has
# two or three annual points. This notebook fits three simple statsmodels models on the log
# scale, combines them, backtests what can be backtested, and sets the results beside the
# report's own projections. Information cut-off: 2023-12-07.
#
# Models and their caveats are documented in `analysis/forecasting.py`.

# %% tags=["parameters"]
series: str = "all"  # all, ai_server_market, intelligent_compute or general_compute
method: str = "all"  # all, loglinear, drift, ets or combination
horizon_end: int = 2027  # last forecast year, 2024-2035
interval_level: float = 0.8  # coverage of the prediction intervals, strictly between 0 and 1
train_start: int = 2021  # first year used for fitting
growth_override: "Optional[float]" = None  # scenario: yearly growth rate (0.2 means 20%) replacing the fitted drift
seed: int = 20231207  # seed of every random draw
run_name: str = ""  # a named rerun writes to runs/<run_name>/; empty: the default outputs

# %%
from analysis import params

p = params.check("02_forecast", dict(series=series, method=method, horizon_end=horizon_end,
                                     interval_level=interval_level, train_start=train_start,
                                     growth_override=growth_override, seed=seed, run_name=run_name))

# %%
import numpy as np
import pandas as pd

from analysis import cleaning, forecasting, notebook, package, paths

notebook.setup()
np.random.seed(seed)  # no model here draws random numbers; seeded so that any future one is reproducible
out = paths.out_dirs(run_name)
chosen = cleaning.FORECAST_SERIES if series == "all" else (series,)
shown = forecasting.FITTED_MODELS + ("combination",) if method == "all" else (method,)
series_table = pd.read_csv(paths.PROCESSED / "series.csv")
figures = pd.read_csv(paths.PROCESSED / "figures.csv")
implied = pd.read_csv(paths.PROCESSED / "implied.csv")

# %% [markdown]
# ## 1 · Which points each series uses
#
# The editions disagree, so each series is assembled explicitly: for each year the latest
# edition's value, preferring an actual, then a value derived here from stated figures, then an
# estimate; forecasts are never data. The 2022–23 edition's 2021 AI-server value (5.92) is
# **excluded**: it is above the 2022 market the 2023–24 edition implies (4.99), so the two
# editions measure different things. The 2023 values are the report's own *estimates*.

# %%
assembly = pd.concat([cleaning.assemble(series_table, s, train_start) for s in chosen], ignore_index=True)
notebook.table(assembly, ["indicator", "year", "value", "vintage", "id", "used", "reason"])

# %%
points = {s: assembly[(assembly["indicator"] == s) & assembly["used"]] for s in chosen}
too_short = [s for s, pts in points.items() if len(pts) < 2]
if too_short:
    raise ValueError(f"parameter 'train_start' = {train_start} leaves fewer than two points for {too_short}; "
                     f"use a train_start of at most {params.LAST_DATA_YEAR - 1}")
{s: len(pts) for s, pts in points.items()}

# %% [markdown]
# ## 2 · How uncertain is a year's growth?
#
# No series has enough points to estimate its own error variance (a model needs at least
# two residual degrees of freedom). The spread is therefore **borrowed**, openly, from every
# source there is: the year-to-year wobble of growth within a series, and how far the report's
# own growth rates moved between its 2022–23 and 2023–24 editions.

# %%
all_logs = {s: np.log(cleaning.assemble(series_table, s, 2000).query("used").set_index("year")["value"])
            for s in cleaning.FORECAST_SERIES}
revisions = forecasting.growth_revisions(figures, implied)
sigma, sigma_table = forecasting.pooled_sigma(all_logs, revisions)
print(f"pooled sd of annual log growth: {sigma:.4f} (from {int(sigma_table['df'].sum())} degrees of freedom)")
sigma_table

# %% [markdown]
# Four degrees of freedom is very little: the intervals below are a floor on the uncertainty,
# not a measure of it.
#
# ## 3 · Models

# %%
fits = {s: forecasting.forecast_series(s, points[s], horizon_end, sigma, growth_override) for s in chosen}
notes = pd.DataFrame([dict(series=f.series, model=f.model, sigma=f.sigma_source, note="; ".join(f.notes))
                      for fs in fits.values() for f in fs])
notebook.table(notes)

# %%
keep = set(shown) | ({"scenario"} if growth_override is not None else set())
forecasts = pd.concat(
    [f.frame(interval_level) for fs in fits.values() for f in fs if f.model in keep]
    + [forecasting.report_path(s, figures, implied, np.arange(params.LAST_DATA_YEAR + 1, horizon_end + 1))
       for s in chosen],
    ignore_index=True)
forecasts = forecasts[forecasts["year"] <= max(horizon_end, 2027)].reset_index(drop=True)
fitted = forecasts[forecasts["model"] != "report_path"]
assert (fitted["upper"] > fitted["lower"]).all() and np.isfinite(fitted[["lower", "upper"]]).all().all()
notebook.table(forecasts[forecasts["year"].isin([params.LAST_DATA_YEAR + 1, horizon_end])],
               ["series", "model", "year", "mean", "lower", "upper", "sigma_source"])

# %% [markdown]
# ## 4 · Backtests
#
# With three points, intelligent compute allows one held-back year (fit 2021–2022, forecast
# 2023). The two-point series allow none. The report's own earlier forecasts can be scored
# against what the 2023–24 edition later published.

# %%
backtests = pd.concat([forecasting.backtest_models(s, points[s], sigma) for s in chosen]
                      + [forecasting.backtest_report(figures, implied).query("series in @chosen")],
                      ignore_index=True)
notebook.table(backtests, ["series", "model", "origin", "year", "forecast", "actual", "error_log", "error_pct"])

# %% [markdown]
# ## 5 · Against the report

# %%
comparison = forecasting.comparison(forecasts, backtests, horizon_end)
notebook.table(comparison, ["series", "model", "mean", "lower", "upper", "report", "vs_report_pct",
                            "report_inside_interval"])

# %% [markdown]
# ## 6 · What the data cannot tell
#
# * **Slowdown.** Every fitted model extrapolates 2022–2023 growth (the AI-server market's
#   +82.5% year of GPU hoarding). The report expects growth to slow to 21.8% a year; two points
#   cannot say when or how fast. The damped-trend model is the only one that bends, and its
#   damping is fixed, not estimated.
# * **Definitions.** The AI-server series rests on one edition; earlier editions' values use a
#   different definition and cannot be spliced in.
# * **Estimates as data.** The 2023 points are the report's November 2023 estimates.
# * **Intervals.** Borrowed from four degrees of freedom, they are a lower bound on the
#   uncertainty.

# %%
from analysis.atomic import write_csv

for name, frame in {"forecasts": forecasts, "backtests": backtests, "model_comparison": comparison,
                    "series_assembly": assembly}.items():
    cols = list(package.FORECAST_CODEBOOK[name])
    write_csv(out["processed"] / f"{name}.csv", frame[cols].round(6))
sorted(paths.rel(out["processed"] / f"{n}.csv") for n in ("forecasts", "backtests", "model_comparison", "series_assembly"))
