"""The forecast figures: one series' panel (history, model lines labelled at their ends, the fan,
the report's path and value, the world's market as a ceiling), the two compute panels, the
AI-server market and the models' comparison with their real-time record."""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from analysis.charts.machinery import _y_domain, end_labels
from analysis.charts.record import EVALUATION_FIELDS
from analysis.charts.style import (END_NAMES, GREY, KIND_LABELS, KIND_SHAPES, MODEL_COLORS, MODEL_ORDER, REPORT_COLOR,
                                   SERIES_ZH, SOURCE_SHORT, WIDTH, _fmt, _wrap, color_scale, finish, tint, tips)
from analysis.domain import (DEFAULT_AS_OF, LAST_DATA_YEAR, MODEL_LABELS, REPORT_EDITION, REPORT_HORIZON,
                             SERIES_LABELS, enough, headline_level)

def _history(series_table: pd.DataFrame, assembly: pd.DataFrame, series: str) -> pd.DataFrame:
    """The points a forecast figure draws as data: up to the last data year (a derived 2027 value is
    the report's forecast, drawn as such), one row per year and value, each with what it is
    (``kind_label``) and whether it was used; a point not used is drawn a little to the left, so
    that it never hides under the one that was (and otherwise sits on its year's tick)."""
    h = series_table[(series_table["indicator"] == series) & (series_table["kind"] != "forecast")
                     & (series_table["year"] <= LAST_DATA_YEAR)].copy()
    used = set(assembly.loc[assembly["used"] & (assembly["indicator"] == series), "id"])
    h["status"] = np.where(h["id"].isin(used), "used for fitting", "not used")
    h = h.sort_values(["status", "year"], ascending=[False, True]).drop_duplicates(["year", "value"])
    h["series_zh"] = SERIES_ZH[series]
    h["kind_label"] = h["kind"].map(KIND_LABELS).fillna(h["kind"])
    # a point not used sits on its year's tick, unless a used point shares the year: then a little left
    shared = set(h.loc[h["status"] == "used for fitting", "year"])
    unused = h[(h["status"] == "not used") & h["year"].isin(shared)]
    unused_rank = unused.groupby("year").cumcount() + 1
    h["x"] = h["year"] - 0.14 * unused_rank.reindex(h.index).fillna(0)
    return h.sort_values(["status", "year"], ascending=[True, True])  # 'used' points drawn last, on top


def _fan_levels(f: pd.DataFrame) -> list[float]:
    return sorted(set(f["level"].dropna()), reverse=True)


def report_marker(series_table: pd.DataFrame, series: str) -> pd.DataFrame:
    """The report's own value at its horizon (one row, or none): its stated forecast where it
    states one (a filled diamond), else the value its stated growth rate implies (hollow)."""
    t = series_table[(series_table["indicator"] == series) & (series_table["year"] == REPORT_HORIZON)
                     & (series_table["vintage"] == REPORT_EDITION) & series_table["kind"].isin(["forecast", "derived"])]
    t = t.assign(stated=t["kind"] == "forecast").sort_values("stated", ascending=False, kind="stable").head(1)
    return t.assign(what=np.where(t["stated"], "the report's forecast", "implied by the report's growth rate"))



BEYOND = "#FBE3E3"


