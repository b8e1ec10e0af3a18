"""What each forecast figure shows, in two or three sentences built from the tables it draws.

Notebook 04 prints these under its figures, for the default outputs and for every named run,
so the interpretation follows the numbers of the run it sits in and cannot drift from them
(``tests/test_figure_notes.py`` checks the sentences against the tables). A sentence whose
numbers a run does not have (a series or model left out) is left out, never filled with
placeholders.
"""
from __future__ import annotations

import math

import pandas as pd

from analysis.domain import MIN_PAIRS, MODEL_LABELS, SERIES_LABELS, WORLD_BOUND, headline_level

UNITS = {"ai_server_market": "USD bn", "intelligent_compute": "EFLOPS", "general_compute": "EFLOPS"}
NAMES = {"ai_server_market": "the AI-server market", "intelligent_compute": "intelligent compute",
         "general_compute": "general compute"}


def _level(comparison: pd.DataFrame) -> float:
    return headline_level(comparison["level"])


def _n(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.1f}"


def amount(x: float, series: str) -> str:
    """A value with its unit, in one style: 'USD 51.3 bn', '1,155 EFLOPS'."""
    unit = UNITS[series]
    return f"USD {_n(x)} bn" if unit == "USD bn" else f"{_n(x)} {unit}"


def compute_growth_title(forecasts: pd.DataFrame) -> str | None:
    """The compute figure's title, stating its message from the forecasts table: where the report's
    value for its last year lies among the models' medians (intelligent compute, else general)."""
    for series in ("intelligent_compute", "general_compute"):
        f = forecasts[forecasts["series"] == series].drop_duplicates(["model", "year"])
        rep = f[f["model"] == "report_path"]
        if rep.empty:
            continue
        year = int(rep["year"].max())
        medians = f[(f["model"] != "report_path") & (f["year"] == year)]["median"]
        if medians.empty:
            continue
        report = float(rep.loc[rep["year"] == year, "median"].iloc[0])
        below, n = int((medians > report).sum()), len(medians)
        where = ("below every model's median" if below == n else "above every model's median" if below == 0
                 else f"below {below} of {n} models' medians")
        name = NAMES[series][:1].upper() + NAMES[series][1:]
        return (f"{name} in {year}: the report's {amount(report, series)} is {where} "
                f"({_n(medians.min())} to {_n(medians.max())})")
    return None


def _rows(comparison: pd.DataFrame, level: float) -> pd.DataFrame:
    return comparison[comparison["level"] == level]


def _against_report(row: pd.Series) -> str:
    if pd.isna(row["report"]):
        return ""
    if row["report"] < row["lower"]:
        where = "below"
    elif row["report"] > row["upper"]:
        where = "above"
    else:
        where = "inside"
    return f"the report's {_n(row['report'])} lies {where} it"


def series_note(comparison: pd.DataFrame, series: str) -> str:
    """The combination's median and interval for the last year, against the report's path."""
    level = _level(comparison)
    c = _rows(comparison, level)
    row = c[(c["series"] == series) & (c["model"] == "combination")]
    if row.empty:
        row = c[c["series"] == series].head(1)
    if row.empty:
        return ""
    r = row.iloc[0]
    text = (f"For {NAMES[series]} in {int(r['year'])}, {model_name(r)} gives a median of {amount(r['median'], series)}, with {_n(r['lower'])} to {_n(r['upper'])} "
            f"as its {level:.0%} interval")
    versus = _against_report(r)
    return text + (f"; {versus}." if versus else ".")


def model_name(row) -> str:
    """How a model is named in a sentence: a combination of one member is that member
    (``members`` of model_comparison.csv; rule point 2 of analysis/choice.py)."""
    members = str(row.get("members", "") or "") if hasattr(row, "get") else ""
    if row["model"] == "combination" and members and "," not in members:
        return f"the {MODEL_LABELS.get(members, members).lower()} model (the combination's only member)"
    if row["model"] == "combination" and members:
        return f"the combination ({members})"
    return f"the {MODEL_LABELS.get(row['model'], row['model']).lower()}"


def spread_note(comparison: pd.DataFrame, series: str) -> str:
    """How far apart the view that growth persists and the view that it decays end up."""
    c = _rows(comparison, _level(comparison))
    s = c[c["series"] == series].set_index("model")
    if not {"drift", "decay"} <= set(s.index):
        return ""
    d, k = s.at["drift", "median"], s.at["decay", "median"]
    return (f"If growth persists (drift) {NAMES[series]} reaches {amount(d, series)}; if it decays toward its "
            f"long-run rate, {_n(k)}: a factor of {max(d, k) / min(d, k):.1f} that two or three data points cannot settle.")


