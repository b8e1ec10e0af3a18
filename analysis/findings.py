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

from analysis.audit import REPORT, WHOSE


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
    """Number of rows per verdict (implications included). Tallies for readers count claims:
    :func:`claim_verdicts`."""
    return audit["verdict"].value_counts().to_dict()


def _stated(figures: pd.DataFrame, fid: str) -> str:
    f = figures.set_index("id")
    if fid not in f.index:
        raise KeyError(f"findings: figure id '{fid}' not found in the figures table")
    return str(f.at[fid, "value_text"])


#: A claim whose checks disagree (it holds under one reading of the sentence, or against one
#: source, and not another).
DEPENDS = "depends on the reading"
#: The order tallies are given in.
CLAIM_VERDICTS = ("consistent", "consistent within rounding", "inconsistent", "revised", DEPENDS)


def claim_verdicts(audit: pd.DataFrame) -> pd.DataFrame:
    """One row per claim tested (the audit's ``claim`` column; implications are not claims): whose
    claim it is, its checks and its verdict, which is the common verdict of its independent checks
    (a check that repeats another's reading, ``same_reading_as``, is listed but not counted), or
    :data:`DEPENDS` when they disagree. Claims keep the order of their first check."""
    tests = audit[audit["verdict"] != "implication"]
    rows = []
    for claim, g in tests.groupby("claim", sort=False):
        independent = g[g["same_reading_as"].fillna("") == ""] if "same_reading_as" in g.columns else g
        verdicts = list(dict.fromkeys(independent["verdict"]))
        rows.append(dict(claim=claim, whose=g["whose"].iloc[0], checks=" ".join(g["check_id"]), n_checks=len(g),
                         verdict=verdicts[0] if len(verdicts) == 1 else DEPENDS))
    return pd.DataFrame(rows, columns=["claim", "whose", "checks", "n_checks", "verdict"])


def whose_counts(audit: pd.DataFrame) -> pd.DataFrame:
    """The tally by whose claim it is (:data:`analysis.audit.WHOSE`, in that order): one row per
    group, its number of claims and of claims per verdict (:data:`CLAIM_VERDICTS`)."""
    c = claim_verdicts(audit)
    rows = []
    for who in WHOSE:
        g = c[c["whose"] == who]
        rows.append({"whose": who, "claims": len(g), **{v: int((g["verdict"] == v).sum()) for v in CLAIM_VERDICTS}})
    return pd.DataFrame(rows, columns=["whose", "claims", *CLAIM_VERDICTS])


def whose_sentence(audit: pd.DataFrame) -> str:
    """The tally in one sentence, by whose claim it is: 'The 2023–24 report's own figures: 7 claims, 5
    consistent, ...; the article's own figures: ...'."""
    out = []
    for _, r in whose_counts(audit).iterrows():
        n = {v: int(r[v]) for v in CLAIM_VERDICTS if r[v]}
        out.append(f"{r['whose']}: {plural(int(r['claims']), 'claim')}" + (f", {tally(n)}" if n else ""))
    return _sentence(out)


def claim_counts(audit: pd.DataFrame) -> dict[str, int]:
    """Number of claims per verdict, in :data:`CLAIM_VERDICTS` order (verdicts with none left out)."""
    n = claim_verdicts(audit)["verdict"].value_counts()
    return {v: int(n[v]) for v in CLAIM_VERDICTS if v in n.index}


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 claim', '6 claims', '2 implications'."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def tally(counts: dict[str, int], noun: str = "") -> str:
    """'8 consistent, 2 consistent within rounding, 4 inconsistent, 1 revised and 2 depending on the reading'."""
    words = {DEPENDS: "depending on the reading"}
    parts = [f"{n} {words.get(v, v)}" for v, n in counts.items()]
    text = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1] if parts else "none"
    return text + (f" {noun}" if noun else "")


def audit_title(audit: pd.DataFrame) -> str:
    """The audit figure's title: its message, counted in claims."""
    n = claim_counts(audit)
    total = sum(n.values())
    bad, depends = n.get("inconsistent", 0), n.get(DEPENDS, 0)
    title = f"{bad} of the {total} claims audited do not follow from the figures they rest on"
    return title + (f"; {depends} more depend on the reading" if depends else "")


