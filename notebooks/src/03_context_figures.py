# %% [markdown]
# # 03 · Context figures: adoption, rankings, NVIDIA, GenAI share, the audit
#
# The figures that come straight from the cleaned data of notebook 01 (they do not wait for the
# forecasts, so `make -j2` draws them while notebook 02 runs). Each chart is exported to
# `figures/` as SVG, PNG (2×), Vega-Lite JSON and standalone offline HTML. Chart code lives in
# `analysis/charts.py`.

# %% tags=["parameters"]
# No parameters: this notebook draws what notebook 01 wrote, the audit's verdicts and
# tolerances included (read from audit.csv, never recomputed here).

# %%
from analysis.build import params

params.check("03_context_figures", {})

# %%
import pandas as pd

from analysis import charts, findings
from analysis.build import notebook, paths

notebook.setup()
figures = pd.read_csv(paths.PROCESSED / "figures.csv", dtype={"value_text": str})
audit = pd.read_csv(paths.PROCESSED / "audit.csv")
rankings = pd.read_csv(paths.PROCESSED / "rankings.csv", dtype={"period": str})

# %% [markdown]
# ## Adoption survey (IDC, 2023)
# 67% of Chinese enterprises explore generative AI (开始探索生成式AI) or invest in it; more than
# 70% plan to raise that investment by 20–40% over the next three years.

# %%
fig = charts.export(charts.adoption_survey(figures), "adoption_survey", paths.FIGURES)
fig

# %% [markdown]
# ## Industry AI penetration (人工智能行业渗透度)
# Telecom overtook government and finance to rank second in 2023.

# %%
fig = charts.export(charts.industry_ranking(rankings), "industry_ranking", paths.FIGURES)
fig

# %% [markdown]
# ## NVIDIA's data-centre revenue
# The article's year-on-year growth is not what NVIDIA's own figures give; the chart's note
# quotes both from the audit table.

# %%
fig = charts.export(charts.nvidia_revenue(figures, audit), "nvidia_revenue", paths.FIGURES)
fig

# %% [markdown]
# ## Generative AI's share of AI-server spending (global)

# %%
fig = charts.export(charts.genai_share(figures), "genai_share", paths.FIGURES)
fig

# %% [markdown]
# ## The consistency audit
# Each check's gap between stated and recomputed value, against its own tolerance (derived
# from the precision its inputs were stated with); the verdicts are notebook 01's.

# %%
fig = charts.export(charts.audit_chart(audit), "audit", paths.FIGURES)
fig

# %% [markdown]
# ## City AI-compute rankings across editions

# %%
fig = charts.export(charts.city_ranking(rankings), "city_ranking", paths.FIGURES)
fig

# %% [markdown]
# ## What the context shows
#
# The demand side is real (two in three firms already explore generative AI, and NVIDIA's
# data-centre revenue nearly quadrupled in a year), but the report's own numbers do not all
# hold together. The audit's tally, from `audit.csv`:

# %%
tally = findings.counts(audit)
order = ["consistent", "consistent within rounding", "inconsistent", "revised", "implication"]
print("; ".join(f"{tally[v]} {v}" for v in order if v in tally))