def _too_few(n: int) -> bool:
    return n < MIN_PAIRS


def comparison_note(comparison: pd.DataFrame, summary: pd.DataFrame) -> str:
    """How many model intervals hold the report's path, and what the models' real-time record can say."""
    level = _level(comparison)
    c = _rows(comparison, level).dropna(subset=["report"])
    text = ""
    if len(c):
        inside = int(((c["report"] >= c["lower"]) & (c["report"] <= c["upper"])).sum())
        text = (f"{inside} of {len(c)} model forecasts hold the report's path inside their {level:.0%} interval "
                f"in {int(c['year'].max())}.")
    models = summary[(summary["forecaster_type"] == "model") & (summary["forecaster"] != "all")
                     & (summary["horizon"] == "all")]
    if len(models):
        n = int(models["n"].max())
        ranked = models[models["enough"].astype(bool)]
        if ranked.empty:  # fewer than MIN_PAIRS pairs, or against fewer than MIN_PAIRS distinct outcomes
            text += (f" Each model has at most {n} comparable real-time pair{'s' if n != 1 else ''}"
                     + (f", against fewer than {MIN_PAIRS} distinct outcomes" if not _too_few(n) else "")
                     + ": too few to rank the models or to judge their intervals.")
        else:
            best = ranked.sort_values("mae_log").iloc[0]
            text += (f" Over their real-time records (n = {int(best['n'])} for the lowest), the "
                     f"{MODEL_LABELS.get(best['forecaster'], best['forecaster']).lower()} has the lowest mean absolute "
                     f"log error, {best['mae_log']:.3f}.")
    return text.strip()


def record_note(evaluation: pd.DataFrame, summary: pd.DataFrame) -> str:
    """What the real-time record holds, and what it supports."""
    if evaluation.empty:
        return "No forecast has an outcome published after it yet."
    same = evaluation[evaluation["same_definition"]]
    vint = same[same["forecaster_type"] == "vintage"]
    text = (f"{len(same)} of the {len(evaluation)} forecast-outcome pairs {'is' if len(same) == 1 else 'are'} "
            f"comparable; {len(vint)} of them {'is' if len(vint) == 1 else 'are'} the editions' and releases' own figures")
    if len(vint):
        text += (f", which missed the next figure published by {vint['error_pct'].min():+.1f}% to "
                 f"{vint['error_pct'].max():+.1f}% (horizons {int(vint['horizon'].min())} to {int(vint['horizon'].max())})")
    text += "."
    pooled = summary[(summary["forecaster_type"] == "vintage") & (summary["forecaster"] == "all")
                     & (summary["horizon"] != "all")]
    judged = pooled[pooled["enough"]]
    if judged.empty:
        text += (f" No horizon holds {MIN_PAIRS} or more of the vintages' comparable pairs, so the record supports no "
                 "claim of bias: too few to tell.")
    else:
        text += " Taken together, the vintages' own figures were " + "; ".join(
            f"{_direction(r['bias_log'])} the next figure by {abs(math.expm1(r['bias_log'])):.0%} on average "
            f"at horizon {r['horizon']} (n = {int(r['n'])})" for _, r in judged.iterrows()) + "."
        few = pooled[~pooled["enough"]]
        if len(few):
            events = vint.groupby(vint["horizon"].astype(int).astype(str))["outcome_id"].nunique()
            counts = [int(events.get(h, 0)) for h in few["horizon"]]
            text += (f" At horizon{'s' if len(few) > 1 else ''} {', '.join(few['horizon'])} "
                     f"({', '.join(str(int(n)) for n in few['n'])} pair{'s' if few['n'].sum() != 1 else ''}, against "
                     f"{', '.join(map(str, counts))} distinct outcome{'s' if sum(counts) != 1 else ''}) "
                     f"there are too few to tell (it takes {MIN_PAIRS} of each).")
    singles = summary[(summary["forecaster"] != "all") & (summary["horizon"] == "all")]
    if len(singles) and not singles["enough"].any():
        text += (f" No single edition, release or model has {MIN_PAIRS} comparable pairs: none can be ranked "
                 "against another.")
    return text


def _direction(bias: float) -> str:
    return "below" if bias < 0 else "above"