def splices(series: pd.DataFrame) -> pd.DataFrame:
    """For each forecast series (:data:`analysis.domain.FORECAST_SERIES`), the vintages its fit uses
    (:func:`analysis.assembly.assemble`), with their years, in order of year."""
    from analysis import assembly, domain

    rows = []
    for ind in domain.FORECAST_SERIES:
        if not (series["indicator"] == ind).any():
            continue
        used = assembly.assemble(series, ind)
        used = used[used["used"].astype(bool)]
        for vintage, g in used.groupby("vintage", sort=False):
            rows.append(dict(indicator=ind, vintage=vintage, years=" ".join(str(int(y)) for y in g["year"])))
    return pd.DataFrame(rows, columns=["indicator", "vintage", "years"])


def splices_sentence(series: pd.DataFrame) -> str:
    """Which fitted series use more than one vintage's figures (a splice), and across which revision
    (an earlier vintage's figure for a year the later one gives), and which use one vintage's."""
    from analysis import domain

    sp = splices(series)
    one, many = [], []
    for ind, g in sp.groupby("indicator", sort=False):
        label = domain.SERIES_LABELS.get(ind, ind).split(" (")[0]
        label = label if label.startswith("AI") else label[:1].lower() + label[1:]
        if len(g) == 1:
            one.append(label)
            continue
        pieces = [f"{r['years'].replace(' ', ', ')} from the {r['vintage'].replace('-', '–')}ition"
                  for _, r in g.iterrows()]
        later = g["vintage"].iloc[-1]
        s = series[series["indicator"] == ind].assign(derived=lambda d: d["kind"] == "derived")
        s = s.sort_values(["year", "vintage", "derived", "id"]).drop_duplicates(["year", "vintage"])  # stated first
        now = s[s["vintage"] == later].set_index("year")["value"]
        before = s[s["vintage"].isin(g["vintage"].iloc[:-1]) & s["year"].isin(now.index)]
        revised = [f"{_num(float(e['value']), 1)} → {float(now[e['year']]):g} for {int(e['year'])}"
                   for _, e in before.iterrows()]
        many.append(f"{label} is fitted on a splice ({'; '.join(pieces)})"
                    + (f", across the revision of {', '.join(revised)}" if revised else ""))
    text = "; ".join(many)
    if one:
        text += ("; " if text else "") + (f"{' and '.join(one)} {'is' if len(one) == 1 else 'are'} fitted on one "
                                          "edition's figures")
    return text[:1].upper() + text[1:] + "."


