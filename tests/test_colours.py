"""One colour per label, everywhere: every committed figure is compiled to Vega (the scales Vega
actually draws, after Vega-Lite has merged the scales of concatenated and layered views), and each
label a colour scale names must get one colour across all scales and all figures, and the colour
:mod:`analysis.charts.style` gives it. Decorations such as "(n = 3)" are ignored.

This catches what a reading of the Vega-Lite spec cannot: ``model_comparison``'s two panels shared
one colour scale, Vega unioned the top panel's 7 labels with the bottom's 5 "… (n = 3)" labels and
cycled the first panel's 7 colours over the 12, so log-linear wore the nowcast's blue.
"""
from __future__ import annotations

import json
from collections import defaultdict

import pandas as pd
import pytest
import vl_convert as vlc

from analysis.base import paths
from analysis.charts import style

SPECS = sorted(paths.FIGURES.glob("*.vl.json"))
CHANNELS = ("color", "fill", "stroke")


def _scales(node):
    if isinstance(node, dict):
        for s in node.get("scales", []):
            yield s
        for v in node.values():
            yield from _scales(v)
    elif isinstance(node, list):
        for v in node:
            yield from _scales(v)


def colour_scales(vega: dict) -> list[dict]:
    """The colour scales of a compiled Vega spec (not stroke width or dash)."""
    return [s for s in _scales(vega) if s.get("type", "ordinal") in ("ordinal", "point", "band")
            and any(s["name"] == c or s["name"].endswith("_" + c) or s["name"].startswith(c) for c in CHANNELS)
            and not s["name"].startswith(("strokeDash", "strokeWidth", "strokeOpacity", "fillOpacity"))]


def label_colours(vega: dict, figure: str) -> tuple[dict[str, set[str]], list[str]]:
    """label → the colours its scales give it (as Vega draws: the range cycles past its end), and the
    scales whose domain or range is not written out (data-driven, a named scheme)."""
    out, unnamed = defaultdict(set), []
    for s in colour_scales(vega):
        domain, rng = s.get("domain"), s.get("range")
        if isinstance(domain, dict) and all(isinstance(f, list) for f in domain.get("fields", [None])):
            domain = list(dict.fromkeys(v for f in domain["fields"] for v in f))  # Vega's union of shared scales
        if not isinstance(domain, list) or not isinstance(rng, list):
            unnamed.append(f"{figure}: {s['name']}")
            continue
        for i, label in enumerate(domain):
            out[style.bare(label)].add(str(rng[i % len(rng)]).upper())
    return out, unnamed


def conflicts(figures: dict[str, dict]) -> list[str]:
    """Every label with more than one colour across ``figures`` (name → compiled Vega), or a colour
    other than the style's; and every colour scale that does not list its domain and range."""
    seen, where, bad = defaultdict(set), defaultdict(set), []
    for name, vega in figures.items():
        found, unnamed = label_colours(vega, name)
        bad += [f"{u}: domain or range not written out" for u in unnamed]
        for label, colours in found.items():
            seen[label] |= colours
            where[label].add(name)
    for label, colours in sorted(seen.items()):
        if len(colours) > 1:
            bad.append(f"{label!r}: {sorted(colours)} in {sorted(where[label])}")
        elif label in style.COLORS and colours != {style.COLORS[label].upper()}:
            bad.append(f"{label!r}: {sorted(colours)}, the style says {style.COLORS[label]}")
    return bad


@pytest.fixture(scope="module")
def compiled():
    return {p.name.removesuffix(".vl.json"): vlc.vegalite_to_vega(json.loads(p.read_text(encoding="utf-8")))
            for p in SPECS}


def test_every_label_has_one_colour_across_all_figures(compiled):
    assert len(compiled) >= 10
    assert sum(len(label_colours(v, n)[0]) for n, v in compiled.items()) >= 20  # real labels were read
    assert conflicts(compiled) == []


def test_every_model_is_drawn_in_its_own_colour_where_it_is_coloured(compiled):
    """The models of the comparison are coloured by the style, in both panels."""
    found, _ = label_colours(compiled["model_comparison"], "model_comparison")
    for m in ("drift", "loglinear", "ets", "combination"):
        assert found[style.MODEL_LABELS[m]] == {style.MODEL_COLORS[m].upper()}, m


def _old_model_comparison() -> dict:
    """model_comparison as it was drawn: a top panel over 7 model labels and a bottom one over 5
    labels "… (n = 3)", concatenated with the colour scale shared."""
    import altair as alt

    order = style.MODEL_ORDER
    top_labels = [style.MODEL_LABELS[m] for m in order]
    bottom_models = ["drift", "decay", "loglinear", "ets", "combination"]
    bottom_labels = [f"{style.MODEL_LABELS[m]} (n = 3)" for m in bottom_models]
    top = alt.Chart(pd.DataFrame({"m": top_labels, "x": range(7)})).mark_point().encode(
        x="x:Q", y="m:N", color=alt.Color("m:N", scale=alt.Scale(domain=top_labels,
                                                                  range=[style.MODEL_COLORS[m] for m in order])))
    bottom = alt.Chart(pd.DataFrame({"m": bottom_labels, "x": range(5)})).mark_point().encode(
        x="x:Q", y="m:N", color=alt.Color("m:N", scale=alt.Scale(domain=bottom_labels,
                                                                  range=[style.MODEL_COLORS[m] for m in bottom_models])))
    return vlc.vegalite_to_vega(alt.vconcat(top, bottom).to_dict())


def test_the_colour_check_fails_on_the_old_model_comparison():
    bad = conflicts({"model_comparison": _old_model_comparison()})
    assert any(b.startswith("'Log-linear trend'") for b in bad), bad
    assert any(b.startswith("'Damped trend (ETS)'") for b in bad), bad


def test_the_colour_check_fails_on_a_scheme_or_a_label_coloured_twice():
    import altair as alt

    frame = pd.DataFrame({"m": ["Combination", "Drift"], "x": [0, 1]})
    scheme = alt.Chart(frame).mark_point().encode(x="x:Q", color="m:N")
    assert conflicts({"s": vlc.vegalite_to_vega(scheme.to_dict())}) == ["s: color: domain or range not written out"]
    other = alt.Chart(frame).mark_point().encode(x="x:Q", color=alt.Color("m:N", scale=alt.Scale(
        domain=["Combination", "Drift"], range=["#000000", style.MODEL_COLORS["drift"]])))
    assert conflicts({"o": vlc.vegalite_to_vega(other.to_dict())}) == [
        f"'Combination': ['#000000'], the style says {style.MODEL_COLORS['combination']}"]


def test_a_decorated_label_is_the_label():
    assert style.bare("Growth decay (n = 12)") == "Growth decay"
    assert style.bare("Scenario (30% a year)") == "Scenario"
    assert style.color_of("Log-linear trend (dashed: within 1% of drift)") == style.MODEL_COLORS["loglinear"]
    with pytest.raises(KeyError):
        style.color_of("a label no chart colours by")
