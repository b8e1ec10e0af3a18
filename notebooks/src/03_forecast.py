# %% [markdown]
# # 03 · Forecasts of China's AI server spend and compute
#
# Three series from notebook 01: China's **AI server market** (USD bn), **intelligent
# compute** (智能算力, FP16 EFLOPS) and **general compute** (通用算力, FP64 EFLOPS), each with
# two or three annual points. With the assumptions, the prior, the combination rule and the
# real-time record of notebook 02, it fits the models with uncertainty borrowed from sources
# that measure it, checks them against the whole world's market, and sets them beside the
# report's path. Everything is built from the information set as of `as_of` (by default
# the article's date, 2023-12-07).
#
# Code: `analysis/forecasting.py` (models, variances), `analysis/priors.py` (the prior),
# `analysis/choice.py` (the combination rule), `analysis/evaluation.py` (the record),
# `analysis/coherence.py` (the bounds), `analysis/scoring.py` (the scores).

# %% tags=["parameters"]
as_of: str = "2023-12-07"  # date of knowledge (YYYY-MM-DD): only what was public on that day is used
series: str = "all"  # all, ai_server_market, intelligent_compute or general_compute
method: str = "all"  # all, drift, decay, nowcast, loglinear, ets or combination
horizon_end: int = 2027  # last forecast year, 2024-2035; years after the report's horizon are extrapolation
levels: str = "0.5,0.8,0.95"  # interval coverages (a fan), comma-separated, each strictly between 0 and 1
train_start: int = 2021  # first year used for fitting: 2021 (all data) or 2022 (drops intelligent compute 2021)
growth_override = None  # type: Optional[str] scenario (none: the fitted growth): 0.2 for every series, or ai_server_market:0.3,general_compute:0.1
decay_half_life = None  # type: Optional[float] decay and nowcast: half-life in years (none: integrated over the prior)
long_run_growth = None  # type: Optional[float] decay and nowcast: long-run growth rate (none: the prior of each series)
run_name: str = ""  # a named rerun writes to runs/<run_name>/; empty: the default outputs

# %%
from analysis.pipeline import params

p = params.check("03_forecast", dict(as_of=as_of, series=series, method=method, horizon_end=horizon_end, levels=levels,
                                     train_start=train_start, growth_override=growth_override,
                                     decay_half_life=decay_half_life, long_run_growth=long_run_growth,
                                     run_name=run_name))
level_list = params.parse_levels(p["levels"])
scenario = params.parse_growth(p["growth_override"]) if p["growth_override"] else {}

# %%
import math

import numpy as np
import pandas as pd
from IPython.display import Markdown

from analysis import (assembly, choice, coherence, domain, editions, evaluation, figure_notes, forecasting, package,
                      priors, world)
from analysis.base import paths
from analysis.base.atomic import read_csv
from analysis.pipeline import notebook

notebook.setup()
out = paths.out_dirs(run_name)
read = lambda name: read_csv(paths.PROCESSED / f"{name}.csv")  # noqa: E731
series_table, figures, implied, known_editions = read("series"), read("figures"), read("implied"), read("editions")
# notebook 01 built these tables as of this date: a mismatch would mix two information sets
assert series_table["known_from"].max() <= as_of and known_editions["vintage_known_from"].max() <= as_of
vantage = editions.vantage(series_table, known_editions, domain.FORECAST_SERIES, as_of)
print(f"Information set as of {as_of}: the report is the {vantage.report_edition} (its horizon {vantage.report_horizon}); "
      f"the last year with data is {vantage.last_data_year}.")

# %% [markdown]
# ## 1 · The assumptions and the record, from notebook 02
#
# Notebook 02 states what each model assumes, the prior over the decay and nowcast parameters
# and the rule that picks the default combination, before any score, and then scores every
# forecast in real time. This notebook reads its tables: the record's scores decide the
# combination's weights (rule point 3), and its revisions of the latest estimates measure σ_m.

# %%
record, record_summary, scale = read("evaluation"), read("evaluation_summary"), read("error_scale")
long_run_bias, why_bias = evaluation.long_run_bias(read("bias_test"))
if long_run_growth is not None:  # the user fixed the long-run rate: no adjustment
    long_run_bias, why_bias = None, f"LONG_RUN_GROWTH = {long_run_growth:g} is the user's: no bias adjustment"
