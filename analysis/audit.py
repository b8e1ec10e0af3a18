"""The audit: does each stated figure follow from the others, given the precision it was stated with?

Every check states its inputs (figure ids), its formula and the interval each input allows
(:func:`analysis.cleaning.stated_interval`: the digits given and the qualifier, 约/近/几乎/成
or 超过). The recomputed value's interval follows by interval arithmetic
(:func:`analysis.cleaning.propagate`), and the **tolerance is derived from those intervals**,
never a flat percentage: 38亿 against NVIDIA's 38.33亿 is consistent because 38 means 37.5 to
38.5; 414.1 against 260 x 1.593 = 414.18 is consistent *within rounding* because 260 is
itself rounded.

Verdicts (rules ``equal`` and ``revision``; ``d`` = recomputed - stated):

* **consistent**: the recomputed value lies inside the stated figure's own interval (it rounds
  to the figure as stated);
* **consistent within rounding**: outside it, but the two intervals overlap, i.e. |d| is at
  most the tolerance (the stated figure's half-width on that side plus the recomputed value's);
* **inconsistent** (``equal``) or **revised** (``revision``: an earlier edition's figure against
  a later one's): the intervals do not overlap.

Rule ``greater`` tests a claim "recomputed > stated" (a beat, a growing market, a record):
consistent when it holds at every rounding of the inputs, consistent within rounding when it
holds at the stated values only, inconsistent when it fails at the stated values.

**Claims, not rows.** Some claims are tested more than once: against two sources (NVIDIA's
+324%), at both bounds of a range (20–25%), or under each reading a sentence allows (a 17.3%
CAGR whose base is not printed; 创下历史新高, a record share or a record in revenue). Each row
names its claim (column ``claim``), and tallies count claims
(:func:`analysis.findings.claim_verdicts`): a claim whose rows disagree holds under one reading
and not another, and is reported as such. A reading counts only with its own dated source (the
2020-21 ed's 30.4% under Xinhua's 2020-24 and under the 2019-24 of two other pages); a check
whose input is derived from another check's (askci's 'about 18.3' is its 15.6 x 1.173) names it in
``same_reading_as`` and does not decide the verdict.

**Whose claim** (column ``whose``, :data:`WHOSE`): the 2023-24 report's own figures, the
article's own, earlier editions', or the compendium's own hypotheses (that the editions form one
series). Tallies say whose claims fail, so a definition break is never read as the report's error.

**Implications** are derived facts worth reporting (the H2 growth that H1 and the full year
require, a base no page gives): shown with their interval, never called a test. A check that
could not fail (one whose stated figure is an input of its own recomputation) is an implication
or is not made at all; ``tests/test_audit.py`` perturbs every test just beyond its tolerance
and asserts that the verdict changes.

``slack_pct`` (the ``tolerance_pct`` parameter of 01_clean, default 0) widens every tolerance by
that percentage of the stated value, for readers who want a looser audit; the derived
tolerance is the default and the one reported.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Callable

import pandas as pd

from analysis.cleaning import propagate

RULES = ("equal", "revision", "greater", "implication")
VERDICTS = ("consistent", "consistent within rounding", "inconsistent", "revised", "implication")
#: Whose claim a check tests, in the order tallies give them: the 2023-24 report's own figures (as the
#: article quotes them), the article's own (NVIDIA, the trillion date, its headline), earlier
#: editions' (their CAGRs and estimates), and the compendium's own hypotheses (that the editions
#: form one series: a failure there is a definition break, not a failed claim of the report).
REPORT, ARTICLE, EARLIER, HYPOTHESIS = ("the 2023–24 report's own figures", "the article's own figures",
                                        "earlier editions' figures", "the compendium's own hypotheses")
WHOSE = (REPORT, ARTICLE, EARLIER, HYPOTHESIS)
#: How the article's vague dates are read, as (first, last) day of the year.
DATE_WORDS: dict[str, tuple[int, int]] = {"年初": (1, 90)}  # 'early in the year': January to March


@dataclass(frozen=True)
class Check:
    id: str
    rule: str
    description: str
    stated: str | None
    inputs: tuple[str, ...]
    fn: Callable[..., float]
    formula: str
    comment: str = ""
    #: The claim tested, in words: checks that test one claim (against two sources, at both
    #: bounds of a range, under two readings) share it, so tallies count claims, not rows.
    claim: str = ""
    #: Whose claim it is (:data:`WHOSE`): a tally says whose figures fail, not only how many.
    whose: str = ""
    #: The check whose reading this one repeats (its input is derived from that check's): shown, but
    #: not an independent reading, so it does not count towards the claim's verdict.
    same_reading_as: str = ""


def _g(x: float) -> float:
    return 1 + x / 100


def _cagr(a: float, b: float, n: int) -> float:
    return ((b / a) ** (1 / n) - 1) * 100


def _same(x: float) -> float:
    return x


#: Every check. In descriptions, formulas and comments, ``{id}`` stands for that figure's value
#: as stated (its digits), so no number is typed in twice.
CHECKS: tuple[Check, ...] = (
    Check("growth_ratio_6_7x", "equal",
          "Intelligent-compute growth is {art_growth_ratio_2023}x general-compute growth (2023)",
          "art_growth_ratio_2023", ("art_intelligent_compute_yoy_2023", "art_general_compute_yoy_2023"),
          lambda a, b: a / b, "{art_intelligent_compute_yoy_2023}% / {art_general_compute_yoy_2023}%",
          claim="Intelligent compute grew {art_growth_ratio_2023}x as fast as general compute (2023)", whose=REPORT),
    Check("nvidia_yoy_324", "equal",
          "NVIDIA data-centre revenue grew {art_nvidia_dc_yoy_fy24q3}% YoY (FY24 Q3), against NVIDIA's own figures",
          "art_nvidia_dc_yoy_fy24q3", ("pub_nvidia_fy24q3", "pub_nvidia_fy23q3"),
          lambda a, b: (a / b - 1) * 100, "{pub_nvidia_fy24q3} / {pub_nvidia_fy23q3} - 1",
          claim="NVIDIA's data-centre revenue grew {art_nvidia_dc_yoy_fy24q3}% YoY (FY24 Q3)", whose=ARTICLE),
    Check("nvidia_yoy_324_article", "equal",
          "NVIDIA's +{art_nvidia_dc_yoy_fy24q3}% against the article's own {art_nvidia_dc_fy24q3}亿 and {art_nvidia_dc_fy23q3}亿",
          "art_nvidia_dc_yoy_fy24q3", ("art_nvidia_dc_fy24q3", "art_nvidia_dc_fy23q3"),
          lambda a, b: (a / b - 1) * 100, "{art_nvidia_dc_fy24q3} / {art_nvidia_dc_fy23q3} - 1",
          claim="NVIDIA's data-centre revenue grew {art_nvidia_dc_yoy_fy24q3}% YoY (FY24 Q3)", whose=ARTICLE),
    Check("nvidia_revenue_vs_filing", "equal",
          "The article's {art_nvidia_dc_fy24q3}亿美元 matches NVIDIA's FY24 Q3 data-centre revenue",
          "art_nvidia_dc_fy24q3", ("pub_nvidia_fy24q3",), _same, "NVIDIA: {pub_nvidia_fy24q3} USD bn",
          claim="NVIDIA's FY24 Q3 data-centre revenue was {art_nvidia_dc_fy24q3}亿美元", whose=ARTICLE),
    Check("nvidia_prior_vs_filing", "equal",
          "The article's {art_nvidia_dc_fy23q3}亿美元 matches NVIDIA's FY23 Q3 data-centre revenue",
          "art_nvidia_dc_fy23q3", ("pub_nvidia_fy23q3",), _same, "NVIDIA: {pub_nvidia_fy23q3} USD bn",
          "{art_nvidia_dc_fy23q3}亿 is stated to the nearest 亿; NVIDIA's {pub_nvidia_fy23q3} USD bn lies inside.",
          claim="NVIDIA's FY23 Q3 data-centre revenue was {art_nvidia_dc_fy23q3}亿美元", whose=ARTICLE),
    Check("nvidia_beat", "greater",
          "Revenue ({art_nvidia_dc_fy24q3}亿美元) was above the market expectation ({art_nvidia_expectation_fy24q3}亿美元)",
          "art_nvidia_expectation_fy24q3", ("art_nvidia_dc_fy24q3",), _same,
          "actual revenue; the claim holds if it exceeds the expectation",
          claim="NVIDIA's revenue beat the expected {art_nvidia_expectation_fy24q3}亿美元", whose=ARTICLE),
    Check("nvidia_china_share_low", "equal",
          "China's share of NVIDIA's data-centre revenue: the article's lower bound, {art_nvidia_china_share_low}%",
          "art_nvidia_china_share_low", ("pub_nvidia_china_low_fy24q3",), _same, "reported lower bound",
          claim="China is {art_nvidia_china_share_low}–{art_nvidia_china_share_high}% of NVIDIA's data-centre revenue", whose=ARTICLE),
    Check("nvidia_china_share_high", "equal",
          "China's share of NVIDIA's data-centre revenue: the article's upper bound, {art_nvidia_china_share_high}%",
          "art_nvidia_china_share_high", ("pub_nvidia_china_high_fy24q3",), _same, "reported upper bound",
          claim="China is {art_nvidia_china_share_low}–{art_nvidia_china_share_high}% of NVIDIA's data-centre revenue", whose=ARTICLE),
    # '创下历史新高' (a record high) is audited under both readings the sentence allows.
    Check("nvidia_china_share_record", "greater",
          "'创下历史新高' read as a record share: FY24 Q2's China share above that of the quarters before it",
          "pub_nvidia_china_high_fy24q3", ("art_nvidia_china_share_high",), _same,
          "FY24 Q2's share (at most {art_nvidia_china_share_high}%) against the earlier quarters' "
          "(up to {pub_nvidia_china_high_fy24q3}%)",
          "Reports before the cut-off give a steady 'about 20 to 25%' ('nearly a quarter ... in the past few "
          "quarters'); none calls it a record.",
          claim="China's part of NVIDIA's data-centre revenue hit a record (创下历史新高)", whose=ARTICLE),
    Check("nvidia_china_revenue_record", "greater",
          "'创下历史新高' read as a record in revenue: China's part of FY24 Q2 data-centre revenue above any "
          "earlier quarter's",
          "pub_nvidia_fy24q1", ("pub_nvidia_fy24q2", "art_nvidia_china_share_low", "pub_nvidia_china_high_fy24q3"),
          lambda r, lo, hi: r * lo / hi,
          "{pub_nvidia_fy24q2} x {art_nvidia_china_share_low}% / {pub_nvidia_china_high_fy24q3}%; the claim holds if "
          "it exceeds {pub_nvidia_fy24q1} USD bn, NVIDIA's record quarter before FY24 Q2",
          "China's part of FY24 Q2 (at least {art_nvidia_china_share_low}% of {pub_nvidia_fy24q2}) against the most any "
          "earlier quarter could have had (at most {pub_nvidia_china_high_fy24q3}% of {pub_nvidia_fy24q1}, the previous "
          "record): the recomputed value is the data-centre revenue an earlier quarter would have needed to match it.",
          claim="China's part of NVIDIA's data-centre revenue hit a record (创下历史新高)", whose=ARTICLE),
    Check("nvidia_trillion_date", "equal",
          "NVIDIA first passed USD 1 trn of market value 'at the start of the year' ({date_nvidia_trillion})",
          "date_nvidia_trillion", ("date_nvidia_trillion_first",), _same,
          "day of 2023 of the first trade above USD 1 trn ({date_nvidia_trillion_first})",
          "{date_nvidia_trillion} is read as January to March (days 1 to 90, shown at the middle); NVIDIA first "
          "traded above USD 1 trn on {date_nvidia_trillion_first} and closed just below it that day.",
          claim="NVIDIA passed USD 1 trn of market value 'at the start of the year' (年初)", whose=ARTICLE),
    Check("ai_server_cagr_2027", "equal",
          "{art_ai_server_cagr}% CAGR from the implied 2022 base reaches the report's {pub_server_2027_e2324} bn in 2027",
          "pub_server_2027_e2324", ("art_ai_server_2023", "art_ai_server_2023_yoy", "art_ai_server_cagr"),
          lambda a, y, c: a / _g(y) * _g(c) ** 5,
          "{art_ai_server_2023}亿 / (1 + {art_ai_server_2023_yoy}%) x (1 + {art_ai_server_cagr}%)^5",
          claim="{art_ai_server_cagr}% a year takes the AI-server market to USD {pub_server_2027_e2324} bn in 2027", whose=REPORT),
    Check("intelligent_2023_from_2022", "equal",
          "{art_intelligent_compute_2023} EFLOPS = 2022 actual ({pub_ic_2022_e2324}, rounded) x (1 + {art_intelligent_compute_yoy_2023}%)",
          "art_intelligent_compute_2023", ("pub_ic_2022_e2324", "art_intelligent_compute_yoy_2023"),
          lambda a, y: a * _g(y), "{pub_ic_2022_e2324} x (1 + {art_intelligent_compute_yoy_2023}%)",
          "{pub_ic_2022_e2324} is the rounded 2022 figure published before the cut-off; at its precision the product matches.",
          claim="Intelligent compute reached {art_intelligent_compute_2023} EFLOPS in 2023, +{art_intelligent_compute_yoy_2023}%", whose=REPORT),
    Check("intelligent_cagr_2027", "equal",
          "{pub_ic_cagr_e2324}% CAGR from {pub_ic_2022_e2324} (2022) to {pub_ic_2027_e2324} (2027)",
          "pub_ic_cagr_e2324", ("pub_ic_2022_e2324", "pub_ic_2027_e2324"),
          lambda a, b: _cagr(a, b, 5), "({pub_ic_2027_e2324} / {pub_ic_2022_e2324})^(1/5) - 1",
          claim="Intelligent compute grows {pub_ic_cagr_e2324}% a year, 2022–27", whose=REPORT),
    Check("intelligent_cagr_2026_e2223", "equal",
          "2022-23 ed: {pub_ic_cagr_e2223}% CAGR from {pub_ic_2021_e2223} (2021) to {pub_ic_2026_e2223} (2026)",
          "pub_ic_cagr_e2223", ("pub_ic_2021_e2223", "pub_ic_2026_e2223"),
          lambda a, b: _cagr(a, b, 5), "({pub_ic_2026_e2223} / {pub_ic_2021_e2223})^(1/5) - 1",
          claim="Intelligent compute grows {pub_ic_cagr_e2223}% a year, 2021–26 (2022–23 ed)", whose=EARLIER),
    Check("global_server_cagr", "equal",
          "Global AI server {pub_global_server_cagr_e2324}% CAGR against its stated {pub_global_server_2022_e2324} (2022) "
          "and {pub_global_server_2026_e2324} (2026)",
          "pub_global_server_cagr_e2324", ("pub_global_server_2022_e2324", "pub_global_server_2026_e2324"),
          lambda a, b: _cagr(a, b, 4), "({pub_global_server_2026_e2324} / {pub_global_server_2022_e2324})^(1/4) - 1",
          "The page states this window, and it does not fit. Read over five years from IDC's 2021 figure of "
          "{pub_global_server_2021_idc2023} it does (global_server_cagr_idc2021_base); the four-year fit from about "
          "{pub_global_server_2022_idc2023} is that same reading again (global_server_cagr_idc2023_base).",
          claim="The global AI-server market grows {pub_global_server_cagr_e2324}% a year to 2026", whose=REPORT),
    Check("global_server_cagr_idc2023_base", "equal",
          "Global AI server {pub_global_server_cagr_e2324}% CAGR from IDC's June-2023 figure for 2022 "
          "(about {pub_global_server_2022_idc2023}) to {pub_global_server_2026_e2324} (2026)",
          "pub_global_server_cagr_e2324", ("pub_global_server_2022_idc2023", "pub_global_server_2026_e2324"),
          lambda a, b: _cagr(a, b, 4), "({pub_global_server_2026_e2324} / {pub_global_server_2022_idc2023})^(1/4) - 1",
          "Not an independent reading: askci's 'about {pub_global_server_2022_idc2023}' for 2022 is its 2021 figure, "
          "{pub_global_server_2021_idc2023}, grown by {pub_global_server_cagr_e2324}% (the page credits only the 2021 "
          "figure to IDC), so a four-year fit from it is the five-year fit from 2021 again. Kept as a check, left out of "
          "the claim's verdict (same_reading_as).",
          claim="The global AI-server market grows {pub_global_server_cagr_e2324}% a year to 2026", whose=REPORT,
          same_reading_as="global_server_cagr_idc2021_base"),
    Check("global_server_cagr_idc2021_base", "equal",
          "Global AI server {pub_global_server_cagr_e2324}% CAGR read as five years, from IDC's 2021 figure "
          "({pub_global_server_2021_idc2023}) to {pub_global_server_2026_e2324} (2026)",
          "pub_global_server_cagr_e2324", ("pub_global_server_2021_idc2023", "pub_global_server_2026_e2324"),
          lambda a, b: _cagr(a, b, 5), "({pub_global_server_2026_e2324} / {pub_global_server_2021_idc2023})^(1/5) - 1",
          "The reading the figures support: five years from IDC's 2021 figure; it also fits the Global Computing Power "
          "Index report's unrounded {pub_global_server_2026_gci2223}亿 for 2026.",
          claim="The global AI-server market grows {pub_global_server_cagr_e2324}% a year to 2026", whose=REPORT),
    # The 2020-21 ed's CAGR is dated by pages that give two windows: Xinhua's 未来4年 (2020-24) and
    # chinamoneynetwork's and 人民網日本語版's 2019-24; each reading is tested with its own row.
    Check("ai_market_cagr_2024", "equal",
          "2020-21 ed: China AI market {pub_aimarket_cagr_e2021}% CAGR read as 2020-24 (Xinhua's 未来4年), against "
          "{pub_aimarket_2020_e2021} (2020) and {pub_aimarket_2024_e2021} (2024)",
          "pub_aimarket_cagr_e2021", ("pub_aimarket_2020_e2021", "pub_aimarket_2024_e2021"),
          lambda a, b: _cagr(a, b, 4), "({pub_aimarket_2024_e2021} / {pub_aimarket_2020_e2021})^(1/4) - 1",
          claim="China's AI market grows {pub_aimarket_cagr_e2021}% a year to 2024 (2020–21 ed)", whose=EARLIER),
    Check("ai_market_cagr_2024_from_2019", "equal",
          "2020-21 ed: China AI market {pub_aimarket_cagr_2019_e2021}% CAGR read as 2019-24 (chinamoneynetwork, "
          "人民網日本語版), from the 2019 base that {pub_aimarket_2020_e2021} (2020) and +{pub_aimarket_yoy_2020_e2021}% "
          "imply, to {pub_aimarket_2024_e2021} (2024)",
          "pub_aimarket_cagr_2019_e2021", ("pub_aimarket_2020_e2021", "pub_aimarket_yoy_2020_e2021", "pub_aimarket_2024_e2021"),
          lambda a, y, b: _cagr(a / _g(y), b, 5),
          "({pub_aimarket_2024_e2021} / ({pub_aimarket_2020_e2021} / (1 + {pub_aimarket_yoy_2020_e2021}%)))^(1/5) - 1",
          "The window as two dated pages give it; the 2019 base is derived from the same edition's 2020 level and "
          "growth, so this reading uses no figure from outside the edition.",
          claim="China's AI market grows {pub_aimarket_cagr_e2021}% a year to 2024 (2020–21 ed)", whose=EARLIER),
    Check("headline_share", "equal",
          "The headline's 七成 ('about seven in ten', {art_headline_share}%) against the body's {art_genai_exploring}%",
          "art_headline_share", ("art_genai_exploring",), _same, "survey share in the body",
          "七成 is stated to the nearest 成 (ten percent); {art_genai_exploring}% is inside.",
          claim="七成 of Chinese firms explore generative AI (headline)", whose=ARTICLE),
    Check("revision_ic_2022", "revision",
          "Revision: the 2022-23 ed's 2022 estimate ({pub_ic_2022_e2223}) against the 2023-24 ed's actual ({pub_ic_2022_e2324})",
          "pub_ic_2022_e2223", ("pub_ic_2022_e2324",), _same, "later edition's actual",
          "An estimate revised, not an error.",
          claim="Intelligent compute was {pub_ic_2022_e2223} EFLOPS in 2022 (2022–23 ed)", whose=EARLIER),
    Check("revision_ai_server_2021_2022", "greater",
          "Vintages: the 2023-24 ed's implied 2022 should exceed the 2022-23 ed's 2021 actual "
          "({pub_server_2021_e2223}) in a growing market",
          "pub_server_2021_e2223", ("art_ai_server_2023", "art_ai_server_2023_yoy"),
          lambda a, y: a / _g(y), "{art_ai_server_2023}亿 / (1 + {art_ai_server_2023_yoy}%); the claim holds if it exceeds "
          "the 2021 value",
          "The later edition implies a smaller 2022 market than the earlier edition's 2021: a definition change or a restatement.",
          claim="The editions' AI-server markets form one series", whose=HYPOTHESIS),
    # implications: derived facts, not tests
    Check("ai_server_2022_base", "implication", "The 2022 AI-server market the article's 2023 figures imply",
          None, ("imp_ai_server_2022",), _same, "{art_ai_server_2023}亿 / (1 + {art_ai_server_2023_yoy}%)",
          "Tables that print it as 5.0 round this derived value; no page publishes a 2022 level of this series."),
    Check("ai_server_h2_2023", "implication",
          "The second-half growth that H1 (+{art_ai_server_h1_2023_yoy}%) and the full year (+{art_ai_server_2023_yoy}%) require",
          None, ("imp_ai_server_h2_2023_yoy",), _same,
          "({art_ai_server_2023} - {art_ai_server_h1_2023}) / ({art_ai_server_2023} / (1 + {art_ai_server_2023_yoy}%) - "
          "{art_ai_server_h1_2023} / (1 + {art_ai_server_h1_2023_yoy}%)) - 1",
          "Not a contradiction: the year's growth can only reach +{art_ai_server_2023_yoy}% if H2 roughly doubled."),
    Check("general_compute_2022_base", "implication", "The 2022 general compute the article's 2023 figures imply",
          None, ("imp_general_compute_2022",), _same, "{art_general_compute_2023} / (1 + {art_general_compute_yoy_2023}%)",
          "No page published by the cut-off gives the 2022 level."),
    Check("general_compute_2027", "implication", "The 2027 general compute the {pub_gc_cagr_e2324}% CAGR implies",
          None, ("imp_general_compute_2027",), _same,
          "{art_general_compute_2023} / (1 + {art_general_compute_yoy_2023}%) x (1 + {pub_gc_cagr_e2324}%)^5"),
    Check("genai_share_growth", "implication",
          "The yearly growth of GenAI's server share from {art_genai_share_2023}% (2023) to {art_genai_share_2026}% (2026)",
          None, ("imp_genai_share_growth_2023_2026",), _same,
          "({art_genai_share_2026} / {art_genai_share_2023})^(1/3) - 1"),
    Check("global_ai_2021_base", "implication",
          "The 2021 global AI spending the 2021-22 ed's {pub_global_ai_cagr_e2122}% CAGR implies over IDC's own "
          "2021-2025 window",
          None, ("imp_global_ai_2021_e2122",), _same, "{pub_global_ai_2025_e2122} / (1 + {pub_global_ai_cagr_e2122}%)^4",
          "The edition prints the CAGR without its window; the spending-guide release it re-quotes gives 2021-2025. The "
          "implied base is to be read beside the edition's 'more than {pub_global_ai_2021_e2122}' and IDC's "
          "{pub_global_ai_2021_sg2021} for 2021; a five-year reading from 2020 would contradict that release."),
)


def _fill(text: str, t: pd.DataFrame) -> str:
    """Replace each ``{id}`` by that figure's value as stated."""
    def one(m):
        if m[1] not in t.index:
            raise KeyError(f"audit: figure id '{m[1]}' (in a check's text) not found in the raw tables")
        return str(t.at[m[1], "value_text"])
    return re.sub(r"\{([a-z][a-z0-9_]*)\}", one, text)


