# %% [markdown]
# # 02 · The real-time record: every forecast against the next figure published
#
# Before any forecast of notebook 03 is trusted, this notebook says what each model assumes, the
# prior over the parameters the data cannot estimate, and the rule that picks the default
# combination — all before any score. Then it scores, in real time, every forecast the
# compendium can reconstruct: each edition's and release's own, and each model's fitted on what
# was public at the time, against the first figure published after it for the same year.
# Everything is built from the information set as of `as_of` (by default the article's date,
# 2023-12-07).
#
# Code: `analysis/evaluation.py` (the record), `analysis/editions.py` (what each edition said),
# `analysis/priors.py` (the prior), `analysis/choice.py` (the rule), `analysis/forecasting.py`
# (the models).

# %% tags=["parameters"]
as_of: str = "2023-12-07"  # date of knowledge (YYYY-MM-DD): only what was public on that day is used

# %%
from analysis.pipeline import params

as_of = params.check("02_evaluation", {"as_of": as_of})["as_of"]

# %%
import pandas as pd
from IPython.display import Markdown

from analysis import assembly, choice, domain, evaluation, figure_notes, forecasting, priors
from analysis.base import paths
from analysis.base.atomic import read_csv
from analysis.pipeline import notebook

notebook.setup()
read = lambda name: read_csv(paths.PROCESSED / f"{name}.csv")  # noqa: E731
series_table, figures, implied = read("series"), read("figures"), read("implied")
assert series_table["known_from"].max() <= as_of  # notebook 01 built these tables as of this date
print(f"Information set as of {as_of}.")

# %% [markdown]
# ## 1 · What each model assumes, and the prior — stated before any score
#
# | model | what it assumes | what would make it right |
# |---|---|---|
# | **Random walk with drift** | growth persists: each year grows like the average of the years seen | the 2023 boom continues |
# | **Growth decay** | growth reverts toward a long-run rate, geometrically, with a half-life | booms fade, as most markets' have |
# | **Nowcast, then decay** | next year keeps the latest half-year's growth rate, fading per half-year, then decays | momentum at the end of the last year carries into the next |
# | Log-linear trend | constant growth through all points (a sensitivity check: it repeats drift) | – |
# | Damped trend (ETS) | a trend that flattens by a damping φ (a sensitivity check: its bend is its φ) | – |
#
# The decay and nowcast models need a half-life and a long-run rate that two or three points
# cannot estimate. They are **integrated over a prior grid** (one mixture component per grid
# point), argued from the evidence below and fixed before any score; where a series has two
# consecutive growth rates of its own, each grid point is weighted by how well it predicts the
# second from the first. The damped trend's φ is integrated over its grid too.

# %%
obs = priors.growth_observations(figures, series_table, assembly.assemble)
half_life_evidence = priors.evidence(obs)
print(f"The complete evidence: {len(half_life_evidence)} pairs of yearly growth rates in "
      f"{half_life_evidence['indicator'].nunique()} series ({int(half_life_evidence['half_life'].notna().sum())} imply a "
      f"half-life, from {half_life_evidence['half_life'].min():.1f} to {half_life_evidence['half_life'].max():.1f} years; "
      f"the rest accelerated or crossed the long-run rate).")
notebook.table(half_life_evidence, ["indicator", "from_year", "to_year", "growth_from", "growth_to", "long_run",
                                    "half_life", "reading"],
               digits={"growth_from": 3, "growth_to": 3, "long_run": 2, "half_life": 1})

# %% [markdown]
# The prior: half-lives of 0.5, 1, 2, 4 and 8 years with equal weights (the evidence spans
# about a third of a year to several, and some series accelerated: nothing narrower is
# defensible), and three long-run rates per series, each argued from the report's and IDC's own
# rates:

# %%
prior_table = pd.DataFrame([dict(series=s, half_lives=", ".join(f"{h:g}" for h in priors.HALF_LIVES),
                                 long_run_rates=", ".join(f"{g:.0%}" for g in priors.LONG_RUN[s]),
                                 argued_from=priors.ARGUMENT[s]) for s in domain.FORECAST_SERIES])
notebook.table(prior_table)

# %% [markdown]
# **The rule that picks the default combination**, written in `analysis/choice.py` before the
# scores below were computed:

# %%
print(choice.RULE)

