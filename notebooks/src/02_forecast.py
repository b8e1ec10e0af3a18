# %% [markdown]
# # 02 · Forecasts of China's AI server spend and compute
#
# Three series from notebook 01: China's **AI server market** (USD bn), **intelligent
# compute** (智能算力, FP16 EFLOPS) and **general compute** (通用算力, FP64 EFLOPS). Each has
# two or three annual points. This notebook borrows the uncertainty from sources that measure
# it, fits statsmodels models on the log scale — growth that persists, growth that decays
# toward a long-run rate, and two sensitivity checks — combines the first two, backtests in
# real time, scores the report's own earlier editions, and sets the results beside the
# report's path. Information cut-off: 2023-12-07.
#
# Models and formulas are documented in `analysis/forecasting.py`; the scores in
# `analysis/scoring.py`; the track record in `analysis/track_record.py`.

# %% tags=["parameters"]
series: str = "all"  # all, ai_server_market, intelligent_compute or general_compute
method: str = "all"  # all, drift, decay, loglinear, ets or combination
horizon_end: int = 2027  # last forecast year, 2024-2035; years after 2027 are extrapolation
levels: str = "0.5,0.8,0.95"  # interval coverages (a fan), comma-separated, each strictly between 0 and 1
train_start: int = 2021  # first year used for fitting: 2021 (all data) or 2022 (drops intelligent compute 2021)
growth_override = None  # type: Optional[str] scenario (none: the fitted growth): 0.2 for every series, or ai_server_market:0.3,general_compute:0.1
decay_half_life: float = 1.5  # decay model: half-life (years) of growth above the long-run rate
long_run_growth: float = 0.15  # decay model: long-run yearly growth (0.15 means 15%)
run_name: str = ""  # a named rerun writes to runs/<run_name>/; empty: the default outputs

# %%
from analysis.build import params

p = params.check("02_forecast", dict(series=series, method=method, horizon_end=horizon_end, levels=levels,
                                     train_start=train_start, growth_override=growth_override,
                                     decay_half_life=decay_half_life, long_run_growth=long_run_growth,
                                     run_name=run_name))
level_list = params.parse_levels(p["levels"])
scenario = params.parse_growth(p["growth_override"]) if p["growth_override"] else {}

# %%
import math

import numpy as np
import pandas as pd

from analysis import assembly, domain, forecasting, package, track_record
from analysis.build import notebook, paths

notebook.setup()
out = paths.out_dirs(run_name)
chosen = domain.FORECAST_SERIES if series == "all" else (series,)
shown = forecasting.FITTED_MODELS + ("combination",) if method == "all" else (method,)
series_table = pd.read_csv(paths.PROCESSED / "series.csv")
figures = pd.read_csv(paths.PROCESSED / "figures.csv")
implied = pd.read_csv(paths.PROCESSED / "implied.csv")
vintages = pd.read_csv(paths.RAW / "vintages.csv")

# %% [markdown]
# ## 1 · Which points each series uses
#
# The editions disagree, so each series is assembled explicitly: for each year the latest
# edition's value, preferring an actual, then a value derived here from stated figures, then an
# estimate; forecasts are never data. The 2022–23 edition's 2021 AI-server value (5.92) is
# **excluded**: it is above the 2022 market the 2023–24 edition implies (4.99), so the two
# editions measure different things. The 2023 values are the report's own *estimates*.
# `train_start` can only be 2021 (every point) or 2022 (drops intelligent compute's 2021):
# no series has a usable point before 2021, so earlier years would change nothing.

# %%
assembled = pd.concat([assembly.assemble(series_table, s, train_start) for s in chosen], ignore_index=True)
notebook.table(assembled, ["indicator", "year", "value", "vintage", "id", "used", "reason"])

# %%
points = {s: assembled[(assembled["indicator"] == s) & assembled["used"]] for s in chosen}
too_short = [s for s, pts in points.items() if len(pts) < 2]
if too_short:
    raise ValueError(f"parameter 'train_start' = {train_start} leaves fewer than two points for {too_short}; "
                     f"use a train_start of at most {domain.LAST_DATA_YEAR - 1}")
{s: len(pts) for s, pts in points.items()}

