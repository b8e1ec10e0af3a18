# %% [markdown]
# # 01 · Transcribe, validate, clean and audit
#
# **What this notebook does.** It reads the hand transcription in `data/raw/` — every
# quantitative figure of the 2023-12-07 article on the IDC–Inspur *2023–2024 China AI
# Computing Power Development Assessment Report*, plus figures published up to December 2023 by
# earlier editions and related sources — validates it against its schemas, normalises units,
# derives implied values with their formulas, and audits the report's own arithmetic.
#
# **The date of knowledge.** Every row of the raw layer carries the day it became public, and
# this build uses only the rows public by `as_of` (by default the article's date, 2023-12-07):
# the information set as of that day. A build as of an earlier day is the compendium as it could
# have been written then; a later edition is added by appending dated rows.
#
# Code lives in `analysis/` (`sources`, `infoset`, `cleaning`, `editions`, `audit`, `findings`,
# `package`); this notebook narrates.

# %% tags=["parameters"]
as_of: str = "2023-12-07"  # date of knowledge (YYYY-MM-DD): only what was public on that day is used
tolerance_pct: float = 0.0  # audit: extra slack (% of the stated value) on top of each check's derived tolerance

# %%
from analysis.pipeline import params

as_of = params.check("01_clean", {"as_of": as_of, "tolerance_pct": tolerance_pct})["as_of"]

# %%
import pandas as pd
from IPython.display import Markdown

from analysis import audit, cleaning, domain, editions, findings, infoset, package, sources
from analysis.base import paths
from analysis.pipeline import notebook

notebook.setup()
print(f"Information set as of {as_of}.")

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
info = infoset.as_of(raw, as_of)
notebook.table(
    pd.DataFrame(
        [(t.file, len(info[name]), t.description) for name, t in sources.TABLES.items()],
        columns=["file", "rows", "contents"],
    )
)

# %% [markdown]
# ## 1b · The information set as of the build's date
#
# Each row counts as public from its earliest dated source (a date given to the month counts
# from the month's last day); the article's own figures from the article's date; a row whose
# every source is undated from its edition's release, or, when that is unknown, from the
# earliest dated figure of the same edition. A row dated before its own edition's release counts
# from the release (a page cannot quote an edition that is not out yet), and a row that nothing
# dates enters no build, not even one on the article's date. An edition counts from its release
# date, or else from its earliest dated figure. The rows of the information set, by the rule that dated them
# (rows published later are not counted: a build as of a date shows nothing of what came after):

# %%
used = infoset.listing(info)  # only the rows public by as_of: nothing here may depend on later rows
notebook.table(used.groupby("date_rule", as_index=False).agg(rows=("id", "count"), first=("known_from", "min"),
                                                             last=("known_from", "max")))

# %% [markdown]
# The editions and releases known by then, each with the day it became public:

# %%
known_editions = infoset.vintages_known(info)
notebook.table(known_editions, ["vintage", "publisher", "published", "vintage_known_from", "vintage_date_rule"])

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
figures = cleaning.figures(info)
notebook.table(
    figures.groupby(["unit", "unit_clean", "measure"], as_index=False).agg(figures=("id", "count"))
)

# %% [markdown]
# ## 2b · Sources and their dates
#
# Every published figure lists its sources (URLs) and, in `published`, one publication date per
# source; pages that show no date are marked `undated`. The published figures of the
# information set:

