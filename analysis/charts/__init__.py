"""Charts: every figure of the compendium as an Altair chart, and one exporter for all formats.

The package has one job per module:

* :mod:`~analysis.charts.style`: the ONE colour map (a model, an edition, a verdict, a city → its
  colour, used by every chart), palettes, font, sources, tooltip titles, and :func:`finish`;
* :mod:`~analysis.charts.machinery`: the renderer, placeholders, the byte-deterministic exporter
  (SVG with its own font subset embedded, PNG 2×, Vega-Lite JSON, standalone HTML with Vega and
  the font inlined, all through vl-convert) and the label geometry;
* one module per family of figures: :mod:`~analysis.charts.forecasts` (the forecast panels and
  the models' comparison), :mod:`~analysis.charts.record` (the real-time record and what each
  edition said), :mod:`~analysis.charts.context` (adoption, NVIDIA, the GenAI share),
  :mod:`~analysis.charts.rankings` (cities, industries), :mod:`~analysis.charts.claims` (the
  audit) and :mod:`~analysis.charts.world` (the world market's triangulation).

Conventions, applied by :func:`finish` to every chart: a title that states the message, a
subtitle that says what to see, a source line naming the report edition and the article (the
last subtitle line); axis titles with units; text at 10 px or more, drawn at its natural size on
every page (a phone scrolls a wide figure, never shrinks its text below 9 CSS px); English first,
with the report's own Chinese terms where they help, all set in the project's font, Suanli Sans
(see :mod:`analysis.fonts`), so no host font can change a byte of the SVG or PNG.

This is the science layer: it imports other science modules and :mod:`analysis.base` only.
Notebooks use the names below as ``charts.<name>``.
"""
from __future__ import annotations

from analysis.charts.claims import AUDIT_RULES, audit_chart, short_description
from analysis.charts.context import adoption_survey, genai_share, nvidia_revenue
from analysis.charts.forecasts import (MODEL_KEYS, ai_server_market, compute_growth, forecast_panel, model_comparison,
                                       model_key, model_labels, report_marker, run_lines, scenario_rates)
from analysis.charts.machinery import (SOURCE_SHA256, Figure, _y_domain, as_of_or_placeholder, dodge, end_labels,
                                       enable_renderer, export, placeholder, render, standalone_html)
from analysis.charts.outcomes import fans as unblinding_fans
from analysis.charts.outcomes import unblinding
from analysis.charts.rankings import GAP_DASH, city_ranking, industry_ranking, rank_segments
from analysis.charts.record import EVALUATION_FIELDS, edition_paths, track_record
from analysis.charts.style import (CITY_ZH, DISTINCT, END_NAMES, FIELD_TITLES, FONT, GREY, KIND_LABELS, KIND_SHAPES,
                                   LIGHT_VERMILLION, MODEL_COLORS, MODEL_ORDER, OKABE_ITO, REPORT_COLOR, SERIES_ZH,
                                   SOURCE_2324, SOURCE_EDITIONS, SOURCE_NVIDIA, SPEC_DIGITS, WIDTH, color_of,
                                   color_scale, finish, stable, tips)
from analysis.charts.world import world_triangulation
from analysis.domain import MODEL_LABELS, SERIES_LABELS

__all__ = [n for n in dir() if not n.startswith("__")]