print(f"The bias test (notebook 02): {why_bias}.")
revisions = evaluation.measurement_pairs(record[record["forecaster_type"] == "vintage"])
obs = priors.growth_observations(figures, series_table, assembly.assemble)
print(choice.RULE)
Markdown(figure_notes.record_note(record, record_summary))

# %% [markdown]
# ## 2 · Which points each series uses
#
# The editions disagree, so each series is assembled explicitly: for each year the latest
# edition's value, preferring an actual, then a value derived here from stated figures, then an
# estimate; forecasts are never data; a point on another definition than the latest edition's
# is never spliced in (the 2022–23 edition's 2021 AI-server value, 5.92, is above the 2022
# market the 2023–24 edition implies, 4.99). The 2023 values are the report's own estimates.

# %%
wanted = domain.FORECAST_SERIES if series == "all" else (series,)
assembled = pd.concat([assembly.assemble(series_table, s, train_start) for s in wanted], ignore_index=True)
notebook.table(assembled, ["indicator", "year", "value", "vintage", "id", "used", "reason"])

# %%
points = {s: assembled[(assembled["indicator"] == s) & assembled["used"]] for s in wanted}
if as_of == domain.DEFAULT_AS_OF:  # a train_start that leaves a series too short is a bad parameter
    too_short = [s for s, pts in points.items() if len(pts) < 2]
    if too_short:
        raise ValueError(f"parameter 'train_start' = {train_start} leaves fewer than two points for {too_short}; "
                         f"use a train_start of at most {vantage.last_data_year - 1}")
chosen = tuple(s for s in wanted if len(points[s]) >= 2)
for s in wanted:
    if s not in chosen:
        print(f"{s}: {len(points[s])} point(s) as of {as_of}; nothing to fit, so no forecast")
{s: len(pts) for s, pts in points.items()}

# %% [markdown]
# ## 3 · Three kinds of uncertainty, each from sources that measure it
#
# * **year-to-year noise** (σ_ε): consecutive yearly growth rates within a series;
# * **drift uncertainty** (σ_μ): how far the report moved its own five-year CAGR between editions
#   (a wrong drift persists: its variance grows with h²);
# * **measurement error** (σ_m) of the last point, an estimate: how far the vintages' estimates
#   of a finished (or half-finished) year moved when the next figure came. It shifts the whole
#   path, so it enters every horizon.
#
# The AI-server CAGR revision compares two editions whose definitions differ, so it is listed
# and **not used**.

# %%
sources = forecasting.variance_sources(series_table, figures, implied, revisions)
try:
    var = forecasting.pooled_variance(sources)
    print(f"noise sd {var.noise:.4f} ({var.noise_df} df); drift sd {var.drift:.4f} ({var.drift_df} df); "
          f"measurement sd {var.measurement:.4f} ({var.measurement_df} df)")
except ValueError as err:
    var = None
    print(f"as of {as_of}: {err}, so the forecasts below are points without intervals")
notebook.table(sources, ["source", "measures", "df", "sd", "used", "note"], digits={"sd": 4})

# %% [markdown]
# Few degrees of freedom per component: the intervals use a Student t with the
# Welch–Satterthwaite degrees of freedom of the components, not the Normal. With 4 df the t's
# 80% and 95% half-widths are 20% and 42% wider than the Normal's.
#
# ## 4 · The models, fitted
#
# Each series' prior grid, weighted by its own growth path where it has two consecutive growth
# rates (intelligent compute), and the models' notes:

# %%
halves = {s: forecasting.half_years(figures, implied, s, int(points[s]["year"].max())) for s in chosen}
fits = {s: forecasting.forecast_series(s, points[s], horizon_end, var, decay_half_life, long_run_growth,
                                       scenario.get(s), halves[s], long_run_bias) for s in chosen}
noise = var.noise if var is not None else None
weights = pd.concat([priors.posterior(priors.grid(s, decay_half_life, long_run_growth, long_run_bias),
                                      np.log(points[s].set_index("year")["value"].astype(float)), noise).assign(series=s)
                     for s in chosen], ignore_index=True) if chosen else pd.DataFrame(
    columns=["series", "half_life", "g_inf", "prior", "loglik", "weight"])