# %% [markdown]
# ## 2 · Two kinds of uncertainty, each from sources that measure it
#
# No series has enough points to estimate its own error variance, so the spread is borrowed,
# openly, and split in two:
#
# * **year-to-year noise** (σ_ε): how much one year's growth departs from the trend — measured
#   by consecutive yearly growth rates within a series;
# * **drift uncertainty** (σ_μ): how wrong the trend rate itself may be — measured by how far
#   the report moved its own five-year CAGR between editions. A wrong drift persists, so its
#   variance grows with h², the noise's with h.
#
# The AI-server CAGR revision compares two editions whose definitions differ (that is why
# 5.92 is excluded above), so it is listed and **not used**.

# %%
sources = forecasting.variance_sources(series_table, figures, implied)
var = forecasting.pooled_variance(sources)
print(f"noise sd {var.noise:.4f} ({var.noise_df} df); drift sd {var.drift:.4f} ({var.drift_df} df)")
notebook.table(sources, ["source", "measures", "df", "sd", "used", "note"])

# %% [markdown]
# Two degrees of freedom for each component is very little. The intervals therefore use a
# Student t with the Welch–Satterthwaite degrees of freedom of the two components (between
# 2 and 4), not the Normal: with 4 df, Normal 80% and 95% half-widths would be about 20% and
# 42% too narrow. The 95% band is wide because the variance itself is barely known.
#
# ## 3 · The decay model's defaults, from the reference class
#
# Growth of 82.5% a year (AI servers in 2023) has never lasted in this market's neighbours.
# The long-run rates that the report and IDC publish for related series, and the half-lives
# their own growth paths imply, set the defaults of `long_run_growth` and `decay_half_life`:

# %%
v = pd.concat([figures.set_index("id")["value_clean"], implied.set_index("id")["value"]])


def _rate(a, b, years):
    return (v[b] / v[a]) ** (1 / years) - 1


reference = pd.DataFrame([
    dict(reference="IDC China accelerated-server tracker, 2022 to 2027 forecast", rate=_rate("pub_tracker_2022", "pub_tracker_2027_e2022h2", 5)),
    dict(reference="global AI-server market, 2022 to 2026 (2023-24 ed)", rate=_rate("pub_global_server_2022_e2324", "pub_global_server_2026_e2324", 4)),
    dict(reference="report: AI servers 2023 estimate to 2027 forecast", rate=_rate("art_ai_server_2023", "pub_server_2027_e2324", 4)),
    dict(reference="report: general compute 2023 estimate to 2027 forecast", rate=_rate("art_general_compute_2023", "imp_general_compute_2027", 4)),
    dict(reference="report: intelligent compute 2023 estimate to 2027 forecast", rate=_rate("art_intelligent_compute_2023", "pub_ic_2027_e2324", 4)),
])
g_inf = math.log1p(long_run_growth)


def _half_life(g_from, g_to, years):
    """Half-life implied by excess log growth falling from g_from to g_to over `years` (toward g_inf)."""
    a, b = math.log1p(g_from) - g_inf, math.log1p(g_to) - g_inf
    return years * math.log(2) / math.log(a / b) if a > b > 0 else float("nan")


decay_evidence = pd.DataFrame([
    dict(reference="IDC China tracker: +58.7% in 2019, +24% in 2022", half_life=_half_life(v["pub_tracker_2019_yoy"] / 100, v["pub_tracker_2022_yoy"] / 100, 3)),
    dict(reference="global AI servers: +39.1% in 2021, 18.3/15.6 in 2022 (IDC June 2023)", half_life=_half_life(v["pub_global_server_yoy_2021_e2223"] / 100, v["pub_global_server_2022_idc2023"] / v["pub_global_server_2021_idc2023"] - 1, 1)),
    dict(reference="NVIDIA data-centre revenue FY24 Q3 vs FY23 Q3: growth accelerated", half_life=float("nan")),
])
# the prose below quotes these: the reference rates span about 10% to 28%, the half-lives about 0.3 to 1.5 years
assert round(reference["rate"].min(), 2) == 0.10 and round(reference["rate"].max(), 2) == 0.28
assert reference["rate"].min() <= forecasting.DEFAULT_LONG_RUN_GROWTH <= reference["rate"].max()
if long_run_growth == forecasting.DEFAULT_LONG_RUN_GROWTH:
    assert 0.25 <= decay_evidence["half_life"].min() < 0.5 and decay_evidence["half_life"].max() <= forecasting.DEFAULT_DECAY_HALF_LIFE
display(notebook.table(reference, digits={"rate": 3}), notebook.table(decay_evidence, digits={"half_life": 2}))
print(f"default long-run growth 15%: the middle of the reference rates ({reference['rate'].min():.1%} to "
      f"{reference['rate'].max():.1%}); this run uses {long_run_growth:.0%} and a half-life of {decay_half_life:g} years")