def date_figures(dates: pd.DataFrame, year: int = 2023) -> pd.DataFrame:
    """Article dates as figures: day of ``year`` with the interval their precision (or wording) allows."""
    rows = []
    for _, r in dates.iterrows():
        word = next((w for w in DATE_WORDS if w in r["note"]), None)
        if word and r["date"] == str(year):
            lo, hi = DATE_WORDS[word]
            rows.append(dict(id=r["id"], value_clean=(lo + hi) / 2, value_low=float(lo), value_high=float(hi),
                             unit="", unit_clean="day of year", value_text=word, qualifier="~"))
        elif r["precision"] == "day" and r["date"].startswith(str(year)):
            day = dt.date.fromisoformat(r["date"]).timetuple().tm_yday
            rows.append(dict(id=r["id"], value_clean=float(day), value_low=day - 0.5, value_high=day + 0.5,
                             unit="", unit_clean="day of year", value_text=r["date"], qualifier="="))
    return pd.DataFrame(rows, columns=["id", "value_clean", "value_low", "value_high", "unit", "unit_clean",
                                       "value_text", "qualifier"])


def _lookup(figures: pd.DataFrame, implied: pd.DataFrame, dates: pd.DataFrame | None) -> pd.DataFrame:
    cols = ["id", "value_clean", "value_low", "value_high", "unit", "unit_clean", "value_text", "qualifier"]
    imp = implied.rename(columns={"value": "value_clean"}).assign(
        unit_clean=implied["unit"], value_text=lambda d: d["value_clean"].round(4).astype(str), qualifier="derived")
    parts = [figures[cols], imp[cols]] + ([date_figures(dates)[cols]] if dates is not None else [])
    return pd.concat(parts, ignore_index=True).set_index("id")


