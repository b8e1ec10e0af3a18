# %% [markdown]
# # 04 · Forecast figures
#
# The compute-growth and AI-server figures (medians, a 50/80/95% fan, the report's path and,
# past 2027, the extrapolation marked), the model comparison and the report's track record,
# drawn from notebook 02's tables. For a named rerun (`make forecast RUN=name …`) this notebook reads and writes
# `runs/<name>/` instead of the default outputs.

# %% tags=["parameters"]
run_name: str = ""  # a named rerun reads and writes runs/<run_name>/; empty: the default outputs

# %%
from analysis.build import params

params.check("04_forecast_figures", {"run_name": run_name})

# %%
import pandas as pd

from analysis import charts, figure_notes
from analysis.build import notebook, paths

notebook.setup()
out = paths.out_dirs(run_name)
forecasts = pd.read_csv(out["processed"] / "forecasts.csv")
backtests = pd.read_csv(out["processed"] / "backtests.csv")
comparison = pd.read_csv(out["processed"] / "model_comparison.csv")
assembly = pd.read_csv(out["processed"] / "series_assembly.csv")
track = pd.read_csv(out["processed"] / "track_record.csv")
series_table = pd.read_csv(paths.PROCESSED / "series.csv")
figures = pd.read_csv(paths.PROCESSED / "figures.csv")
notes = figure_notes.notes(comparison, track)
run_note = charts.run_lines(run_name, forecasts)  # a named run says so in every figure

# %% [markdown]
# ## Compute growth: 智能算力 (FP16) and 通用算力 (FP64)
# Two panels with their own scales: an FP16 EFLOPS and an FP64 EFLOPS are different
# quantities, so the two series are never added or compared level for level.

# %%
if {"intelligent_compute", "general_compute"} & set(forecasts["series"]):
    fig = charts.export(charts.compute_growth(series_table, assembly, forecasts, run_note), "compute_growth", out["figures"])
    display(fig, figure_notes.markdown(notes["compute_growth"]))

# %% [markdown]
# ## China's AI server market

# %%
if "ai_server_market" in set(forecasts["series"]):
    fig = charts.export(charts.ai_server_market(series_table, assembly, forecasts, figures, run_note),
                        "ai_server_market", out["figures"])
    display(fig, figure_notes.markdown(notes["ai_server_market"]))

# %% [markdown]
# ## Models against the report, and their scores

# %%
fig = charts.export(charts.model_comparison(comparison, backtests, run_note), "model_comparison", out["figures"])
display(fig, figure_notes.markdown(notes["model_comparison"]))

# %% [markdown]
# ## The report's track record

# %%
if len(track):
    fig = charts.export(charts.track_record(track, run_note), "track_record", out["figures"])
    display(fig, figure_notes.markdown(notes["track_record"]))

# %% [markdown]
# ## What the figures show
#
# The models agree on the near term and part ways after it: whether the 2023 boom persists or
# fades is the one question two or three data points cannot answer, and the fan says how wide
# that leaves the future. Where the report's own path lies in that fan differs by series: the
# sentences under each figure say where, for this run's horizon and levels. Every number above is read from notebook 02's tables; the files written are listed, with the
# cell that drew each figure, on the index page (`reports/index.html`).
