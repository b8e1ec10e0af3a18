"""The codebook and the Frictionless data package: what every column of every table means.

One dictionary, :data:`CODEBOOK`, describes each column once (meaning, unit, type). From it
the cleaning notebook writes ``data/processed/codebook.csv`` for readers and
``data/datapackage.json`` for machines; the tests validate the package, and so every cleaned
file, with the frictionless library.
"""
from __future__ import annotations

import json

import pandas as pd

from analysis.base import paths  # the one source of paths (a shared leaf)
from analysis.sources import TABLES

S, N, I, B, D = "string", "number", "integer", "boolean", "date"
_RAW_TYPES = {"value": N, "order": I, "rank": I}

CODEBOOK: dict[str, dict[str, tuple[str, str, str]]] = {
    "figures": {
        "id": ("Stable id of the figure (from data/raw)", "", S),
        "table": ("Raw table the figure comes from", "", S),
        "indicator": ("Quantity (see data/raw/indicators.csv)", "", S),
        "geography": ("China or World", "", S),
        "period": ("Period as stated: YYYY, 'YYYY H1', YYYY-YYYY (a CAGR's span) or 'FYyy Qn'", "", S),
        "period_type": ("year, half, range or fiscal_quarter", "", S),
        "year": ("First calendar year of the period (NVIDIA quarters: calendar year of most months)", "year", I),
        "year_end": ("Last year of the period (NVIDIA: the fiscal year)", "year", I),
        "qualifier": ("How the value was stated: = exact, ~ about, > more than, >= at least", "", S),
        "value": ("Value as stated", "unit", N),
        "value_text": ("Value exactly as written: its last digit sets the precision (38 is 37.5 to 38.5)", "unit", S),
        "unit": ("Unit as stated (亿美元 = 100 million USD)", "", S),
        "value_clean": ("Value in the clean unit", "unit_clean", N),
        "value_low": ("Lowest value the statement allows (digits and qualifier; see data/raw/README.md)", "unit_clean", N),
        "value_high": ("Highest value the statement allows; inf for a lower bound ('more than')", "unit_clean", N),
        "unit_clean": ("Clean unit: USD bn, EFLOPS FP16, EFLOPS FP64, percent, ratio, count, bn parameters", "", S),
        "measure": ("level, share, yoy_growth, cagr, growth (a cumulative increase), ratio or count", "", S),
        "kind": ("actual, estimate, forecast, survey, derived or statement", "", S),
        "vintage": ("Edition or release that published the figure", "", S),
        "vintage_order": ("Order of publication of the vintage (higher is later)", "", I),
        "source": ("article, or web with the source table's confidence", "", S),
        "location": ("Section and paragraph of the article (§02 ¶5), or URLs", "", S),
        "published": ("Publication date of each source in location (' | '-separated; 'undated' if the page shows none); "
                      "the article's own figures carry its date", "", S),
        "known_from": ("The day the figure became public (analysis/infoset.py): its earliest dated source, the article's "
                       "date, or its edition's date when every source is undated", "", D),
        "date_rule": ("The rule that set known_from", "", S),
        "note": ("Transcriber's note", "", S),
    },
    "implied": {
        "id": ("Id of the derived value (imp_...)", "", S),
        "indicator": ("Quantity (that of the inputs, or of the stated figure it recomputes)", "", S),
        "geography": ("China or World", "", S),
        "period": ("Period of the derived value, from its inputs' periods", "", S),
        "value": ("Derived value", "unit", N),
        "value_low": ("Lowest value the inputs' stated precision allows", "unit", N),
        "value_high": ("Highest value the inputs' stated precision allows", "unit", N),
        "unit": ("Unit of the derived value", "", S),
        "measure": ("level, yoy_growth, cagr or ratio", "", S),
        "kind": ("Always 'derived'", "", S),
        "vintage": ("Vintage(s) of the inputs, in order of publication, joined by ' + '", "", S),
        "formula": ("How it was computed", "", S),
        "inputs": ("Ids of the figures used", "", S),
        "known_from": ("The day the value could first be derived: when its last input became public", "", D),
        "note": ("Note", "", S),
    },
    "audit": {
        "check_id": ("Id of the check", "", S),
        "rule": ("equal, revision (an earlier edition against a later one), greater (a claim that one value "
                 "exceeds another) or implication (a derived fact, not a test)", "", S),
        "claim": ("The claim tested, in words; checks of one claim (two sources, both bounds of a range, two "
                  "readings) share it (empty for an implication)", "", S),
        "same_reading_as": ("The check whose reading this one repeats (an input derived from that check's): not an "
                            "independent reading, so left out of the claim's verdict (empty for most checks)", "", S),
        "whose": ("Whose claim it is: the 2023–24 report's own figures, the article's own figures, earlier editions' "
                  "figures or the compendium's own hypotheses (empty for an implication)", "", S),
        "description": ("What is checked", "", S),
        "stated_id": ("Id of the stated figure checked (empty for an implication)", "", S),
        "inputs": ("Ids of the figures the recomputed value is computed from", "", S),
        "formula": ("How it was recomputed, with the inputs as stated", "", S),
        "precision": ("Each figure as stated and the interval it allows (digits and qualifier)", "", S),
        "stated": ("Stated value", "as the figure", N),
        "stated_low": ("Lowest value the statement allows", "as the figure", N),
        "stated_high": ("Highest value the statement allows", "as the figure", N),
        "recomputed": ("Value recomputed from other stated figures", "as the figure", N),
        "recomputed_low": ("Lowest recomputed value over the inputs' intervals", "as the figure", N),
        "recomputed_high": ("Highest recomputed value over the inputs' intervals", "as the figure", N),
        "difference": ("recomputed - stated", "as the figure", N),
        "tolerance": ("Largest |difference| the intervals allow (plus any slack): derived, not a flat percentage",
                      "as the figure", N),
        "rel_difference_pct": ("|difference| / |stated|", "percent", N),
        "tolerance_pct": ("tolerance / |stated|", "percent", N),
        "verdict": ("consistent, consistent within rounding, inconsistent, revised or implication", "", S),
        "comment": ("What the difference means", "", S),
    },
    "series": {
        "indicator": ("Quantity", "", S),
        "geography": ("China or World", "", S),
        "year": ("Calendar year", "year", I),
        "value": ("Annual level", "unit", N),
        "unit": ("Clean unit", "", S),
        "qualifier": ("How the value was stated: = exact, ~ about, > more than, ... (a derived value: =)", "", S),
        "kind": ("actual, estimate, forecast or derived (a value derived from a forecast is a forecast)", "", S),
        "vintage": ("Edition that published (or implies) the value", "", S),
        "vintage_order": ("Order of publication (higher is later)", "", I),
        "id": ("Id of the figure or derived value", "", S),
        "known_from": ("The day the value became public", "", D),
        "source_table": ("article, published or implied", "", S),
    },
    "vintages": {
        "indicator": ("Quantity", "", S),
        "series_label": ("What a reader sees for it: its label and unit", "", S),
        "geography": ("China or World", "", S),
        "unit": ("Clean unit", "", S),
        "year": ("Calendar year the figure is about", "year", I),
        "qualifier": ("How it was stated: = exact, ~ about, > more than (a bound, never scored as a point), ...", "", S),
        "vintage": ("Edition or release that published it", "", S),
        "edition_published": ("The edition's or release's own release date; empty where none is known (then only "
                              "edition_known_from, a bound, dates it)", "", D),
        "edition_known_from": ("The day the edition is known to have been public: its release date, or else its "
                               "earliest dated figure, or else the article's date", "", D),
        "kind": ("actual, estimate, derived or forecast, as that vintage gave it", "", S),
        "value": ("The vintage's level for that year", "unit", N),
        "id": ("Id of the figure or derived value", "", S),
        "known_from": ("The day this figure became public", "", D),
        "previous_vintage": ("The vintage whose figure for the same year was public before this one", "", S),
        "previous_value": ("That figure", "unit", N),
        "change_pct": ("value / previous_value - 1: the revision; empty where either is a bound or has no date of "
                       "its own", "percent", N),
    },
    "editions": {
        "vintage": ("Edition or release", "", S),
        "publisher": ("Who published it", "", S),
        "title": ("Title", "", S),
        "published": ("Release date, where known (data/raw/vintages.csv)", "", D),
        "order": ("Order of publication", "", I),
        "note": ("Note", "", S),
        "vintage_known_from": ("The day it is known to have been public: its release date, or else its earliest "
                               "dated figure", "", D),
        "vintage_date_rule": ("Which of the two", "", S),
    },
    "information_set": {
        "table": ("Raw table of the row", "", S),
        "id": ("Row id", "", S),
        "vintage": ("Its edition or release (empty for a stated date)", "", S),
        "known_from": ("The day it became public", "", D),
        "date_rule": ("How that day was found (analysis/infoset.py)", "", S),
    },
    "rankings": {
        "id": ("Stable id", "", S),
        "ranking": ("industry_penetration or city_ai_compute", "", S),
        "vintage": ("Edition", "", S),
        "period": ("Year (or span) ranked", "", S),
        "rank": ("Rank, 1 = highest", "", I),
        "entity": ("Industry or city (English)", "", S),
        "entity_zh": ("Industry (Chinese), where the source gives it", "", S),
        "source": ("article or web", "", S),
        "location": ("Section and paragraph, or URLs", "", S),
        "published": ("Publication date of each source in location", "", S),
        "known_from": ("The day the ranking became public", "", D),
        "date_rule": ("The rule that set known_from", "", S),
        "note": ("Note", "", S),
    },
    "codebook": {
        "table": ("Processed table", "", S),
        "column": ("Column", "", S),
        "meaning": ("What it means", "", S),
        "unit": ("Unit", "", S),
        "type": ("Frictionless type", "", S),
    },
}

