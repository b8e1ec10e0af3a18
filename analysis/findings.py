"""What the compendium finds, as sentences built from the processed tables.

The README's "What it finds", the cleaning notebook's closing cell and the index page state
the same findings. They are written here once, with every number read from the audit (and the
implied values), so prose cannot drift from the tables: ``tests/test_findings.py`` asserts that
the README carries exactly these sentences, and the notebook prints them from its own outputs.

``python -m analysis.findings`` prints the Markdown bullets from ``data/processed/``, to paste
into the README after the tables change (the test then says whether it was done).

This module holds the audit's findings (:func:`audit_findings`); the forecasts' findings belong
beside them as a second function, in the README block of their own.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd


def _row(audit: pd.DataFrame, check: str) -> pd.Series:
    a = audit.set_index("check_id")
    if check not in a.index:
        raise KeyError(f"findings: audit check '{check}' not found in the audit table")
    return a.loc[check]


def _num(x: float, digits: int) -> str:
    return f"{x:,.{digits}f}"


def _pct(x: float, digits: int = 1, sign: bool = False) -> str:
    return f"{x:+.{digits}f}%" if sign else f"{x:.{digits}f}%"


def _day(day_of_year: float, year: int = 2023) -> str:
    return (dt.date(year, 1, 1) + dt.timedelta(days=int(round(day_of_year)) - 1)).isoformat()


def counts(audit: pd.DataFrame) -> dict[str, int]:
    """Number of checks per verdict (implications included)."""
    return audit["verdict"].value_counts().to_dict()


def _stated(figures: pd.DataFrame, fid: str) -> str:
    f = figures.set_index("id")
    if fid not in f.index:
        raise KeyError(f"findings: figure id '{fid}' not found in the figures table")
    return str(f.at[fid, "value_text"])


def audit_findings(audit: pd.DataFrame, figures: pd.DataFrame) -> list[str]:
    """The audit's findings, one Markdown bullet (without the leading '* ') per finding."""
    r = lambda c: _row(audit, c)  # noqa: E731
    s = lambda fid: _stated(figures, fid)  # noqa: E731
    n = counts(audit)
    prior, hs = r("nvidia_prior_vs_filing"), r("headline_share")
    tests = len(audit) - n.get("implication", 0)
    ic, ratio, cagr27 = r("intelligent_2023_from_2022"), r("growth_ratio_6_7x"), r("ai_server_cagr_2027")
    base, ic27, ic26 = r("ai_server_2022_base"), r("intelligent_cagr_2027"), r("intelligent_cagr_2026_e2223")
    out = [
        f"**The audit's arithmetic is interval arithmetic.** Each of its {tests} checks reads every input at the "
        f"precision it was stated with ({s('art_nvidia_dc_fy23q3')}亿 means {_num(prior['stated_low'] * 10, 1)}亿 to "
        f"{_num(prior['stated_high'] * 10, 1)}亿; 七成 means {_num(hs['stated_low'], 0)}% to {_num(hs['stated_high'], 0)}%) "
        "and derives its "
        f"tolerance from those intervals: {n.get('consistent', 0)} are consistent, "
        f"{n.get('consistent within rounding', 0)} consistent within rounding, {n.get('inconsistent', 0)} "
        f"inconsistent and {n.get('revised', 0)} revised; {n.get('implication', 0)} more are implications "
        "(derived facts, not tests). A test perturbs each check just beyond its tolerance and sees the verdict change.",
        f"**The report's growth arithmetic holds.** {_num(ic['stated'], 1)} EFLOPS = {ic['formula']} "
        f"({_num(ic['recomputed'], 2)}: consistent within rounding, as the 2022 level published before the cut-off "
        f"is rounded); the {_num(ratio['stated'], 1)}x growth ratio ({_num(ratio['recomputed'], 2)}); the "
        f"{_pct(ic27['stated'])} and {_pct(ic26['stated'])} intelligent-compute CAGRs "
        f"({_pct(ic27['recomputed'], 2)}, {_pct(ic26['recomputed'], 2)}); and the AI-server market's implied 2022 "
        f"base ({base['formula']} = {_num(base['recomputed'], 2)}) reaches the headline USD {_num(cagr27['stated'], 1)} bn "
        f"in 2027 ({_num(cagr27['recomputed'], 2)}).",
    ]
    nv, nva, mkt = r("nvidia_yoy_324"), r("nvidia_yoy_324_article"), r("ai_market_cagr_2024")
    gs, gs18 = r("global_server_cagr"), r("global_server_cagr_idc2023_base")
    out.append(
        f"**Some stated figures do not follow.** The article's NVIDIA {_pct(nv['stated'], 0, True)} is "
        f"{_pct(nv['recomputed'], 0, True)} by NVIDIA's own figures (and at most {_pct(nva['recomputed_high'], 0, True)} "
        f"from the article's own {s('art_nvidia_dc_fy24q3')}亿 and {s('art_nvidia_dc_fy23q3')}亿); the 2020–21 edition's {_pct(mkt['stated'])} China AI-market CAGR "
        f"does not fit its own levels ({_pct(mkt['recomputed'])}); the 2023–24 edition's {_pct(gs['stated'])} global "
        f"AI-server CAGR does not fit the 2022 and 2026 levels printed beside it ({_pct(gs['recomputed'])}), but does "
        f"fit IDC's June-2023 figure for 2022, about USD {s('pub_global_server_2022_idc2023')} bn "
        f"({_pct(gs18['recomputed'], 2)}).")
    td, rec, lo, hi = r("nvidia_trillion_date"), r("nvidia_china_share_record"), \
        r("nvidia_china_share_low"), r("nvidia_china_share_high")
    out.append(
        f"**The article's NVIDIA context needs two corrections.** NVIDIA first traded above USD 1 trn of market value "
        f"on {_day(td['recomputed'])}, not 'at the start of the year' (年初); China's "
        f"{_num(lo['stated'], 0)}–{_num(hi['stated'], 0)}% of its data-centre revenue matches what NVIDIA said "
        f"({lo['verdict']}), but reports before the cut-off describe that share as steady, not as a record "
        f"({rec['verdict']}).")
    h2 = r("ai_server_h2_2023")
    out.append(
        f"**The AI-server market's second half of 2023 must have doubled.** For H1's "
        f"+{s('art_ai_server_h1_2023_yoy')}% to become +{s('art_ai_server_2023_yoy')}% for the "
        f"year, H2 must have grown {_pct(h2['recomputed'], 1, True)} ({_pct(h2['recomputed_low'], 1, True)} to "
        f"{_pct(h2['recomputed_high'], 1, True)} at the stated precision): an implication, not an inconsistency. "
        f"The headline's 七成 ({_num(hs['stated_low'], 0)}–{_num(hs['stated_high'], 0)}%) covers the body's "
        f"{_num(hs['recomputed'], 0)}%.")
    sp, rv = r("revision_ai_server_2021_2022"), r("revision_ic_2022")
    out.append(
        f"**The editions cannot be spliced.** The 2022–23 edition's 2021 AI-server market ({_num(sp['stated'], 2)}) "
        f"is *above* the 2022 market the 2023–24 edition implies ({_num(sp['recomputed'], 2)}); the 2022 "
        f"intelligent-compute estimate was revised from {_num(rv['stated'], 1)} to {_num(rv['recomputed'], 0)} EFLOPS "
        f"({_pct((rv['recomputed'] / rv['stated'] - 1) * 100, 1, True)}).")
    return out


def markdown(bullets: list[str]) -> str:
    return "\n".join(f"* {b}" for b in bullets) + "\n"


def _main() -> int:
    from analysis.build import paths  # the one source of paths (allowed: tests/test_layers.py)

    audit = pd.read_csv(paths.PROCESSED / "audit.csv")
    figures = pd.read_csv(paths.PROCESSED / "figures.csv", dtype={"value_text": str})
    print(markdown(audit_findings(audit, figures)), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
