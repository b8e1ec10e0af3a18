"""Cleaning: turn the validated raw tables into tidy, unit-consistent tables, derive implied
values with their formulas, and audit the report's own arithmetic.

Three rules hold throughout:

* **Units are explicit.** 亿美元 (100 million USD) becomes USD bn, 亿 parameters becomes bn
  parameters, and every percentage stays in percent (shares, YoY growth and CAGRs alike), with
  a ``measure`` column saying which. FP16 "intelligent" and FP64 "general" EFLOPS keep
  different units: they count different operations at different precisions, so adding them
  (or comparing their levels) would be meaningless.
* **Derived values carry their formula** (``implied`` table), so a reader can redo each one.
* **The audit reports, never repairs.** A stated figure that does not follow from the others
  gets the verdict ``inconsistent``; the stated figure is kept as it is everywhere else.
"""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from analysis.sources import UNITS


def _period(period: str) -> dict:
    if m := re.fullmatch(r"(\d{4})", period):
        return {"period_type": "year", "year": int(m[1]), "year_end": int(m[1])}
    if m := re.fullmatch(r"(\d{4}) H([12])", period):
        return {"period_type": "half", "year": int(m[1]), "year_end": int(m[1])}
    if m := re.fullmatch(r"(\d{4})-(\d{4})", period):
        return {"period_type": "range", "year": int(m[1]), "year_end": int(m[2])}
    if m := re.fullmatch(r"FY(\d{2}) Q([1-4])", period):
        # NVIDIA's fiscal year FYnn ends in late January of 20nn; Q3 ends in late October of 20nn-1.
        fy = 2000 + int(m[1])
        return {"period_type": "fiscal_quarter", "year": fy - 1 if int(m[2]) < 4 else fy, "year_end": fy}
    raise ValueError(f"unparseable period {period!r}")