def verdict(rule: str, s: float, s_lo: float, s_hi: float, r: float, r_lo: float, r_hi: float,
            slack: float = 0.0) -> tuple[str, float]:
    """The verdict and the tolerance (absolute, in the figure's unit) of one check."""
    d = r - s
    if rule == "greater":
        tol = (s_hi - s) + (r - r_lo) + slack  # margin above `s` at which the claim survives any rounding
        if d <= 0:
            return "inconsistent", tol
        return ("consistent" if d > tol else "consistent within rounding"), tol
    tol = ((s_hi - s) + (r - r_lo) if d >= 0 else (s - s_lo) + (r_hi - r)) + slack
    if s_lo <= r <= s_hi:
        return "consistent", tol
    if abs(d) <= tol:
        return "consistent within rounding", tol
    return ("revised" if rule == "revision" else "inconsistent"), tol


def _precision(t: pd.DataFrame, ids: list[str]) -> str:
    def one(i):
        row = t.loc[i]
        q = {"=": "", "~": "~", ">": ">", ">=": ">=", "<": "<", "<=": "<=", "derived": ""}[row["qualifier"]]
        stated = f"{q}{row['value_text']} {row['unit']}".strip() if row["unit"] != row["unit_clean"] else f"{q}{row['value_text']}"
        return f"{i} {stated}: {row['value_low']:.6g} to {row['value_high']:.6g} {row['unit_clean']}"
    return "; ".join(one(i) for i in ids)