# %% [markdown]
# The related markets' long-run rates lie between about 10% and 28% a year, and those for AI
# servers proper between 10% and 20%: **15%** is their middle. The two growth slowdowns the
# data show imply half-lives between about a third of a year (global AI servers, +39.1% in 2021
# to +17.3% in 2022 by IDC's June-2023 levels) and one and a half years (China's accelerated-server
# tracker): **1.5 years** is the slower end, a deliberate lean toward persistence, because NVIDIA's data-centre revenue was still
# accelerating in late 2023. Both are parameters (`make … DECAY_HALF_LIFE=3 LONG_RUN_GROWTH=0.2`).
#
# ## 4 · Models
#
# `drift` says growth persists; `decay` says it reverts to the long-run rate. They are the two
# views the data cannot decide between, so the **combination** is their equal-weight mixture.
# `loglinear` and `ets` are sensitivity checks: with two points the log-linear line *is* the
# drift line, and with three (equally spaced) it has the same slope and lies under 1% above
# it; the damped-trend model bends only because its damping φ is fixed (section 5).

# %%
fits = {s: forecasting.forecast_series(s, points[s], horizon_end, var, decay_half_life, long_run_growth,
                                       scenario.get(s)) for s in chosen}
notes = pd.DataFrame([dict(series=f.series, model=f.model, note="; ".join(f.notes)) for fs in fits.values() for f in fs])
# the prose above: log-linear and drift within 1% with three points; t dof between 2 and 4
for fs in fits.values():
    by = {f.model: f for f in fs}
    assert np.abs(by["loglinear"].log_median - by["drift"].log_median).max() < math.log(1.01)
    assert all(((2 - 1e-9 <= f.dof) & (f.dof <= 4 + 1e-9)).all() for f in fs if not f.members and f.model != "scenario")
notebook.table(notes)

# %%
keep = set(shown) | ({"scenario"} if scenario else set())
paths_ = {s: forecasting.report_path(series_table, s) for s in chosen}
report_rows = pd.concat([p_[0] for p_ in paths_.values()], ignore_index=True).assign(
    lower=np.nan, upper=np.nan, level=np.nan, distribution="none", dof=np.nan,
    train_start=lambda d: d["year"].min(), train_end=domain.LAST_DATA_YEAR)
forecasts = pd.concat([f.frame(level_list) for fs in fits.values() for f in fs if f.model in keep] + [report_rows],
                      ignore_index=True)
forecasts["extrapolation"] = forecasts["year"] > domain.REPORT_HORIZON
fitted = forecasts[forecasts["model"] != "report_path"]
assert (fitted["upper"] > fitted["median"]).all() and (fitted["median"] > fitted["lower"]).all()
assert np.isfinite(fitted[["lower", "upper"]]).all().all()
mid = min(level_list, key=lambda x: abs(x - 0.8))
notebook.table(fitted[fitted["year"].isin([domain.LAST_DATA_YEAR + 1, horizon_end]) & (fitted["level"] == mid)],
               ["series", "model", "year", "median", "lower", "upper", "level", "distribution"])

# %% [markdown]
# ## 5 · The report's own path, and what it implies
#
# The report states three points per series: its 2022 base, its 2023 estimate and its 2027
# forecast. Its path joins them at constant growth and stops at 2027. From its 2023 estimate
# to its 2027 forecast it implies the yearly growth below; that, not the 2022–27 CAGR (which
# includes 2023's jump), is the slowdown the report expects.

# %%
implied_growth = pd.DataFrame([dict(series=s, growth_2023_2027=g) for s, (_, g) in paths_.items()])
if "ai_server_market" in paths_:  # section 9 says: below even the decay model's long-run rate
    assert paths_["ai_server_market"][1] < forecasting.DEFAULT_LONG_RUN_GROWTH
notebook.table(implied_growth, digits={"growth_2023_2027": 3})

# %% [markdown]
# The damped-trend model's bend is a choice, not a finding: its forecast for the report's
# horizon moves across the whole range of the other models as the fixed φ moves.

# %%
phi_table = pd.concat([forecasting.ets_phi_sensitivity(s, points[s], min(horizon_end, domain.REPORT_HORIZON), var)
                       for s in chosen], ignore_index=True)
notebook.table(phi_table.pivot(index="series", columns="phi", values="median").reset_index().rename_axis(columns=None))

