"""The unblinding's sentences: what the registered forecasts said of 2024 and what happened, in words.

Why this module exists: the index page (:mod:`analysis.pipeline.report`), the README block and
notebook 06 say the same sentences, generated from ``registered_scores.csv`` and
``unblinding_record.csv``. Writing them needs pandas and the labels of :mod:`analysis.domain`, not
the scoring (:mod:`analysis.unblinding`, which imports the forecasting and SciPy): the index page's
process, started by every build, imports this module instead, about 1 s less in every build
(issue 31). :mod:`analysis.unblinding` re-exports each name, so a notebook or test that calls
``unblinding.sentences`` reads these.

The sentences (:func:`sentences`) are generated from the table; each carries its n and says that
one year is one shock: every 2024 outcome of a series is one event, however many models and sets
are scored against it.
"""
from __future__ import annotations

import pandas as pd

from analysis import domain

#: The readings of a forecast series' outcome (:mod:`analysis.unblinding`'s docstring says why two).
SINGLE, RENAMED, REDEFINED = "single", "renamed", "redefined"
#: The target year the sets' first outcomes are for.
TARGET_YEAR = domain.LAST_DATA_YEAR + 1


# ----------------------------------------------------------------------------- sentences

def _pct(x: float) -> str:
    return f"{x:+.0f}%"


def _share(flags) -> str:
    flags = [bool(f) for f in flags if f is not None and f == f]
    return f"{sum(flags)} of {len(flags)}"


def sentences(table: pd.DataFrame, labels: dict[str, str] | None = None) -> list[str]:
    """The findings, generated from ``registered_scores.csv``: for each set, the default
    combination's and the report's path's errors for the first outcome year, and how many of the
    comparable outcomes each model's 80% interval held, each with n; and the readings' difference.
    Every sentence says that one year is one shock."""
    labels = labels or domain.SERIES_LABELS
    t = table[table["target_year"] == TARGET_YEAR]
    if not len(t):
        return [f"No registered forecast has an outcome for {TARGET_YEAR} yet."]
    comparable = t[t["reading"].isin([SINGLE, RENAMED]) & t["same_definition"]]
    n_series = comparable["series"].nunique()
    shock = (f"one year, {TARGET_YEAR}, is one shock per series: {n_series} outcomes, however many models are "
             "scored against them, are far from the 5 the record needs to rank anything")
    out = []
    for s in sorted(t["set"].unique()):
        c = comparable[comparable["set"] == s]
        fitted = c["methods_fitted"].iloc[0] if len(c) else ""
        parts = []
        for series in sorted(c["series"].unique()):
            r = c[(c["series"] == series) & (c["model"] == "combination")]
            p = c[(c["series"] == series) & (c["model"] == "report_path")]
            if not len(r):
                continue
            r, name = r.iloc[0], labels.get(series, series).split(" (")[0]
            same = c[(c["series"] == series) & ~c["model"].isin(["combination", "report_path"])
                     & ((c["median"] - r["median"]).abs() < 1e-6)]
            alone = f", the combination being {same['model'].iloc[0]} alone" if len(same) else ""
            reading = " if the 2025 ed's 人工智能算力市场 is the same market renamed" if r["reading"] == RENAMED else ""
            path = f", the report's path {_pct(p.iloc[0]['error_pct'])}" if len(p) else ""
            parts.append(f"{name} {_pct(r['error_pct'])} (median {r['median']:.4g} against {r['outcome']:.4g}{alone}, "
                         f"{r['outcome_id']} published {r['outcome_published']}{reading}; 80% interval "
                         f"{'held' if r['covered_80'] else 'missed'} it{path})")
        combo = c[c["model"] == "combination"]
        models = c[c["model"] != "report_path"]
        out.append(f"{domain.set_label(s)} ({domain.SET_SUMMARIES.get(s, '')}; fitted {fitted}, on what was known on {c['information_set'].iloc[0] if len(c) else ''}): "
                   f"the default combination's {TARGET_YEAR} median was off by " + "; ".join(parts)
                   + f". Its 80% interval held {_share(combo['covered_80'])} outcomes (n = {len(combo)}); the models' "
                   f"80% intervals held {_share(models['covered_80'])} forecast–outcome pairs (n = {len(models)} pairs, "
                   f"{models['outcome_id'].nunique()} outcomes). As a record, {shock}.")
    red = t[t["reading"] == REDEFINED]
    if len(red):
        ids = ", ".join(sorted(red["outcome_id"].unique()))
        out.append(f"Under the other reading (the 2025 ed's 人工智能算力市场 a redefined market, {ids}), the "
                   f"{int(red['set'].nunique())} sets' {len(red)} AI-server pairs are not comparable and score "
                   f"nothing (n = 0 comparable pairs); which reading holds, the sources found cannot decide "
                   "(analysis/assembly.py UNDECIDED). One year is one shock either way.")
    return out


