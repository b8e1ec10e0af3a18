"""What each forecast figure shows, in two or three sentences built from the tables it draws.

Notebook 04 prints these under its figures, for the default outputs and for every named run,
so the interpretation follows the numbers of the run it sits in and cannot drift from them
(``tests/test_figure_notes.py`` checks the sentences against the tables). A sentence whose
numbers a run does not have (a series or model left out) is left out, never filled with
placeholders.
"""
from __future__ import annotations

import pandas as pd

from analysis.domain import MODEL_LABELS, SERIES_LABELS, headline_level

UNITS = {"ai_server_market": "USD bn", "intelligent_compute": "EFLOPS", "general_compute": "EFLOPS"}
NAMES = {"ai_server_market": "the AI-server market", "intelligent_compute": "intelligent compute",
         "general_compute": "general compute"}


def _level(comparison: pd.DataFrame) -> float:
    return headline_level(comparison["level"])


def _n(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.1f}"


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
    text = (f"For {NAMES[series]} in {int(r['year'])}, the {MODEL_LABELS.get(r['model'], r['model']).lower()} "
            f"gives a median of {_n(r['median'])} {UNITS[series]}, with {_n(r['lower'])} to {_n(r['upper'])} "
            f"as its {level:.0%} interval")
    versus = _against_report(r)
    return text + (f"; {versus}." if versus else ".")


def spread_note(comparison: pd.DataFrame, series: str) -> str:
    """How far apart the view that growth persists and the view that it decays end up."""
    c = _rows(comparison, _level(comparison))
    s = c[c["series"] == series].set_index("model")
    if not {"drift", "decay"} <= set(s.index):
        return ""
    d, k = s.at["drift", "median"], s.at["decay", "median"]
    return (f"If growth persists (drift) {NAMES[series]} reaches {_n(d)} {UNITS[series]}; if it decays toward its "
            f"long-run rate, {_n(k)}: a factor of {max(d, k) / min(d, k):.1f} that two or three data points cannot settle.")


def comparison_note(comparison: pd.DataFrame) -> str:
    """How many model intervals hold the report's path, and what the one backtest can say."""
    level = _level(comparison)
    c = _rows(comparison, level).dropna(subset=["report"])
    if c.empty:
        return ""
    inside = int(((c["report"] >= c["lower"]) & (c["report"] <= c["upper"])).sum())
    text = (f"{inside} of {len(c)} model forecasts hold the report's path inside their {level:.0%} interval "
            f"in {int(c['year'].max())}.")
    scored = c.dropna(subset=["crps_log"])
    if len(scored):
        best = scored.sort_values("crps_log").iloc[0]
        text += (f" In the one real-time backtest ({NAMES[best['series']]}), the lowest CRPS is "
                 f"{MODEL_LABELS.get(best['model'], best['model']).lower()}'s ({best['crps_log']:.3f}); "
                 f"one scored year cannot rank the models.")
    return text


def track_note(track: pd.DataFrame) -> str:
    """The earlier editions' errors: comparable pairs, then the rest."""
    if track.empty:
        return ""
    same = track[track["comparable"]]
    text = ""
    if len(same):
        text = (f"On the same definition, the earlier edition's {len(same)} forecasts missed by "
                f"{same['error_pct'].min():+.1f}% to {same['error_pct'].max():+.1f}% of the later figure.")
    other = track[~track["comparable"]]
    if len(other):
        text += (f" The {len(other)} pairs across a change of definition (AI infrastructure or hardware against AI "
                 f"servers) range from {other['error_pct'].min():+.1f}% to {other['error_pct'].max():+.1f}% and "
                 "measure the change of definition as much as the forecast.")
    return text.strip()


def notes(comparison: pd.DataFrame, track: pd.DataFrame) -> dict[str, list[str]]:
    """The sentences for each forecast figure, keyed by the figure's name."""
    present = [s for s in SERIES_LABELS if s in set(comparison["series"])]
    out = {
        "compute_growth": [series_note(comparison, s) for s in ("intelligent_compute", "general_compute") if s in present],
        "ai_server_market": ([series_note(comparison, "ai_server_market"), spread_note(comparison, "ai_server_market")]
                             if "ai_server_market" in present else []),
        "model_comparison": [comparison_note(comparison)],
        "track_record": [track_note(track)],
    }
    return {k: [s for s in v if s] for k, v in out.items()}


def markdown(sentences: list[str]):
    """The sentences as a Markdown paragraph for a notebook cell's output."""
    from IPython.display import Markdown

    return Markdown(" ".join(sentences))