# %% [markdown]
# ## 6 · Real-time backtests and the report's track record
#
# A backtest may use only what was published at its origin. The 2022–23 edition gave
# intelligent compute for 2021 (155.2) and an estimate for 2022 (268.0); each model fitted on
# those two points forecasts 2023, scored against the 2023–24 edition's 414.1. No other
# series has two points in an earlier edition. No variance source was published by then, so
# the backtest borrows today's; its interval scores flatter the models a little. The decay
# model's defaults were also argued from figures published later. One scored year cannot rank
# the models: read these scores as a check that the code scores, not as a verdict.

# %%
backtests = pd.concat([forecasting.backtest_models(s, series_table, var, level_list, decay_half_life, long_run_growth,
                                                   ("2022-23 ed",)) for s in chosen], ignore_index=True)
notebook.table(backtests, ["series", "model", "origin", "year", "level", "forecast", "lower", "upper", "actual",
                           "error_pct", "interval_score_log", "crps_log"])

# %% [markdown]
# The report's own earlier editions, scored against what later editions had published by
# December 2023. Pairs across a definition change are listed but marked not comparable.

# %%
track = track_record.pairs(series_table, figures, implied, vintages)
track = track[track["series"].isin(chosen)].reset_index(drop=True)
display(notebook.table(track, ["series", "edition", "year", "horizon", "method", "forecast", "later_figure",
                               "error_pct", "comparable"]),
        notebook.table(track_record.summary(track), digits={"bias_log": 3, "mean_abs_log_error": 3}) if len(track)
        else notebook.table(track))

# %% [markdown]
# ## 7 · Against the report, with proper scores
#
# For the report's horizon (or the last forecast year, if earlier): each model's median and
# interval against the report's path, and its backtest scores on the log scale — absolute log
# error, the interval score (Gneiting & Raftery 2007; width plus 2/α times any miss) and the
# CRPS (lower is better for all three).

# %%
comparison = forecasting.comparison(forecasts, backtests, horizon_end)
notebook.table(comparison[comparison["level"] == mid], ["series", "model", "median", "lower", "upper", "report",
                                                        "vs_report_pct", "report_inside_interval", "log_error",
                                                        "interval_score_log", "crps_log"])

# %% [markdown]
# ## 8 · Past the report's horizon
#
# Years after 2027 are this compendium's extrapolation, marked in the table and the figures.
# One plausibility check: the report's whole-world AI-server market for 2026 is USD 34.7 bn. A
# China forecast above it has left plausibility, whatever its interval says.

# %%
world_2026 = float(v["pub_global_server_2026_e2324"])
last = fitted[(fitted["year"] == horizon_end) & (fitted["level"] == mid) & (fitted["series"] == "ai_server_market")]
notebook.table(last.assign(times_world_2026=last["median"] / world_2026),
               ["model", "year", "median", "upper", "times_world_2026"]) if len(last) else "AI servers not forecast"

# %% [markdown]
# ## 9 · What the data cannot tell
#
# * **Persistence or decay.** Two or three points cannot say whether 2023's growth (82.5% for
#   AI servers, the GPU stockpiling year) persists or fades. The drift and decay models are the
#   two answers; the data do not prefer one. The decay model's answer is set by its two
#   parameters, argued above from related series, not estimated.
# * **Three models that are one.** Log-linear and drift draw the same line (identical with two
#   points, parallel and within 1% with three); the damped-trend model's bend is its fixed φ.
# * **The report's slowdown.** The report implies growth from 2023 to 2027 of the rates in
#   section 5 — far below 2023's, and for AI servers below even the decay model's long-run
#   rate. Nothing here can test that; only later data can.
# * **Definitions.** The AI-server series rests on one edition; earlier editions' values use a
#   different definition and cannot be spliced in, or used to measure uncertainty.
# * **Estimates as data.** The 2023 points are the report's November 2023 estimates.
# * **Intervals.** Each variance component rests on two degrees of freedom; the t quantiles
#   make the bands honest about that, which is why they are wide.

# %%
from analysis.build.atomic import write_csv

outputs = {"forecasts": forecasts, "backtests": backtests, "model_comparison": comparison,
           "series_assembly": assembled, "track_record": track}
for name, frame in outputs.items():
    cols = list(package.FORECAST_CODEBOOK[name])
    write_csv(out["processed"] / f"{name}.csv", frame[cols].round(6))
sorted(paths.rel(out["processed"] / f"{n}.csv") for n in outputs)