#: The README block's markers (the block opens the forecast findings).
README_BLOCK = ("<!-- findings:unblinding: generated by `python -m analysis.unblinding` from registered_scores.csv; "
                "tests/test_unblinding.py keeps it equal -->\n", "<!-- /findings:unblinding -->")


def record_sentence(rec: pd.DataFrame) -> str:
    """The real-time record rebuilt on everything now known (``unblinding_record.csv``): who now
    reaches :data:`analysis.domain.MIN_PAIRS` comparable pairs against as many distinct outcomes,
    and how they rank by mean absolute log error, with n and the shocks they share."""
    c = rec[rec["same_definition"]]
    g = c.groupby(["forecaster_type", "forecaster"]).agg(n=("outcome_id", "size"), outcomes=("outcome_id", "nunique"),
                                                         mae=("error_log", lambda e: float(e.abs().mean())))
    ok = g[(g["n"] >= domain.MIN_PAIRS) & (g["outcomes"] >= domain.MIN_PAIRS)].sort_values("mae").reset_index()
    head = (f"Rebuilt on everything now known, the real-time record holds {len(c)} comparable pairs of {len(rec)} "
            f"against {c['outcome_id'].nunique()} distinct outcomes")
    if not len(ok):
        return head + f"; no forecaster has {domain.MIN_PAIRS} comparable pairs against {domain.MIN_PAIRS} outcomes yet."
    used = c[c["forecaster"].isin(ok["forecaster"])]
    years = used.drop_duplicates("outcome_id")
    types = set(ok["forecaster_type"])
    kinds = (", all models fitted in real time (no edition or release does)" if types == {"model"} else
             ", all editions' or releases' own figures (no model does)" if types == {"vintage"} else "")
    ranks = ", ".join(f"{r.forecaster} {r.mae:.3f} (n = {r.n}, {r.outcomes} outcomes)" for r in ok.itertuples())
    return (head + f". {len(ok)} {'forecaster reaches' if len(ok) == 1 else 'forecasters reach'} "
            f"{domain.MIN_PAIRS} comparable pairs against {domain.MIN_PAIRS} distinct outcomes{kinds}: by mean "
            f"absolute log error, {ranks}. "
            f"Their outcomes are {len(years)} figures for {years['target_year'].nunique()} years "
            f"({', '.join(str(y) for y in sorted(years['target_year'].unique()))}), shared by every model: "
            "one year is one shock, so the ranking is of few shocks, not a settled order.")


def readme_block(table: pd.DataFrame, rec: pd.DataFrame | None = None) -> str:
    """The README block's body (between :data:`README_BLOCK`'s markers): a heading bullet, the
    sentences of :func:`sentences` and, given the record on everything now known, :func:`record_sentence`."""
    lines = sentences(table) + ([record_sentence(rec)] if rec is not None else [])
    return "".join(f"* {'**What December 2023 said about 2024, and what happened.** ' if i == 0 else ''}{line}\n"
                   for i, line in enumerate(lines))
