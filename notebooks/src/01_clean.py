# %% [markdown]
# # 01 · Transcribe, validate, clean and audit
#
# **What this notebook does.** It reads the hand transcription in `data/raw/` — every
# quantitative figure of the 2023-12-07 article on the IDC–Inspur *2023–2024 China AI
# Computing Power Development Assessment Report*, plus figures published up to December 2023 by
# earlier editions and related sources — validates it against its schemas, normalises units,
# derives implied values with their formulas, and audits the report's own arithmetic.
#
# **Information cut-off:** 2023-12-07. Nothing published later is used.
#
# Code lives in `analysis/` (`sources`, `cleaning`, `package`); this notebook narrates.

# %% tags=["parameters"]
tolerance_pct: float = 1.0  # audit: largest relative difference (%) still counted as consistent

# %%
from analysis import params

params.check("01_clean", {"tolerance_pct": tolerance_pct})

# %%
from analysis import cleaning, notebook, package, paths, sources

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
    __import__("pandas").DataFrame(
        [(t.file, len(raw[name]), t.description) for name, t in sources.TABLES.items()],
        columns=["file", "rows", "contents"],
    )
)

# %% [markdown]
# ## 2 · Units
#
# 亿美元 is 10⁸ USD, so it is divided by 10 to give USD bn (91亿美元 = USD 9.1 bn). All
# percentages stay in percent; the `measure` column says whether a percentage is a share, a YoY
# growth rate or a CAGR. **Intelligent compute (智能算力) is counted at FP16 and general compute
# (通用算力) at FP64**: an FP16 EFLOPS and an FP64 EFLOPS are different quantities (half-precision
# operations are far cheaper), so the two are kept in different units and never added.

# %%
figures = cleaning.figures(raw)
notebook.table(
    figures.groupby(["unit", "unit_clean", "measure"], as_index=False).agg(figures=("id", "count"))
)

# %% [markdown]
# The article's figures, cleaned:

# %%
notebook.table(figures[figures["table"] == "article_figures"],
               ["id", "indicator", "period", "qualifier", "value", "unit", "value_clean", "unit_clean", "location"])

# %% [markdown]
# ## 3 · Implied values
#
# Values the sources imply but do not state, each with its formula: 2022 bases from the 2023
# YoY rates, H1 2022 from H1 2023, the 2027 AI-server value from the five-year CAGR, and the
# CAGRs between stated points.

# %%
implied = cleaning.implied(figures)
notebook.table(implied, ["id", "period", "value", "unit", "formula"])

# %% [markdown]
# ## 4 · Audit of the report's arithmetic
#
# Each check recomputes a stated figure from other stated figures. A relative difference up to
# `tolerance_pct` counts as consistent (rounding). The audit **reports** inconsistencies; the
# stated figures are kept as stated everywhere else.

# %%
audit = cleaning.audit(figures, implied, tolerance_pct)
notebook.table(audit, ["check_id", "stated", "recomputed", "rel_difference_pct", "verdict", "comment"])

# %%
audit["verdict"].value_counts().rename_axis("verdict").reset_index(name="checks")

# %% [markdown]
# What the audit finds:
#
# * The report's own growth arithmetic holds: 414.1 = 259.9 × 1.593, 59.3 = 54.5 × 1.088, the
#   6.7× ratio, and the 21.8%, 33.9% and 16.6% CAGRs all follow from the stated levels.
# * The article's **NVIDIA +324%** cannot be derived: NVIDIA's own figures give +279%.
# * The **global AI server CAGR of 17.3%** only fits 2021–2026; over 2022–2026 the levels give
#   15.5%. The 2020–21 edition's **30.4% China AI market CAGR** does not fit its own levels
#   (28.7%).
# * The **AI server market's H2 2023** must have grown about 100% for H1's +55.4% to become
#   +82.5% for the year.
# * Between editions, the 2022 intelligent-compute estimate was revised down 3%, and the
#   2022–23 edition's 2021 AI-server value (5.92) is *above* the 2022 value the 2023–24 edition
#   implies (4.99): the two editions' AI-server series cannot be spliced.

# %% [markdown]
# ## 5 · Rankings
#
# The industry-penetration ranking: telecom rose from 5th (2019) and 4th (2022) to 2nd in 2023.

# %%
rankings = raw["rankings"].reset_index(drop=True)
(rankings[rankings["ranking"] == "industry_penetration"]
 .pivot_table(index="entity", columns="period", values="rank", aggfunc="first")
 .sort_values("2023"))

# %% [markdown]
# ## 6 · Outputs
#
# Tidy CSVs in `data/processed/`, a codebook with one row per column, and the Frictionless
# `data/datapackage.json`. The annual series table is what the forecast notebook reads.

# %%
from analysis.atomic import write_text

series = cleaning.series(figures, implied)
written = package.write_all({"figures": figures, "implied": implied, "audit": audit, "series": series,
                             "rankings": rankings, "codebook": package.codebook_frame()})
write_text(paths.DATAPACKAGE, package.datapackage_json())
written + [paths.rel(paths.DATAPACKAGE)]