def forecast_panel(series: str, series_table, assembly, forecasts, band_model: str = "combination",
                   width: int = WIDTH, log: bool = True, height: int = 300, world=None):
    """One series' history, model lines, fan and the report's path; ``world`` (year, world): a
    ceiling the series cannot pass (the whole world's market), drawn as a line with the region
    above it tinted."""
    f = forecasts[forecasts["series"] == series]
    hist = _history(series_table, assembly, series)
    last = hist[hist["status"] == "used for fitting"].sort_values("year").tail(1)
    marker = report_marker(series_table, series)
    rep = f[f["model"] == "report_path"]
    models = [m for m in MODEL_ORDER if m in set(f["model"])]
    band_m = band_model if band_model in models else (models[0] if models else None)
    band = f[f["model"] == band_m] if band_m else f.iloc[:0]
    fitted = f[f["model"].isin(models)].drop_duplicates(["model", "year"])
    horizon = int(fitted["year"].max()) if models else 0
    # the labels at the end of each line: its name and final value; the report's at its 2027 value
    final = fitted[fitted["year"] == horizon]
    ends = pd.DataFrame({"year": final["year"], "value": final["median"],
                         "label": [f"{END_NAMES.get(m, m)} {_fmt(v)}" for m, v in zip(final["model"], final["median"])],
                         "color": [MODEL_COLORS[m] for m in final["model"]]})
    if len(marker):
        m0 = marker.iloc[0]
        ends = pd.concat([ends, pd.DataFrame({"year": [REPORT_HORIZON], "value": [m0["value"]], "color": [REPORT_COLOR],
                                              "label": [f"Report {_fmt(m0['value'])}" + ("" if m0["stated"] else " (implied)")]})])
    world = world if world is not None and len(world) else None
    domain = _y_domain(pd.concat([hist["value"], band["lower"], band["upper"], fitted["median"], rep["median"],
                                  marker["value"]] + ([world["world"]] if world is not None else [])
                                 + ([world["world_high"]] if world is not None and "world_high" in world.columns else [])),
                       log)
    ends = end_labels(ends, domain, log, height)
    yscale = alt.Scale(type="log", domain=domain, nice=False) if log else alt.Scale(domain=domain, nice=False, zero=False)
    xscale = alt.Scale(zero=False, nice=False, padding=16)
    x = alt.X("year:Q", title="Year", axis=alt.Axis(format="d", tickMinStep=1), scale=xscale)
    y_title = SERIES_LABELS[series] + (", log scale" if log else "")
    layers = []
    if horizon > REPORT_HORIZON:
        ext = pd.DataFrame({"start": [REPORT_HORIZON + 0.5], "end": [horizon + 0.5],
                            "label": [f"after {REPORT_HORIZON}: extrapolation"]})
        # a dashed rule where the report's horizon ends, drawn over the fan (an opaque fan would hide a band)
        extrapolation = [alt.Chart(ext).mark_rule(color=GREY, strokeDash=[3, 3], strokeWidth=1.2).encode(
                             x=alt.X("start:Q", scale=xscale), tooltip=tips("label")),
                         alt.Chart(ext).mark_text(align="left", baseline="bottom", dx=4, dy=-4, fontSize=10, color=GREY)
                         .encode(x=alt.X("start:Q", scale=xscale), y=alt.value(height),
                                 text=alt.value(["extrapolation", f"after {REPORT_HORIZON}"]))]
    if world is not None:
        # tinted above the bound's upper 80% end where it has a band, else above the bound itself
        edge = "world_high" if "world_high" in world.columns else "world"
        w = world.assign(top=domain[1], label="above the whole world's AI-server market (its 80% band's upper end)"
                         if edge == "world_high" else "above the whole world's AI-server market (same sources)")
        layers.append(alt.Chart(w).mark_area(color=BEYOND, opacity=1).encode(
            x=x, y=alt.Y(f"{edge}:Q", scale=yscale, title=y_title), y2="top:Q", tooltip=tips("label", "year")))
        world_line = (alt.Chart(w).mark_line(color=GREY, strokeDash=[6, 2], strokeWidth=1.2).encode(
            x=x, y=alt.Y("world:Q", scale=yscale, title=y_title),
            tooltip=[alt.Tooltip("year:Q", title="year"), alt.Tooltip("world:Q", format=".1f", title="world market"),
                     alt.Tooltip("vintage:N", title="as forecast by")]))
        first = w.iloc[[0]]
        layers.append(alt.Chart(first).mark_text(align="left", baseline="top", dx=4, dy=4, fontSize=10, color=GREY)
                      .encode(x=x, y=alt.Y("top:Q", scale=yscale, title=y_title),
                              text=alt.value("Tinted: above the world's market" + (
                                  "" if edge == "world" else " band"))))
    for i, level in enumerate(_fan_levels(band)):
        fan = band[band["level"] == level]
        if len(last) and len(fan):  # the fan opens from the last point fitted, not with an edge at the first forecast year
            y0, v0 = int(last["year"].iloc[0]), float(last["value"].iloc[0])
            if y0 < int(fan["year"].min()):
                fan = pd.concat([fan.head(1).assign(year=y0, lower=v0, upper=v0), fan], ignore_index=True)
        # a solid tint (the model's colour mixed with white), never a translucent one that blends with what lies under it
        layers.append(alt.Chart(fan).mark_area(opacity=1, color=tint(MODEL_COLORS[band_m], 0.16 + 0.1 * i))
                      .encode(x=x, y=alt.Y("lower:Q", scale=yscale, title=y_title), y2="upper:Q",
                              tooltip=tips("model", "year", "level", alt.Tooltip("lower:Q", format=".1f"),
                                       alt.Tooltip("upper:Q", format=".1f"), "distribution")))
    if world is not None:  # the ceiling over the fan, so the fan never hides it
        layers.append(world_line)
    if horizon > REPORT_HORIZON:
        layers += extrapolation
    # the report's path is drawn under the model lines, so where they run together the model shows
    if len(rep):
        layers.append(alt.Chart(rep).mark_line(strokeDash=[2, 3], color=REPORT_COLOR, strokeWidth=1.4).encode(
            x=x, y=alt.Y("median:Q", scale=yscale, title=y_title),
            tooltip=tips(alt.Tooltip("model", title="line"), "year", alt.Tooltip("median:Q", format=".1f"),
                     alt.Tooltip("sigma_source", title="report"))))
    anchor = pd.concat([last.assign(model=m, median=last["value"]) for m in models]) if len(last) and models else last
    lines = pd.concat([anchor[["model", "year", "median"]], fitted[["model", "year", "median"]]]) if models else fitted
    if len(lines):
        labels = model_labels(f)
        lines = lines.assign(model_label=lines["model"].map(labels))
        # the log-linear line is drawn dashed and last, so where it coincides with drift both show
        lines = lines.assign(order=np.where(lines["model"] == "loglinear", 1, 0)).sort_values("order", kind="stable")
        domain_m = [labels[m] for m in models]
        layers.append(alt.Chart(lines).mark_line(strokeWidth=1.8).encode(
            x=x, y=alt.Y("median:Q", scale=yscale, title=y_title),
            color=alt.Color("model_label:N", legend=None,
                            scale=alt.Scale(domain=domain_m, range=[MODEL_COLORS[m] for m in models])),
            strokeDash=alt.StrokeDash("model_label:N", legend=None, scale=alt.Scale(
                domain=domain_m, range=[[5, 3] if m == "loglinear" else [1, 0] for m in models])),
            detail="model:N",
            tooltip=tips(alt.Tooltip("model_label:N", title="model"), "model", "year", alt.Tooltip("median:Q", format=".1f"))))
    kinds = [k for k in KIND_SHAPES if k in set(hist["kind"])]
    layers.append(alt.Chart(hist).mark_point(filled=True, size=70, strokeWidth=1.5).encode(
        x=alt.X("x:Q", scale=xscale), y=alt.Y("value:Q", scale=yscale, title=y_title),
        shape=alt.Shape("kind_label:N", title="Data (filled: used for fitting)", legend=alt.Legend(direction="vertical"), scale=alt.Scale(
            domain=[KIND_LABELS[k] for k in kinds], range=[KIND_SHAPES[k] for k in kinds])),
        fill=alt.condition("datum.status == 'used for fitting'", alt.value(REPORT_COLOR), alt.value("#ffffff")),
        stroke=alt.value(REPORT_COLOR),
        tooltip=tips("series_zh", "year", alt.Tooltip("value:Q", format=".2f"), "unit", "kind", "vintage", "id", "status")))
    if len(marker):
        layers.append(alt.Chart(marker).mark_point(shape="diamond", size=150, strokeWidth=1.5, color=REPORT_COLOR).encode(
            x=alt.X("year:Q", scale=xscale), y=alt.Y("value:Q", scale=yscale, title=y_title),
            fill=alt.condition("datum.stated", alt.value(REPORT_COLOR), alt.value("#ffffff")),
            tooltip=tips("what", "year", alt.Tooltip("value:Q", format=".1f"), "unit", "vintage", "id")))
    if len(ends):
        layers.append(alt.Chart(ends).mark_text(align="left", baseline="middle", dx=9, fontSize=10).encode(
            x=alt.X("year:Q", scale=xscale), y=alt.Y("label_y:Q", scale=yscale, title=y_title), text="label:N",
            color=alt.Color("color:N", scale=None)))
    return alt.layer(*layers).properties(width=width, height=height)