def audit_findings(audit: pd.DataFrame, figures: pd.DataFrame, series: pd.DataFrame | None = None) -> list[str]:
    """The audit's findings, one Markdown bullet (without the leading '* ') per finding: the
    results first (claims that do not follow, by whose claim; claims that depend on their reading;
    what holds), how the audit works last. With ``series`` (the series table), the revisions'
    bullet also says which fitted series are spliced across editions (:func:`splices_sentence`)."""
    r = lambda c: _row(audit, c)  # noqa: E731
    s = lambda fid: _stated(figures, fid)  # noqa: E731
    claims = claim_verdicts(audit).set_index("claim")
    verdict_of = lambda check: claims.at[r(check)["claim"], "verdict"]  # noqa: E731
    n = claim_counts(audit)
    total = sum(n.values())
    nv, nva, mkt, mkt19 = (r("nvidia_yoy_324"), r("nvidia_yoy_324_article"), r("ai_market_cagr_2024"),
                           r("ai_market_cagr_2024_from_2019"))
    td, sp = r("nvidia_trillion_date"), r("revision_ai_server_2021_2022")
    # what each claim that can fail says when it does, keyed by one of its checks
    failing = {
        "nvidia_yoy_324": f"the article's NVIDIA {_pct(nv['stated'], 0, True)} is {_pct(nv['recomputed'], 0, True)} by "
                          f"NVIDIA's own figures (and at most {_pct(nva['recomputed_high'], 0, True)} from the article's "
                          f"own {s('art_nvidia_dc_fy24q3')}亿 and {s('art_nvidia_dc_fy23q3')}亿)",
        "nvidia_trillion_date": f"NVIDIA first traded above USD 1 trn of market value on {_day(td['recomputed'])}, not "
                                "'at the start of the year' (年初)",
        "ai_market_cagr_2024": f"the 2020–21 edition's {_pct(mkt['stated'])} China AI-market CAGR fits its own levels "
                               f"under neither window the dated pages give ({_pct(mkt['recomputed'])} over 2020–24, "
                               f"{_pct(mkt19['recomputed'])} over 2019–24)",
        "revision_ai_server_2021_2022": f"the 2022–23 edition's 2021 AI-server market (USD {_num(sp['stated'], 2)} bn) is "
                                        f"*above* the 2022 market the 2023–24 edition implies (USD "
                                        f"{_num(sp['recomputed'], 2)} bn), so the editions cannot be spliced: "
                                        "a definition break, not a failed claim of the report",
    }
    whose = claim_verdicts(audit).set_index("claim")["whose"]
    by_whose: dict[str, list[str]] = {}
    for check, text in failing.items():
        if verdict_of(check) == "inconsistent":
            by_whose.setdefault(whose[r(check)["claim"]], []).append(text)
    w = whose_counts(audit).set_index("whose")
    report_bad = int(w.at[REPORT, "inconsistent"])
    parts = [f"{who[:1].upper() + who[1:]} ({int(w.at[who, 'inconsistent'])} of {int(w.at[who, 'claims'])}): "
             + "; and ".join(texts) for who, texts in by_whose.items()]
    ws = whose_sentence(audit)
    out = [f"**{n.get('inconsistent', 0)} of the {total} claims the audit tests do not follow from the figures they "
           f"rest on, and {'none' if report_bad == 0 else report_bad} of them {'is' if report_bad <= 1 else 'are'} the "
           f"2023–24 report's own ({plural(int(w.at[REPORT, 'claims']), 'claim')}).** " + ". ".join(parts) + ". "
           f"By whose claim it is: {ws[:1].lower() + ws[1:]}"]
    gs, g23, g21 = r("global_server_cagr"), r("global_server_cagr_idc2023_base"), r("global_server_cagr_idc2021_base")
    g21_base_grown = float(s("pub_global_server_2021_idc2023")) * (1 + gs["stated"] / 100)
    share, revenue = r("nvidia_china_share_record"), r("nvidia_china_revenue_record")
    lo, hi = r("nvidia_china_share_low"), r("nvidia_china_share_high")
    q2 = float(s("pub_nvidia_fy24q2"))
    china_q2 = q2 * lo["stated"] / 100
    china_before = float(s("pub_nvidia_fy24q1")) * hi["stated"] / 100
    readings = {
        "ai_market_cagr_2024": f"The 2020–21 edition's {_pct(mkt['stated'])} China AI-market CAGR does not fit its own "
                               f"levels read as 2020–24, Xinhua's 未来4年 ({_pct(mkt['recomputed'])}), but fits them "
                               f"read as 2019–24, the window two other dated pages give (chinamoneynetwork, "
                               f"人民網日本語版): from the 2019 base that USD {s('pub_aimarket_2020_e2021')} bn and "
                               f"+{s('pub_aimarket_yoy_2020_e2021')}% imply, {_pct(mkt19['recomputed'], 2)} "
                               f"({_pct(mkt19['recomputed_low'], 2)} to {_pct(mkt19['recomputed_high'], 2)}).",
        "global_server_cagr": f"The 2023–24 edition's {_pct(gs['stated'])} global AI-server CAGR does not fit the 2022 "
                              f"and 2026 levels printed beside it (USD {s('pub_global_server_2022_e2324')} bn and "
                              f"{s('pub_global_server_2026_e2324')} bn: {_pct(gs['recomputed'])}), but it fits IDC's "
                              f"2021 figure, USD {s('pub_global_server_2021_idc2023')} bn, over five years "
                              f"({_pct(g21['recomputed'], 2)}). IDC's June-2023 'about USD "
                              f"{s('pub_global_server_2022_idc2023')} bn' for 2022, which fits over four years "
                              f"({_pct(g23['recomputed'], 2)}), is no second base: it is the 2021 figure grown by "
                              f"{_pct(gs['stated'])} ({_num(g21_base_grown, 2)}), so it counts with the five-year "
                              "reading, not as a reading of its own.",
        "nvidia_china_share_record": f"The article's 创下历史新高 ('a record high') for China's {_num(lo['stated'], 0)}–"
                                     f"{_num(hi['stated'], 0)}% of NVIDIA's data-centre revenue is {share['verdict']} "
                                     "as a record share (reports before the cut-off describe the share as steady) "
                                     f"but {revenue['verdict']} as a record in revenue: at least USD {_num(china_q2, 2)} bn "
                                     f"in FY24 Q2 ({_num(lo['stated'], 0)}% of USD {s('pub_nvidia_fy24q2')} bn), "
                                     f"{china_q2 / china_before:.1f} times the most any earlier quarter could have had "
                                     f"(USD {_num(china_before, 2)} bn: {_num(hi['stated'], 0)}% of NVIDIA's previous "
                                     f"record, USD {s('pub_nvidia_fy24q1')} bn).",
    }
    depends = [text for check, text in readings.items() if verdict_of(check) == DEPENDS]
    if depends:
        out.append(f"**{plural(len(depends), 'claim')} {'holds' if len(depends) == 1 else 'hold'} under one reading "
                   "and not another.** " + " ".join(depends))
    ic, ratio, cagr27 = r("intelligent_2023_from_2022"), r("growth_ratio_6_7x"), r("ai_server_cagr_2027")
    base, ic27, ic26 = r("ai_server_2022_base"), r("intelligent_cagr_2027"), r("intelligent_cagr_2026_e2223")
    out.append(
        f"**The report's growth arithmetic holds.** {_num(ic['stated'], 1)} EFLOPS = {ic['formula']} "
        f"({_num(ic['recomputed'], 2)}: consistent within rounding, as the 2022 level published before the cut-off "
        f"is rounded); the {_num(ratio['stated'], 1)}x growth ratio ({_num(ratio['recomputed'], 2)}); the "
        f"{_pct(ic27['stated'])} and {_pct(ic26['stated'])} intelligent-compute CAGRs "
        f"({_pct(ic27['recomputed'], 2)}, {_pct(ic26['recomputed'], 2)}); and the AI-server market's implied 2022 "
        f"base ({base['formula']} = USD {_num(base['recomputed'], 2)} bn) reaches the headline USD "
        f"{_num(cagr27['stated'], 1)} bn in 2027 ({_num(cagr27['recomputed'], 2)}).")
    h2, hs = r("ai_server_h2_2023"), r("headline_share")
    out.append(
        f"**The AI-server market's second half of 2023 must have doubled.** For H1's "
        f"+{s('art_ai_server_h1_2023_yoy')}% to become +{s('art_ai_server_2023_yoy')}% for the "
        f"year, H2 must have grown {_pct(h2['recomputed'], 1, True)} ({_pct(h2['recomputed_low'], 1, True)} to "
        f"{_pct(h2['recomputed_high'], 1, True)} at the stated precision): an implication, not an inconsistency. "
        f"The headline's 七成 ({_num(hs['stated_low'], 0)}–{_num(hs['stated_high'], 0)}%) covers the body's "
        f"{_num(hs['recomputed'], 0)}%.")
    rv = r("revision_ic_2022")
    out.append(
        f"**Editions revise each other.** The 2022 intelligent-compute estimate was revised from "
        f"{_num(rv['stated'], 1)} to {_num(rv['recomputed'], 0)} EFLOPS "
        f"({_pct((rv['recomputed'] / rv['stated'] - 1) * 100, 1, True)}) between the 2022–23 and 2023–24 editions."
        + (" " + splices_sentence(series) if series is not None else ""))
    prior = r("nvidia_prior_vs_filing")
    rows = audit[audit["verdict"] != "implication"]
    repeated = claim_verdicts(audit).query("n_checks > 1")
    out.append(
        f"**How the audit works: interval arithmetic, claim by claim.** It makes {len(rows)} checks of {total} claims "
        f"({len(repeated)} claims are checked more than once: against two sources, at both bounds of a range, or "
        f"under each reading). Each check reads every input at the precision it was stated with "
        f"({s('art_nvidia_dc_fy23q3')}亿 means {_num(prior['stated_low'] * 10, 1)}亿 to "
        f"{_num(prior['stated_high'] * 10, 1)}亿; 七成 means {_num(hs['stated_low'], 0)}% to "
        f"{_num(hs['stated_high'], 0)}%) and derives its tolerance from those intervals. By claim: "
        f"{tally(n)}; {plural(counts(audit).get('implication', 0), 'more row is an implication', 'more rows are implications')} "
        "(derived facts, not tests). A test perturbs each check just beyond its tolerance and sees the verdict change.")
    return out


def _sentence(parts: list[str]) -> str:
    """'a; b; and c.' with the first letter raised."""
    if not parts:
        return "None."
    text = "; ".join(parts[:-1]) + ("; and " if len(parts) > 1 else "") + parts[-1] + "."
    return text[:1].upper() + text[1:]


def markdown(bullets: list[str]) -> str:
    return "\n".join(f"* {b}" for b in bullets) + "\n"


def _main() -> int:
    from analysis.base import paths  # the one source of paths (a shared leaf)

    audit = pd.read_csv(paths.PROCESSED / "audit.csv")
    figures = pd.read_csv(paths.PROCESSED / "figures.csv", dtype={"value_text": str})
    series = pd.read_csv(paths.PROCESSED / "series.csv")
    print(markdown(audit_findings(audit, figures, series)), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