def notes(comparison: pd.DataFrame, evaluation: pd.DataFrame, summary: pd.DataFrame) -> dict[str, list[str]]:
    """The sentences for each forecast figure, keyed by the figure's name."""
    present = [s for s in SERIES_LABELS if s in set(comparison["series"])]
    out = {
        "compute_growth": [series_note(comparison, s) for s in ("intelligent_compute", "general_compute") if s in present],
        "ai_server_market": ([series_note(comparison, "ai_server_market"), spread_note(comparison, "ai_server_market")]
                             if "ai_server_market" in present else []),
        "model_comparison": [comparison_note(comparison, summary)],
        "track_record": [record_note(evaluation, summary)],
    }
    return {k: [s for s in v if s] for k, v in out.items()}


def markdown(sentences: list[str]):
    """The sentences as a Markdown paragraph for a notebook cell's output."""
    from IPython.display import Markdown

    return Markdown(" ".join(sentences))


#: Models named in running text.
SHORT = {"drift": "drift", "decay": "decay", "nowcast": "the nowcast", "loglinear": "the log-linear trend",
         "ets": "the damped trend", "combination": "the combination", "scenario": "the scenario"}


def world_note(comparison: pd.DataFrame, plausibility: pd.DataFrame, forecasts: pd.DataFrame) -> str:
    """The AI-server headline beside the whole world's market, triangulated (analysis/world.py):
    the headline's share of it, the mass of its distribution beyond it, and every model whose median
    passes the bound's band, named (never quoted without that caveat)."""
    c = _rows(comparison, _level(comparison))
    row = c[(c["series"] == "ai_server_market") & (c["model"] == "combination")]
    w = plausibility[(plausibility["series"] == "ai_server_market") & (plausibility["bound_kind"] == WORLD_BOUND)]
    if row.empty or w.empty:
        return ""
    r = row.iloc[0]
    year = int(r["year"])
    world = w[(w["year"] == year) & (w["model"] == "combination")]
    if world.empty:
        return ""
    b = world.iloc[0]
    text = (f"That median is {r['median'] / b['bound']:.0%} of the whole world's AI-server market in {year}, "
            f"triangulated from IDC's world figures, NVIDIA's data-centre revenue and China's share "
            f"({amount(b['bound'], 'ai_server_market')}, {amount(b['bound_low'], 'ai_server_market')} "
            f"to {amount(b['bound_high'], 'ai_server_market')} at 80%; never below what NVIDIA alone sold)")
    if b["mass_beyond"] == b["mass_beyond"]:
        text += f", and {b['mass_beyond']:.0%} of its distribution lies beyond it"
    over = w[(w["year"] == year) & w["implausible"] & (w["model"] != "combination")]
    f = forecasts[(forecasts["series"] == "ai_server_market") & (forecasts["year"] == year)].drop_duplicates("model")
    medians = f.set_index("model")["median"]
    if len(over):
        names = [f"{SHORT.get(m, m)} ({amount(medians[m], 'ai_server_market')}, "
                 f"{medians[m] / b['bound']:.1f} times the world)" for m in sorted(over["model"]) if m in medians.index]
        text += ("; the medians of " + ", ".join(names) + " pass the bound's band, so they are implausible and "
                 "warned about")
    return text + "."


def world_triangulation_note(table: pd.DataFrame) -> str:
    """What the triangulation figure shows, every number from world_triangulation.csv: the last
    year NVIDIA informs, its floor against IDC's figure, the triangulated world and China's share."""
    t = table.dropna(subset=["nvidia_estimate"])
    if t.empty:
        return "The information set holds no NVIDIA quarter inside a year: the world path is IDC's own."
    r = t.sort_values("year").iloc[-1]
    y = int(r["year"])
    text = (f"In {y} NVIDIA had already reported USD {r['nvidia_known']:.1f} bn of data-centre revenue in "
            f"{int(r['nvidia_quarters'])} whole quarters")
    if r["idc_world"] == r["idc_world"]:
        rel = "above" if r["nvidia_known"] > r["idc_world"] else "below"
        text += f", {rel} IDC's whole-world figure of {r['idc_world']:.1f} bn"
    text += (f"; the triangulated world is {r['world']:.1f} bn ({r['world_low']:.1f} to {r['world_high']:.1f} at 80%)")
    if r["china"] == r["china"]:
        text += (f", and China's {r['china']:.1f} bn is {r['china_share']:.0%} of it"
                 + (f" ({r['china_share_idc']:.0%} of IDC's)" if r["china_share_idc"] == r["china_share_idc"] else ""))
    if r["nvidia_china_low"] == r["nvidia_china_low"]:
        text += (f"; China's 20-25% of NVIDIA's estimated year is {r['nvidia_china_low']:.1f} to "
                 f"{r['nvidia_china_high']:.1f} bn")
    return text + "."