def model_labels(forecasts: pd.DataFrame) -> dict[str, str]:
    """Legend labels; where the log-linear trend and drift coincide (two points), the label says so."""
    labels = dict(MODEL_LABELS)
    rates = scenario_rates(forecasts)
    if len(rates) == 1:
        labels["scenario"] = f"Scenario ({next(iter(rates.values())):.0%} a year)"
    f = forecasts[forecasts["model"].isin(["loglinear", "drift"])]
    if len(f) and set(f["model"]) == {"loglinear", "drift"}:
        wide = f.drop_duplicates(["series", "model", "year"]).pivot_table(index=["series", "year"], columns="model",
                                                                         values="median")
        gap = (np.log(wide["loglinear"]) - np.log(wide["drift"])).abs().max()
        if gap < np.log(1.01):
            labels["loglinear"] = "Log-linear trend (dashed: within 1% of drift)"
    return labels


def _band_model(forecasts) -> str | None:
    """The model whose intervals a figure draws as its fan: the combination, else the first shown."""
    models = [m for m in MODEL_ORDER if m in set(forecasts["model"])]
    return "combination" if "combination" in models else (models[0] if models else None)


def _extrapolation_text(forecasts) -> str:
    fitted = forecasts[forecasts["model"] != "report_path"]
    return f"; right of the grey dashed rule: after {REPORT_HORIZON}, extrapolation" if len(fitted) and fitted["year"].max() > REPORT_HORIZON else ""


