"""Cleaning: turn the validated raw tables into tidy, unit-consistent tables, give every stated
figure the interval its digits and qualifier allow, and derive implied values with their formulas.

Three rules hold throughout:

* **Units are explicit.** 亿美元 (100 million USD) becomes USD bn, 亿 parameters becomes bn
  parameters, and every percentage stays in percent (shares, YoY growth and CAGRs alike), with
  a ``measure`` column saying which. FP16 "intelligent" and FP64 "general" EFLOPS keep
  different units: they count different operations at different precisions, so adding them
  (or comparing their levels) would be meaningless.
* **A stated figure is an interval.** 38亿 means 37.5亿 to 38.5亿; 七成 ("about seven in ten")
  means 65% to 75%; 超过 ("more than") 85 is a lower bound. :func:`stated_interval` applies
  the convention written down in ``data/raw/README.md``; :func:`propagate` carries intervals
  through a formula. The audit (:mod:`analysis.audit`) compares intervals, not points.
* **Derived values carry their formula, and their metadata come from their inputs**
  (``implied`` table): indicator, geography, period and vintage are read off the figures a
  value is computed from, never typed in, so a reader can redo each one.
"""
from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

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


def stated_interval(text: str, qualifier: str) -> tuple[float, float]:
    """The interval a figure stated as ``text`` with ``qualifier`` allows (in the stated unit).

    ``=``: half a unit of the last digit given (38 -> 37.5..38.5; 3.750 -> 3.7495..3.7505).
    ``~`` (约, 近, 几乎, 成, 级): half a unit of the last non-zero digit (七成 = 70 -> 65..75;
    近50 -> 45..55; 约183 -> 182.5..183.5). ``>``/``>=`` (超过, 以上, 上千): from the value up,
    unbounded. ``<``/``<=``: from 0 up to the value.
    """
    d = Decimal(text)
    v = float(d)
    if qualifier in (">", ">="):
        return v, math.inf
    if qualifier in ("<", "<="):
        return 0.0, v
    # '=': the last digit written; '~': the last non-zero digit (normalize() drops trailing zeros).
    exp = (d.normalize() if qualifier == "~" else d).as_tuple().exponent
    half = 0.5 * 10.0 ** int(exp)
    return v - half, v + half


