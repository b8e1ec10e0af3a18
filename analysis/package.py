"""The codebook and the Frictionless data package: what every column of every table means.

One dictionary, :data:`CODEBOOK`, describes each column once (meaning, unit, type). From it
the cleaning notebook writes ``data/processed/codebook.csv`` for readers and
``data/datapackage.json`` for machines; the tests validate the package, and so every cleaned
file, with the frictionless library.
"""
from __future__ import annotations

import json

import pandas as pd

from analysis.build import paths  # the one source of paths, in the build layer (allowed: tests/test_layers.py)
from analysis.sources import CUTOFF, TABLES

S, N, I, B = "string", "number", "integer", "boolean"
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
        "note": ("Note", "", S),
    },
    "audit": {
        "check_id": ("Id of the check", "", S),
        "rule": ("equal, revision (an earlier edition against a later one), greater (a claim that one value "
                 "exceeds another) or implication (a derived fact, not a test)", "", S),
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
        "kind": ("actual, estimate, forecast or derived", "", S),
        "vintage": ("Edition that published (or implies) the value", "", S),
        "vintage_order": ("Order of publication (higher is later)", "", I),
        "id": ("Id of the figure or derived value", "", S),
        "source_table": ("article, published or implied", "", S),
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
        "model": ("drift, decay, loglinear, ets, combination, scenario or report_path", "", S),
        "year": ("Calendar year", "year", I),
        "median": ("Point forecast: the median of the predictive distribution (report_path: the report's path)",
                   "series unit", N),
        "lower": ("Lower bound of the central prediction interval", "series unit", N),
        "upper": ("Upper bound of the central prediction interval", "series unit", N),
        "level": ("Nominal coverage of the interval (one row per level; empty for report_path)", "fraction", N),
        "distribution": ("Predictive distribution on the log scale: t(dof), a mixture of two, or none", "", S),
        "dof": ("Degrees of freedom of the t (Welch-Satterthwaite); empty for a mixture or report_path", "", N),
        "train_start": ("First year used", "year", I),
        "train_end": ("Last year used", "year", I),
        "sigma_source": ("pooled (noise and drift variance from the sources in notebook 02); report_path: its points",
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
        "backtest_n": ("Number of real-time backtest points scored", "", I),
        "log_error": ("Mean absolute log error of the backtest medians", "log points", N),
        "interval_score_log": ("Mean interval score (Gneiting & Raftery 2007) on the log scale", "log points", N),
        "crps_log": ("Mean CRPS of the predictive distribution on the log scale", "log points", N),
        "distribution": ("Predictive distribution on the log scale", "", S),
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
    "backtests": {
        "series": ("Series", "", S),
        "model": ("Model", "", S),
        "origin": ("Edition whose published figures the fit used (real time)", "", S),
        "train_end": ("Last year of data used", "year", I),
        "year": ("Year forecast", "year", I),
        "horizon": ("year - train_end", "years", I),
        "forecast": ("Median forecast", "series unit", N),
        "actual": ("Latest published value (it may itself be an estimate)", "series unit", N),
        "error_log": ("log(forecast) - log(actual)", "log points", N),
        "error_pct": ("forecast / actual - 1", "percent", N),
        "level": ("Nominal coverage of the interval", "fraction", N),
        "lower": ("Lower bound of the prediction interval", "series unit", N),
        "upper": ("Upper bound of the prediction interval", "series unit", N),
        "interval_score_log": ("Interval score on the log scale", "log points", N),
        "crps_log": ("CRPS on the log scale", "log points", N),
        "note": ("What the fit used", "", S),
    },
    "track_record": {
        "series": ("Series", "", S),
        "edition": ("Earlier edition whose forecast is scored", "", S),
        "base_year": ("That edition's last data year", "year", I),
        "year": ("Year forecast", "year", I),
        "horizon": ("year - base_year", "years", I),
        "method": ("How the forecast for that year is read from the edition", "", S),
        "forecast": ("The earlier edition's forecast", "series unit", N),
        "later_figure": ("The figure published later, by December 2023", "series unit", N),
        "later_edition": ("Edition of the later figure", "", S),
        "later_kind": ("actual, derived or estimate", "", S),
        "error_log": ("log(forecast) - log(later figure)", "log points", N),
        "error_pct": ("forecast / later figure - 1", "percent", N),
        "comparable": ("Whether both figures measure the same thing", "", B),
        "note": ("Note", "", S),
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


def datapackage() -> dict:
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
        "figures": "Every numeric figure with clean units and parsed periods.",
        "implied": "Values implied by stated figures, with formulas.",
        "audit": "Checks of the report's own arithmetic by interval arithmetic: inputs, precision, tolerance, verdict.",
        "series": "Annual levels by indicator and vintage: the forecasts' input.",
        "rankings": "Industry and city rankings.",
        "codebook": "One row per column of every processed table.",
        "forecasts": "Forecasts by series, model, year and interval level: medians and t-based prediction intervals.",
        "backtests": "Real-time backtests: each model fitted on an earlier edition's figures, with proper scores.",
        "model_comparison": "Each model against the report's path for 2027, with its backtest scores.",
        "track_record": "The report's earlier editions' forecasts against figures published later, by 2023-12.",
        "series_assembly": "Which published value is used for each series and year, and why.",
    }
    for t, cols in {**CODEBOOK, **FORECAST_CODEBOOK}.items():
        fields = [{"name": c, "type": ty, "description": m + (f" ({u})" if u else "")} for c, (m, u, ty) in cols.items()]
        resources.append(_resource(t, f"processed/{t}.csv", descriptions[t], fields))
    return {
        "profile": "tabular-data-package",
        "name": "suanli",
        "title": "suanli: China's AI compute build-out, from the IDC–Inspur 2023–2024 report",
        "description": "Hand transcription (raw/) and cleaned, audited tables (processed/). Information cut-off: "
                       "2023-12-07, the date of the article; nothing published later is used.",
        "keywords": ["China", "AI servers", "compute", "EFLOPS", "IDC", "Inspur"],
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
                      "title": "Creative Commons Attribution 4.0; figures © IDC and Inspur, credited as the source"}],
        "sources": [article, web],
        "custom": {"information_cutoff": CUTOFF},
        "resources": resources,
    }


def datapackage_json() -> str:
    return json.dumps(datapackage(), ensure_ascii=False, indent=2) + "\n"


def write_all(outputs: dict[str, pd.DataFrame], processed=None) -> list[str]:
    """Write processed tables atomically, columns in codebook order; refuse a table that differs from it."""
    from analysis.build.atomic import write_csv  # atomic, staged writes (allowed: tests/test_layers.py)

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