def _fan_text(forecasts) -> str:
    """'the combination's 50%/80%/95% intervals' — following the model and levels a run chose."""
    levels = "/".join(f"{lv:.0%}" for lv in sorted(_fan_levels(forecasts)))
    band = _band_model(forecasts)
    name = END_NAMES.get(band, str(band))
    return f"the {name if name.isupper() else name.lower()}'s {levels} intervals" if band else "no intervals"


def scenario_rates(forecasts) -> dict[str, float]:
    """A scenario's yearly growth rate per series, read back from its medians."""
    out = {}
    sc = forecasts[forecasts["model"] == "scenario"].drop_duplicates(["series", "year"]).sort_values("year")
    for series, g in sc.groupby("series"):
        if len(g) >= 2:
            (y0, m0), (y1, m1) = g[["year", "median"]].iloc[0], g[["year", "median"]].iloc[-1]
            out[series] = (m1 / m0) ** (1 / (y1 - y0)) - 1
    return out


def run_lines(run: str, forecasts, as_of: str = DEFAULT_AS_OF) -> list[str]:
    """For a named run: a subtitle line saying which run this is and what it was asked for (and, for
    a build as of another date than the article's, that date)."""
    dated = [f"Information set as of {as_of}: only what was public by then."] if as_of != DEFAULT_AS_OF else []
    if not run:
        return dated
    models = [MODEL_LABELS[m] for m in MODEL_ORDER if m in set(forecasts["model"])]
    fitted = forecasts[forecasts["model"] != "report_path"]
    parts = [f"Run '{run}' (make forecast RUN={run})" + (f": to {int(fitted['year'].max())}" if len(fitted) else
                                                          ": no series to forecast"),
             "levels " + "/".join(f"{lv:.0%}" for lv in sorted(_fan_levels(forecasts)))]
    rates = scenario_rates(forecasts)
    if rates:
        parts.append("scenario growth " + ", ".join(f"{SERIES_LABELS[s].split(' (')[0].split(',')[0]} {r:.0%}"
                                                    for s, r in sorted(rates.items())))
    return dated + ["; ".join(parts) + ".", "Models: " + ", ".join(models) + f". All parameters: runs/{run}/params.yaml."]