FORECAST_CODEBOOK: dict[str, dict[str, tuple[str, str, str]]] = {
    "forecasts": {
        "series": ("Forecast series", "", S),
        "model": ("drift, decay, nowcast, loglinear, ets, combination, scenario or report_path", "", S),
        "year": ("Calendar year", "year", I),
        "median": ("Point forecast: the median of the predictive distribution (report_path: the report's path)",
                   "series unit", N),
        "lower": ("Lower bound of the central prediction interval", "series unit", N),
        "upper": ("Upper bound of the central prediction interval", "series unit", N),
        "level": ("Nominal coverage of the interval (one row per level; empty for report_path)", "fraction", N),
        "distribution": ("Predictive distribution on the log scale: t(dof), a mixture of t's, point, or none", "", S),
        "dof": ("Degrees of freedom of the t (Welch-Satterthwaite); empty for a mixture or report_path", "", N),
        "train_start": ("First year used", "year", I),
        "train_end": ("Last year used", "year", I),
        "sigma_source": ("pooled (noise and drift variance from the sources in notebook 03); report_path: its points",
                         "", S),
        "extrapolation": ("Year after the report's own horizon (2027): this compendium's extrapolation", "", B),
    },
    "model_comparison": {
        "series": ("Series", "", S),
        "model": ("Model", "", S),
        "year": ("Year compared: the report's horizon 2027, or the last forecast year if earlier", "year", I),
        "level": ("Nominal coverage of the interval", "fraction", N),
        "median": ("Median forecast", "series unit", N),
        "lower": ("Lower bound of the prediction interval", "series unit", N),
        "upper": ("Upper bound of the prediction interval", "series unit", N),
        "report": ("The report's path for that year", "series unit", N),
        "vs_report_pct": ("median / report - 1", "percent", N),
        "report_inside_interval": ("Whether the report's value lies inside the interval", "", B),
        "evaluation_n": ("Comparable real-time pairs of the model on this series (evaluation.csv)", "", I),
        "mae_log": ("Mean absolute log error over those pairs", "log points", N),
        "evaluation_n_distribution": ("Of those, pairs with a predictive distribution", "", I),
        "interval_score_80": ("Mean interval score of the 80% interval (Gneiting & Raftery 2007), log scale", "log points", N),
        "crps_log": ("Mean CRPS on the log scale", "log points", N),
        "distribution": ("Predictive distribution on the log scale", "", S),
        "members": ("A combination's members with any weight (one member: the combination is that member)", "", S),
    },
    "series_assembly": {
        "indicator": ("Forecast series", "", S),
        "year": ("Calendar year", "year", I),
        "value": ("Candidate value", "series unit", N),
        "unit": ("Unit", "", S),
        "kind": ("actual, estimate or derived", "", S),
        "vintage": ("Edition", "", S),
        "id": ("Figure id", "", S),
        "used": ("Whether the candidate is used for fitting", "", B),
        "reason": ("Why it is or is not used", "", S),
    },
    "evaluation": {
        "forecaster_type": ("vintage (an edition's or release's own path) or model (this compendium's)", "", S),
        "forecaster": ("The edition or release, or the model", "", S),
        "series": ("Indicator forecast", "", S),
        "geography": ("China or World", "", S),
        "origin": ("The day the forecast was public (vintage) or made with what was public (model)", "", D),
        "origin_vintages": ("Vintage(s) whose figures became public that day", "", S),
        "target_year": ("Year forecast", "year", I),
        "horizon": ("target_year - (year of origin - 1): years after the last complete year", "years", I),
        "read": ("stated (a stated estimate or forecast), path (read off the path through stated points) or fitted", "", S),
        "forecast": ("The forecast: a vintage's value, or a model's median", "series unit", N),
        "fit_points": ("The points a model was fitted on", "", S),
        "outcome": ("The first data figure for target_year published after the origin, by another vintage", "series unit", N),
        "outcome_id": ("Its id", "", S),
        "outcome_vintage": ("Its vintage", "", S),
        "outcome_published": ("The day it became public", "", D),
        "outcome_kind": ("actual, estimate or derived", "", S),
        "same_definition": ("Whether forecast and outcome follow one definition (comparable)", "", B),
        "error_log": ("log(forecast / outcome)", "log points", N),
        "error_pct": ("forecast / outcome - 1", "percent", N),
        "pit": ("The predictive CDF at the outcome (empty for a point forecast)", "fraction", N),
        "lower_80": ("Lower bound of the 80% interval", "series unit", N),
        "upper_80": ("Upper bound of the 80% interval", "series unit", N),
        "interval_score_80": ("Interval score of the 80% interval, log scale", "log points", N),
        "crps_log": ("CRPS on the log scale", "log points", N),
        "note": ("How the forecast was read or fitted", "", S),
    },
    "plausibility": {
        "series": ("Series", "", S),
        "model": ("Model", "", S),
        "year": ("Year", "year", I),
        "median": ("The model's median", "series unit", N),
        "bound": ("The bound: the world's AI-server market, or the series' fastest yearly growth every year", "series unit", N),
        "bound_low": ("Lower end of the bound's 80% band (the world market; empty for a growth bound)", "series unit", N),
        "bound_high": ("Upper end of that band", "series unit", N),
        "bound_kind": ("Which bound (analysis/coherence.py)", "", S),
        "ratio": ("median / bound: above 1 breaks it", "ratio", N),
        "mass_beyond": ("Probability that the model's value exceeds the bound (the bound uncertain over its band)", "", N),
        "implausible": ("Whether the median lies beyond the bound's 80% band (or the bound, without a band)", "", B),
        "warning": ("The one-line warning, on the first year a model breaks a bound", "", S),
    },
    "bias_test": {
        "errors": ("Which errors are tested", "", S),
        "n": ("Pairs", "", I),
        "negative": ("Errors below zero: the figure below the next word", "", I),
        "positive": ("Errors above zero", "", I),
        "sign_test_p": ("Two-sided sign test p (statsmodels sign_test)", "", N),
        "mean_log": ("Mean log error", "log points", N),
        "low": ("Lower end of its t interval (statsmodels DescrStatsW.tconfint_mean)", "log points", N),
        "high": ("Upper end of that interval", "log points", N),
        "confidence": ("The interval's confidence", "fraction", N),
        "enough": ("At least 5 pairs against at least 5 distinct outcomes", "", B),
    },
    "world_triangulation": {
        "year": ("Year", "year", I),
        "idc_world": ("IDC's world AI-server market: stated, or its latest vintage's path", "USD bn", N),
        "idc_vintage": ("'stated', or the vintage whose path gives idc_world", "", S),
        "nvidia_known": ("NVIDIA data-centre revenue in the fiscal quarters wholly inside the year", "USD bn", N),
        "nvidia_quarters": ("How many such quarters the information set holds", "", I),
        "nvidia_floor": ("The most NVIDIA data-centre revenue held for this year or an earlier one: the bound's floor", "USD bn", N),
        "nvidia_estimate": ("NVIDIA's year: known quarters plus the missing ones at the latest quarter's level", "USD bn", N),
        "world": ("The triangulated world AI-server market (analysis/world.py)", "USD bn", N),
        "world_low": ("Lower end of its 80% band, never below the floor", "USD bn", N),
        "world_high": ("Upper end of its 80% band", "USD bn", N),
        "basis": ("How the year's world figure was reached", "", S),
        "china": ("China's AI-server market (the assembled series; data years only)", "USD bn", N),
        "china_share_idc": ("China's share of IDC's world figure", "fraction", N),
        "china_share": ("China's share of the triangulated world", "fraction", N),
        "nvidia_china_low": ("China's 20% of NVIDIA's estimated data-centre revenue", "USD bn", N),
        "nvidia_china_high": ("China's 25% of it", "USD bn", N),
    },
    "decay_prior": {
        "half_life": ("Half-life of excess growth (years), a grid point of the prior", "years", N),
        "g_inf": ("Long-run growth rate, a grid point of the prior", "fraction", N),
        "prior": ("Prior weight (analysis/priors.py)", "", N),
        "loglik": ("Log-likelihood of the series' own consecutive growth rates (0: none to weigh)", "", N),
        "weight": ("Posterior weight of the grid point in the decay and nowcast mixtures", "", N),
        "series": ("Series", "", S),
    },
    "evaluation_summary": {
        "forecaster_type": ("vintage or model", "", S),
        "forecaster": ("Edition, release or model, or 'all' (every vintage, or every model, together)", "", S),
        "horizon": ("Horizon in years, or 'all'", "", S),
        "n": ("Comparable pairs", "", I),
        "bias_log": ("Mean log error (positive: forecasts above outcomes)", "log points", N),
        "mae_log": ("Mean absolute log error", "log points", N),
        "rmse_log": ("Root mean square log error", "log points", N),
        "n_distribution": ("Pairs with a predictive distribution", "", I),
        "coverage_50": ("Share of those outcomes inside the central 50% interval", "fraction", N),
        "coverage_80": ("Share inside the central 80% interval", "fraction", N),
        "coverage_95": ("Share inside the central 95% interval", "fraction", N),
        "interval_score_80": ("Mean interval score of the 80% interval", "log points", N),
        "crps_log": ("Mean CRPS", "log points", N),
        "enough": ("At least 5 pairs: fewer carry no claim ('too few to tell')", "", B),
    },
    "error_scale": {
        "horizon": ("Horizon in years, or 'all (per year ahead)': errors divided by max(horizon, 1), pooled", "", S),
        "n": ("Comparable pairs of the vintages' own forecasts", "", I),
        "rms_log": ("Root mean square log error", "log points", N),
        "low": ("Lower end of its 90% interval (chi-square, n df)", "log points", N),
        "high": ("Upper end of its 90% interval", "log points", N),
        "enough": ("At least 5 pairs", "", B),
    },
}