# %% [markdown]
# ## 2 · The record
#
# Every forecast that can be reconstructed, scored the way a forecaster is judged: with only
# what was public on its day, against the first figure published after it for the same year
# (the next edition's word, not the latest revision; a figure published in the first half of
# its year is itself a forecast, not an outcome).
#
# * **Vintages**: each edition's and release's own forecasts — a stated estimate or forecast,
#   or a year read off its path, joined at constant growth through its stated points (the
#   2022–23 edition's 2023 is read between its 2022 estimate, 268, and its 2026 forecast, 1,271.4).
# * **Models**: each model above, fitted on every day a new figure of a series became public,
#   on the series as it was known that day, with the variance that day's sources allowed (none
#   yet: a point forecast). The prior grid is the same at every origin, and it is not real
#   time: its long-run rates were argued from sources up to the 2023–24 edition (29 November
#   2023), so the decay, nowcast and combination scores at earlier origins had help a
#   forecaster of the day did not. With fewer than 5 pairs per model, no model is ranked on them.
#   The nowcast is fitted wherever both half-years of a series' last year are known, which the
#   information set holds only for the AI-server market's 2023, complete on 7 December 2023: no
#   outcome has followed yet, so the nowcast has no pair (counted below). The first later
#   edition scores it.
#
# A pair is **comparable** when forecast and outcome follow one definition (the spending guide's
# 2022 V2 release counts "AI-centric systems": its pairs with 2021 V2 and the 2021-22 edition are
# not comparable). A forecast re-quoted by another edition (the 2021-22 edition re-quotes guide
# 2021 V2) is counted once, under the vintage that made it. The horizon counts
# years after the last complete year at the origin. Fewer than 5 pairs, or fewer than 5
# distinct outcomes, carry no claim. A figure dated only by the article (its every page
# undated) is never an outcome: its true date could fall before the origin or in the first half
# of its year.

# %%
undated = evaluation.undated_ids(figures, implied)  # dated only by the article: never an outcome
vintage_pairs = evaluation.vintage_pairs(series_table, undated)
revisions = evaluation.measurement_pairs(vintage_pairs)
model_pairs = evaluation.model_pairs(series_table, evaluation.realtime_models(figures, implied, revisions),
                                     undated=undated)
record = pd.concat([vintage_pairs, model_pairs], ignore_index=True)
record = record.sort_values(["forecaster_type", "series", "origin", "target_year", "forecaster"]).reset_index(drop=True)
comparable = record[record["same_definition"]]
print(f"{len(record)} forecast-outcome pairs, {len(comparable)} comparable: "
      f"{int((comparable['forecaster_type'] == 'vintage').sum())} of the vintages' own forecasts and "
      f"{int((comparable['forecaster_type'] == 'model').sum())} of the models' "
      f"({comparable.loc[comparable['forecaster_type'] == 'model', 'origin'].nunique()} origins); "
      f"the nowcast's pairs: {int((record['forecaster'] == 'nowcast').sum())}")
notebook.table(record, ["forecaster", "series", "origin", "target_year", "horizon", "read", "forecast", "outcome",
                        "outcome_vintage", "same_definition", "error_pct", "pit"])

# %% [markdown]
# Scores of comparable pairs, for each forecaster over all horizons, and for all vintages
# together and each model by horizon (coverage from the PIT, interval score and CRPS only where
# the forecaster gave a distribution, each with its own n):

# %%
record_summary = evaluation.summary(record)
notebook.table(record_summary, digits={"bias_log": 3, "mae_log": 3, "rmse_log": 3, "interval_score_80": 3,
                                       "crps_log": 3})

# %% [markdown]
# The vintages' own errors by horizon: an empirical scale of how wrong IDC's published figures
# have been, with a 90% interval that says how little so few pairs pin it down.

# %%
scale = evaluation.error_scale(record)
notebook.table(scale, digits={"rms_log": 3, "low": 3, "high": 3})

# %% [markdown]
# ## 3 · Do the vintages run low?
#
# A sign test (are more errors negative than chance allows?) and the mean log error with a 90%
# t interval (how large, and how little so few pairs pin it down), for the vintages' comparable
# errors, per year ahead, and for the revisions behind the measurement error σ_m; then what the
# models in notebook 03 do with it.

# %%
bias = evaluation.bias_test(record)
notebook.table(bias, digits={"sign_test_p": 4, "mean_log": 3, "low": 3, "high": 3})
long_run_bias, why = evaluation.long_run_bias(bias)
print(f"What the models do with it: {why}.")
print("The prior's long-run rates and whose view each is (raised only where a vintage's view):")
notebook.table(pd.DataFrame([dict(series=s, rate=g, view=who or "none", what=what,
                                  adjusted=a) for s in domain.FORECAST_SERIES
                             for g, (who, what), a in zip(priors.LONG_RUN[s], priors.VIEWS[s],
                                                          priors.adjusted(s, long_run_bias))]),
               digits={"rate": 3, "adjusted": 3})

# %% [markdown]
# What the record does and does not support, in sentences built from the tables above. No
# joint score across the three series is possible: among them only intelligent compute has
# comparable real-time pairs, so their shared shock cannot be measured.

# %%
Markdown(figure_notes.record_note(record, record_summary))

# %%
from analysis.base.atomic import write_csv
from analysis import package

for name, frame in {"evaluation": record, "evaluation_summary": record_summary, "error_scale": scale,
                    "bias_test": bias}.items():
    write_csv(paths.PROCESSED / f"{name}.csv", frame[list(package.FORECAST_CODEBOOK[name])].infer_objects().round(6))