#: What each model is, for the key under a forecast figure (its lines are labelled at their ends).
MODEL_KEYS = {"drift": "drift (growth persists)", "decay": "decay (growth reverts toward a long-run rate)",
              "nowcast": "nowcast (the latest half-year's growth, then decay)",
              "loglinear": "log-linear trend (dashed)", "ets": "damped trend (ETS)",
              "combination": "combination (the default, by a rule fixed before the scores)",
              "scenario": "scenario (a growth rate you set)"}


def model_key(forecasts) -> str:
    """The key to the labelled lines, for the models a run drew."""
    models = [MODEL_KEYS[m] for m in MODEL_ORDER if m in set(forecasts["model"])]
    if not models:
        return ""
    listed = ", ".join(models[:-1]) + (" and " if len(models) > 1 else "") + models[-1]
    return f"Each line is a model's median, labelled at its end with its last value: {listed}."



def report_among_models(forecasts, series: str, unit: tuple[str, str] = ("", "")) -> str | None:
    """Where the report's value for its last year lies among the models' medians, as a message:
    "General compute in 2027: the report's 117 is above every model's median (…)"."""
    f = forecasts[forecasts["series"] == series].drop_duplicates(["model", "year"])
    rep = f[f["model"] == "report_path"]
    if rep.empty:
        return None
    year = int(rep["year"].max())
    medians = f[(f["model"] != "report_path") & (f["year"] == year)]["median"]
    if medians.empty:
        return None
    report = float(rep.loc[rep["year"] == year, "median"].iloc[0])
    below, n = int((medians > report).sum()), len(medians)
    where = ("below every model's median" if below == n else "above every model's median" if below == 0
             else f"below {below} of {n} models' medians")
    before, after = unit
    return (f"{year}: the report's {before}{_fmt(report)}{after} is {where} "
            f"({_fmt(medians.min())} to {_fmt(medians.max())})")


#: The width of a forecast panel's plot: with its axis and end labels, a panel fits a 390-px phone.
PHONE_PLOT = 220
#: Characters per subtitle line of a phone-width figure (11 px text), and per title line (15 px bold).
PHONE_LINE, PHONE_TITLE = 60, 40


def _key(forecasts) -> str:
    """What the marks of a forecast panel are, in one short paragraph."""
    return ("Coloured lines: each model's median, labelled at its end. Fan: " + _fan_text(forecasts)
            + ". Black: the report (dotted: its path; diamond: its " + str(REPORT_HORIZON)
            + " value, hollow where only its growth rate is stated)" + _extrapolation_text(forecasts)
            + ". Filled points were used for fitting, hollow ones not.")