notebook.table(weights.pivot_table(index=["series", "half_life"], columns="g_inf", values="weight").reset_index()
               .rename_axis(columns=None) if len(weights) else weights, digits={"half_life": 1})

# %%
notebook.table(pd.DataFrame([dict(series=s, model=m, note="; ".join(f.notes)) for s, fs in fits.items()
                             for m, f in fs.items()]) if fits else pd.DataFrame({"note": ["no series to fit"]}))

# %% [markdown]
# ## 5 · Coherence with the world, and the default combination
#
# China's market cannot exceed the world's, and the world's cannot be smaller than what NVIDIA
# alone sold into it: IDC's own world path (the 2023–24 edition: USD 19.5 bn in 2022, 34.7 bn in
# 2026, so about 22.5 bn in 2023) lies below NVIDIA's USD 29.1 bn of data-centre revenue in
# February–October 2023. So the world's path is triangulated from IDC's world figures, NVIDIA's
# revenue and its share, and China's share (`analysis/world.py`), each with its uncertainty, and
# never below a figure held for that year or an earlier one. Intelligent compute is bounded by
# what the world's AI-server spending could buy, and no series may grow, on average, faster than
# the fastest year any series has shown. Every model's **mass beyond** each bound is computed from
# its predictive distribution; the combination's weights are multiplied by each member's
# probability of lying below the world bound at the report's horizon (rule point 2), and no
# member is dropped.

# %%
per_year = scale.loc[scale["horizon"] == "all (per year ahead)", "rms_log"]
per_year_error = float(per_year.iloc[0]) if len(per_year) else None
years_all = np.arange(vantage.last_data_year + 1, horizon_end + 1)
used_points = {s: assembly.assemble(series_table, s, train_start).query("used").set_index("year")["value"].astype(float)
               for s in (coherence.CHINA, "intelligent_compute")}
triangulated = world.triangulate(series_table, figures, used_points[coherence.CHINA], years_all, per_year_error,
                                 long_run_bias)
world_bound = world.bound_path(triangulated, years_all)
last_levels = {s: (int(points[s]["year"].max()), float(points[s].sort_values("year")["value"].iloc[-1])) for s in chosen}
compute = {"intelligent_compute": world.compute_bound(
    triangulated, last_levels["intelligent_compute"],
    world.efficiency(used_points["intelligent_compute"], used_points[coherence.CHINA]), years_all)} \
    if "intelligent_compute" in chosen else {}
notebook.table(triangulated, ["year", "idc_world", "nvidia_known", "nvidia_floor", "nvidia_estimate", "world",
                              "world_low", "world_high", "china", "china_share_idc", "china_share"],
               digits={"china_share_idc": 3, "china_share": 3})

# %%
medians = pd.DataFrame([dict(series=s, model=m, year=int(y), median=float(v)) for s, fs in fits.items()
                        for m, f in fs.items() for y, v in zip(f.years, f.median())])
bounds = coherence.checks(medians if len(medians) else pd.DataFrame(columns=["series", "model", "year", "median"]),
                          world_bound, last_levels, obs, compute, fits)
at = min(horizon_end, vantage.report_horizon)
for s in chosen:
    fits[s]["combination"] = choice.default_combination(fits[s], record_summary,
                                                        coherence.below_at(bounds, s, at, domain.WORLD_BOUND))
    print(f"{s}: {fits[s]['combination'].notes[0]}")

# %%
combined = pd.DataFrame([dict(series=s, model="combination", year=int(y), median=float(v))
                         for s in chosen for y, v in zip(fits[s]["combination"].years, fits[s]["combination"].median())])
plausibility = coherence.checks(pd.concat([medians, combined], ignore_index=True) if len(medians) else medians,
                                world_bound, last_levels, obs, compute, fits) if chosen else bounds
warnings_ = [w for w in plausibility["warning"] if w] + coherence.parameter_warnings(
    scenario, long_run_growth, horizon_end, vantage.report_horizon)
for line in warnings_:
    print(line)
china = plausibility[(plausibility["series"] == coherence.CHINA) & (plausibility["bound_kind"] == domain.WORLD_BOUND)]
notebook.table(china[china["year"] == at].assign(china_share_of_world=lambda d: d["median"] / d["bound"]),
               ["model", "year", "median", "bound", "bound_low", "bound_high", "china_share_of_world", "mass_beyond",
                "implausible"],
               digits={"china_share_of_world": 2}) if len(china) else "no world forecast known, or AI servers not forecast"

