# %% [markdown]
# # 04 · Context figures: adoption, rankings, NVIDIA, GenAI share, the audit, the real-time record
#
# The figures that come straight from the cleaned data of notebook 01 and the real-time record
# of notebook 02: they do not wait for the forecasts, so `make -j2` draws them while notebooks
# 03 and 05 run. Each chart is exported to
# `figures/` as SVG, PNG (2×), Vega-Lite JSON and standalone offline HTML. Chart code lives in
# `analysis/charts.py`.

# %% tags=["parameters"]
as_of: str = "2023-12-07"  # date of knowledge (YYYY-MM-DD): the figures draw what notebook 01 built as of it

# %%
from analysis.pipeline import params

as_of = params.check("04_context_figures", {"as_of": as_of})["as_of"]

# %%
import pandas as pd

from analysis import charts, domain, figure_notes, findings
from analysis.base import paths
from analysis.base.atomic import read_csv
from analysis.pipeline import notebook

notebook.setup()
figures = pd.read_csv(paths.PROCESSED / "figures.csv", dtype={"value_text": str, "period": str})  # "2023", "FY24 Q3": text
audit = pd.read_csv(paths.PROCESSED / "audit.csv")
rankings = pd.read_csv(paths.PROCESSED / "rankings.csv", dtype={"period": str})
evaluation = read_csv(paths.PROCESSED / "evaluation.csv")
summary = read_csv(paths.PROCESSED / "evaluation_summary.csv")
vintage_table = read_csv(paths.PROCESSED / "vintages.csv")
run_note = charts.run_lines("", None, as_of)  # a build as of another date says so

# %% [markdown]
# ## Adoption survey (IDC, 2023)
# 67% of Chinese enterprises explore generative AI (开始探索生成式AI) or invest in it; more than
# 70% plan to raise that investment by 20–40% over the next three years.

# %%
drawn = charts.as_of_or_placeholder(as_of, "GenAI adoption survey", lambda: charts.adoption_survey(figures))
fig = charts.export(drawn, "adoption_survey", paths.FIGURES)
fig

# %% [markdown]
# ## Industry AI penetration (人工智能行业渗透度)
# Telecom overtook government and finance to rank second in 2023.

# %%
drawn = charts.as_of_or_placeholder(as_of, "Industry AI penetration", lambda: charts.industry_ranking(rankings))
fig = charts.export(drawn, "industry_ranking", paths.FIGURES)
fig

# %% [markdown]
# ## NVIDIA's data-centre revenue
# The article's year-on-year growth is not what NVIDIA's own figures give; the chart's note
# quotes both from the audit table.

# %%
drawn = charts.as_of_or_placeholder(as_of, "NVIDIA data-centre revenue",
                                    lambda: charts.nvidia_revenue(figures, audit))
fig = charts.export(drawn, "nvidia_revenue", paths.FIGURES)
fig

# %% [markdown]
# ## Generative AI's share of AI-server spending (global)

# %%
drawn = charts.as_of_or_placeholder(as_of, "GenAI servers' share", lambda: charts.genai_share(figures))
fig = charts.export(drawn, "genai_share", paths.FIGURES)
fig

# %% [markdown]
# ## The consistency audit
# Each check's gap between stated and recomputed value, against its own tolerance (derived
# from the precision its inputs were stated with); the verdicts are notebook 01's.

# %%
drawn = charts.as_of_or_placeholder(as_of, "The audit",
                                    lambda: charts.audit_chart(audit, findings.audit_title(audit)))
fig = charts.export(drawn, "audit", paths.FIGURES)
fig

# %% [markdown]
# ## City AI-compute rankings across editions

# %%
drawn = charts.as_of_or_placeholder(as_of, "City AI-compute ranking", lambda: charts.city_ranking(rankings))
fig = charts.export(drawn, "city_ranking", paths.FIGURES)
fig

# %% [markdown]
# ## The real-time record
#
# Every forecast the compendium can reconstruct — each edition's and release's own, and each
# model's fitted on what was public at the time — against the first figure for the same year
# published after it.

# %%
labels = dict(zip(vintage_table["indicator"], vintage_table["series_label"]))
drawn = charts.as_of_or_placeholder(as_of, "The real-time record",
                                    lambda: charts.track_record(evaluation, labels, run_note))
fig = charts.export(drawn, "track_record", paths.FIGURES)
display(fig, figure_notes.markdown([figure_notes.record_note(evaluation, summary)]))

# %% [markdown]
# ## What each edition said
#
# One line per edition or release through its stated levels: where the lines part, an edition
# revised another (2022 intelligent compute: 268.0 in the 2022–23 edition, 260 in the 2023–24).

# %%
shown_series = tuple(dict.fromkeys(list(domain.FORECAST_SERIES) + sorted(set(evaluation["series"]))))
drawn = charts.as_of_or_placeholder(as_of, "What each edition said",
                                    lambda: charts.edition_paths(vintage_table, shown_series, run_note))
fig = charts.export(drawn, "edition_paths", paths.FIGURES)
fig

# %% [markdown]
# ## What the context shows
#
# The demand side is real (two in three firms already explore generative AI, and NVIDIA's
# data-centre revenue nearly quadrupled in a year). Which of the claims around it do not follow
# from their own figures, and whose claims they are, is the audit's tally below (from `audit.csv`,
# a claim checked twice counting once; the README's first finding says the same), and the
# editions' own forecasts are to be read with their record (the sentence under the real-time
# record, from `evaluation.csv`):

# %%
implications = findings.counts(audit).get("implication", 0)
print(f"{findings.tally(findings.claim_counts(audit))}; "
      f"{findings.plural(implications, 'implication')} (derived facts, not tests).")
print(findings.whose_sentence(audit))