def compute_growth(series_table, assembly, forecasts, run_note: list[str] = (), title: str | None = None):
    """Intelligent and general compute, one panel above the other (a phone's width), each titled
    with where the report lies among the models; ``title`` states the figure's message (see
    :func:`analysis.figure_notes.compute_growth_title`), else a neutral one."""
    names = {"intelligent_compute": "Intelligent compute 智能算力 (FP16)", "general_compute": "General compute 通用算力 (FP64)"}
    panels = [forecast_panel(s, series_table, assembly, forecasts, width=PHONE_PLOT, height=240).properties(
        title=alt.TitleParams([names[s]] + _wrap(report_among_models(forecasts, s) or "no report value to compare",
                                                  width=46), fontSize=12, anchor="start", offset=8))
        for s in names if s in set(forecasts["series"])]
    chart = alt.vconcat(*panels, spacing=20).resolve_scale(y="independent", color="independent", shape="shared")
    return finish(chart, _wrap(title or "China's AI compute: data by edition, forecasts and the report's path",
                               width=PHONE_TITLE),
                  _wrap(*run_note, width=PHONE_LINE) + _wrap(
                      _key(forecasts), "FP16 and FP64 EFLOPS count different operations at different precisions: the "
                      "panels are not comparable and are not added.", width=PHONE_LINE),
                  SOURCE_SHORT, "China intelligent compute 智能算力 (FP16) and general compute 通用算力 (FP64): "
                  "actuals by edition, statsmodels forecasts with intervals, and the report's projection.")


def ai_server_market(series_table, assembly, forecasts, run_note: list[str] = (), world=None):
    """China's AI-server market, with the whole world's (``world``: year, world, vintage) as its ceiling."""
    chart = forecast_panel("ai_server_market", series_table, assembly, forecasts, world=world, width=PHONE_PLOT)
    where = report_among_models(forecasts, "ai_server_market", ("USD ", " bn"))
    title = ("China's AI-server market 人工智能服务器市场 in " + where if where
             else "China's AI server market 人工智能服务器市场: two points, many futures")
    return finish(chart, _wrap(title, width=PHONE_TITLE - 6),  # its Chinese characters are twice as wide
                  _wrap(*run_note, width=PHONE_LINE) + _wrap(
                      _key(forecasts), "The 2022–23 edition's 2021 value is on another definition: not used.",
                      (("Grey dashed: the whole world's AI-server market, triangulated from IDC, NVIDIA's revenue and "
                        "China's share; tinted above its 80% band's upper end." if "world_high" in world.columns else
                        "Grey dashed: the whole world's AI-server market as the same sources forecast it; tinted above "
                        "it, where China's market cannot be.") if world is not None and len(world) else ""),
                      width=PHONE_LINE),
                  SOURCE_SHORT, "China AI server market 中国人工智能服务器市场 (USD bn): history, forecasts per "
                  "model and the report's 2027 projection.")


