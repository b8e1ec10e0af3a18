# %% [markdown]
# # 05 · Forecast figures
#
# The compute-growth and AI-server figures (medians, a 50/80/95% fan, the report's path and,
# past its horizon, the extrapolation marked) and the model comparison, drawn from notebooks 01,
# 02 and 03's tables, as of the build's date. The real-time record and what each edition said,
# which do not depend on the forecasts, are drawn by notebook 04. For a named rerun (`make forecast RUN=name …`) this notebook reads and writes
# `runs/<name>/` instead of the default outputs.

# %% tags=["parameters"]
as_of: str = "2023-12-07"  # date of knowledge (YYYY-MM-DD): only what was public on that day is used
run_name: str = ""  # a named rerun reads and writes runs/<run_name>/; empty: the default outputs

# %%
from analysis.pipeline import params

as_of = params.check("05_forecast_figures", {"as_of": as_of, "run_name": run_name})["as_of"]

# %%
import pandas as pd

from analysis import charts, domain, figure_notes, world_chart
from analysis.base import paths
from analysis.base.atomic import read_csv
from analysis.pipeline import notebook

notebook.setup()
out = paths.out_dirs(run_name)
forecasts = pd.read_csv(out["processed"] / "forecasts.csv")
comparison = pd.read_csv(out["processed"] / "model_comparison.csv")
assembly = pd.read_csv(out["processed"] / "series_assembly.csv")
evaluation = read_csv(paths.PROCESSED / "evaluation.csv")
summary = read_csv(paths.PROCESSED / "evaluation_summary.csv")
series_table = read_csv(paths.PROCESSED / "series.csv")
notes = figure_notes.notes(comparison, evaluation, summary)
print(f"Information set as of {as_of}.")
run_note = charts.run_lines(run_name, forecasts, as_of)  # a named run (or another date) says so in every figure

# %% [markdown]
# ## Compute growth: 智能算力 (FP16) and 通用算力 (FP64)
# Two panels with their own scales: an FP16 EFLOPS and an FP64 EFLOPS are different
# quantities, so the two series are never added or compared level for level.

# %%
if {"intelligent_compute", "general_compute"} & set(forecasts["series"]):
    fig = charts.export(charts.compute_growth(series_table, assembly, forecasts, run_note,
                                              figure_notes.compute_growth_title(forecasts)), "compute_growth", out["figures"])
    display(fig, figure_notes.markdown(notes["compute_growth"]))
elif as_of != domain.DEFAULT_AS_OF:  # a build as of a date before the compute series had two points
    charts.export(charts.placeholder("China's AI compute", as_of, "No compute series had two data points yet: "
                                     "nothing to forecast."), "compute_growth", out["figures"])

# %% [markdown]
# ## China's AI server market

# %%
if "ai_server_market" in set(forecasts["series"]):
    plausible = read_csv(out["processed"] / "plausibility.csv")
    ceiling = plausible[(plausible["series"] == "ai_server_market")
                        & (plausible["bound_kind"] == domain.WORLD_BOUND)].drop_duplicates("year")
    world = ceiling[["year", "bound", "bound_high"]].rename(columns={"bound": "world", "bound_high": "world_high"}) \
        .assign(vintage="triangulated (analysis/world.py)")
    fig = charts.export(charts.ai_server_market(series_table, assembly, forecasts, run_note, world),
                        "ai_server_market", out["figures"])
    display(fig, figure_notes.markdown(notes["ai_server_market"]))
elif as_of != domain.DEFAULT_AS_OF:
    charts.export(charts.placeholder("China's AI server market", as_of, "The series had fewer than two data points "
                                     "on one definition: nothing to forecast."), "ai_server_market", out["figures"])

# %% [markdown]
# ## The world's AI-server market, triangulated
#
# The bound on China's market: IDC's world figures, NVIDIA's data-centre revenue (a floor, and over
# its share an estimate of the world) and China's share, each with its uncertainty.

# %%
triangulated = read_csv(out["processed"] / "world_triangulation.csv")
if triangulated["world"].notna().any():
    fig = charts.export(world_chart.world_triangulation(triangulated, run_note), "world_triangulation", out["figures"])
    display(fig, figure_notes.markdown([figure_notes.world_triangulation_note(triangulated)]))
else:
    charts.export(charts.placeholder("The world's AI-server market", as_of, "No world figure was known yet."),
                  "world_triangulation", out["figures"])

# %% [markdown]
# ## Models against the report, and their scores

# %%
drawn = charts.as_of_or_placeholder(as_of, "Models against the report's path",
                                    lambda: charts.model_comparison(comparison, evaluation, run_note))
fig = charts.export(drawn, "model_comparison", out["figures"])
display(fig, figure_notes.markdown(notes["model_comparison"]))

# %% [markdown]
# ## What the figures show
#
# The models agree on the near term and part ways after it: whether the 2023 boom persists or
# fades is the one question two or three data points cannot answer, and the fan says how wide
# that leaves the future. Where the report's own path lies in that fan differs by series: the
# sentences under each figure say where, for this run's horizon and levels. Every number above is read from notebooks 02 and 03's tables; the files written are listed, with the
# cell that drew each figure, on the index page (`reports/index.html`).
