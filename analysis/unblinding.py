"""Unblinding (issue 28): the registered forecasts scored against what happened.

Why this module exists: the compendium's forecasts were made as of the article's day (2023-12-07)
and frozen in ``data/registered/`` (:mod:`analysis.registered`). Later rows, published after that
day, now sit in ``data/raw``. The default steps (notebooks 01–05) still build as of 2023-12-07 and
ignore them; this module builds the information set of everything now known (as of
:data:`analysis.domain.LATEST_AS_OF`), finds each registered forecast's outcome with the real-time
record's rule (:class:`analysis.evaluation.Outcomes`: the first data figure published after the
set's information-set date) and scores it with :func:`analysis.registered.score`. It changes no
forecasting method: a registered set is scored as it was committed.

One series changed its name: the 2025 edition reports a 人工智能算力市场 (``ai_compute_market``)
where the 2023–24 edition reported an AI-server market. Whether it is the same market is
undecided (:data:`analysis.assembly.UNDECIDED`), so the AI-server forecasts are scored under both
readings, ``renamed`` (comparable) and ``redefined`` (not comparable); the other series have one
reading, ``single``.

The sentences (:func:`sentences`, :func:`record_sentence`) are written by
:mod:`analysis.unblinding_notes` and re-exported here.
"""
from __future__ import annotations

import math

import pandas as pd

from analysis import assembly, cleaning, domain, evaluation, infoset, registered
# the readings, the target year and the sentences: in the light module the index page imports
from analysis.unblinding_notes import (  # noqa: F401  (re-exported: unblinding.sentences, …)
    README_BLOCK, REDEFINED, RENAMED, SINGLE, TARGET_YEAR, readme_block, record_sentence, sentences,
)

#: Columns of ``registered_scores.csv``: the registered scores with the reading after the series.
COLUMNS = registered.COLUMNS[:4] + ["reading"] + registered.COLUMNS[4:]


def information_set(raw: dict[str, pd.DataFrame], date: str = domain.LATEST_AS_OF) -> dict[str, pd.DataFrame]:
    """The cleaned tables of the information set as of ``date``, built from the raw tables as
    notebook 01 builds its own: the rows public by then, their figures, the implied values that can
    be derived, the series table and the listing (which rows, since when)."""
    info = infoset.as_of(raw, date)
    figures = cleaning.figures(info)
    implied = cleaning.implied(figures, cleaning.possible(figures))
    return dict(info=info, figures=figures, implied=implied, series=cleaning.series(figures, implied),
                listing=infoset.listing(info))


def _alternatives(series: str) -> list[tuple[str, str]]:
    """The (indicator, vintage) pairs that may continue ``series`` under another name."""
    return [(ind, vint) for (ind, vint), (earlier, _) in assembly.UNDECIDED.items() if earlier == series]


def scores(sets: list[registered.RegisteredSet], series: pd.DataFrame, undated: frozenset[str] = frozenset(),
           after_outcome: frozenset[str] = frozenset()) -> pd.DataFrame:
    """One row per registered set × model × series × target year with an outcome, and reading.

    The outcome is the first data figure for the series and year published after the set's
    information-set date; where the series has none but an undecided successor
    (:data:`analysis.assembly.UNDECIDED`) has one, that figure is scored under both readings."""
    known = evaluation.Outcomes(series, undated)
    alt_ids: set[str] = set()

    def outcome_of(name, year, after):
        out = known.first(name, year, after)
        if out is not None:
            return out
        for ind, vint in _alternatives(name):
            out = known.first(ind, year, after)
            if out is not None and out["vintage"] == vint:
                alt_ids.add(out["id"])
                return out
        return None

    def redefined(name, vintage):
        if any(v == vintage for _, v in _alternatives(name)):
            return "redefined: " + vintage
        return assembly.definition(name, vintage)

    a = registered.score(sets, outcome_of, assembly.definition, after_outcome)
    b = registered.score(sets, outcome_of, redefined, after_outcome)
    a.insert(4, "reading", [RENAMED if i in alt_ids else SINGLE for i in a["outcome_id"]])
    b.insert(4, "reading", REDEFINED)
    b = b[b["outcome_id"].isin(alt_ids)]
    out = pd.concat([a, b], ignore_index=True)
    order = {SINGLE: 0, RENAMED: 1, REDEFINED: 2}
    out = out.assign(_r=out["reading"].map(order)).sort_values(
        ["set", "series", "_r", "target_year", "model"], kind="stable").drop(columns="_r").reset_index(drop=True)
    return out[COLUMNS]


