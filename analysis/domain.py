"""Domain constants of the forecasts, in one place: which series, which years are data, and
where the report's own horizon ends.

Every module and notebook that needs "the last data year" or "the report's horizon" reads it
from here, so that a constant is never retyped as a magic number (``max(horizon_end, 2027)``,
``assemble(…, 2000)``). This module imports nothing heavy.
"""
from __future__ import annotations

#: The default date of knowledge (``AS_OF``): the article's publication date, as
#: ``data/raw/article_dates.csv`` gives it (tests/test_infoset.py keeps the two equal). A build
#: as of a date uses only the rows public by then (:mod:`analysis.infoset`).
DEFAULT_AS_OF = "2023-12-07"
#: The newest date that dates a row of ``data/raw`` (a source's ``published`` date, or the release
#: date an undated row takes from ``data/raw/vintages.csv``): the information set of everything now
#: known, which the unblinding step (notebook 06) builds on. The default steps stay as of
#: :data:`DEFAULT_AS_OF`; tests/test_unblinding.py keeps this equal to the raw rows' newest date.
LATEST_AS_OF = "2026-05-20"
#: The earliest ``AS_OF`` a build accepts: the release of the first edition the compendium holds
#: (the 2019-20 edition; ``data/raw/vintages.csv``). Before it there is nothing to build from.
FIRST_EDITION_DATE = "2019-08-28"

#: The series forecast (indicator names of ``data/processed/series.csv``).
FORECAST_SERIES = ("ai_server_market", "intelligent_compute", "general_compute")

#: The first year with a usable point in any forecast series (intelligent compute 2021).
FIRST_DATA_YEAR = 2021
#: The last year with data (the 2023-24 edition's 2023 estimates).
LAST_DATA_YEAR = 2023
#: The last year the report itself forecasts (its 2027 figures). Later years are extrapolation.
REPORT_HORIZON = 2027
#: The longest horizon a user may ask for.
MAX_HORIZON = 2035
#: The edition whose points and forecasts the report's path is drawn through.
REPORT_EDITION = "2023-24 ed"

#: What a reader sees for each model (figures, sentences, tables); the ids stay in the data.
MODEL_LABELS = {"drift": "Random walk with drift", "decay": "Growth decay", "nowcast": "Nowcast, then decay",
                "loglinear": "Log-linear trend", "ets": "Damped trend (ETS)", "combination": "Combination",
                "scenario": "Scenario", "report_path": "The report's path"}
#: What a reader sees for each series, with its unit.
SERIES_LABELS = {
    "ai_server_market": "AI server market (USD bn)",
    "intelligent_compute": "Intelligent compute, FP16 (EFLOPS)",
    "general_compute": "General compute, FP64 (EFLOPS)",
}

#: The plausibility table's bound on China's AI-server market: the whole world's, as the same
#: sources forecast it (written by analysis.coherence; read by the notes, the figures and notebook 03).
WORLD_BOUND = "the world's AI-server market"



#: What a reader is told each registered set is (its manifest in data/registered/, never rewritten,
#: says it in full).
SET_SUMMARIES = {
    "set-1": "the methods of 2026-12-03: members whose median passed the world bound, a path from IDC's own "
             "forecast, left out",
    "set-2": "evidence over consensus: a triangulated world bound weighing every member, long-run rates raised "
             "by the record's bias, a nowcast from the exit rate",
}


def set_label(name: str) -> str:
    """A registered forecast set (data/registered/set-N) as a reader sees it: "set-2" → "Set 2"."""
    head, _, number = name.partition("-")
    return f"Set {number}" if head == "set" and number.isdigit() else name


#: Fewer comparable forecast-outcome pairs, or fewer distinct outcomes, than this carry no ranking,
#: bias or coverage claim: "too few to tell" (the real-time record, its sentences and figures, and
#: the combination rule all read it here).
MIN_PAIRS = 5


def enough(pairs) -> bool:
    """Whether real-time ``pairs`` (rows of ``evaluation.csv``) can carry a claim: at least
    :data:`MIN_PAIRS` pairs, scored against at least :data:`MIN_PAIRS` distinct outcomes (five
    models fitted on one series and scored against one figure are five pairs but one event)."""
    return len(pairs) >= MIN_PAIRS and pairs["outcome_id"].nunique() >= MIN_PAIRS


#: Default prediction-interval levels (a 50/80/95% fan).
DEFAULT_LEVELS = (0.5, 0.8, 0.95)
#: The level a single interval is quoted at (tables, comparisons, sentences) when a run has several.
HEADLINE_LEVEL = 0.8


def headline_level(levels) -> float | None:
    """Of the levels a run has, the one nearest :data:`HEADLINE_LEVEL` (None if it has none)."""
    present = sorted({float(v) for v in levels if v == v})
    return min(present, key=lambda v: abs(v - HEADLINE_LEVEL)) if present else None