def figures(raw: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """All numeric figures (article + published) with clean units and parsed periods."""
    order = raw["vintages"].set_index("vintage")["order"]
    parts = []
    for table in ("article_figures", "published_figures"):
        f = raw[table].reset_index(drop=True).copy()
        f.insert(1, "table", table)
        parts.append(f)
    f = pd.concat(parts, ignore_index=True)
    f["value"] = f["value"].astype(float)
    conv = f["unit"].map(UNITS)
    f["unit_clean"] = conv.map(lambda c: c[0])
    f["value_clean"] = (f["value"] * conv.map(lambda c: c[1])).round(6)
    f["measure"] = conv.map(lambda c: c[2])
    periods = pd.DataFrame([_period(p) for p in f["period"]])
    f = pd.concat([f, periods], axis=1)
    f["vintage_order"] = f["vintage"].map(order).astype(int)
    cols = ["id", "table", "indicator", "geography", "period", "period_type", "year", "year_end",
            "qualifier", "value", "unit", "value_clean", "unit_clean", "measure", "kind", "vintage",
            "vintage_order", "source", "location", "note"]
    return f[cols]


def _get(fig: pd.DataFrame, fid: str) -> float:
    row = fig.loc[fig["id"] == fid]
    if row.empty:
        raise KeyError(f"figure id '{fid}' not found in the raw tables")
    return float(row["value_clean"].iloc[0])


def values(fig: pd.DataFrame, imp: pd.DataFrame) -> pd.Series:
    """Every figure's clean value and every implied value, by id."""
    return pd.concat([fig[["id", "value_clean"]].rename(columns={"value_clean": "value"}),
                      imp[["id", "value"]]]).set_index("id")["value"].astype(float)


def cagr(start: float, end: float, years: int) -> float:
    """Compound annual growth rate, in percent."""
    return ((end / start) ** (1 / years) - 1) * 100


def implied(fig: pd.DataFrame) -> pd.DataFrame:
    """Values implied by stated figures, each with its formula and inputs."""
    g = lambda i: _get(fig, i)  # noqa: E731
    rows = []

    def add(iid, indicator, geography, period, value, unit, measure, formula, inputs, note=""):
        rows.append(dict(id=iid, indicator=indicator, geography=geography, period=period,
                         value=round(value, 6), unit=unit, measure=measure, kind="derived",
                         vintage="2023-24 ed" if "e2223" not in iid else "2022-23 ed",
                         formula=formula, inputs=" ".join(inputs), note=note))

    ai23, ai_yoy = g("art_ai_server_2023"), g("art_ai_server_2023_yoy")
    add("imp_ai_server_2022", "ai_server_market", "China", "2022", ai23 / (1 + ai_yoy / 100), "USD bn", "level",
        "2023 value / (1 + 2023 YoY)", ["art_ai_server_2023", "art_ai_server_2023_yoy"],
        "The 2022 base implied by the article's 2023 estimate and growth rate.")
    h1, h1_yoy = g("art_ai_server_h1_2023"), g("art_ai_server_h1_2023_yoy")
    add("imp_ai_server_h1_2022", "ai_server_market", "China", "2022 H1", h1 / (1 + h1_yoy / 100), "USD bn", "level",
        "H1 2023 value / (1 + H1 YoY)", ["art_ai_server_h1_2023", "art_ai_server_h1_2023_yoy"])
    base22 = ai23 / (1 + ai_yoy / 100)
    h1_22 = h1 / (1 + h1_yoy / 100)
    add("imp_ai_server_h2_2023", "ai_server_market", "China", "2023 H2", ai23 - h1, "USD bn", "level",
        "2023 value - H1 2023 value", ["art_ai_server_2023", "art_ai_server_h1_2023"])
    add("imp_ai_server_h2_2023_yoy", "ai_server_market", "China", "2023 H2",
        ((ai23 - h1) / (base22 - h1_22) - 1) * 100, "percent", "yoy_growth",
        "(2023 - H1 2023) / (2022 - H1 2022) - 1",
        ["art_ai_server_2023", "art_ai_server_h1_2023", "art_ai_server_2023_yoy", "art_ai_server_h1_2023_yoy"],
        "The second-half growth that the H1 and full-year figures together require.")
    cg = g("art_ai_server_cagr")
    add("imp_ai_server_2027", "ai_server_market", "China", "2027", base22 * (1 + cg / 100) ** 5, "USD bn", "level",
        "implied 2022 base x (1 + CAGR)^5", ["imp_ai_server_2022", "art_ai_server_cagr"])
    for ind, lvl, yoy, unit in (("general_compute", "art_general_compute_2023", "art_general_compute_yoy_2023", "EFLOPS FP64"),
                                ("intelligent_compute", "art_intelligent_compute_2023", "art_intelligent_compute_yoy_2023", "EFLOPS FP16")):
        add(f"imp_{ind}_2022", ind, "China", "2022", g(lvl) / (1 + g(yoy) / 100), unit, "level",
            "2023 value / (1 + 2023 YoY)", [lvl, yoy])
    pairs = [
        ("imp_ic_cagr_2022_2027", "intelligent_compute", "China", "pub_ic_2022_e2324", "pub_ic_2027_e2324", 2022, 2027),
        ("imp_gc_cagr_2022_2027", "general_compute", "China", "pub_gc_2022_e2324", "pub_gc_2027_e2324", 2022, 2027),
        ("imp_ic_cagr_2021_2026_e2223", "intelligent_compute", "China", "pub_ic_2021_e2223", "pub_ic_2026_e2223", 2021, 2026),
        ("imp_ai_server_cagr_2021_2026_e2223", "ai_server_market", "China", "pub_server_2021_e2223", "pub_server_2026_e2223", 2021, 2026),
        ("imp_ai_server_cagr_2022_2027", "ai_server_market", "China", "pub_server_2022_e2324", "pub_server_2027_e2324", 2022, 2027),
        ("imp_global_server_cagr_2022_2026", "global_ai_server_market", "World", "pub_global_server_2022_e2324", "pub_global_server_2026_e2324", 2022, 2026),
        ("imp_global_server_cagr_2021_2026", "global_ai_server_market", "World", "pub_global_server_2021_e2223", "pub_global_server_2026_e2324", 2021, 2026),
        ("imp_ai_market_cagr_2020_2024", "ai_market_spending", "China", "pub_aimarket_2020_e2021", "pub_aimarket_2024_e2021", 2020, 2024),
        ("imp_global_ai_cagr_2021_2025", "global_ai_spending", "World", "pub_global_ai_2021_e2122", "pub_global_ai_2025_e2122", 2021, 2025),
        ("imp_genai_share_growth_2023_2026", "genai_server_share", "World", "art_genai_share_2023", "art_genai_share_2026", 2023, 2026),
    ]
    for iid, ind, geo, a, b, y0, y1 in pairs:
        add(iid, ind, geo, f"{y0}-{y1}", cagr(g(a), g(b), y1 - y0), "percent", "cagr",
            f"({b} / {a})^(1/{y1 - y0}) - 1", [a, b])
    add("imp_nvidia_yoy_fy24q3", "nvidia_dc_revenue", "World", "FY24 Q3",
        (g("pub_nvidia_fy24q3") / g("pub_nvidia_fy23q3") - 1) * 100, "percent", "yoy_growth",
        "FY24 Q3 / FY23 Q3 - 1 (NVIDIA's own figures)", ["pub_nvidia_fy24q3", "pub_nvidia_fy23q3"])
    add("imp_nvidia_yoy_fy24q3_article", "nvidia_dc_revenue", "World", "FY24 Q3",
        (g("art_nvidia_dc_fy24q3") / g("art_nvidia_dc_fy23q3") - 1) * 100, "percent", "yoy_growth",
        "145.1 / 38 - 1 (the article's own figures)", ["art_nvidia_dc_fy24q3", "art_nvidia_dc_fy23q3"])
    add("imp_nvidia_beat_fy24q3", "nvidia_dc_revenue", "World", "FY24 Q3",
        (g("art_nvidia_dc_fy24q3") / g("art_nvidia_expectation_fy24q3") - 1) * 100, "percent", "ratio",
        "actual / expectation - 1", ["art_nvidia_dc_fy24q3", "art_nvidia_expectation_fy24q3"])
    add("imp_growth_ratio_2023", "compute_growth_ratio", "China", "2023",
        g("art_intelligent_compute_yoy_2023") / g("art_general_compute_yoy_2023"), "ratio", "ratio",
        "intelligent YoY / general YoY", ["art_intelligent_compute_yoy_2023", "art_general_compute_yoy_2023"])
    return pd.DataFrame(rows)


def audit(fig: pd.DataFrame, imp: pd.DataFrame, tolerance_pct: float) -> pd.DataFrame:
    """Every check of the report's arithmetic: stated vs recomputed, with a verdict."""
    g = lambda i: _get(fig, i)  # noqa: E731
    iv = imp.set_index("id")["value"]
    checks = []

    def check(cid, description, stated_id, stated, recomputed, formula, comment="", rule="equal"):
        """rule: 'equal' (within tolerance), 'greater' (recomputed must exceed stated), or
        'revision' (an earlier vintage against a later one: 'revised' when outside tolerance)."""
        diff = recomputed - stated
        rel = abs(diff) / abs(stated) * 100 if stated else math.inf
        if rule == "greater":
            verdict = "consistent" if recomputed > stated else "inconsistent"
        elif rule == "revision":
            verdict = "consistent" if rel <= tolerance_pct else "revised"
        else:
            verdict = "consistent" if rel <= tolerance_pct else "inconsistent"
        checks.append(dict(check_id=cid, description=description, stated_id=stated_id, stated=round(stated, 4),
                           recomputed=round(recomputed, 4), formula=formula, rule=rule, difference=round(diff, 4),
                           rel_difference_pct=round(rel, 2), tolerance_pct=tolerance_pct,
                           verdict=verdict, comment=comment))

    check("growth_ratio_6_7x", "Intelligent-compute growth is 6.7x general-compute growth (2023)",
          "art_growth_ratio_2023", g("art_growth_ratio_2023"), iv["imp_growth_ratio_2023"],
          "59.3% / 8.8%")
    check("nvidia_yoy_324", "NVIDIA data-centre revenue grew 324% YoY (FY24 Q3)", "art_nvidia_dc_yoy_fy24q3",
          g("art_nvidia_dc_yoy_fy24q3"), iv["imp_nvidia_yoy_fy24q3"], "14.514 / 3.833 - 1",
          "Neither NVIDIA's figures (+279%) nor the article's own 145.1 and 38 (+282%) give +324%.")
    check("nvidia_revenue_vs_filing", "The article's 145.1亿美元 matches NVIDIA's FY24 Q3 data-centre revenue",
          "art_nvidia_dc_fy24q3", g("art_nvidia_dc_fy24q3"), g("pub_nvidia_fy24q3"), "NVIDIA: 14.514 USD bn")
    check("nvidia_prior_vs_filing", "The article's 38亿美元 matches NVIDIA's FY23 Q3 data-centre revenue",
          "art_nvidia_dc_fy23q3", g("art_nvidia_dc_fy23q3"), g("pub_nvidia_fy23q3"), "NVIDIA: 3.833 USD bn",
          "The article rounds 3.833 to 38亿.")
    check("nvidia_beat", "Revenue (145.1亿美元) was above the market expectation (127亿美元)",
          "art_nvidia_expectation_fy24q3", g("art_nvidia_expectation_fy24q3"), g("art_nvidia_dc_fy24q3"),
          "actual revenue; the claim holds if it exceeds the expectation",
          f"Beat by {iv['imp_nvidia_beat_fy24q3']:.1f}%.", rule="greater")
    check("ai_server_cagr_2027", "21.8% CAGR from the implied 2022 base reaches the report's 13.4 bn in 2027",
          "pub_server_2027_e2324", g("pub_server_2027_e2324"), iv["imp_ai_server_2027"], "(91/1.825)/10 x 1.218^5")
    check("ai_server_2022_base", "The source table's derived 2022 AI server value (5.0) equals 9.1/1.825",
          "pub_server_2022_e2324", g("pub_server_2022_e2324"), iv["imp_ai_server_2022"], "9.1 / 1.825")
    h1_pace = (g("art_ai_server_h1_2023") + (iv["imp_ai_server_2022"] - iv["imp_ai_server_h1_2022"])
               * (1 + g("art_ai_server_h1_2023_yoy") / 100)) / iv["imp_ai_server_2022"] * 100 - 100
    check("ai_server_h1_vs_fy", "Full-year +82.5% against the H1 pace (+55.4%) carried through H2",
          "art_ai_server_2023_yoy", g("art_ai_server_2023_yoy"), h1_pace,
          "(H1 2023 + H2 2022 x 1.554) / 2022 - 1",
          f"Implied H2 2023 growth {iv['imp_ai_server_h2_2023_yoy']:.1f}% (H2 {iv['imp_ai_server_h2_2023']:.2f} bn): "
          "arithmetically possible, but it means a sharp second-half acceleration.")
    check("intelligent_2023_from_2022", "414.1 EFLOPS = 2022 actual 259.9 x 1.593", "art_intelligent_compute_2023",
          g("art_intelligent_compute_2023"), g("pub_ic_2022_e2324") * (1 + g("art_intelligent_compute_yoy_2023") / 100),
          "259.9 x 1.593")
    check("general_2023_from_2022", "59.3 EFLOPS = 2022 actual 54.5 x 1.088", "art_general_compute_2023",
          g("art_general_compute_2023"), g("pub_gc_2022_e2324") * (1 + g("art_general_compute_yoy_2023") / 100),
          "54.5 x 1.088")
    check("intelligent_cagr_2027", "33.9% CAGR from 259.9 (2022) to 1117.4 (2027)", "pub_ic_cagr_e2324",
          g("pub_ic_cagr_e2324"), iv["imp_ic_cagr_2022_2027"], "(1117.4/259.9)^(1/5) - 1")
    check("general_cagr_2027", "16.6% CAGR from 54.5 (2022) to 117.3 (2027)", "pub_gc_cagr_e2324",
          g("pub_gc_cagr_e2324"), iv["imp_gc_cagr_2022_2027"], "(117.3/54.5)^(1/5) - 1")
    check("intelligent_cagr_2026_e2223", "2022-23 ed: 52.3% CAGR from 155.2 (2021) to 1271.4 (2026)",
          "pub_ic_cagr_e2223", g("pub_ic_cagr_e2223"), iv["imp_ic_cagr_2021_2026_e2223"], "(1271.4/155.2)^(1/5) - 1")
    check("global_server_cagr", "Global AI server 17.3% CAGR against 19.5 (2022) and 34.7 (2026)",
          "pub_global_server_cagr_e2324", g("pub_global_server_cagr_e2324"), iv["imp_global_server_cagr_2022_2026"],
          "(34.7/19.5)^(1/4) - 1",
          f"It fits 2021-2026 from the 15.6 base instead ({iv['imp_global_server_cagr_2021_2026']:.1f}%).")
    check("ai_market_cagr_2024", "China AI market 30.4% CAGR against 6.27 (2020) and 17.22 (2024)",
          "pub_aimarket_cagr_e2021", g("pub_aimarket_cagr_e2021"), iv["imp_ai_market_cagr_2020_2024"],
          "(17.22/6.27)^(1/4) - 1")
    check("global_ai_cagr_2025", "Global AI spending 24.5% 'five-year' CAGR against >85 (2021) and 204.5 (2025)",
          "pub_global_ai_cagr_e2122", g("pub_global_ai_cagr_e2122"), iv["imp_global_ai_cagr_2021_2025"],
          "(204.5/85)^(1/4) - 1", "Fits four years from the 2021 level, not five; 85 is a lower bound.")
    check("genai_share_path", "GenAI share rises from 11.9% (2023) to 31.7% (2026) and stays a share",
          "art_genai_share_2026", g("art_genai_share_2026"),
          min(100.0, g("art_genai_share_2023") * (1 + iv["imp_genai_share_growth_2023_2026"] / 100) ** 3),
          "11.9 x (1 + implied share growth)^3, capped at 100",
          f"Implied share growth {iv['imp_genai_share_growth_2023_2026']:.1f}% a year; monotone and below 100%.")
    check("accel_supply_sum", "NVIDIA's ~90% and domestic ~10% of accelerated compute add to 100%",
          "art_accel_nvidia", 100.0, g("art_accel_nvidia") + g("art_accel_domestic"), "90 + 10")
    check("headline_share", "The headline's 七成 (70%) against the body's 67%", "art_headline_share",
          g("art_headline_share"), g("art_genai_exploring"), "survey share in the body",
          "The headline rounds 67% up to seven in ten.")
    check("revision_ic_2022", "Revision: 2022-23 ed's 2022 estimate (268.0) against the 2023-24 ed's actual (259.9)",
          "pub_ic_2022_e2223", g("pub_ic_2022_e2223"), g("pub_ic_2022_e2324"), "later edition's actual",
          "Revised down by 3.0%: an estimate revised, not an error.", rule="revision")
    check("revision_ai_server_2021_2022", "Vintages: the 2023-24 ed's implied 2022 (4.99) should exceed the 2022-23 ed's 2021 actual (5.92) in a growing market",
          "pub_server_2021_e2223", g("pub_server_2021_e2223"), iv["imp_ai_server_2022"],
          "implied 2022 base; the claim holds if it exceeds the 2021 value", rule="greater", comment=
          "The later edition implies a smaller 2022 market than the earlier edition's 2021: a definition change or a restatement.")
    out = pd.DataFrame(checks)
    return out


def series(fig: pd.DataFrame, imp: pd.DataFrame) -> pd.DataFrame:
    """Annual levels of every indicator, from every vintage (the forecasts' input)."""
    f = fig[(fig["measure"] == "level") & (fig["period_type"] == "year")]
    s = f[["indicator", "geography", "year", "value_clean", "unit_clean", "kind", "vintage", "vintage_order", "id"]]
    s = s.rename(columns={"value_clean": "value", "unit_clean": "unit"})
    i = imp[(imp["measure"] == "level") & imp["period"].str.fullmatch(r"\d{4}")].copy()
    i["year"] = i["period"].astype(int)
    order = fig.drop_duplicates("vintage").set_index("vintage")["vintage_order"]
    i["vintage_order"] = i["vintage"].map(order)
    i["kind"] = "derived"
    s = pd.concat([s, i[s.columns]], ignore_index=True)
    s["source_table"] = np.where(s["id"].str.startswith("imp_"), "implied", np.where(s["id"].str.startswith("art_"), "article", "published"))
    return s.sort_values(["indicator", "year", "vintage_order", "id"]).reset_index(drop=True)