# %% [markdown]
# ## 6 · The forecasts

# %%
keep = set(forecasting.FITTED_MODELS + ("combination",) if method == "all" else (method,)) | (
    {"scenario"} if scenario else set())
paths_ = {s: forecasting.report_path(series_table, s, vantage) for s in chosen}
report_rows = pd.concat([p_[0] for p_ in paths_.values()] or [pd.DataFrame(columns=["series", "model", "year", "median",
                                                                                      "sigma_source"])],
                        ignore_index=True).assign(lower=np.nan, upper=np.nan, level=np.nan, distribution="none",
                                                  dof=np.nan, train_end=vantage.last_data_year)
report_rows["train_start"] = report_rows["year"].min() if len(report_rows) else np.nan
forecasts = pd.concat([f.frame(level_list) for fs in fits.values() for m, f in fs.items() if m in keep] + [report_rows],
                      ignore_index=True)
forecasts["extrapolation"] = forecasts["year"] > vantage.report_horizon
fitted = forecasts[forecasts["model"] != "report_path"]
if var is not None and len(fitted):
    assert (fitted["upper"] > fitted["median"]).all() and (fitted["median"] > fitted["lower"]).all()
    assert np.isfinite(fitted[["lower", "upper"]]).all().all()
mid = min(level_list, key=lambda x: abs(x - 0.8))
notebook.table(fitted[fitted["year"].isin([vantage.last_data_year + 1, horizon_end]) & (fitted["level"] == mid)],
               ["series", "model", "year", "median", "lower", "upper", "level", "distribution"])

# %% [markdown]
# ## 7 · Interval widths against the record
#
# The models' predictive spread, by horizon, beside the vintages' own real-time errors: the
# root mean square log error of IDC's published figures against the next figure, with its 90%
# interval.

# %%
spread = pd.DataFrame([dict(series=s, model=m, horizon=int(y - vantage.last_data_year),
                            sd_log=(math.log(r_hi) - math.log(r_lo)) / (2 * 1.2815515655446004))
                       for s, fs in fits.items() for m, f in fs.items() if m in ("drift", "decay", "combination")
                       for y, r_lo, r_hi in zip(f.years, np.exp(f.log_quantile(0.1)), np.exp(f.log_quantile(0.9)))])
record_scale = scale[scale["horizon"].str.isdigit()].assign(horizon=lambda d: d["horizon"].astype(int))
widths = spread.merge(record_scale[["horizon", "n", "rms_log", "low", "high"]], on="horizon", how="left") \
    if len(spread) else spread
notebook.table(widths[widths["horizon"] <= 3] if len(widths) else widths,
               digits={"sd_log": 3, "rms_log": 3, "low": 3, "high": 3})

# %% [markdown]
# The models' 80% half-widths (as a normal sd) are several times the vintages' one-year error.
# The record is **not used to narrow them**, and the reason is in the record itself: its pairs
# are mostly IDC's world AI-spending and AI-tracker figures in years of steady 15–30% growth,
# revised by 5–10% a year; China's AI servers grew 82.5% in 2023 with a second half at +99.6%,
# a boom that market never saw. The record says how wrong IDC's figures are in calm years; the
# models' wider bands say how little two or three points of a boom can tell. Where the record
# has 5 or more pairs at a horizon it is shown with its interval, so a reader can see the gap.
#
# ## 8 · The report's own path, and what it implies
#
# The report (the latest edition known) gives, per series, points the compendium reads or
# derives: for the 2023–24 edition, a 2022 base (derived for AI servers, 91亿 / 1.825, and for
# general compute, 59.3 / 1.088; stated for intelligent compute, 260), its 2023 estimate
# (stated) and its 2027 forecast (stated, except general compute's, derived from its 16.6%
# CAGR). Its path joins them at constant growth and stops at its horizon.

# %%
implied_growth = pd.DataFrame([dict(series=s, growth_to_horizon=g) for s, (_, g) in paths_.items()])
if "ai_server_market" in paths_ and as_of == domain.DEFAULT_AS_OF:  # section 10: below the long-run prior's middle
    assert paths_["ai_server_market"][1] < priors.LONG_RUN["ai_server_market"][1]