def codebook_frame() -> pd.DataFrame:
    rows = [dict(table=t, column=c, meaning=m, unit=u, type=ty)
            for t, cols in {**CODEBOOK, **FORECAST_CODEBOOK}.items() for c, (m, u, ty) in cols.items()]
    return pd.DataFrame(rows)


def _resource(name, path, description, fields, sources=None):
    res = {"name": name, "path": path, "profile": "tabular-data-resource", "format": "csv",
           "encoding": "utf-8", "mediatype": "text/csv", "description": description,
           "schema": {"fields": fields}}
    if sources:
        res["sources"] = sources
    return res


def datapackage(as_of: str, information_set_sha256: str) -> dict:
    """The data package of a build as of ``as_of``; its provenance is the hash of the information set
    it used (``information_set.csv``), not of the raw files, which may hold later rows."""
    article = {"title": "数智前线, 七成企业接受AIGC，如何应对算力焦虑？ (2023-12-07), reporting the IDC–Inspur "
                        "2023–2024 China AI Computing Power Development Assessment Report"}
    web = {"title": "Figures published up to December 2023 by earlier editions of the IDC–Inspur report, IDC trackers, "
                    "NVIDIA and CAICT (URLs per row)"}
    resources = []
    for t in TABLES.values():
        fields = [{"name": c, "type": _RAW_TYPES.get(c, S)} for c in t.columns]
        resources.append(_resource(f"raw-{t.name.replace('_', '-')}", f"raw/{t.file}", t.description, fields,
                                   [article, web]))
    descriptions = {
        "figures": "Every numeric figure of the information set, with clean units, parsed periods and the day it became public.",
        "implied": "Values implied by stated figures, with formulas.",
        "audit": "Checks of the report's own arithmetic by interval arithmetic: inputs, precision, tolerance, verdict.",
        "series": "Annual levels by indicator and vintage: the forecasts' input.",
        "vintages": "What each edition said: every vintage's level for each indicator and year, and its revision.",
        "editions": "The editions and releases known, with the day each became public.",
        "information_set": "Every raw row the build used, with the day it became public: the build's provenance.",
        "rankings": "Industry and city rankings.",
        "codebook": "One row per column of every processed table.",
        "forecasts": "Forecasts by series, model, year and interval level: medians and t-based prediction intervals.",
        "model_comparison": "Each model against the report's path at its horizon, with its real-time scores.",
        "evaluation": "Every forecast made with what was public at its date, scored against the next figure published.",
        "evaluation_summary": "Real-time scores by forecaster, comparable pairs, each with its n.",
        "error_scale": "The vintages' own log-error scale by horizon, with its uncertainty.",
        "plausibility": "Every model's median against the world market and the series' fastest growth, with warnings.",
        "decay_prior": "The decay and nowcast models' prior grid and its weights for each series.",
        "bias_test": "Whether the vintages run low: a sign test and the mean log error with its interval, with n.",
        "world_triangulation": "The world AI-server market from IDC, NVIDIA's revenue and China's share, with its band.",
        "series_assembly": "Which published value is used for each series and year, and why.",
    }
    for t, cols in {**CODEBOOK, **FORECAST_CODEBOOK}.items():
        fields = [{"name": c, "type": ty, "description": m + (f" ({u})" if u else "")} for c, (m, u, ty) in cols.items()]
        resources.append(_resource(t, f"processed/{t}.csv", descriptions[t], fields))
    return {
        "profile": "tabular-data-package",
        "name": "suanli",
        "title": "suanli: China's AI compute build-out, from the IDC–Inspur 2023–2024 report",
        "description": f"Hand transcription (raw/) and cleaned, audited tables (processed/). Information set as of "
                       f"{as_of}: only figures public by that day are used (processed/information_set.csv lists them).",
        "keywords": ["China", "AI servers", "compute", "EFLOPS", "IDC", "Inspur"],
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
                      "title": "Creative Commons Attribution 4.0; figures © IDC and Inspur, credited as the source"}],
        "sources": [article, web],
        "custom": {"as_of": as_of, "information_set_sha256": information_set_sha256},
        "resources": resources,
    }