def audit(figures: pd.DataFrame, implied: pd.DataFrame, dates: pd.DataFrame | None = None,
          slack_pct: float = 0.0, checks: tuple[Check, ...] = CHECKS) -> pd.DataFrame:
    """Every check of the report's arithmetic: inputs, formula, intervals, tolerance and verdict."""
    t = _lookup(figures, implied, dates)
    missing = sorted({i for c in checks for i in (c.inputs + ((c.stated,) if c.stated else ())) if i not in t.index})
    if missing:
        raise KeyError(f"audit: figure id '{missing[0]}' not found in the raw tables (or the implied values)")
    claims = {c.id: c.claim for c in CHECKS}
    rows = []
    for c in checks:
        if c.same_reading_as and claims.get(c.same_reading_as) != c.claim:
            raise ValueError(f"audit: check '{c.id}' repeats the reading of '{c.same_reading_as}', which is not a check "
                             "of the same claim")
        r = float(c.fn(*[float(t.at[i, "value_clean"]) for i in c.inputs]))
        r_lo, r_hi = propagate(c.fn, [(float(t.at[i, "value_low"]), float(t.at[i, "value_high"])) for i in c.inputs])
        if (c.rule == "implication") != (c.whose == "") or (c.whose and c.whose not in WHOSE):
            raise ValueError(f"audit: check '{c.id}' must say whose claim it tests (one of {WHOSE}), "
                             "and an implication none")
        row = dict(check_id=c.id, rule=c.rule, claim=_fill(c.claim, t), whose=c.whose, same_reading_as=c.same_reading_as,
                   description=_fill(c.description, t),
                   stated_id=c.stated or "",
                   inputs=" ".join(c.inputs), formula=_fill(c.formula, t), recomputed=round(r, 4),
                   recomputed_low=round(r_lo, 4), recomputed_high=round(r_hi, 4),
                   precision=_precision(t, ([c.stated] if c.stated else []) + list(c.inputs)), comment=_fill(c.comment, t))
        if c.rule == "implication":
            row.update(stated=math.nan, stated_low=math.nan, stated_high=math.nan, difference=math.nan,
                       tolerance=math.nan, rel_difference_pct=math.nan, tolerance_pct=math.nan, verdict="implication")
        else:
            s, s_lo, s_hi = (float(t.at[c.stated, k]) for k in ("value_clean", "value_low", "value_high"))
            v, tol = verdict(c.rule, s, s_lo, s_hi, r, r_lo, r_hi, abs(s) * slack_pct / 100)
            row.update(stated=round(s, 4), stated_low=round(s_lo, 4), stated_high=round(s_hi, 4),
                       difference=round(r - s, 4), tolerance=round(tol, 4),
                       rel_difference_pct=round(abs(r - s) / abs(s) * 100, 2) if s else math.inf,
                       tolerance_pct=round(tol / abs(s) * 100, 2) if s else math.inf, verdict=v)
        rows.append(row)
    cols = ["check_id", "rule", "claim", "whose", "same_reading_as", "description", "stated_id", "inputs", "formula", "precision", "stated", "stated_low",
            "stated_high", "recomputed", "recomputed_low", "recomputed_high", "difference", "tolerance",
            "rel_difference_pct", "tolerance_pct", "verdict", "comment"]
    return pd.DataFrame(rows, columns=cols)  # no rows when no check can be made yet (an early as-of date)