def figures(raw: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """All numeric figures (article + published) with clean units, parsed periods and intervals.

    ``raw`` is an information set (:func:`analysis.infoset.as_of`): each row carries the date it
    became public (``known_from``) and the rule that set it, which the figures keep. Raw tables
    as loaded are dated here first (every row, no date filter)."""
    if "known_from" not in raw["published_figures"].columns:
        from analysis import infoset

        raw = infoset.annotate(raw)
    order = raw["vintages"].set_index("vintage")["order"]
    parts = []
    for table in ("article_figures", "published_figures"):
        f = raw[table].reset_index(drop=True).copy()
        f.insert(1, "table", table)
        parts.append(f)
    f = pd.concat(parts, ignore_index=True)
    f["value"] = f["value"].astype(float)
    conv = f["unit"].map(UNITS)
    factor = conv.map(lambda c: c[1])
    f["unit_clean"] = conv.map(lambda c: c[0])
    f["value_clean"] = (f["value"] * factor).round(6)
    bounds = [stated_interval(x, q) for x, q in zip(f["value_text"], f["qualifier"])]
    f["value_low"] = (pd.Series([b[0] for b in bounds]) * factor).round(6)
    f["value_high"] = (pd.Series([b[1] for b in bounds]) * factor).round(6)
    f["measure"] = conv.map(lambda c: c[2])
    periods = pd.DataFrame([_period(p) for p in f["period"]])
    f = pd.concat([f, periods], axis=1)
    f["vintage_order"] = f["vintage"].map(order).astype(int)
    cols = ["id", "table", "indicator", "geography", "period", "period_type", "year", "year_end",
            "qualifier", "value", "value_text", "unit", "value_clean", "value_low", "value_high", "unit_clean", "measure",
            "kind", "vintage", "vintage_order", "source", "location", "published", "known_from", "date_rule", "note"]
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


def propagate(fn: Callable[..., float], intervals: list[tuple[float, float]]) -> tuple[float, float]:
    """The range of ``fn`` over a box of input intervals, from its corners.

    Every formula used here is monotone in each input over the ranges that occur (levels,
    growth rates above -100%), so its extremes lie at corners of the box.
    """
    out = []
    with np.errstate(all="ignore"):
        for corner in itertools.product(*intervals):
            try:
                out.append(float(fn(*corner)))
            except (ZeroDivisionError, OverflowError, ValueError):
                continue
    out = [x for x in out if not math.isnan(x)]
    return (min(out), max(out)) if out else (math.nan, math.nan)


@dataclass(frozen=True)
class Derived:
    """One implied value: its inputs (figure ids), how it is computed, and what it is.

    ``op`` says what kind of quantity the formula makes, and so how the period, unit and
    measure follow from the inputs' (see :func:`_meta`). ``like`` names the stated figure a
    value recomputes when its inputs measure different things (a ratio of two growth rates).
    """
    id: str
    op: str
    inputs: tuple[str, ...]
    fn: Callable[..., float]
    formula: str
    note: str = ""
    like: str | None = None


def _shift(period: str, years: int) -> str:
    m = re.fullmatch(r"(\d{4})(.*)", period)
    return f"{int(m[1]) + years}{m[2]}"


#: op -> (period from the input rows, unit, measure); ``rows`` are the inputs' figure rows.
_OPS: dict[str, tuple[Callable, str | None, str]] = {
    "base": (lambda rows: _shift(rows[0]["period"], -1), None, "level"),           # level / (1 + YoY)
    "compound": (lambda rows: str(rows[-1]["year_end"]), None, "level"),            # base x (1 + CAGR)^n
    "discount": (lambda rows: str(rows[-1]["year"]), None, "level"),                # end / (1 + CAGR)^n
    "second_half": (lambda rows: f"{rows[0]['year']} H2", None, "level"),           # year - H1
    "second_half_yoy": (lambda rows: f"{rows[0]['year']} H2", "percent", "yoy_growth"),
    "cagr": (lambda rows: f"{rows[0]['year']}-{rows[-1]['year_end']}", "percent", "cagr"),
    "yoy": (lambda rows: rows[0]["period"], "percent", "yoy_growth"),
    "excess": (lambda rows: rows[0]["period"], "percent", "ratio"),                 # a / b - 1
    "ratio": (lambda rows: rows[0]["period"], "ratio", "ratio"),
}


def _meta(fig: pd.DataFrame, d: Derived) -> dict:
    """Indicator, geography, period, unit, measure and vintage of a derived value, from its inputs."""
    f = fig.set_index("id")
    missing = [i for i in d.inputs + ((d.like,) if d.like else ()) if i not in f.index]
    if missing:
        raise KeyError(f"implied value '{d.id}': input '{missing[0]}' not found in the raw tables")
    rows = [f.loc[i] for i in d.inputs]
    ref = [f.loc[d.like]] if d.like else rows
    indicators = {r["indicator"] for r in ref}
    geographies = {r["geography"] for r in ref}
    if len(indicators) != 1 or len(geographies) != 1:
        raise ValueError(f"implied value '{d.id}': inputs measure {sorted(indicators)} in {sorted(geographies)}; "
                         "name the stated figure it recomputes with like=")
    period_of, unit, measure = _OPS[d.op]
    levels = [r for r in rows if r["measure"] == "level"]
    vintages = sorted({(int(r["vintage_order"]), r["vintage"]) for r in rows})
    return dict(indicator=indicators.pop(), geography=geographies.pop(), period=period_of(rows),
                unit=unit or levels[0]["unit_clean"], measure=measure,
                vintage=" + ".join(v for _, v in vintages), known_from=max(r["known_from"] for r in rows))


def _g(x: float) -> float:
    return 1 + x / 100


#: Every implied value. Inputs are raw figure ids only, so each value's interval follows from
#: the stated precision of the figures it is computed from.
DERIVED: tuple[Derived, ...] = (
    Derived("imp_ai_server_2022", "base", ("art_ai_server_2023", "art_ai_server_2023_yoy"),
            lambda a, y: a / _g(y), "2023 value / (1 + 2023 YoY)",
            "The 2022 base implied by the article's 2023 estimate and growth rate."),
    Derived("imp_ai_server_h1_2022", "base", ("art_ai_server_h1_2023", "art_ai_server_h1_2023_yoy"),
            lambda h, y: h / _g(y), "H1 2023 value / (1 + H1 YoY)"),
    Derived("imp_ai_server_h2_2023", "second_half", ("art_ai_server_2023", "art_ai_server_h1_2023"),
            lambda a, h: a - h, "2023 value - H1 2023 value"),
    Derived("imp_ai_server_h2_2023_yoy", "second_half_yoy",
            ("art_ai_server_2023", "art_ai_server_h1_2023", "art_ai_server_2023_yoy", "art_ai_server_h1_2023_yoy"),
            lambda a, h, y, hy: ((a - h) / (a / _g(y) - h / _g(hy)) - 1) * 100,
            "(2023 - H1 2023) / (2022 - H1 2022) - 1",
            "The second-half growth that the H1 and full-year figures together require."),
    Derived("imp_ai_server_2027", "compound", ("art_ai_server_2023", "art_ai_server_2023_yoy", "art_ai_server_cagr"),
            lambda a, y, c: a / _g(y) * _g(c) ** 5, "implied 2022 base x (1 + CAGR)^5"),
    Derived("imp_general_compute_2022", "base", ("art_general_compute_2023", "art_general_compute_yoy_2023"),
            lambda a, y: a / _g(y), "2023 value / (1 + 2023 YoY)",
            "No page published by the cut-off gives the 2022 level; the article's figures imply it."),
    Derived("imp_intelligent_compute_2022", "base", ("art_intelligent_compute_2023", "art_intelligent_compute_yoy_2023"),
            lambda a, y: a / _g(y), "2023 value / (1 + 2023 YoY)"),
    Derived("imp_general_compute_2027", "compound",
            ("art_general_compute_2023", "art_general_compute_yoy_2023", "pub_gc_cagr_e2324"),
            lambda a, y, c: a / _g(y) * _g(c) ** 5, "implied 2022 base x (1 + CAGR)^5",
            "The 2027 level the 16.6% CAGR implies from the implied 2022 base; no page published by the "
            "cut-off gives it in EFLOPS."),
    Derived("imp_ic_cagr_2022_2027", "cagr", ("pub_ic_2022_e2324", "pub_ic_2027_e2324"),
            lambda a, b: cagr(a, b, 5), "(2027 / 2022)^(1/5) - 1"),
    Derived("imp_ic_cagr_2021_2026_e2223", "cagr", ("pub_ic_2021_e2223", "pub_ic_2026_e2223"),
            lambda a, b: cagr(a, b, 5), "(2026 / 2021)^(1/5) - 1"),
    Derived("imp_ai_server_cagr_2021_2026_e2223", "cagr", ("pub_server_2021_e2223", "pub_server_2026_e2223"),
            lambda a, b: cagr(a, b, 5), "(2026 / 2021)^(1/5) - 1"),
    Derived("imp_global_server_cagr_2022_2026", "cagr", ("pub_global_server_2022_e2324", "pub_global_server_2026_e2324"),
            lambda a, b: cagr(a, b, 4), "(2026 / 2022)^(1/4) - 1"),
    Derived("imp_global_server_cagr_2022_2026_idc2023", "cagr",
            ("pub_global_server_2022_idc2023", "pub_global_server_2026_e2324"),
            lambda a, b: cagr(a, b, 4), "(2026 / IDC's June-2023 2022 figure)^(1/4) - 1"),
    Derived("imp_ai_market_cagr_2020_2024", "cagr", ("pub_aimarket_2020_e2021", "pub_aimarket_2024_e2021"),
            lambda a, b: cagr(a, b, 4), "(2024 / 2020)^(1/4) - 1"),
    Derived("imp_global_ai_2021_e2122", "discount", ("pub_global_ai_2025_e2122", "pub_global_ai_cagr_e2122"),
            lambda b, c: b / _g(c) ** 4, "2025 value / (1 + 2021-2025 CAGR)^4",
            "The 2021 base the CAGR implies over the window IDC's own release gives (2021-2025); the edition "
            "prints only 'more than 85' for 2021."),
    Derived("imp_genai_share_growth_2023_2026", "cagr", ("art_genai_share_2023", "art_genai_share_2026"),
            lambda a, b: cagr(a, b, 3), "(2026 share / 2023 share)^(1/3) - 1"),
    Derived("imp_nvidia_yoy_fy24q3", "yoy", ("pub_nvidia_fy24q3", "pub_nvidia_fy23q3"),
            lambda a, b: (a / b - 1) * 100, "FY24 Q3 / FY23 Q3 - 1 (NVIDIA's own figures)"),
    Derived("imp_nvidia_yoy_fy24q3_article", "yoy", ("art_nvidia_dc_fy24q3", "art_nvidia_dc_fy23q3"),
            lambda a, b: (a / b - 1) * 100, "145.1 / 38 - 1 (the article's own figures)"),
    Derived("imp_nvidia_beat_fy24q3", "excess", ("art_nvidia_dc_fy24q3", "art_nvidia_expectation_fy24q3"),
            lambda a, b: (a / b - 1) * 100, "actual / expectation - 1", like="art_nvidia_dc_fy24q3"),
    Derived("imp_growth_ratio_2023", "ratio", ("art_intelligent_compute_yoy_2023", "art_general_compute_yoy_2023"),
            lambda a, b: a / b, "intelligent YoY / general YoY", like="art_growth_ratio_2023"),
)


def interval_of(fig: pd.DataFrame, ids: tuple[str, ...]) -> list[tuple[float, float]]:
    f = fig.set_index("id")
    return [(float(f.at[i, "value_low"]), float(f.at[i, "value_high"])) for i in ids]


def possible(fig: pd.DataFrame, derived: tuple[Derived, ...] = DERIVED) -> tuple[Derived, ...]:
    """The implied values whose inputs are all in ``fig`` (an information set may not hold them yet)."""
    ids = set(fig["id"])
    return tuple(d for d in derived if set(d.inputs) <= ids and (d.like is None or d.like in ids))


def implied(fig: pd.DataFrame, derived: tuple[Derived, ...] = DERIVED) -> pd.DataFrame:
    """Values implied by stated figures, each with its formula, inputs and interval. An implied
    value is public from the day its last input was (``known_from``)."""
    rows = []
    for d in derived:
        meta = _meta(fig, d)
        value = d.fn(*[_get(fig, i) for i in d.inputs])
        low, high = propagate(d.fn, interval_of(fig, d.inputs))
        rows.append(dict(id=d.id, **meta, value=round(value, 6), value_low=round(low, 6), value_high=round(high, 6),
                         kind="derived", formula=d.formula, inputs=" ".join(d.inputs), note=d.note))
    cols = ["id", "indicator", "geography", "period", "value", "value_low", "value_high", "unit", "measure",
            "kind", "vintage", "formula", "inputs", "known_from", "note"]
    return pd.DataFrame(rows, columns=cols)


def series(fig: pd.DataFrame, imp: pd.DataFrame) -> pd.DataFrame:
    """Annual levels of every indicator, from every vintage (the forecasts' input). A level
    derived here is ``derived`` (data), or ``forecast`` when any of its inputs is a forecast."""
    f = fig[(fig["measure"] == "level") & (fig["period_type"] == "year")]
    s = f[["indicator", "geography", "year", "value_clean", "unit_clean", "qualifier", "kind", "vintage",
           "vintage_order", "id", "known_from"]]
    s = s.rename(columns={"value_clean": "value", "unit_clean": "unit"})
    i = imp[(imp["measure"] == "level") & imp["period"].str.fullmatch(r"\d{4}")].copy()
    i["year"] = i["period"].astype(int)
    order = fig.drop_duplicates("vintage").set_index("vintage")["vintage_order"]
    i["vintage_order"] = i["vintage"].map(order)
    # a value derived from a forecast (a level compounded at a forecast CAGR) is a forecast itself
    kinds = fig.set_index("id")["kind"]
    from_forecast = i["inputs"].map(lambda ids: any(kinds.get(x) == "forecast" for x in ids.split()))
    i["kind"] = np.where(from_forecast, "forecast", "derived")
    i["qualifier"] = "="
    s = pd.concat([s, i[s.columns]], ignore_index=True)
    s["source_table"] = np.where(s["id"].str.startswith("imp_"), "implied", np.where(s["id"].str.startswith("art_"), "article", "published"))
    return s.sort_values(["indicator", "year", "vintage_order", "id"]).reset_index(drop=True)