def readme_forecasts(comparison: pd.DataFrame, plausibility: pd.DataFrame, forecasts: pd.DataFrame,
                     implied_growth: float | None) -> str:
    """The README's forecast bullet, every number from the tables."""
    parts = []
    if implied_growth is not None and not math.isnan(implied_growth):
        parts.append(f"The report's own path implies growth of {implied_growth:.1%} a year from 2023 to 2027 for the "
                     f"AI-server market, after +82.5% in 2023.")
    for s in ("ai_server_market", "intelligent_compute", "general_compute"):
        note = series_note(comparison, s)
        if note:
            parts.append(note)
        if s == "ai_server_market":
            parts.append(world_note(comparison, plausibility, forecasts))
    body = " ".join(p for p in parts if p)
    return f"* **What the forecasts say.** {body}\n"


README_FORECASTS = ("<!-- findings:forecasts: generated by `python -m analysis.figure_notes` from the forecast tables; "
                    "tests/test_outputs.py keeps it equal -->\n", "<!-- /findings:forecasts -->")
README_RECORD = ("<!-- findings:record: generated by `python -m analysis.figure_notes` from evaluation.csv; "
                 "tests/test_outputs.py keeps it equal -->\n", "<!-- /findings:record -->")


def bias_note(bias: pd.DataFrame | None) -> str:
    """The bias test's sentence (bias_test.csv): sign, size with its interval, n, and what the
    models do with it."""
    if bias is None or bias.empty:
        return ""
    r = bias.iloc[0]
    if r["n"] < 2:
        return ""
    text = (f"{int(r['negative'])} of the {int(r['n'])} comparable vintage errors are negative (sign test p = "
            f"{r['sign_test_p']:.2g}): the vintages ran low, by {-r['mean_log']:.1%} on average in log terms "
            f"({r['confidence']:.0%} interval {-r['high']:.1%} to {-r['low']:.1%}, n = {int(r['n'])})")
    per = bias[bias["errors"].str.contains("per year ahead")]
    if len(per) and per.iloc[0]["n"] >= 2:
        p = per.iloc[0]
        used = bool(p["enough"]) and (p["high"] < 0 or p["low"] > 0)
        text += (f", {-p['mean_log']:.1%} per year ahead" + (", which raises the long-run rates of the prior that are "
                 "a forecaster's view" if used else ", too uncertain to adjust the prior"))
    return text + "."


def readme_record(evaluation: pd.DataFrame, summary: pd.DataFrame, bias: pd.DataFrame | None = None) -> str:
    """The README's bullet on the real-time record (between :data:`README_RECORD`'s markers)."""
    extra = bias_note(bias)
    return f"* **The real-time record.** {record_note(evaluation, summary)}" + (f" {extra}" if extra else "") + "\n"


def implied_report_growth(forecasts: pd.DataFrame, series: str = "ai_server_market") -> float | None:
    """The report's path's yearly growth from its last data year to its horizon, read off its path."""
    rep = forecasts[(forecasts["series"] == series) & (forecasts["model"] == "report_path")].sort_values("year")
    if len(rep) < 2:
        return None
    last = rep[rep["year"] == rep["train_end"].iloc[0]] if "train_end" in rep.columns else rep.iloc[[0]]
    if last.empty:
        return None
    y0, v0 = int(last["year"].iloc[0]), float(last["median"].iloc[0])
    y1, v1 = int(rep["year"].iloc[-1]), float(rep["median"].iloc[-1])
    return (v1 / v0) ** (1 / (y1 - y0)) - 1 if y1 > y0 else None


def readme_blocks(read) -> dict[str, str]:
    """Every generated block of the README, by its opening marker (``read(name)``: a processed table)."""
    forecasts = read("forecasts")
    return {README_FORECASTS[0]: readme_forecasts(read("model_comparison"), read("plausibility"), forecasts,
                                                  implied_report_growth(forecasts)),
            README_RECORD[0]: readme_record(read("evaluation"), read("evaluation_summary"), read("bias_test"))}


def _main() -> int:
    from analysis.base import paths  # the one source of paths (a shared leaf)
    from analysis.base.atomic import read_csv

    read = lambda name: read_csv(paths.PROCESSED / f"{name}.csv")  # noqa: E731
    for block in readme_blocks(read).values():
        print(block, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