def model_comparison(comparison, evaluation, run_note: list[str] = ()):
    """Top: each model's median and interval at the report's horizon against the report's path.
    Bottom: each model's real-time record, every comparable pair as a point (no ranking below
    :data:`analysis.domain.MIN_PAIRS` pairs against as many outcomes, :func:`analysis.domain.enough`)."""
    mid = headline_level(comparison["level"])
    c = comparison[comparison["level"] == mid].copy()
    c["series_label"] = c["series"].map(SERIES_LABELS)
    c["model_label"] = c["model"].map(MODEL_LABELS)
    base = alt.Chart(c)
    y = alt.Y("model_label:N", title=None, sort=[MODEL_LABELS[m] for m in MODEL_ORDER])
    color = alt.Color("model_label:N", legend=None, scale=color_scale([MODEL_LABELS[m] for m in MODEL_ORDER]))
    bars = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("lower:Q", title=f"{int(c['year'].max())} value, log scale; {mid:.0%} interval",
                scale=alt.Scale(type="log"), axis=alt.Axis(labelOverlap="greedy")), x2="upper:Q", y=y, color=color)
    pts = base.mark_point(filled=True, size=60).encode(
        x="median:Q", y=y, color=color,
        tooltip=[alt.Tooltip("series_label:N", title="Series"), alt.Tooltip("model_label:N", title="Model"),
                 alt.Tooltip("year:Q", title="Year"), alt.Tooltip("median:Q", format=".1f", title="Median"),
                 alt.Tooltip("lower:Q", format=".1f", title="Lower"), alt.Tooltip("upper:Q", format=".1f", title="Upper"),
                 alt.Tooltip("report:Q", format=".1f", title="Report's path"),
                 alt.Tooltip("vs_report_pct:Q", format=".0f", title="Median vs report (%)"),
                 alt.Tooltip("distribution:N", title="Distribution")])
    rep = base.mark_tick(color=REPORT_COLOR, thickness=2, size=18).encode(
        x="report:Q", y=y, tooltip=[alt.Tooltip("report:Q", format=".1f", title="report's path")])
    top = alt.layer(bars, pts, rep).properties(width=165, height=120).facet(
        row=alt.Row("series_label:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left", labelAnchor="start",
                                                                     labelOrient="top", labelFontSize=12,
                                                                     labelFontWeight="bold")))
    top = top.resolve_scale(x="independent")
    ev = evaluation.loc[(evaluation["forecaster_type"] == "model") & evaluation["same_definition"],
                        EVALUATION_FIELDS].copy()
    few = True
    if len(ev):
        n = ev.groupby("forecaster").size()
        ev["model_name"] = ev["forecaster"].map(MODEL_LABELS)  # coloured by the model, as in the top panel
        ev["model_label"] = ev["model_name"] + " (n = " + ev["forecaster"].map(n).astype(str) + ")"
        order = [f"{MODEL_LABELS[m]} (n = {n[m]})" for m in MODEL_ORDER if m in n.index]
        err = alt.Chart(ev).mark_point(filled=True, size=60, opacity=0.8).encode(
            x=alt.X("error_pct:Q", title="Error of the median (%)"),
            y=alt.Y("model_label:N", title=None, sort=order, axis=alt.Axis(labelLimit=400)),
            color=alt.Color("model_name:N", legend=None, scale=color_scale([MODEL_LABELS[m] for m in MODEL_ORDER])),
            tooltip=[alt.Tooltip("model_label:N", title="Model"), alt.Tooltip("origin:N", title="Fitted on"),
                     alt.Tooltip("target_year:Q", title="Year forecast"), alt.Tooltip("horizon:Q", title="Horizon (years)"),
                     alt.Tooltip("fit_points:N", title="Points fitted"),
                     alt.Tooltip("forecast:Q", format=".1f", title="Median"),
                     alt.Tooltip("outcome:Q", format=".1f", title="Next figure published"),
                     alt.Tooltip("outcome_vintage:N", title="Published by"),
                     alt.Tooltip("error_pct:Q", format=".1f", title="Error (%)"),
                     alt.Tooltip("pit:Q", format=".2f", title="PIT")])
        zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color=GREY).encode(x="x:Q")
        few = not any(enough(g) for _, g in evaluation.loc[ev.index].groupby("forecaster"))
        bottom = alt.layer(zero, err).properties(width=165, title=alt.TitleParams(
            _wrap("Real-time record: each model fitted on what was public at the time"
                  + (" (too few pairs to rank)" if few else ""), width=46), fontSize=12, anchor="start"))
        chart = alt.vconcat(top, bottom).resolve_scale(color="independent")
    else:
        chart = top
    above = int((c["median"] > c["report"]).sum())
    message = (f"In {int(c['year'].max())}, {above} of {len(c)} model medians lie above the report's path"
               + ("; too few real-time pairs to rank any model" if len(ev) and few else ""))
    return finish(chart, _wrap(message, width=PHONE_TITLE),
                  _wrap(*run_note, f"Top: each model's median and {mid:.0%} interval; black tick: the report's path. "
                        "Bottom: every comparable real-time pair of each model, its error against the next figure "
                        "published; n per model.", width=PHONE_LINE),
                  SOURCE_SHORT, "Model comparison: forecasts against the report, and each model's real-time errors.")