# %%
pub = figures[figures["table"] == "published_figures"]
dates = pub["published"].str.split(" | ", regex=False)
notebook.table(pd.DataFrame({
    "published figures": [len(pub)],
    "sources": [int(dates.str.len().sum())],
    "dated sources": [int(dates.map(lambda d: sum(x != "undated" for x in d)).sum())],
    "latest known_from": [pub["known_from"].max() if len(pub) else "–"],
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
# interval follows from the inputs' stated precision; a value is public from the day its last
# input was. Only values whose inputs are all in the information set are derived.

# %%
derivable = cleaning.possible(figures)
print(f"{len(derivable)} of {len(cleaning.DERIVED)} implied values can be derived as of {as_of}")
implied = cleaning.implied(figures, derivable)
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
known_ids = set(figures["id"]) | set(implied["id"]) | set(info["article_dates"]["id"])
possible = tuple(c for c in audit.CHECKS if set(c.inputs) | ({c.stated} if c.stated else set()) <= known_ids)
print(f"{len(possible)} of {len(audit.CHECKS)} checks can be made as of {as_of}")
checks = audit.audit(figures, implied, info["article_dates"], tolerance_pct, possible)
notebook.table(checks, ["check_id", "rule", "stated", "recomputed", "recomputed_low", "recomputed_high",
                       "difference", "tolerance", "verdict"])

# %% [markdown]
# Inputs, formula and precision of each check:

# %%
notebook.table(checks, ["check_id", "formula", "precision"])

# %% [markdown]
# Some claims are checked more than once (against two sources, at both bounds of a range, or
# under each reading a sentence allows), so tallies count **claims**, not rows. A claim whose
# checks disagree holds under one reading and not another:

# %%
notebook.table(findings.claim_verdicts(checks), ["claim", "whose", "checks", "verdict"])

# %%
notebook.table(pd.DataFrame([(v, n) for v, n in findings.claim_counts(checks).items()], columns=["verdict", "claims"]))

# %% [markdown]
# Whose claims they are: the 2023–24 report's own figures, the article's own (NVIDIA, the
# trillion date, its headline), earlier editions', and the compendium's own hypotheses (that the
# editions form one series, which fails as a definition break, not as a claim of the report):

# %%
notebook.table(findings.whose_counts(checks))

# %% [markdown]
# ## 5 · Rankings
#
# The industry-penetration ranking: telecom rose from 5th (2019) and 4th (2022) to 2nd in 2023.

# %%
rankings = info["rankings"].reset_index(drop=True)
industry = rankings[rankings["ranking"] == "industry_penetration"]
notebook.table(industry.pivot_table(index="entity", columns="period", values="rank", aggfunc="first")
               .sort_values(max(industry["period"])).reset_index().rename_axis(columns=None)
               if len(industry) else pd.DataFrame({"industry ranking": [f"none published by {as_of}"]}))

# %% [markdown]
# ## 6 · Outputs
#
# Tidy CSVs in `data/processed/`, a codebook with one row per column, and the Frictionless
# `data/datapackage.json`. The annual series table is what the forecast notebook reads; the
# vintage table is what each edition said about each year; the information set lists every raw
# row this build used, and its hash, not the raw files', is the data package's provenance (the
# raw files may hold rows published after `as_of`, which change nothing here).

# %%
from analysis.base.atomic import write_text

series = cleaning.series(figures, implied)
vintage_table = editions.vintage_table(series, known_editions, info["indicators"])
tables = {"figures": figures, "implied": implied, "audit": checks, "series": series, "vintages": vintage_table,
          "editions": known_editions, "information_set": used, "rankings": rankings,
          "codebook": package.codebook_frame()}
written = package.write_all(tables)
info_sha = package.table_sha256("information_set", used)
write_text(paths.DATAPACKAGE, package.datapackage_json(as_of, info_sha))
print(f"information set as of {as_of}: {len(used)} rows, sha256 {info_sha}")

# %% [markdown]
# ## 7 · What the audit finds
#
# Built by `analysis/findings.py` from the tables above, every number read from them; the
# README's "What it finds" carries the same sentences, and a test keeps the two equal.

# %%
if len(possible) == len(audit.CHECKS):
    display(Markdown(findings.markdown(findings.audit_findings(checks, figures, series))))
else:
    print(f"As of {as_of}, {len(possible)} of the {len(audit.CHECKS)} checks can be made; the findings above are "
          "written for the article's information set, so here the audit table speaks for itself.")