notebook.table(implied_growth, digits={"growth_to_horizon": 3})

# %% [markdown]
# The damped trend's bend is a choice, not a finding: its median for the report's horizon
# moves across the whole range of the other models as φ moves, which is why φ is integrated.

# %%
phi_table = pd.concat([forecasting.ets_phi_sensitivity(s, points[s], min(horizon_end, vantage.report_horizon))
                       for s in chosen] or [pd.DataFrame(columns=["series", "phi", "year", "median"])],
                      ignore_index=True)
notebook.table(phi_table.pivot(index="series", columns="phi", values="median").reset_index().rename_axis(columns=None)
               if len(phi_table) else phi_table)

# %% [markdown]
# ## 9 · Against the report, with the real-time record
#
# For the report's horizon (or the last forecast year, if earlier): each model's median and
# interval against the report's path, and its real-time record from notebook 02 on that series
# alone (comparable pairs, with n; no pooled score on a series' row): mean absolute log error, the interval score (Gneiting & Raftery
# 2007; width plus 2/α times any miss) and the CRPS, lower being better for all three, and
# none of them a ranking below 5 pairs.

# %%
# each series' own record (a pooled score on a series' row would claim a record it does not have)
per_series = pd.concat([evaluation.summary(record[record["series"] == s]).assign(series=s) for s in chosen]
                       or [record_summary.assign(series="")], ignore_index=True)
model_scores = per_series[(per_series["forecaster_type"] == "model") & per_series["series"].isin(chosen)]
comparison = forecasting.comparison(forecasts, model_scores, horizon_end, vantage.report_horizon)
comparison["members"] = [", ".join(fits[r.series]["combination"].member_names) if r.model == "combination"
                         and "combination" in fits.get(r.series, {}) else "" for r in comparison.itertuples()]
notebook.table(comparison[comparison["level"] == mid],
               ["series", "model", "median", "lower", "upper", "report", "vs_report_pct", "report_inside_interval",
                "evaluation_n", "mae_log", "evaluation_n_distribution", "interval_score_80", "crps_log"])

# %% [markdown]
# ## 10 · What the data cannot tell, and what would change the default
#
# * **Persistence or reversion.** Two or three points cannot say whether 2023's growth (82.5%
#   for AI servers) persists or fades; the drift, decay and nowcast models are the answers, and
#   the prior over the half-life (0.5 to 8 years) carries that ignorance into the intervals.
#   No member is left out for a bound: the combination weighs each by its probability of lying
#   below the world's market at the report's horizon (rule point 2), and the plausibility table
#   gives every model's mass beyond every bound.
# * **The report's slowdown.** The report implies growth from 2023 to 2027 of the rates in
#   section 8 — for AI servers below even the lowest long-run rate of the prior. Nothing here
#   can test that; only later data can.
# * **The record is thin where it matters.** Only intelligent compute, among the three series,
#   has comparable real-time pairs; every model has fewer than 5, so none is ranked and the
#   combination's weights are equal (rule point 3).
# * **Estimates as data.** The 2023 points are November 2023 estimates; the record shows such
#   estimates moving by about 8% (σ_m), mostly upward, when the next figure came.
# * **What would change the default:** a first later edition (its 2023 actuals and 2024
#   estimates) adds a scored pair for every model and series; with 5 or more scored pairs per
#   member, the weights follow the CRPS (rule point 3); NVIDIA's next quarters move the world's
#   floor and centre, and with them each member's weight (rule point 2).
# * **The consensus runs low.** The vintages' comparable errors are mostly negative (notebook 02's
#   bias test), so the long-run rates that are a forecaster's view are raised by their bias per
#   year ahead; the revisions behind σ_m are too few to move it off zero.

# %%
from analysis.base.atomic import write_csv

prior_weights = weights.assign(series=weights["series"]) if len(weights) else weights
outputs = {"forecasts": forecasts, "model_comparison": comparison, "series_assembly": assembled,
           "plausibility": plausibility, "decay_prior": prior_weights, "world_triangulation": triangulated}
for name, frame in outputs.items():
    cols = list(package.FORECAST_CODEBOOK[name])
    write_csv(out["processed"] / f"{name}.csv", frame[cols].infer_objects().round(6))