def datapackage_json(as_of: str, information_set_sha256: str) -> str:
    return json.dumps(datapackage(as_of, information_set_sha256), ensure_ascii=False, indent=2) + "\n"


def table_sha256(name: str, frame: pd.DataFrame) -> str:
    """The SHA-256 of table ``name`` exactly as :func:`write_all` writes it."""
    import hashlib

    from analysis.base.atomic import csv_text  # the exact text of a written table (a shared leaf)

    return hashlib.sha256(csv_text(frame[list({**CODEBOOK, **FORECAST_CODEBOOK}[name])]).encode("utf-8")).hexdigest()


def write_all(outputs: dict[str, pd.DataFrame], processed=None) -> list[str]:
    """Write processed tables atomically, columns in codebook order; refuse a table that differs from it."""
    from analysis.base.atomic import write_csv  # atomic, staged writes (a shared leaf)

    processed = processed or paths.PROCESSED
    written = []
    for name, frame in outputs.items():
        cols = list({**CODEBOOK, **FORECAST_CODEBOOK}[name])
        missing = set(cols) ^ set(frame.columns)
        if missing:
            raise ValueError(f"table {name}: columns {sorted(missing)} differ from the codebook")
        write_csv(processed / f"{name}.csv", frame[cols])
        written.append(paths.rel(processed / f"{name}.csv"))
    return written
