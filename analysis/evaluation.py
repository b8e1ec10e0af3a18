"""Real-time evaluation: every forecast the compendium can reconstruct, made with only what was
public at its date, scored against the first figure published after it for the same year.

Why this module exists: a method is judged by its real-time record, not by how well it fits the
latest revision. Two kinds of forecaster are scored the same way:

* **vintages** (the report's editions, IDC's trackers and releases): each vintage's own path
  (:func:`analysis.editions.edition_path`, stated points joined at constant growth) for every
  year it gave as an estimate or forecast, from the day that figure became public;
* **models** (:mod:`analysis.forecasting`): fitted at each origin, the day a vintage brought a
  new figure for a series, on the series as it was known that day (:func:`analysis.assembly.assemble`
  on the information set of that date), with the variance its sources allowed that day.

**The outcome** of a forecast of year Y made on day O is the first figure for Y that is data (an
actual, an estimate of a year, or a value derived from such figures), is a value rather than a
bound ("more than 85" is not an outcome), comes from another vintage, became public after O and
no earlier than 1 July of Y (a figure for a year published in its first half is itself mostly a
forecast): the next word on that year, not the latest revision. A figure whose every source is
undated, dated only by the article (``undated: the article's date``, :mod:`analysis.infoset`), or
a value derived from one, is never an outcome: that date is only the day by which it was surely
public, so neither "after O" nor "no earlier than 1 July" can be checked (the 2018 releases of
IDC's spending guide, believed March and September 2018, would otherwise tie on 2023-12-07, and
the March release's in-year 19.1 would pass for the next word on 2018). The pair is **comparable**
when both follow one definition (:data:`analysis.assembly.DEFINITIONS`: the spending guide's
2022 V2 release counts "AI-centric systems", so its pairs with 2021 V2 are not comparable). A
forecast re-quoted by another edition is counted once, under the vintage that made it
(:data:`REQUOTES`). Whether the vintages run low is tested, sign and size with an interval
(:func:`bias_test`), and :func:`long_run_bias` says what the models do with it.

**Horizon** h = Y − (year of O − 1): years after the last complete calendar year at the origin,
so an estimate of 2022 published in January 2023 is h = 0, a 2023 estimate published in
November 2023 is h = 1, and its 2027 forecast h = 5.

Scores are on the log scale: error = log(forecast / outcome); PIT = the predictive CDF at the
outcome (coverage of any central interval follows from it: a central q-interval covers the
outcome when |2·PIT − 1| ≤ q); the interval score of the 80% interval and the CRPS (Gneiting &
Raftery 2007). A vintage's forecast is a point: it has an error but no PIT, interval or CRPS.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis import assembly, choice, editions, forecasting, scoring
from analysis.domain import MIN_PAIRS, enough  # what carries a claim: one rule for the record, its notes and figures

#: The interval whose score is reported (the headline level of the forecasts).
LEVEL = 0.8
#: Coverage is reported at these levels (from the PIT).
COVERAGE_LEVELS = (0.5, 0.8, 0.95)
#: An outcome for year Y is a figure published on or after this day of Y (month-day).
OUTCOME_FROM = editions.DATA_FROM
#: The dating rule of a row dated only by the article (analysis/infoset.py): never an outcome.
UNDATED = "undated: the article's date"

COLUMNS = ["forecaster_type", "forecaster", "series", "geography", "origin", "origin_vintages", "target_year",
           "horizon", "read", "forecast", "fit_points", "outcome", "outcome_id", "outcome_vintage",
           "outcome_published", "outcome_kind", "same_definition", "error_log", "error_pct", "pit",
           "lower_80", "upper_80", "interval_score_80", "crps_log", "note"]


def horizon(target_year: int, origin: str) -> int:
    return int(target_year) - (int(origin[:4]) - 1)


class Outcomes:
    """The outcomes an information set holds: for each indicator and year, its data figures
    (:func:`analysis.editions.is_data`) in the order they became public."""

    def __init__(self, series: pd.DataFrame, undated: frozenset[str] = frozenset()):
        s = editions.single_vintage(series)
        s = s[editions.is_data(s) & ~s["id"].isin(undated)]
        rank = {"actual": 0, "estimate": 1, "derived": 2}
        s = s.assign(_rank=s["kind"].map(rank)).sort_values(["known_from", "_rank", "vintage", "id"])
        self.by_key: dict[tuple[str, int], list[pd.Series]] = {}
        for _, r in s.iterrows():
            self.by_key.setdefault((r["indicator"], int(r["year"])), []).append(r)

    def first(self, indicator: str, year: int, after: str, not_vintage: str | None = None):
        """The first data figure for ``indicator`` in ``year`` public after ``after`` (and, for a
        vintage's own forecast, from another vintage); None if there is none yet."""
        for r in self.by_key.get((indicator, int(year)), []):
            if r["known_from"] > after and r["vintage"] != not_vintage:
                return r
        return None


def undated_ids(figures: pd.DataFrame, implied: pd.DataFrame) -> frozenset[str]:
    """The ids dated only by the article (:data:`UNDATED`), and of the implied values derived from
    any of them: none of them is an outcome."""
    ids = set(figures.loc[figures["date_rule"] == UNDATED, "id"])
    if len(implied) and "inputs" in implied.columns:
        for _, r in implied.iterrows():
            if ids & set(str(r["inputs"]).split()):
                ids.add(r["id"])
    return frozenset(ids)


def _pair(forecaster_type, forecaster, indicator, geography, origin, origin_vintages, year, read, forecast,
          fit_points, out, same, note, dist=None) -> dict:
    y = float(out["value"])
    row = dict(forecaster_type=forecaster_type, forecaster=forecaster, series=indicator, geography=geography,
               origin=origin, origin_vintages=origin_vintages, target_year=int(year), horizon=horizon(year, origin),
               read=read, forecast=float(forecast), fit_points=fit_points, outcome=y, outcome_id=out["id"],
               outcome_vintage=out["vintage"], outcome_published=out["known_from"], outcome_kind=out["kind"],
               same_definition=bool(same), error_log=math.log(forecast / y), error_pct=(forecast / y - 1) * 100,
               pit=math.nan, lower_80=math.nan, upper_80=math.nan, interval_score_80=math.nan, crps_log=math.nan,
               note=note)
    if dist is not None:
        f, i = dist
        ly = math.log(y)
        lo, hi = (float(f.log_quantile(0.5 - LEVEL / 2)[i]), float(f.log_quantile(0.5 + LEVEL / 2)[i]))
        row.update(pit=f.cdf(i, ly), lower_80=math.exp(lo), upper_80=math.exp(hi),
                   interval_score_80=float(scoring.interval_score(lo, hi, ly, LEVEL)), crps_log=f.crps(i, ly))
    return row


def _geography(series: pd.DataFrame, indicator: str) -> str:
    g = series.loc[series["indicator"] == indicator, "geography"]
    return str(g.iloc[0]) if len(g) and "geography" in series.columns else ""


#: Editions that re-quote another vintage's forecast for an indicator (data/raw/vintages.csv: the
#: spending guide 2021 V2's "figures are re-quoted by the 2021-22 ed at AICC2021"): one forecast,
#: counted once, under the vintage that made it.
REQUOTES: dict[tuple[str, str], str] = {("global_ai_spending", "2021-22 ed"): "IDC AI spending guide 2021 V2"}


def count_once(pairs: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """``pairs`` without a re-quoting edition's pair where the vintage it re-quotes has a pair for
    the same series and year (:data:`REQUOTES`), and how many were left out."""
    if pairs.empty:
        return pairs, 0
    made = set(zip(pairs["forecaster"], pairs["series"], pairs["target_year"]))
    drop = [i for i, r in pairs.iterrows() if (r["series"], r["forecaster"]) in REQUOTES
            and (REQUOTES[(r["series"], r["forecaster"])], r["series"], r["target_year"]) in made]
    return pairs.drop(index=drop).reset_index(drop=True), len(drop)


def vintage_pairs(series: pd.DataFrame, undated: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Every vintage's own forecast (estimate, forecast or path year) that has an outcome, scored
    (``undated``: ids that are never an outcome, :func:`undated_ids`)."""
    rows = []
    known = Outcomes(series, undated)
    for indicator, vintage, path in editions.edition_paths(series):
        for p in path.to_dict("records"):
            if p["kind"] == "actual" or (p["kind"] == "derived" and p["year"] < int(p["known_from"][:4])):
                continue  # data about a finished year, not a forecast
            out = known.first(indicator, int(p["year"]), p["known_from"], not_vintage=vintage)
            if out is None:
                continue
            same = assembly.definition(indicator, vintage) == assembly.definition(indicator, out["vintage"])
            note = ("stated " + p["kind"] if p["read"] == "stated" else "read off the path through " + p["ids"])
            rows.append(_pair("vintage", vintage, indicator, _geography(series, indicator), p["known_from"], vintage,
                              p["year"], p["read"], p["value"], "", out, same, note))
    return count_once(pd.DataFrame(rows, columns=COLUMNS))[0]


def measurement_pairs(record: pd.DataFrame) -> pd.DataFrame:
    """The revisions of the latest level: a vintage's stated estimate (or actual) of a year,
    published in the year's second half or later, against the next figure published for that
    year, comparable pairs only. Their log errors measure σ_m, the measurement error of a last
    data point (:func:`analysis.forecasting.variance_sources`)."""
    v = record[(record["forecaster_type"] == "vintage") & (record["read"] == "stated") & record["same_definition"]]
    m = v[v["origin"] >= v["target_year"].astype(str) + "-" + OUTCOME_FROM].copy()
    m["label"] = m["series"] + " " + m["target_year"].astype(str) + " (" + m["forecaster"] + ")"
    return m[["label", "series", "target_year", "origin", "outcome_published", "error_log"]].reset_index(drop=True)


def origins(series: pd.DataFrame, indicator: str) -> list[str]:
    """The days on which a new data figure for ``indicator`` became public: each is an origin."""
    s = series[(series["indicator"] == indicator) & series["kind"].isin(editions.DATA_KINDS)]
    return sorted(set(s["known_from"]))


def model_pairs(series: pd.DataFrame, fit, indicators: tuple[str, ...] | None = None,
                undated: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Each model fitted at every origin of every series on what was known that day, scored.

    ``fit(indicator, points, years, known)`` returns the models' forecasts (a list of
    :class:`analysis.forecasting.Forecast`) for ``years`` from the assembled ``points``, given
    the information set ``known`` (the series table as of the origin), or [] if it cannot."""
    rows = []
    known_outcomes = Outcomes(series, undated)
    for indicator in indicators or sorted(series["indicator"].unique()):
        own = series[series["indicator"] == indicator]
        own = own[editions.is_data(own)]
        for origin in origins(series, indicator):
            a = assembly.assemble(own[own["known_from"] <= origin], indicator)
            pts = a[a["used"]]
            if len(pts) < 2:
                continue
            known = series[series["known_from"] <= origin]
            last = int(pts["year"].max())
            targets = []
            for year in sorted(series.loc[series["indicator"] == indicator, "year"].unique()):
                if year <= last:
                    continue
                out = known_outcomes.first(indicator, int(year), origin)
                if out is not None:
                    targets.append((int(year), out))
            if not targets:
                continue
            years = np.arange(last + 1, max(y for y, _ in targets) + 1)
            newly = sorted(set(known.loc[(known["indicator"] == indicator) & (known["known_from"] == origin), "vintage"]))
            current = assembly.definition(indicator, a.sort_values("year").iloc[-1]["vintage"]) if len(a) else ""
            fit_points = ", ".join(f"{int(y)} = {v:g}" for y, v in zip(pts["year"], pts["value"]))
            for f in fit(indicator, pts, years, known):
                for year, out in targets:
                    i = int(np.where(f.years == year)[0][0])
                    median = float(np.exp(f.log_quantile(0.5)[i])) if f.members else float(np.exp(f.log_median[i]))
                    has_dist = f.has_distribution(i)
                    same = assembly.definition(indicator, out["vintage"]) == current
                    rows.append(_pair("model", f.model, indicator, _geography(series, indicator), origin,
                                      " + ".join(newly), year, "fitted", median, fit_points, out, same,
                                      "; ".join(f.notes[:1]), (f, i) if has_dist else None))
    return pd.DataFrame(rows, columns=COLUMNS)


ALL = "all"


def _scores(g: pd.DataFrame) -> dict:
    d = g.dropna(subset=["pit"])
    row = dict(n=len(g), bias_log=g["error_log"].mean(), mae_log=g["error_log"].abs().mean(),
               rmse_log=math.sqrt((g["error_log"] ** 2).mean()), n_distribution=len(d),
               interval_score_80=d["interval_score_80"].mean() if len(d) else math.nan,
               crps_log=d["crps_log"].mean() if len(d) else math.nan, enough=enough(g))
    for q in COVERAGE_LEVELS:
        row[f"coverage_{int(q * 100)}"] = float((np.abs(2 * d["pit"] - 1) <= q).mean()) if len(d) else math.nan
    return row


SUMMARY_COLUMNS = ["forecaster_type", "forecaster", "horizon", "n", "bias_log", "mae_log", "rmse_log", "n_distribution"] + \
    [f"coverage_{int(q * 100)}" for q in COVERAGE_LEVELS] + ["interval_score_80", "crps_log", "enough"]


def summary(ev: pd.DataFrame) -> pd.DataFrame:
    """Scores of comparable pairs: for each forecaster over all horizons, and for each model and
    for all vintages together by horizon. n, bias (mean log error), mean absolute and root mean
    square log error, and, where the forecaster gave a distribution, coverage at each level (from
    the PIT), the mean interval score and the mean CRPS, with their own n. Fewer than
    :data:`MIN_PAIRS` pairs or distinct outcomes (:func:`enough`): ``enough`` is False, and no
    claim rests on that row."""
    c = ev[ev["same_definition"]]
    rows = []
    for (kind, who), g in c.groupby(["forecaster_type", "forecaster"], sort=True):
        rows.append(dict(forecaster_type=kind, forecaster=who, horizon=ALL, **_scores(g)))
    for kind, g in c.groupby("forecaster_type", sort=True):
        rows.append(dict(forecaster_type=kind, forecaster=ALL, horizon=ALL, **_scores(g)))
        by = ["horizon"] if kind == "vintage" else ["forecaster", "horizon"]
        for key, h in g.groupby(by, sort=True):
            key = key if isinstance(key, tuple) else (key,)
            who = ALL if kind == "vintage" else key[0]
            rows.append(dict(forecaster_type=kind, forecaster=who, horizon=str(int(key[-1])), **_scores(h)))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def error_scale(ev: pd.DataFrame, confidence: float = 0.9) -> pd.DataFrame:
    """The empirical log-error scale of the vintages' own comparable forecasts, by horizon: n, the
    root mean square log error and its ``confidence`` interval (a χ² interval with n degrees of
    freedom, for errors centred on zero), and a row ``all`` that pools the horizons on a scale per
    year ahead (error / max(h, 1), the drift model's growth of error with h)."""
    from scipy import stats

    c = ev[(ev["forecaster_type"] == "vintage") & ev["same_definition"]]
    rows = []

    def one(label, errors, pairs):
        n = len(errors)
        ss = float((np.asarray(errors) ** 2).sum())
        lo = math.sqrt(ss / stats.chi2.ppf(0.5 + confidence / 2, n)) if n else math.nan
        hi = math.sqrt(ss / stats.chi2.ppf(0.5 - confidence / 2, n)) if n else math.nan
        rows.append(dict(horizon=label, n=n, rms_log=math.sqrt(ss / n) if n else math.nan, low=lo, high=hi,
                         enough=enough(pairs)))

    for h, g in c.groupby("horizon"):
        one(str(int(h)), g["error_log"], g)
    one("all (per year ahead)", c["error_log"] / np.maximum(c["horizon"], 1), c)
    return pd.DataFrame(rows, columns=["horizon", "n", "rms_log", "low", "high", "enough"])


def realtime_models(figures: pd.DataFrame, implied: pd.DataFrame, revisions: pd.DataFrame):
    """The models as :func:`analysis.evaluation.model_pairs` fits them at an origin: on the points
    known that day, with the variance that day's sources allow (none: point forecasts), the
    measurement pairs whose next figure was public by then, and the prior grid of
    :mod:`analysis.priors`; the combination is the default rule's (:mod:`analysis.choice`)."""
    def fit(indicator: str, points: pd.DataFrame, years: np.ndarray, known: pd.DataFrame) -> list:
        origin = str(known["known_from"].max())
        fig, imp = figures[figures["known_from"] <= origin], implied[implied["known_from"] <= origin]
        rev = revisions[revisions["outcome_published"] <= origin] if len(revisions) else revisions
        try:
            var = forecasting.pooled_variance(forecasting.variance_sources(known, fig, imp, rev))
        except ValueError:
            var = None
        halves = forecasting.half_years(fig, imp, indicator, int(points["year"].max()))
        fits = forecasting.forecast_series(indicator, points, int(years.max()), var, halves=halves)
        fits["combination"] = choice.default_combination(fits, None)
        return list(fits.values())
    return fit


BIAS_COLUMNS = ["errors", "n", "negative", "positive", "sign_test_p", "mean_log", "low", "high", "confidence",
                "enough"]


def bias_test(record: pd.DataFrame, confidence: float = 0.9) -> pd.DataFrame:
    """Do the vintages run low? For the vintages' comparable errors (as they are, and per year
    ahead, error / max(h, 1)) and for the revisions behind σ_m (:func:`measurement_pairs`): n, how
    many errors are negative (the figure below the next word) and positive, the two-sided sign
    test's p (statsmodels ``sign_test``), and the mean log error with its t interval at
    ``confidence`` (statsmodels ``DescrStatsW.tconfint_mean``): an interval that says how little so
    few pairs pin the size down. ``enough``: at least :data:`MIN_PAIRS` pairs and distinct outcomes."""
    from statsmodels.stats.descriptivestats import sign_test
    from statsmodels.stats.weightstats import DescrStatsW

    c = record[(record["forecaster_type"] == "vintage") & record["same_definition"]]
    rev = measurement_pairs(record)
    rows = []
    for label, e, pairs in (
            ("vintages' errors, log(forecast / outcome)", c["error_log"], c),
            ("vintages' errors per year ahead, log error / max(h, 1)", c["error_log"] / np.maximum(c["horizon"], 1), c),
            ("revisions of a last estimate (the pairs of σ_m), log(estimate / next figure)", rev["error_log"],
             c[c["origin"].isin(rev["origin"]) & c["target_year"].isin(rev["target_year"])])):
        e = np.asarray(e, dtype=float)
        n = len(e)
        row = dict(errors=label, n=n, negative=int((e < 0).sum()), positive=int((e > 0).sum()), confidence=confidence,
                   sign_test_p=math.nan, mean_log=float(e.mean()) if n else math.nan, low=math.nan, high=math.nan,
                   enough=bool(n >= MIN_PAIRS and len(pairs) and pairs["outcome_id"].nunique() >= MIN_PAIRS))
        if n >= 2:
            row["sign_test_p"] = float(sign_test(e, 0)[1])
            row["low"], row["high"] = (float(x) for x in DescrStatsW(e).tconfint_mean(alpha=1 - confidence))
        rows.append(row)
    return pd.DataFrame(rows, columns=BIAS_COLUMNS)


def long_run_bias(bias: pd.DataFrame) -> tuple[float | None, str]:
    """What the models do with the bias test (:func:`bias_test`): the vintages' bias per year ahead,
    to raise the prior's long-run rates that are a forecaster's view (:func:`analysis.priors.adjusted`),
    when it is measured (enough pairs, an interval that excludes zero); else None. And the revisions'
    mean, for σ_m: used only on the same terms. With the reason, in numbers."""
    def row(prefix):
        r = bias[bias["errors"].str.startswith(prefix)]
        return r.iloc[0] if len(r) else None

    per_year, rev = row("vintages' errors per year ahead"), row("revisions")
    parts, use = [], None
    if per_year is not None and per_year["n"] >= 2:
        measured = bool(per_year["enough"]) and (per_year["high"] < 0 or per_year["low"] > 0)
        parts.append(f"the vintages' errors per year ahead average {per_year['mean_log']:+.3f} log points "
                     f"({per_year['confidence']:.0%} interval {per_year['low']:+.3f} to {per_year['high']:+.3f}; "
                     f"{int(per_year['negative'])} of {int(per_year['n'])} negative, sign test p = "
                     f"{per_year['sign_test_p']:.2g}): "
                     + ("the long-run rates that are a forecaster's view are raised by it" if measured else
                        ("fewer than " + str(MIN_PAIRS) + " pairs or distinct outcomes" if not per_year["enough"] else
                         "an interval that holds zero") + ", so the long-run rates stand"))
        use = float(per_year["mean_log"]) if measured else None
    if rev is not None and rev["n"] >= 2:
        measured = bool(rev["enough"]) and (rev["high"] < 0 or rev["low"] > 0)
        parts.append(f"the {int(rev['n'])} revisions behind σ_m average {rev['mean_log']:+.3f} "
                     f"({rev['confidence']:.0%} interval {rev['low']:+.3f} to {rev['high']:+.3f}; "
                     f"{int(rev['negative'])} negative, p = {rev['sign_test_p']:.2g}): "
                     + ("a measured mean, but σ_m stays centred on zero" if measured else
                        f"{'fewer than ' + str(MIN_PAIRS) + ' pairs and ' if rev['n'] < MIN_PAIRS else ''}"
                        "an interval that holds zero, so the measurement error stays centred on zero"))
    return use, "; ".join(parts) if parts else "no vintage errors to test"
