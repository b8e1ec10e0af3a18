# %% [markdown]
# # 06 · Unblinding: the registered forecasts against what happened
#
# Notebooks 01–05 build the compendium as of the article's day, 2023-12-07, and their forecasts
# were frozen, byte for byte, in `data/registered/` (set 1: the forecasts before issue 26's
# methods; set 2: after them, both fitted on the information set of 2023-12-07). Rows published
# later now sit in `data/raw`; notebooks 01–05 ignore them. This notebook builds its own
# information set, as of the newest row's date (`domain.LATEST_AS_OF`), and scores each registered
# forecast against the first data figure published after 2023-12-07, with the real-time record's
# rule and formulas. No forecasting method is changed here.
#
# Code: `analysis/unblinding.py` (the information set, the outcomes, the readings, the
# sentences), `analysis/registered.py` (the sets and their scores), `analysis/charts/outcomes.py`
# (the figure).

# %% tags=["parameters"]
# none: the unblinding always builds on everything now known (domain.LATEST_AS_OF), whatever AS_OF is

# %%
from analysis.pipeline import params

params.check("06_unblinding", {})

# %%
import pandas as pd
from IPython.display import Markdown

from analysis import assembly, domain, evaluation, registered, sources, unblinding
from analysis.base import paths
from analysis.base.atomic import write_csv
from analysis import charts
from analysis.pipeline import notebook

notebook.setup()
raw = sources.load_all()
latest = unblinding.information_set(raw, domain.LATEST_AS_OF)
listing = latest["listing"]
print(f"Information set as of {domain.LATEST_AS_OF}: {len(listing)} rows, "
      f"{int((listing['known_from'] > domain.DEFAULT_AS_OF).sum())} of them published after {domain.DEFAULT_AS_OF}.")

# %% [markdown]
# ## 1 · The registered sets
#
# Each set is read back against its manifest's SHA-256 (a changed byte stops here).

# %%
sets = registered.load()
notebook.table(pd.DataFrame([{k: s.manifest[k] for k in ("set", "commit", "commit_date", "information_set",
                                                         "report_edition", "registered")} for s in sets]))

# %% [markdown]
# ## 2 · The AI-server market's new name: one market or two?
#
# The 2025 edition reports a 人工智能算力市场 (AI computing market) where the 2023–24 edition
# reported a 人工智能服务器市场 (AI-server market). The sources found cannot decide whether it is
# the same market renamed (and revised) or a redefinition; the evidence, as recorded in
# `analysis/assembly.py` (`UNDECIDED`):

# %%
for (later, vintage), (earlier, evidence) in assembly.UNDECIDED.items():
    print(f"{later} ({vintage}) may continue {earlier}: {evidence}.")

# %% [markdown]
# The AI-server forecasts are therefore scored under both readings: `renamed` (the pair is
# comparable) and `redefined` (it is not, and scores nothing). The compute series have one
# reading, `single`.
#
# ## 3 · The scores
#
# One row per set × model × series × target year that now has an outcome (and reading). The
# outcome is the first data figure published after the set's information-set date; error is
# log(median / outcome); the coverage columns say whether each registered interval held it; PIT and
# CRPS are exact for Student-t rows and from the seven registered quantiles for mixtures
# (`crps_method`). `report_path` is the 2023–24 edition's own path, read off its figures.

# %%
undated = evaluation.undated_ids(latest["figures"], latest["implied"])
scores = unblinding.scores(sets, latest["series"], undated)
notebook.table(scores, ["set", "series", "reading", "model", "target_year", "median", "outcome", "outcome_id",
                        "same_definition", "error_pct", "pit", "covered_50", "covered_80", "covered_95",
                        "interval_score_80", "crps_log"],
               digits={"median": 4, "outcome": 4, "error_pct": 1, "pit": 3, "interval_score_80": 3, "crps_log": 3})

# %%
lines = unblinding.sentences(scores)
Markdown("\n".join(f"* {line}" for line in lines))

# %% [markdown]
# ## 4 · The figure

# %%
fan = charts.unblinding_fans(sets, unblinding.TARGET_YEAR)
fig = charts.export(charts.unblinding(fan, scores, domain.SERIES_LABELS, unblinding.TARGET_YEAR), "unblinding",
             paths.FIGURES)
display(fig)

# %% [markdown]
# ## 5 · The real-time record, as of everything now known
#
# The record of notebook 02 rebuilt on the latest information set: every edition's and release's
# own forecast (vintage pairs) and every model fitted at every origin (model pairs), scored against
# the next figure published. Its "enough" rule is unchanged: a forecaster is ranked only with 5
# comparable pairs against 5 distinct outcomes.

# %%
early = unblinding.information_set(raw, domain.DEFAULT_AS_OF)
before = unblinding.record(early, evaluation.undated_ids(early["figures"], early["implied"]))
now = unblinding.record(latest, undated)
comparable = now[now["same_definition"]]
print(f"As of {domain.LATEST_AS_OF}: {len(now)} pairs ({len(comparable)} comparable: "
      f"{int((comparable['forecaster_type'] == 'vintage').sum())} vintage, "
      f"{int((comparable['forecaster_type'] == 'model').sum())} model), against {len(before)} "
      f"({int(before['same_definition'].sum())} comparable) as of {domain.DEFAULT_AS_OF}; "
      f"{comparable['outcome_id'].nunique()} distinct outcomes.")
enough = unblinding.newly_enough(now, before)
print(f"Forecasters with {domain.MIN_PAIRS} comparable pairs against {domain.MIN_PAIRS} distinct outcomes: "
      + (", ".join(f"{r.forecaster} ({r.n} pairs, {r.outcomes} outcomes, mean |log error| {r.mae_log:.3f}"
                   f"{', newly' if r.newly else ''})" for r in enough.itertuples()) or "none") + ".")
counts = comparable.groupby(["forecaster_type", "forecaster"]).agg(pairs=("outcome_id", "size"),
                                                                    outcomes=("outcome_id", "nunique")).reset_index()
notebook.table(counts.sort_values(["pairs", "forecaster"], ascending=[False, True]).head(8))

# %%
Markdown(unblinding.record_sentence(now))

# %% [markdown]
# ## 6 · Forecasts from everything now known, beside the 2025 edition
#
# Notebook 03's method, unchanged and with its defaults, fitted on the latest information set (its
# record, variance sources, bias test and rule), to the 2025 edition's horizon. The compute series
# only: the AI-server market's definition after 2023 is undecided (section 2), and the 2025
# edition's market has one point. A named run of notebooks 01–05, `make forecast RUN=latest
# AS_OF=2026-05-20`, gave the same combination for 2025–2027 (to 6 significant digits, checked when
# this step was written). These are made after the outcome: nothing here is registered.

# %%
latest_fc = unblinding.latest_forecasts(latest, now)
notebook.table(latest_fc[latest_fc["model"] == "combination"],
               ["series", "year", "median", "lower_80", "upper_80", "edition_2025", "fit_points"],
               digits={"median": 1, "lower_80": 1, "upper_80": 1})

# %%
record = now[evaluation.COLUMNS]
for name, frame in {"unblinding_information_set": listing,  # its provenance: the rows it used
                    "registered_scores": scores, "unblinding_record": record, "unblinding_forecasts": latest_fc}.items():
    write_csv(paths.PROCESSED / f"{name}.csv", frame.infer_objects().round(6))
