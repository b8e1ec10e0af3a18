# %% [markdown]
# # 01 · Transcribe, validate, clean and audit
#
# **What this notebook does.** It reads the hand transcription in `data/raw/` — every
# quantitative figure of the 2023-12-07 article on the IDC–Inspur *2023–2024 China AI
# Computing Power Development Assessment Report*, plus figures published up to December 2023 by
# earlier editions and related sources — validates it against its schemas, normalises units,
# derives implied values with their formulas, and audits the report's own arithmetic.
#
# **Information cut-off:** 2023-12-07. Every published figure carries the publication date of
# each of its sources; loading fails on a source dated later, and on a later compilation.
#
# Code lives in `analysis/` (`sources`, `cleaning`, `audit`, `findings`, `package`); this
# notebook narrates.

# %% tags=["parameters"]
tolerance_pct: float = 0.0  # audit: extra slack (% of the stated value) on top of each check's derived tolerance

# %%
from analysis.build import params

params.check("01_clean", {"tolerance_pct": tolerance_pct})

# %%
import pandas as pd
from IPython.display import Markdown

from analysis import audit, cleaning, findings, package, sources
from analysis.build import notebook, paths

notebook.setup()

# %% [markdown]
# ## 1 · The raw layer
#
# Six hand-written tables. Each row has a stable id, the value and unit *as stated*, its kind
# (actual, estimate, forecast, survey…), its vintage (the edition that published it) and where
# it is: section and paragraph of the article (`§02 ¶5`; §00 is the lead, ¶0 a section's title),
# or the URLs it was found on. Loading validates every table against a pandera schema; a bad file
# stops here with a message naming the file, line and column.

# %%
raw = sources.load_all()
notebook.table(
    pd.DataFrame(
        [(t.file, len(raw[name]), t.description) for name, t in sources.TABLES.items()],
        columns=["file", "rows", "contents"],
    )
)

# %% [markdown]
# ## 2 · Units and precision
#
# 亿美元 is 10⁸ USD, so it is divided by 10 to give USD bn (91亿美元 = USD 9.1 bn). All
# percentages stay in percent; the `measure` column says whether a percentage is a share, a YoY
# growth rate, a CAGR or a cumulative increase. Each figure also gets the interval its digits
# and qualifier allow (`value_low`, `value_high`): 38亿 is 37.5亿 to 38.5亿, 七成 is 65% to 75%,
# 超过 85 has no upper bound (the convention is in `data/raw/README.md`). **Intelligent compute (智能算力) is counted at FP16 and general compute
# (通用算力) at FP64**: an FP16 EFLOPS and an FP64 EFLOPS are different quantities (half-precision
# operations are far cheaper), so the two are kept in different units and never added.

# %%
figures = cleaning.figures(raw)
notebook.table(
    figures.groupby(["unit", "unit_clean", "measure"], as_index=False).agg(figures=("id", "count"))
)

# %% [markdown]
# ## 2b · Sources and their dates
#
# Every published figure lists its sources (URLs) and, in `published`, one publication date per
# source. None is dated after the cut-off; pages that show no date are marked `undated`, and
# each row still needs one dated source unless it is in the short list of rows
# (`data/raw/README.md`) whose only source is an undated page. Sources per row:

# %%
pub = figures[figures["table"] == "published_figures"]
dates = pub["published"].str.split(" | ", regex=False)
notebook.table(pd.DataFrame({
    "published figures": [len(pub)],
    "sources": [int(dates.str.len().sum())],
    "dated sources": [int(dates.map(lambda d: sum(x != "undated" for x in d)).sum())],
    "latest source date": [max(x for d in dates for x in d if x != "undated")],
    "rows with only undated sources": [int(dates.map(lambda d: all(x == "undated" for x in d)).sum())],
}))

# %% [markdown]
# The article's figures, cleaned:

# %%
notebook.table(figures[figures["table"] == "article_figures"],
               ["id", "indicator", "period", "qualifier", "value_text", "unit", "value_clean", "value_low", "value_high",
                "unit_clean", "location"])

# %% [markdown]
# ## 3 · Implied values
#
# Values the sources imply but do not state, each with its formula: 2022 bases from the 2023
# YoY rates, H1 2022 from H1 2023, 2027 levels from the five-year CAGRs, and the CAGRs between
# stated points. Indicator, period and vintage are read off the inputs, never typed in; the
# interval follows from the inputs' stated precision.

# %%
implied = cleaning.implied(figures)
notebook.table(implied, ["id", "period", "value", "value_low", "value_high", "unit", "vintage", "formula"])

# %% [markdown]
# ## 4 · Audit of the report's arithmetic
#
# Each check recomputes a stated figure from other stated figures, with every input read as
# the interval its digits and qualifier allow. The tolerance is derived from those intervals:
# **consistent** when the recomputed value rounds to the stated figure, **consistent within
# rounding** when the two intervals overlap, **inconsistent** (or **revised**, between
# editions) when they do not. `greater` checks test a claim that one value exceeds another.
# **Implications** are derived facts, not tests. `tolerance_pct` (default 0) only adds slack.
# The audit **reports**; the stated figures are kept as stated everywhere else.

# %%
checks = audit.audit(figures, implied, raw["article_dates"], tolerance_pct)
notebook.table(checks, ["check_id", "rule", "stated", "recomputed", "recomputed_low", "recomputed_high",
                       "difference", "tolerance", "verdict"])

# %% [markdown]
# Inputs, formula and precision of each check:

# %%
notebook.table(checks, ["check_id", "formula", "precision"])

# %%
notebook.table(checks["verdict"].value_counts().rename_axis("verdict").reset_index(name="checks"))

# %% [markdown]
# ## 5 · Rankings
#
# The industry-penetration ranking: telecom rose from 5th (2019) and 4th (2022) to 2nd in 2023.

# %%
rankings = raw["rankings"].reset_index(drop=True)
notebook.table(rankings[rankings["ranking"] == "industry_penetration"]
               .pivot_table(index="entity", columns="period", values="rank", aggfunc="first")
               .sort_values("2023").reset_index().rename_axis(columns=None))

# %% [markdown]
# ## 6 · Outputs
#
# Tidy CSVs in `data/processed/`, a codebook with one row per column, and the Frictionless
# `data/datapackage.json`. The annual series table is what the forecast notebook reads.

# %%
from analysis.build.atomic import write_text

series = cleaning.series(figures, implied)
written = package.write_all({"figures": figures, "implied": implied, "audit": checks, "series": series,
                             "rankings": rankings, "codebook": package.codebook_frame()})
write_text(paths.DATAPACKAGE, package.datapackage_json())
written + [paths.rel(paths.DATAPACKAGE)]

# %% [markdown]
# ## 7 · What the audit finds
#
# Built by `analysis/findings.py` from the tables above, every number read from them; the
# README's "What it finds" carries the same sentences, and a test keeps the two equal.

# %%
Markdown(findings.markdown(findings.audit_findings(checks, figures)))