def newly_enough(record: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """The forecasters (model or vintage, all horizons, comparable pairs with an outcome) that reach
    :data:`analysis.domain.MIN_PAIRS` pairs against as many distinct outcomes in ``record`` and did
    not in ``before`` (the record as of the default date), with their counts and mean |log error|."""
    def counts(r):
        r = r[r["same_definition"]]
        g = r.groupby(["forecaster_type", "forecaster"])
        return pd.DataFrame({"n": g.size(), "outcomes": g["outcome_id"].nunique(),
                             "mae_log": g["error_log"].apply(lambda e: float(e.abs().mean()))})
    now, then = counts(record), counts(before)
    ok = now[(now["n"] >= domain.MIN_PAIRS) & (now["outcomes"] >= domain.MIN_PAIRS)]
    was = then[(then["n"] >= domain.MIN_PAIRS) & (then["outcomes"] >= domain.MIN_PAIRS)].index
    out = ok.assign(newly=[i not in was for i in ok.index]).reset_index()
    out["mae_log"] = out["mae_log"].map(lambda v: round(v, 6) if v == v else math.nan)
    return out.sort_values(["mae_log", "forecaster_type", "forecaster"]).reset_index(drop=True)


# ----------------------------------------------------------------------------- everything now known

#: The series forecast from everything now known (the AI-server market's definition is undecided
#: after 2023, and the 2025 ed's market has one point: nothing to fit on one definition).
LATEST_SERIES = ("intelligent_compute", "general_compute")
#: How far the forecasts from everything now known reach: the 2025 edition's own horizon.
LATEST_HORIZON = 2028
LATEST_COLUMNS = ["series", "model", "year", "median", "lower_80", "upper_80", "train_end", "fit_points",
                  "edition_2025", "edition_2025_id"]


def record(info: dict[str, pd.DataFrame], undated: frozenset[str] = frozenset()) -> pd.DataFrame:
    """The real-time record on an information set, as notebook 02 builds it: every vintage's own
    forecast and every model fitted at every origin, scored against the next figure published."""
    vp = evaluation.vintage_pairs(info["series"], undated)
    rev = evaluation.measurement_pairs(vp)
    mp = evaluation.model_pairs(info["series"], evaluation.realtime_models(info["figures"], info["implied"], rev),
                                undated=undated)
    return pd.concat([vp, mp], ignore_index=True).sort_values(
        ["forecaster_type", "series", "origin", "target_year", "forecaster"]).reset_index(drop=True)


def latest_forecasts(info: dict[str, pd.DataFrame], rec: pd.DataFrame, horizon_end: int = LATEST_HORIZON,
                     series: tuple[str, ...] = LATEST_SERIES) -> pd.DataFrame:
    """The forecasts notebook 03 makes, with its defaults, from the information set ``info`` and
    its record ``rec`` (no method changed: the same models, prior, variance sources, bias
    adjustment and rule; the compute series have no world bound, so rule point 2 does not act),
    beside the 2025 edition's own figure for each year it states."""
    from analysis import choice, forecasting

    summary = evaluation.summary(rec)
    per_year_bias, _ = evaluation.long_run_bias(evaluation.bias_test(rec))
    revisions = evaluation.measurement_pairs(rec[rec["forecaster_type"] == "vintage"])
    var = forecasting.pooled_variance(forecasting.variance_sources(info["series"], info["figures"], info["implied"],
                                                                   revisions))
    s_all = info["series"]
    rows = []
    for s in series:
        a = assembly.assemble(s_all, s, domain.FIRST_DATA_YEAR)
        pts = a[a["used"]]
        last = int(pts["year"].max())
        halves = forecasting.half_years(info["figures"], info["implied"], s, last)
        fits = forecasting.forecast_series(s, pts, horizon_end, var, None, None, None, halves, per_year_bias)
        fits["combination"] = choice.default_combination(fits, summary, None)
        stated = s_all[(s_all["indicator"] == s) & (s_all["vintage"] == "2025 ed") & (s_all["kind"] == "forecast")]
        fit_points = ", ".join(f"{int(y)} = {v:g}" for y, v in zip(pts["year"], pts["value"]))
        for m in ("combination", *choice.CANDIDATES):
            if m not in fits:
                continue
            f = fits[m]
            lo, hi = f.log_quantile(0.1), f.log_quantile(0.9)
            for i, y in enumerate(f.years):
                ed = stated[stated["year"] == int(y)]
                rows.append(dict(series=s, model=m, year=int(y), median=float(f.median()[i]),
                                 lower_80=float(math.exp(lo[i])), upper_80=float(math.exp(hi[i])), train_end=last,
                                 fit_points=fit_points,
                                 edition_2025=float(ed["value"].iloc[0]) if len(ed) else math.nan,
                                 edition_2025_id=str(ed["id"].iloc[0]) if len(ed) else ""))
    return pd.DataFrame(rows, columns=LATEST_COLUMNS)


def _main() -> int:
    from analysis.base import paths
    from analysis.base.atomic import read_csv

    print(readme_block(read_csv(paths.PROCESSED / "registered_scores.csv"),
                       read_csv(paths.PROCESSED / "unblinding_record.csv")), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
